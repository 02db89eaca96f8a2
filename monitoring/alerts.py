"""绩效预警 (seed 003 第十九条（二）: 发现预算执行可能与绩效目标发生偏离时，及时……提出绩效预警).

The *kinds* of check are code (``KINDS``); the *rules* are versioned data (``WarningRule``: a kind, its
parameters, active or not; loaded by migration 0003 and changed on the rules page, each change a new version).
``scan(round or fiscal_year, as_of)`` runs every current active rule over the facts of each subject as of a date
and raises a ``PerformanceWarning`` for each hit, naming its rule, the rule's version and the figures. A rule
(by its code) fires at most once per subject and date, so scanning again raises nothing new.

Facts come from a round's monitoring tables (budget execution as filled in and frozen at submission, and the
indicator rows), or — for a fiscal-year scan without a round — from the stored execution figures of that date
(``monitoring.figures.refresh``), where only the execution rules apply.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from audit import trail
from audit.models import AuditAction
from monitoring.choices import LIGHT_SEVERITY, Light


@dataclass
class Facts:
    """What the rules look at for one subject as of a date."""

    subject_id: int
    subject_name: str
    fiscal_year: int
    as_of: datetime.date
    available: Decimal
    paid: Decimal
    execution_rate: Decimal | None
    time_progress: Decimal | None
    execution_light: str
    round_id: int | None = None
    table_id: int | None = None
    execution_reason: str = ""
    execution_measures: str = ""
    rows: list = field(default_factory=list)  # MonitoringIndicator rows
    answer_due: datetime.date | None = None  # the round's due date: units explain deviations until then


@dataclass(frozen=True)
class Hit:
    light: str
    message: str
    figures: dict


@dataclass(frozen=True)
class Kind:
    label: str
    check: Callable  # (rule, facts) -> Hit | None
    params_help: str = ""
    validate: Callable = lambda params: None  # raises ValidationError


def _pct(value) -> str:
    return "—" if value is None else f"{Decimal(value) * 100:.1f}%"


def _execution_figures(facts: Facts) -> dict:
    ratio = None
    if facts.execution_rate is not None and facts.time_progress:
        ratio = (Decimal(facts.execution_rate) / Decimal(facts.time_progress)).quantize(Decimal("0.0001"))
    return {
        "可用预算（元）": str(facts.available),
        "累计支付（元）": str(facts.paid),
        "预算执行率": _pct(facts.execution_rate),
        "序时进度": _pct(facts.time_progress),
        "执行率÷序时进度": _pct(ratio),
    }


def _lights_param(params) -> None:
    values = params.get("lights")
    if not isinstance(values, list) or not values or any(v not in Light.values for v in values):
        raise ValidationError(f"参数 lights 须为灯色列表，可选 {'、'.join(Light.values)}")


def check_execution_light(rule, facts: Facts) -> Hit | None:
    if facts.execution_light not in rule.params.get("lights", []):
        return None
    figures = _execution_figures(facts)
    return Hit(
        facts.execution_light,
        f"截至 {facts.as_of:%Y-%m-%d}，预算执行率 {figures['预算执行率']}，序时进度 {figures['序时进度']}，"
        f"执行率÷序时进度 {figures['执行率÷序时进度']}，执行进度亮{Light(facts.execution_light).label}",
        figures,
    )


def check_low_payment(rule, facts: Facts) -> Hit | None:
    """Almost no payment by mid-year: as of the given day or later, the execution rate below ``rate_below``."""
    params = rule.params
    try:
        from_day = datetime.date(facts.fiscal_year, int(params.get("month", 6)), int(params.get("day", 30)))
    except (TypeError, ValueError):
        return None
    below = Decimal(str(params.get("rate_below", "0.10")))
    if facts.as_of < from_day or not facts.available or facts.execution_rate is None:
        return None
    if Decimal(facts.execution_rate) >= below:
        return None
    figures = _execution_figures(facts) | {"阈值": _pct(below), "起算日期": f"{from_day:%m月%d日}"}
    return Hit(
        Light.RED,
        f"截至 {facts.as_of:%Y-%m-%d}，预算执行率仅 {figures['预算执行率']}，"
        f"{from_day:%m月%d日}后仍低于 {_pct(below)}，资金基本未支付",
        figures,
    )


def _validate_low_payment(params) -> None:
    try:
        datetime.date(2000, int(params.get("month", 6)), int(params.get("day", 30)))
        below = Decimal(str(params.get("rate_below", "0.10")))
    except (TypeError, ValueError, InvalidOperation):
        raise ValidationError("参数须包括 month、day（日期）和 rate_below（0～1 的小数）") from None
    if not Decimal("0") < below <= Decimal("1"):
        raise ValidationError("rate_below 须在 0 和 1 之间")


def check_indicator_not_met(rule, facts: Facts) -> Hit | None:
    rows = [r for r in facts.rows if r.will_be_met is False]
    if not rows:
        return None
    names = "、".join(
        f"“{r.name}”（年度目标 {r.annual_target}{r.unit}，预计 {r.expected_full_year or '—'}）" for r in rows
    )
    return Hit(
        Light.RED, f"{len(rows)} 项绩效指标预计全年不能完成：{names}", {"预计不能完成的指标": [r.name for r in rows]}
    )


def check_deviation_unexplained(rule, facts: Facts) -> Hit | None:
    """A deviation with no reason or no measure: an indicator expected not to be met, or a red or yellow
    execution light, whose reason category or corrective measure is empty. Only once the round's due date has
    passed (business date): until then the unit is still filling in its table and will explain the deviation
    (seed 003 第十九条（一）: the department monitors and corrects itself first; issue 12 §4)."""
    from core import clock

    if facts.answer_due is not None and clock.today() <= facts.answer_due:
        return None
    missing = [
        r.name
        for r in facts.rows
        if r.will_be_met is False and not (str(r.deviation_reason or "").strip() and str(r.measures or "").strip())
    ]
    execution = (
        facts.table_id is not None
        and facts.execution_light in (Light.RED, Light.YELLOW)
        and not (facts.execution_reason.strip() and facts.execution_measures.strip())
    )
    if not missing and not execution:
        return None
    parts = []
    if missing:
        parts.append(f"指标{'、'.join(f'“{n}”' for n in missing)}预计不能完成但未说明原因或纠偏措施")
    if execution:
        parts.append(f"预算执行亮{Light(facts.execution_light).label}但未说明执行偏差原因或纠偏措施")
    return Hit(
        Light.YELLOW,
        "；".join(parts),
        {"未说明的指标": missing, "执行偏差未说明": execution} | _execution_figures(facts),
    )


def check_indicator_light(rule, facts: Facts) -> Hit | None:
    wanted = rule.params.get("lights", [])
    rows = [r for r in facts.rows if r.light in wanted]
    if not rows:
        return None
    worst = max((r.light for r in rows), key=lambda light: LIGHT_SEVERITY[Light(light)])
    return Hit(
        worst,
        f"{len(rows)} 项绩效指标亮{'、'.join(Light(w).label for w in wanted)}："
        + "、".join(
            f"“{r.name}”（年度目标 {r.annual_target}{r.unit}，截至目前 {r.actual_to_date or '—'}）" for r in rows
        ),
        {"指标": {r.name: Light(r.light).label for r in rows}},
    )


KINDS: dict[str, Kind] = {
    "execution_light": Kind("预算执行灯", check_execution_light, '{"lights": ["red"]}', _lights_param),
    "low_payment": Kind(
        "年中支付进度", check_low_payment, '{"month": 6, "day": 30, "rate_below": "0.10"}', _validate_low_payment
    ),
    "indicator_not_met": Kind("指标预计不能完成", check_indicator_not_met),
    "deviation_unexplained": Kind("偏差未说明原因或措施", check_deviation_unexplained),
    "indicator_light": Kind("指标灯", check_indicator_light, '{"lights": ["red"]}', _lights_param),
}
# Kinds that need a monitoring table's indicator rows (not applied to a fiscal-year scan from figures).
ROW_KINDS = frozenset({"indicator_not_met", "deviation_unexplained", "indicator_light"})


def validate_params(kind: str, params) -> None:
    if kind not in KINDS:
        raise ValidationError("未知的检查类型")
    if not isinstance(params, dict):
        raise ValidationError("参数须为 JSON 对象")
    KINDS[kind].validate(params)


def facts_of_round(monitoring_round) -> list[Facts]:
    tables = monitoring_round.tables.select_related("subject").prefetch_related("indicators").order_by("pk")
    return [
        Facts(
            subject_id=t.subject_id,
            subject_name=t.subject.name,
            fiscal_year=monitoring_round.fiscal_year,
            as_of=monitoring_round.data_as_of,
            available=t.available,
            paid=t.paid,
            execution_rate=t.execution_rate,
            time_progress=t.time_progress,
            execution_light=t.execution_light,
            round_id=monitoring_round.pk,
            table_id=t.pk,
            execution_reason=t.execution_deviation_reason,
            execution_measures=t.execution_measures,
            rows=list(t.indicators.all()),
            answer_due=monitoring_round.due_date,
        )
        for t in tables
    ]


def facts_of_year(fiscal_year: int, as_of: datetime.date, region=None) -> list[Facts]:
    from monitoring.models import ExecutionFigure

    rows = ExecutionFigure.objects.filter(fiscal_year=fiscal_year, as_of=as_of).select_related("subject")
    if region is not None:
        rows = rows.filter(subject__organisation__region__path__startswith=region.path)
    return [
        Facts(
            subject_id=f.subject_id,
            subject_name=f.subject.name,
            fiscal_year=fiscal_year,
            as_of=as_of,
            available=f.available,
            paid=f.paid,
            execution_rate=f.execution_rate,
            time_progress=f.time_progress,
            execution_light=f.light,
        )
        for f in rows
    ]


@dataclass
class ScanResult:
    raised: int = 0
    already: int = 0
    by_rule: dict = field(default_factory=dict)


def scan(target, as_of: datetime.date | None = None, *, user=None, region=None) -> ScanResult:
    """Run the current active rules over a round's tables (``target`` a ``MonitoringRound``) or over the stored
    figures of a fiscal year as of ``as_of`` (``target`` an int; of the subjects in ``region`` and below when
    given). Idempotent: one warning per rule code, subject and date. One audit row sums the scan up."""
    from monitoring.models import MonitoringRound, PerformanceWarning, WarningRule

    if isinstance(target, MonitoringRound):
        as_of = target.data_as_of
        facts = facts_of_round(target)
        fiscal_year, round_id = target.fiscal_year, target.pk
    else:
        fiscal_year, round_id = int(target), None
        if as_of is None:
            raise ValidationError("按预算年度扫描须指定数据截止日期")
        facts = facts_of_year(fiscal_year, as_of, region)
    rules = [
        r
        for r in WarningRule.objects.filter(is_current=True, is_active=True).order_by("code")
        if r.kind in KINDS and (round_id is not None or r.kind not in ROW_KINDS)
    ]
    existing = set(
        PerformanceWarning.objects.filter(as_of=as_of, subject_id__in=[f.subject_id for f in facts]).values_list(
            "rule__code", "subject_id"
        )
    )
    result = ScanResult()
    new = []
    for rule in rules:
        for fact in facts:
            hit = KINDS[rule.kind].check(rule, fact)
            if hit is None:
                continue
            if (rule.code, fact.subject_id) in existing:
                result.already += 1
                continue
            existing.add((rule.code, fact.subject_id))
            message = f"【{rule.name}·第 {rule.version} 版】{fact.subject_name}：{hit.message}"
            new.append(
                PerformanceWarning(
                    rule=rule,
                    subject_id=fact.subject_id,
                    round_id=round_id,
                    table_id=fact.table_id,
                    fiscal_year=fiscal_year,
                    as_of=as_of,
                    light=hit.light,
                    message=message[:500],
                    figures={"规则": rule.name, "版本": rule.version, **hit.figures},
                )
            )
            result.by_rule[rule.name] = result.by_rule.get(rule.name, 0) + 1
    with transaction.atomic():
        PerformanceWarning.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
        result.raised = len(new)
        trail.record(
            AuditAction.CREATE,
            object_type="monitoring.performancewarning",
            object_repr=f"绩效预警扫描：{as_of:%Y-%m-%d}，新增 {len(new)} 条",
            changes={
                "新增预警": result.by_rule,
                "已存在": result.already,
                "监控轮次": round_id,
                "预算年度": fiscal_year,
            },
            actor=user,
            reason="按预警规则扫描",
        )
    return result

"""The unit's monitoring table (《绩效目标执行监控表》, seed 004 三(六)): its budget execution read from the
treasury figures, the edit of the table and its indicator rows with each row's light, and the checks before
submission.

* ``execution_figures`` / ``batch_execution_values`` — a subject's (or many subjects') budget execution as of a
  date, from ``monitoring.figures``; ``refresh_execution`` reads it again onto a table still held by the unit.
* ``save_table`` — the unit's edit, each row's light from ``monitoring.lights`` (``row_light``).
* ``submission_problems`` — rows expected not to be met that lack the reason or the measure
  (its workflow hook ``before_transition`` below refuses the submission).
* ``late_q`` — tables not submitted by their round's due date (逾期未报).
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, is_dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from audit import trail
from audit.models import AuditAction
from core import clock
from monitoring import lights
from monitoring.choices import Light
from monitoring.models import ExecutionFigure, MonitoringIndicator, MonitoringTable
from monitoring.thresholds import thresholds_for
from workflow import actions as workflow
from workflow import hooks
from workflow.models import EDITABLE_STATUSES

ROW_FIELDS = [
    "actual_to_date",
    "qualitative_level",
    "expected_full_year",
    "will_be_met",
    "deviation_reason",
    "deviation_explanation",
    "measures",
]
TABLE_FIELDS = [
    "expected_full_year_rate",
    "execution_deviation_reason",
    "execution_measures",
    "contract_status",
    "overall_judgement",
    "other_notes",
]


# ---------------------------------------------------------------- execution figures


def _plain(result) -> dict:
    if result is None:
        return {}
    if isinstance(result, dict):
        data = dict(result)
    elif is_dataclass(result):
        data = asdict(result)
    else:
        data = {
            k: getattr(result, k)
            for k in ("available", "paid", "execution_rate", "rate", "time_progress", "progress", "light")
            if hasattr(result, k)
        }
    return {
        "available": Decimal(data.get("available") or 0),
        "paid": Decimal(data.get("paid") or 0),
        "execution_rate": data.get("execution_rate", data.get("rate")),
        "time_progress": data.get("time_progress", data.get("progress")),
        "light": data.get("light") or Light.NONE,
    }


def execution_figures(subject, as_of: datetime.date) -> dict:
    """available / paid / execution_rate / time_progress / light of ``subject`` as of ``as_of``, from
    ``monitoring.figures.subject_figures`` (the one definition of the figures); if that is not there, from the
    stored ``ExecutionFigure`` of that date, else computed from the execution data with ``monitoring.lights``."""
    try:
        from monitoring.figures import figures_on
    except ImportError:
        figures_on = None
    if figures_on is not None:
        # The stored figures of a refreshed date, else computed as a refresh would store them: the table's light is
        # the light the dashboard, the history and the API show for the subject and date (issue 12 §3).
        return _plain(figures_on(subject, as_of))
    row = ExecutionFigure.objects.filter(subject=subject, fiscal_year=as_of.year, as_of=as_of).first()
    if row is not None:
        return _plain(row)
    return _computed_figures(subject, as_of)


def _computed_figures(subject, as_of) -> dict:
    from execution.models import BudgetAllocation, Payment
    from subjects.models import SubjectYearAmount

    year = as_of.year
    allocated = BudgetAllocation.objects.filter(subject=subject, fiscal_year=year, issued_on__lte=as_of).aggregate(
        s=Sum("amount")
    )["s"]
    if allocated is None:
        allocated = (
            SubjectYearAmount.objects.filter(subject=subject, fiscal_year=year)
            .values_list("arranged_amount", flat=True)
            .first()
        )
    available = Decimal(allocated or 0)
    paid = Decimal(
        Payment.objects.filter(subject=subject, fiscal_year=year, paid_on__lte=as_of).aggregate(s=Sum("amount"))["s"]
        or 0
    )
    rate = lights.execution_rate(paid, available)
    thresholds = thresholds_for(subject.organisation.region if subject.organisation_id else None, as_of)
    progress = lights.time_progress(year, as_of, thresholds.time_progress_basis)
    return {
        "available": available,
        "paid": paid,
        "execution_rate": rate,
        "time_progress": progress,
        "light": lights.execution_light(rate, progress, thresholds),
    }


def _execution_values(subject, as_of) -> dict:
    figures = execution_figures(subject, as_of)
    progress = figures["time_progress"]
    return {
        "available": figures["available"],
        "paid": figures["paid"],
        "execution_rate": figures["execution_rate"],
        "time_progress": progress if progress is not None else lights.time_progress(as_of.year, as_of),
        "execution_light": figures["light"],
    }


def batch_execution_values(subject_ids: list[int], fiscal_year: int, as_of) -> dict[int, dict]:
    """``_execution_values`` for many subjects at once: F's set-based ``monitoring.figures.live_figures`` when it is
    there (one SELECT), else one subject at a time."""
    from subjects.models import Subject

    try:
        from monitoring.figures import from_stored, live_figures
    except ImportError:
        live_figures = None
    result = {}
    if live_figures is not None:
        # Stored figures of the date first (as ``execution_figures``), the others computed in one SELECT.
        stored = ExecutionFigure.objects.filter(subject_id__in=subject_ids, fiscal_year=fiscal_year, as_of=as_of)
        found = [from_stored(row) for row in stored]
        rest = Subject.objects.filter(pk__in=subject_ids).exclude(pk__in=[f.subject_id for f in found])
        for figures in [*found, *(live_figures(fiscal_year, as_of, rest) if len(found) < len(subject_ids) else [])]:
            values = _plain(figures)
            result[figures.subject_id] = {
                "available": values["available"],
                "paid": values["paid"],
                "execution_rate": values["execution_rate"],
                "time_progress": values["time_progress"],
                "execution_light": values["light"],
            }
    missing = [pk for pk in subject_ids if pk not in result]
    for subject in Subject.objects.filter(pk__in=missing).select_related("organisation__region"):
        result[subject.pk] = _execution_values(subject, as_of)
    return result


def refresh_execution(table) -> dict:
    """Read the table's budget execution again from the treasury figures while the unit still holds it
    (draft or returned); returns the audit changes. Submitted tables keep the figures they were sent with."""
    fresh = MonitoringTable.objects.select_related("round", "subject__organisation__region").get(pk=table.pk)
    if fresh.status not in EDITABLE_STATUSES:
        return {}
    values = _execution_values(fresh.subject, fresh.round.data_as_of)
    changes = {}
    for key, value in values.items():
        old = getattr(fresh, key)
        if (old is None) != (value is None) or (
            old is not None
            and str(old) != str(value)
            and (not isinstance(old, Decimal) or Decimal(old) != Decimal(value))
        ):
            changes[str(MonitoringTable._meta.get_field(key).verbose_name)] = [
                str(old) if old is not None else None,
                str(value) if value is not None else None,
            ]
    if changes:
        MonitoringTable.objects.filter(pk=fresh.pk).update(**values)
        for key, value in values.items():
            setattr(table, key, value)
    return changes


# ---------------------------------------------------------------- the table and its rows


def months_of(monitoring_round) -> int:
    return lights.elapsed_months(monitoring_round.fiscal_year, monitoring_round.data_as_of)


def row_light(row, months: int, thresholds) -> str:
    from targets.models import parse_number

    return lights.indicator_light(
        row.comparator,
        parse_number(row.annual_target),
        parse_number(row.actual_to_date),
        months,
        cumulative=row.cumulative,
        qualitative_level=row.qualitative_level,
        thresholds=thresholds,
    )


def expected_to_date(row, months: int) -> Decimal | None:
    """The value the row's light is judged against (序时目标, issue 12 §3: shown beside the light): the annual target
    × months ÷ 12 for a cumulative indicator, the whole target otherwise; None for a qualitative row or a target
    that is not a number."""
    from targets.models import parse_number

    target = parse_number(row.annual_target)
    if row.comparator == "qualitative" or target is None:
        return None
    if row.comparator == "le":
        return Decimal(target)
    return lights.expected_to_date(Decimal(target), months, row.cumulative).quantize(Decimal("0.01"))


def submission_problems(table) -> list[str]:
    """Rows expected not to be met that name no reason or no measure (《绩效目标执行监控表》 requires both)."""
    problems = []
    for row in table.indicators.all():
        if row.will_be_met is False:
            missing = [
                label
                for label, value in (("偏差原因类别", row.deviation_reason), ("纠偏措施", row.measures))
                if not str(value or "").strip()
            ]
            if missing:
                problems.append(f"第 {row.order + 1} 行指标“{row.name}”预计不能完成，须填写{'和'.join(missing)}")
    return problems


def save_table(
    table, user, version: int, *, data: dict | None = None, rows: dict | None = None, reason: str = ""
) -> MonitoringTable:
    """The unit's edit: the table's own fields (``workflow.actions.save_edit``: preparer only, draft or returned,
    optimistic lock) and its indicator rows (``rows``: {row id: {field: value}}), each row's light recomputed
    with ``monitoring.lights``, the target light as the worst of them, budget execution read again."""
    data = {k: v for k, v in (data or {}).items() if k in TABLE_FIELDS}
    with transaction.atomic():
        for key, value in data.items():
            setattr(table, key, value)
        workflow.save_edit(table, user, version, data=data or None, reason=reason)
        table = MonitoringTable.objects.select_related("round", "subject__organisation__region").get(pk=table.pk)
        months = months_of(table.round)
        thresholds = thresholds_for(table.subject.organisation.region, table.round.data_as_of)
        changes = {}
        current = list(table.indicators.all())
        by_id = {r.pk: r for r in current}
        for row_id, values in (rows or {}).items():
            row = by_id.get(int(row_id))
            if row is None:
                raise ValidationError(f"指标行 {row_id} 不属于该监控表")
            for key in ROW_FIELDS:
                if key not in values:
                    continue
                value = values[key]
                if value is None and key != "will_be_met":
                    value = ""
                old = getattr(row, key)
                if old != value:
                    changes[f"{row.name}·{MonitoringIndicator._meta.get_field(key).verbose_name}"] = [old, value]
                    setattr(row, key, value)
        for row in current:
            row.full_clean(exclude=["table", "target_indicator"])
            light = row_light(row, months, thresholds)
            if light != row.light:
                row.light = light
        MonitoringIndicator.objects.bulk_update(current, [*ROW_FIELDS, "light"]) if current else None
        target_light = lights.worst(r.light for r in current)
        changes.update(refresh_execution(table))
        if target_light != table.target_light:
            changes["目标灯"] = [Light(table.target_light).label, Light(target_light).label]
            MonitoringTable.objects.filter(pk=table.pk).update(target_light=target_light)
        if changes:
            trail.record(AuditAction.UPDATE, table, changes=changes, reason=reason or "填报监控指标")
    table.refresh_from_db()
    return table


def late_q():
    """Tables not submitted by their round's due date (逾期未报)."""
    from django.db.models import Q

    today = clock.today()
    return Q(submitted_at__isnull=True, status__in=list(EDITABLE_STATUSES), round__due_date__lt=today)


@hooks.before_transition("monitoring.monitoringtable")
def before_transition(table, action: str, to_status: str, user) -> dict:
    """Submission is refused while a row expected not to be met has no reason or measure (seed 004 三(六)
    《绩效目标执行监控表》; seed 000 第十七条: 发现问题要分析原因并及时纠偏); the budget execution is read once
    more from the treasury figures and then frozen; the first submission time is kept for lateness."""
    from monitoring.models import MonitoringTable
    from workflow.models import ReviewAction

    if action != ReviewAction.SUBMIT:
        return {}
    problems = submission_problems(table)
    if problems:
        raise ValidationError("不能报送：" + "；".join(problems))
    changes = refresh_execution(table)
    if table.submitted_at is None:
        now = clock.now()
        MonitoringTable.objects.filter(pk=table.pk).update(submitted_at=now)
        changes["首次报送时间"] = [None, timezone.localtime(now).strftime("%Y-%m-%d %H:%M")]
    return changes

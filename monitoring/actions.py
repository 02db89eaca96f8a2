"""State changes of monitoring rounds, monitoring tables, warnings and their disposal. Pages, the API, the
background task and the demo seeder all call these; each is one transaction with its audit row.

* ``open_round`` / ``close_round`` — finance (预算绩效管理科) opens a round (seed 003 第十七条 绩效监控布置) for
  all funded subjects or its own key subjects (seed 003 第十九条（二） 财政部门重点监控; seed 001 第十八条).
* ``create_tables`` — one 《绩效目标执行监控表》 per subject in scope (seed 004 三(六)), set-based.
* ``save_table`` — the unit's edit of a table and its indicator rows, with each row's light.
* ``reply`` / ``dispose`` / ``dismiss`` / ``lift_hold`` — warnings and their disposal (seed 000 第二十一条;
  seed 001 第十八条).
* ``set_rule`` — a warning rule's new version.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, is_dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from accounts.roles import Role
from audit import trail
from audit.models import AuditAction
from core import clock, services
from monitoring import lights
from monitoring.choices import (
    DisposalDecision,
    HoldKind,
    Light,
    RoundScope,
    RoundStatus,
    WarningStatus,
)
from monitoring.models import (
    DisbursementHold,
    Disposal,
    ExecutionFigure,
    MonitoringIndicator,
    MonitoringRound,
    MonitoringTable,
    PerformanceWarning,
    WarningRule,
)
from subjects.choices import LibraryStage
from targets.choices import COST_LEVEL2, Horizon, Level1, Level2
from workflow import actions as workflow
from workflow import guards
from workflow.models import EDITABLE_STATUSES, ReviewStatus

# Subjects a round can monitor: budget arranged or being spent (subjects.choices.LibraryStage).
MONITORED_STAGES = (LibraryStage.FUNDED, LibraryStage.EXECUTING)
# Above this many subjects the tables are created by a background task (monitoring.tasks.open_tables).
INLINE_TABLE_LIMIT = 300
BATCH = 500
# Quality, time and cost indicators are judged against the whole target, not a time share (DOMAIN.md lights).
NON_CUMULATIVE_LEVEL2 = frozenset({Level2.QUALITY, Level2.TIMELINESS, *COST_LEVEL2})
ROUND_ROLES = frozenset({Role.PERFORMANCE_SECTION})
# seed 000 第二十一条 财政部门……可暂缓或停止预算拨款; seed 003 第十九条（二） 预算绩效管理科 and the desks.
DISPOSING_ROLES = frozenset({Role.FINANCE_DESK, Role.PERFORMANCE_SECTION})
UNIT_ROLES = frozenset({Role.UNIT_PREPARER, Role.UNIT_HEAD})
AMOUNT_DECISIONS = frozenset({DisposalDecision.BUDGET_ADJUSTED, DisposalDecision.RECOVERED})
HOLD_OF = {DisposalDecision.SUSPENDED: HoldKind.SUSPENDED, DisposalDecision.STOPPED: HoldKind.STOPPED}
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
        from monitoring.figures import subject_figures
    except ImportError:
        subject_figures = None
    if subject_figures is not None:
        return _plain(subject_figures(subject, as_of))
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
    progress = lights.time_progress(year, as_of)
    thresholds = lights.thresholds_for(subject.organisation.region if subject.organisation_id else None, as_of)
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
        from monitoring.figures import live_figures
    except ImportError:
        live_figures = None
    result = {}
    if live_figures is not None:
        for figures in live_figures(fiscal_year, as_of, Subject.objects.filter(pk__in=subject_ids)):
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


# ---------------------------------------------------------------- rounds


def round_organisation(user):
    """The finance organisation at which ``user`` holds the performance section's role (the round's owner)."""
    for assignment in user.role_assignments():
        if assignment.role in ROUND_ROLES:
            return assignment.organisation
    return None


def can_open_round(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and round_organisation(user) is not None)


def can_manage_round(user, monitoring_round) -> bool:
    return guards.holds_role_over(user, monitoring_round, ROUND_ROLES)


def scope_subjects(organisation, fiscal_year: int, scope: str, key_subjects=None):
    """Subjects a round of ``organisation`` covers: funded or executing subjects of its region and the regions
    below it — all of them that have an approved current target sheet for the year, or the key subjects
    finance chose (seed 003 第十九条（二）)."""
    from subjects.models import Subject
    from targets.models import TargetSheet

    base = Subject.objects.filter(
        stage__in=MONITORED_STAGES, organisation__region__path__startswith=organisation.region.path
    )
    if scope == RoundScope.KEY:
        ids = [s.pk if hasattr(s, "pk") else int(s) for s in (key_subjects or [])]
        return base.filter(pk__in=ids)
    approved = TargetSheet.objects.filter(
        subject=OuterRef("pk"), fiscal_year=fiscal_year, is_current=True, status=ReviewStatus.APPROVED
    )
    return base.filter(Exists(approved))


def open_round(
    user,
    *,
    name: str,
    fiscal_year: int,
    data_as_of,
    due_date,
    scope: str = RoundScope.ALL_FUNDED,
    notice: str = "",
    key_subjects=None,
    reason: str = "",
) -> MonitoringRound:
    """Open a round and create its tables (inline, or in the background for a large scope)."""
    organisation = round_organisation(user)
    if organisation is None:
        trail.record(
            AuditAction.PERMISSION_DENIED,
            object_type="monitoring.monitoringround",
            object_repr="发起监控轮次",
            actor=user,
            reason="只有预算绩效管理科可以发起绩效监控",
        )
        raise PermissionDenied("只有预算绩效管理科可以发起绩效监控")
    key_subjects = list(key_subjects or [])
    if scope == RoundScope.KEY and not key_subjects:
        raise ValidationError({"key_subjects": "重点监控须选择项目"})
    with transaction.atomic():
        monitoring_round = MonitoringRound(
            organisation=organisation,
            fiscal_year=fiscal_year,
            name=name,
            data_as_of=data_as_of,
            due_date=due_date,
            scope=scope,
            notice=notice,
            opened_by=user,
        )
        services.create_record(monitoring_round, reason=reason)
        subjects = scope_subjects(organisation, fiscal_year, scope, key_subjects)
        if scope == RoundScope.KEY:
            outside = {s.pk for s in key_subjects} - set(subjects.values_list("pk", flat=True))
            if outside:
                raise ValidationError({"key_subjects": "重点监控项目须为本区划已安排预算或执行中的项目"})
            monitoring_round.key_subjects.set(key_subjects)
        count = subjects.count()
        if count > INLINE_TABLE_LIMIT:
            MonitoringRound.objects.filter(pk=monitoring_round.pk).update(tables_pending=True)
            monitoring_round.tables_pending = True
            round_id = monitoring_round.pk
            transaction.on_commit(lambda: _enqueue_tables(round_id))
        else:
            create_tables(monitoring_round, subjects)
        trail.record(
            AuditAction.UPDATE,
            monitoring_round,
            changes={"监控项目数": [None, count]},
            reason="生成绩效目标执行监控表" + ("（后台生成）" if count > INLINE_TABLE_LIMIT else ""),
        )
    return monitoring_round


def _enqueue_tables(round_id: int) -> None:
    from monitoring.tasks import open_tables

    open_tables.enqueue(round_id)


def _due_at(due_date) -> datetime.datetime:
    """The end of the due date, in the configured time zone."""
    end = datetime.datetime.combine(due_date, datetime.time(23, 59, 59))
    return timezone.make_aware(end) if timezone.is_naive(end) else end


def create_tables(monitoring_round, subjects) -> int:
    """Create the missing tables of ``subjects`` for the round, set-based: one bulk insert of tables and one of
    indicator rows per batch; budget execution from the figures as of the round's data date. Idempotent."""
    from targets.models import TargetIndicator, TargetSheet
    from workflow.chains import resolve_chain

    existing = set(monitoring_round.tables.values_list("subject_id", flat=True))
    subjects = [s for s in subjects.select_related("organisation__region").order_by("pk") if s.pk not in existing]
    created = 0
    chains = {}
    due_at = _due_at(monitoring_round.due_date)
    year, as_of = monitoring_round.fiscal_year, monitoring_round.data_as_of
    for start in range(0, len(subjects), BATCH):
        batch = subjects[start : start + BATCH]
        sheets = {
            s.subject_id: s
            for s in TargetSheet.objects.filter(
                subject_id__in=[s.pk for s in batch], fiscal_year=year, is_current=True, status=ReviewStatus.APPROVED
            )
        }
        tables = []
        figures = batch_execution_values([s.pk for s in batch], year, as_of)
        for subject in batch:
            region_id = subject.organisation.region_id
            if region_id not in chains:
                chains[region_id] = resolve_chain(MonitoringTable(), subject.organisation)
            chain = chains[region_id]
            first = chain.step(0) if chain else None
            sheet = sheets.get(subject.pk)
            tables.append(
                MonitoringTable(
                    round=monitoring_round,
                    subject=subject,
                    target_sheet=sheet,
                    chain=chain,
                    current_role=first.role if first else Role.UNIT_PREPARER,
                    step_due_at=due_at,
                    **figures[subject.pk],
                )
            )
        with transaction.atomic():
            MonitoringTable.objects.bulk_create(tables, ignore_conflicts=True)
            ids = dict(
                MonitoringTable.objects.filter(
                    round=monitoring_round, subject_id__in=[s.pk for s in batch]
                ).values_list("subject_id", "pk")
            )
            already = set(
                MonitoringIndicator.objects.filter(table_id__in=ids.values()).values_list("table_id", flat=True)
            )
            rows = []
            indicators = TargetIndicator.objects.filter(
                sheet_id__in=[s.pk for s in sheets.values()], horizon=Horizon.ANNUAL
            ).order_by("sheet_id", "order", "pk")
            sheet_subject = {s.pk: s.subject_id for s in sheets.values()}
            for indicator in indicators:
                table_id = ids.get(sheet_subject[indicator.sheet_id])
                if table_id is None or table_id in already:
                    continue
                rows.append(indicator_row(table_id, indicator))
            MonitoringIndicator.objects.bulk_create(rows)
        created += len(tables)
    return created


def indicator_row(table_id: int, indicator) -> MonitoringIndicator:
    """A monitoring row copied from an annual target indicator; quality, time and cost indicators are not
    accumulated over the year (they are judged against the whole target)."""
    cumulative = indicator.level2 not in NON_CUMULATIVE_LEVEL2 and indicator.level1 != Level1.COST
    return MonitoringIndicator(
        table_id=table_id,
        target_indicator_id=indicator.pk,
        order=indicator.order,
        level1=indicator.get_level1_display(),
        level2=indicator.get_level2_display(),
        name=indicator.name,
        comparator=indicator.comparator,
        annual_target=indicator.target_value,
        unit=indicator.unit,
        cumulative=cumulative,
    )


def finish_pending_tables(round_id: int) -> int:
    """The background part of opening a large round (monitoring.tasks.open_tables)."""
    monitoring_round = MonitoringRound.objects.select_related("organisation__region").get(pk=round_id)
    subjects = scope_subjects(
        monitoring_round.organisation,
        monitoring_round.fiscal_year,
        monitoring_round.scope,
        list(monitoring_round.key_subjects.all()),
    )
    created = create_tables(monitoring_round, subjects)
    with transaction.atomic():
        MonitoringRound.objects.filter(pk=round_id).update(tables_pending=False)
        trail.record(
            AuditAction.UPDATE,
            monitoring_round,
            changes={"监控表生成中": ["是", "否"]},
            reason=f"后台生成监控表 {created} 张",
        )
    return created


def close_round(monitoring_round, user, reason: str = "") -> MonitoringRound:
    if not can_manage_round(user, monitoring_round):
        trail.record(AuditAction.PERMISSION_DENIED, monitoring_round, actor=user, reason="无权结束监控轮次")
        raise PermissionDenied("只有发起监控的预算绩效管理科可以结束轮次")
    if monitoring_round.status == RoundStatus.CLOSED:
        raise ValidationError("该轮次已结束")
    with transaction.atomic():
        before = trail.snapshot(monitoring_round)
        monitoring_round.status = RoundStatus.CLOSED
        monitoring_round.closed_at = clock.now()
        services.update_record(monitoring_round, reason=reason or "结束监控轮次", before=before)
    return monitoring_round


# ---------------------------------------------------------------- tables


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
        thresholds = lights.thresholds_for(table.subject.organisation.region, table.round.data_as_of)
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


# ---------------------------------------------------------------- warnings and disposal


def can_dispose(user, warning) -> bool:
    return guards.holds_role_over(user, warning, DISPOSING_ROLES)


def can_reply(user, warning) -> bool:
    return warning.status == WarningStatus.OPEN and guards.holds_role_over(user, warning, UNIT_ROLES)


def _refuse(user, obj, message: str):
    trail.record(AuditAction.PERMISSION_DENIED, obj, actor=user, reason=message)
    raise PermissionDenied(message)


def reply(warning, user, note: str) -> PerformanceWarning:
    """The unit's correction note before finance decides (seed 000 第二十条: 纠正……偏差)."""
    note = (note or "").strip()
    if not can_reply(user, warning):
        _refuse(user, warning, "只有项目单位可以对待处置的预警作出说明")
    if not note:
        raise ValidationError({"unit_reply": "请填写整改说明"})
    with transaction.atomic():
        before = trail.snapshot(warning)
        warning.unit_reply = note
        warning.replied_at = clock.now()
        warning.replied_by = user
        services.update_record(warning, reason="单位整改说明", before=before)
    return warning


def dispose(warning, user, decision: str, reason: str, amount: Decimal | None = None) -> Disposal:
    """Record finance's decision on an open warning (seed 000 第二十一条: 可暂缓或停止预算拨款，并督促购买主体
    整改；整改不到位或无法继续实施的，应及时收回资金; seed 001 第十八条: 对问题严重或整改不到位的暂缓或停止预算
    拨款). Suspending or stopping puts a ``DisbursementHold`` on the subject for the treasury."""
    if not can_dispose(user, warning):
        _refuse(user, warning, "只有财政业务科室或预算绩效管理科可以处置预警")
    if warning.status != WarningStatus.OPEN:
        raise ValidationError(f"该预警已{warning.get_status_display()}，不能重复处置")
    if decision not in DisposalDecision.values:
        raise ValidationError({"decision": "请选择处置决定"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写处置理由"})
    if decision in AMOUNT_DECISIONS and (amount is None or amount <= 0):
        raise ValidationError({"amount": f"“{DisposalDecision(decision).label}”须填写涉及金额"})
    if decision not in AMOUNT_DECISIONS:
        amount = amount if amount else None
    with transaction.atomic():
        disposal = services.create_record(
            Disposal(warning=warning, decision=decision, reason=reason, amount=amount, decided_by=user), reason=reason
        )
        before = trail.snapshot(warning)
        warning.status = WarningStatus.DISPOSED
        services.update_record(warning, reason=f"处置：{DisposalDecision(decision).label}", before=before)
        kind = HOLD_OF.get(decision)
        if (
            kind is not None
            and not DisbursementHold.objects.filter(
                subject_id=warning.subject_id, kind=kind, lifted_at__isnull=True
            ).exists()
        ):
            services.create_record(
                DisbursementHold(subject_id=warning.subject_id, kind=kind, disposal=disposal), reason=reason
            )
    return disposal


def dismiss(warning, user, reason: str) -> PerformanceWarning:
    """Close a warning without a measure (核销, e.g. the figures were corrected), with a reason."""
    if not can_dispose(user, warning):
        _refuse(user, warning, "只有财政业务科室或预算绩效管理科可以核销预警")
    if warning.status != WarningStatus.OPEN:
        raise ValidationError(f"该预警已{warning.get_status_display()}")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"dismiss_reason": "请填写核销理由"})
    with transaction.atomic():
        before = trail.snapshot(warning)
        warning.status = WarningStatus.DISMISSED
        warning.dismiss_reason = reason
        services.update_record(warning, reason=reason, before=before)
    return warning


def can_lift(user, hold) -> bool:
    return hold.lifted_at is None and guards.holds_role_over(user, hold, DISPOSING_ROLES)


def lift_hold(hold, user, reason: str) -> DisbursementHold:
    if not guards.holds_role_over(user, hold, DISPOSING_ROLES):
        _refuse(user, hold, "只有财政业务科室或预算绩效管理科可以解除拨款控制")
    if hold.lifted_at is not None:
        raise ValidationError("该拨款控制已解除")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"lift_reason": "请填写解除理由"})
    with transaction.atomic():
        before = trail.snapshot(hold)
        hold.lifted_at = clock.now()
        hold.lifted_by = user
        hold.lift_reason = reason
        services.update_record(hold, reason=reason, before=before)
    return hold


def active_holds(subject):
    return DisbursementHold.objects.filter(subject=subject, lifted_at__isnull=True)


# ---------------------------------------------------------------- rules


def can_configure_rules(user) -> bool:
    """The performance section of a bureau with no finance bureau above it (the rules apply everywhere)."""
    from organisations.choices import OrgKind
    from organisations.models import Organisation

    if not user or not user.is_authenticated or not user.is_active:
        return False
    for assignment in user.role_assignments():
        if assignment.role not in ROUND_ROLES:
            continue
        region = assignment.organisation.region
        ancestors = [c for c in region.path.split("/") if c and c != region.code]
        if not Organisation.objects.filter(kind=OrgKind.FINANCE_BUREAU, region__code__in=ancestors).exists():
            return True
    return False


def set_rule(
    user,
    code: str,
    *,
    name: str | None = None,
    params: dict | None = None,
    is_active: bool | None = None,
    reason: str = "",
) -> WarningRule:
    """Save a new version of a warning rule (the old one stays, named by the warnings it raised)."""
    from monitoring import alerts

    if not can_configure_rules(user):
        trail.record(
            AuditAction.PERMISSION_DENIED,
            object_type="monitoring.warningrule",
            object_repr=code,
            actor=user,
            reason="无权修改预警规则",
        )
        raise PermissionDenied("只有预算绩效管理科可以修改预警规则")
    with transaction.atomic():
        current = WarningRule.objects.select_for_update().filter(code=code, is_current=True).first()
        if current is None:
            raise ValidationError("未知的预警规则")
        params = current.params if params is None else params
        alerts.validate_params(current.kind, params)
        rule = WarningRule(
            code=code,
            version=current.version + 1,
            name=name or current.name,
            kind=current.kind,
            params=params,
            is_active=current.is_active if is_active is None else is_active,
            basis=current.basis,
            created_by=user,
        )
        WarningRule.objects.filter(pk=current.pk).update(is_current=False)
        services.create_record(rule, reason=reason or f"修改预警规则，替代第 {current.version} 版")
    return rule

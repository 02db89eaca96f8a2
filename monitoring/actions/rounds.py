"""Monitoring rounds: finance (预算绩效管理科) opens a round (seed 003 第十七条 绩效监控布置) for all funded
subjects or its own key subjects (seed 003 第十九条（二） 财政部门重点监控; seed 001 第十八条), and closes it; a 主管部门
(its reviewer) opens one over projects of its own units it chooses (seed 001 第十七条), through the same functions: the
round's kind follows the organisation that opens it, and so do its reach, its tables' chain and who manages it
(docs/decisions/0037-department-rounds.md).

* ``open_round`` / ``close_round`` — the round itself, audited.
* ``scope_subjects`` — the subjects a round covers (its region and the regions below it).
* ``create_tables`` — one 《绩效目标执行监控表》 per subject in scope (seed 004 三(六)), set-based: one
  ``bulk_create`` of tables and one of indicator rows per batch; above ``INLINE_TABLE_LIMIT`` subjects the
  background task ``monitoring.tasks.open_tables`` runs ``finish_pending_tables``.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.roles import ROLE_SPECS, Capability, roles_with
from audit import trail
from audit.models import AuditAction
from core import access, clock, services
from monitoring.actions import scope as round_scope
from monitoring.actions.tables import batch_execution_values
from monitoring.choices import LeftOutReason, RoundKind, RoundScope, RoundStatus
from monitoring.models import MonitoringIndicator, MonitoringRound, MonitoringTable
from organisations.choices import OrgKind
from subjects.choices import LibraryStage
from targets.choices import COST_LEVEL2, Horizon, Level1, Level2
from workflow import guards, hooks, lifecycle
from workflow.models import ReviewStatus

# Subjects a round can monitor: budget arranged or being spent (subjects.choices.LibraryStage).
MONITORED_STAGES = (LibraryStage.FUNDED, LibraryStage.EXECUTING)
# Above this many subjects the tables are created by a background task (monitoring.tasks.open_tables).
INLINE_TABLE_LIMIT = 300
ROUND_DUE_DAYS = 20  # the tables are due this many days after the data date (proposed; the form can change it)
BATCH = 500
# Quality, time and cost indicators are judged against the whole target, not a time share (DOMAIN.md lights).
NON_CUMULATIVE_LEVEL2 = frozenset({Level2.QUALITY, Level2.TIMELINESS, *COST_LEVEL2})
# Who manages a round: the roles that open rounds at its owner's kind of organisation — a department's round its
# reviewer, finance's round the performance section; neither manages the other's (finance reads a department's).
ROUND_ROLES = roles_with(Capability.OPEN_MONITORING_ROUNDS)
DEPARTMENT_ROUND_ROLES = frozenset(r for r in ROUND_ROLES if OrgKind.DEPARTMENT in ROLE_SPECS[r].org_kinds)
FINANCE_ROUND_ROLES = ROUND_ROLES - DEPARTMENT_ROUND_ROLES
CLOSE_DENIED = "只有发起本轮监控的预算绩效管理科或主管部门可以结束轮次"
DEPARTMENT_SCOPE = (
    "主管部门的监控轮次须选择重点监控项目（张店区《区级部门单位预算绩效管理办法》第十七条：重点选择本部门重大专项以及"
    "支出进度缓慢、管理基础薄弱的项目开展绩效运行监控）"
)


def round_organisation(user):
    """The organisation at which ``user`` may open rounds (the round's owner): the performance section's, or the
    reviewer's 主管部门; None when the user opens none."""
    for assignment in access.capable_assignments(user, Capability.OPEN_MONITORING_ROUNDS):
        return assignment.organisation
    return None


def round_kind(organisation) -> str:
    return RoundKind.DEPARTMENT if organisation.kind == OrgKind.DEPARTMENT else RoundKind.FINANCE


def own_subjects(organisation):
    """The funded or executing subjects a round of ``organisation`` may cover: a finance bureau's own region — its
    own level, as for disposing of their warnings (seed 003 第十九条（二）, seed 000 第二十一条; docs/decisions/0034) —
    or a 主管部门's own units, the reach of its reviewer (seed 001 第十七条 本部门; docs/decisions/0037)."""
    from subjects.models import Subject

    base = Subject.objects.filter(stage__in=MONITORED_STAGES)
    if round_kind(organisation) == RoundKind.DEPARTMENT:
        return base.filter(organisation__path__startswith=organisation.path)
    return base.filter(organisation__region_id=organisation.region_id)


def key_subject_choices(user):
    """The subjects ``user`` may name as a round's 重点监控项目 (``own_subjects`` of the organisation at which the user
    opens rounds). The picker and the form's field both use this."""
    from subjects.models import Subject

    organisation = round_organisation(user)
    if organisation is None:
        return Subject.objects.none()
    return own_subjects(organisation).select_related("organisation").order_by("-fiscal_year", "code")


def round_defaults(fiscal_year: int, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """(数据截止日期, 报送截止日期) proposed for a new round: the last month end on or before the business date, within
    the fiscal year (31 December for a past year, 31 January before the year's first month end), and 20 days
    later for the tables (national practice; the form can change both)."""
    if today.year > fiscal_year:
        as_of = datetime.date(fiscal_year, 12, 31)
    elif today == _month_end(today):
        as_of = today
    else:
        as_of = today.replace(day=1) - datetime.timedelta(days=1)
    if as_of.year < fiscal_year:
        as_of = datetime.date(fiscal_year, 1, 31)
    return as_of, as_of + datetime.timedelta(days=ROUND_DUE_DAYS)


def _month_end(day: datetime.date) -> datetime.date:
    import calendar

    return datetime.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def can_open_round(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and round_organisation(user) is not None)


def can_manage_round(user, monitoring_round) -> bool:
    """Close it (and scan it, for finance's): the opener's side only — a department's reviewer its own department's
    rounds, the performance section its own level's finance rounds."""
    roles = DEPARTMENT_ROUND_ROLES if monitoring_round.kind == RoundKind.DEPARTMENT else FINANCE_ROUND_ROLES
    return guards.holds_role_over(user, monitoring_round, roles)


def can_scan_round(user, monitoring_round) -> bool:
    """Warnings are finance's (seed 003 第十九条（二）: 财政部门……提出绩效预警): a department's round is not scanned; the
    department acts on its findings by its review and, where needed, a hold (docs/decisions/0035, 0037)."""
    return monitoring_round.kind == RoundKind.FINANCE and can_manage_round(user, monitoring_round)


def scope_subjects(organisation, fiscal_year: int, scope: str, key_subjects=None):
    """Subjects a round of ``organisation`` covers (``own_subjects``: a bureau's own region, a department's own
    units) — all of them that have an approved current target sheet for the year, or the key subjects chosen (seed
    003 第十九条（二）; seed 001 第十七条). Who is left out and why: ``monitoring.actions.scope``."""
    from targets.models import TargetSheet

    base = own_subjects(organisation)
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
            reason=OPEN_DENIED,
        )
        raise PermissionDenied(OPEN_DENIED)
    kind = round_kind(organisation)
    key_subjects = list(key_subjects or [])
    if kind == RoundKind.DEPARTMENT and scope != RoundScope.KEY:
        raise ValidationError({"scope": DEPARTMENT_SCOPE})
    if scope == RoundScope.KEY and not key_subjects:
        raise ValidationError({"key_subjects": "重点监控须选择项目"})
    with transaction.atomic():
        monitoring_round = MonitoringRound(
            organisation=organisation,
            kind=kind,
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
                raise ValidationError({"key_subjects": _outside_message(organisation, kind)})
            monitoring_round.key_subjects.set(key_subjects)
        count = subjects.count()
        left_out = round_scope.find_left_out(monitoring_round, subjects.values_list("pk", flat=True))
        if count > INLINE_TABLE_LIMIT:
            MonitoringRound.objects.filter(pk=monitoring_round.pk).update(tables_pending=True)
            monitoring_round.tables_pending = True
            round_id = monitoring_round.pk
            transaction.on_commit(lambda: _enqueue_tables(round_id))
        else:
            create_tables(monitoring_round, subjects)
            left_out += round_scope.without_indicators(monitoring_round)
        MonitoringRound.objects.filter(pk=monitoring_round.pk).update(left_out=left_out)
        monitoring_round.left_out = left_out
        trail.record(
            AuditAction.UPDATE,
            monitoring_round,
            changes={"监控项目数": [None, count], "未纳入项目数": [None, len(round_scope.entries_left_out(left_out))]},
            reason="生成绩效目标执行监控表" + ("（后台生成）" if count > INLINE_TABLE_LIMIT else ""),
        )
    return monitoring_round


OPEN_DENIED = "只有预算绩效管理科或主管部门审核人可以发起绩效监控"


def _outside_message(organisation, kind) -> str:
    if kind == RoundKind.DEPARTMENT:
        return f"重点监控项目须为本部门（{organisation.name}）及所属单位已安排预算或执行中的项目"
    return f"重点监控项目须为本级（{organisation.region.name}）已安排预算或执行中的项目；下级区划的项目由该区划财政部门监控"


def _enqueue_tables(round_id: int) -> None:
    from monitoring.tasks import open_tables

    open_tables.enqueue(round_id)


def _due_at(due_date) -> datetime.datetime:
    """The end of the due date, in the configured time zone."""
    end = datetime.datetime.combine(due_date, datetime.time(23, 59, 59))
    return timezone.make_aware(end) if timezone.is_naive(end) else end


@hooks.initial_state("monitoring.monitoringtable")
def table_due(table) -> dict:
    """A table is due at the end of its round's 报送截止日期."""
    return {"step_due_at": _due_at(table.round.due_date)}


def create_tables(monitoring_round, subjects) -> int:
    """Create the missing tables of ``subjects`` for the round, set-based: one bulk insert of tables and one of
    indicator rows per batch; budget execution from the figures as of the round's data date. Idempotent."""
    from targets.models import TargetIndicator, TargetSheet
    from workflow.chains import resolve_chain
    from workflow.chains import start as start_document

    existing = set(monitoring_round.tables.values_list("subject_id", flat=True))
    subjects = [s for s in subjects.select_related("organisation__region").order_by("pk") if s.pk not in existing]
    created = 0
    chains = {}
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
                # the round's kind picks the chain (a department's round: its own variant)
                chains[region_id] = resolve_chain(MonitoringTable(round=monitoring_round), subject.organisation)
            chain = chains[region_id]
            table = MonitoringTable(
                round=monitoring_round, subject=subject, target_sheet=sheets.get(subject.pk), **figures[subject.pk]
            )
            start_document(table, chain)  # the engine's starting state, as Reviewable.save would set it
            tables.append(table)
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


# Units of a rate or a share: a rate (合格率 ≥ 95 %, 满意度 ≥ 90 %) is reached or not, it does not pile up over the
# months; 85 % against 90 % is below its target, not "ahead of 7/12 of 90 %" (issue 12 §3).
RATE_UNITS = frozenset({"%", "％", "‰", "百分比", "百分点"})


def is_cumulative(indicator) -> bool:
    """Whether an indicator's value accumulates over the year, so that its expected-to-date is the annual target
    × months ÷ 12: not quality, time or cost indicators, not satisfaction, and not any rate."""
    return (
        indicator.level2 not in NON_CUMULATIVE_LEVEL2
        and indicator.level1 not in (Level1.COST, Level1.SATISFACTION)
        and (indicator.unit or "").strip() not in RATE_UNITS
    )


def indicator_row(table_id: int, indicator) -> MonitoringIndicator:
    """A monitoring row copied from an annual target indicator; quality, time, cost and satisfaction indicators and
    rates are not accumulated over the year (they are judged against the whole target)."""
    cumulative = is_cumulative(indicator)
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
        noted = [e for e in monitoring_round.left_out if e["reason"] != LeftOutReason.NO_INDICATORS]
        left_out = noted + round_scope.without_indicators(monitoring_round)
        MonitoringRound.objects.filter(pk=round_id).update(tables_pending=False, left_out=left_out)
        trail.record(
            AuditAction.UPDATE,
            monitoring_round,
            changes={"监控表生成中": ["是", "否"]},
            reason=f"后台生成监控表 {created} 张",
        )
    return created


# A round's lifecycle (workflow/lifecycle.py). The round is the parent of its tables (review-chain documents); closing
# does not wait for them: a table not submitted by then is reported as not submitted (seed 003 第十七条).
LIFECYCLE = lifecycle.register(
    lifecycle.Lifecycle(
        model=MonitoringRound,
        noun="监控轮次",
        documents=("tables",),
        steps={
            "close": lifecycle.Step(
                "结束监控轮次",
                frozenset({RoundStatus.OPEN}),
                RoundStatus.CLOSED,
                ROUND_ROLES,
                denied=CLOSE_DENIED,
            ),
        },
    )
)


def close_round(monitoring_round, user, reason: str = "") -> MonitoringRound:
    if not can_manage_round(user, monitoring_round):  # the step's roles are both sides'; a round is its opener's
        trail.record(AuditAction.PERMISSION_DENIED, monitoring_round, actor=user, reason=CLOSE_DENIED)
        raise PermissionDenied(CLOSE_DENIED)

    def apply(fresh):
        return {"_fields": {"closed_at": clock.now()}}

    return LIFECYCLE.run("close", monitoring_round, user, reason=reason, apply=apply)

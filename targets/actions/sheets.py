"""Creating, saving and adjusting target sheets, and their deadlines. Each change is one transaction with its
audit rows; the automatic review (``targets.quality``) runs and its findings are stored.

"谁申请资金，谁编制目标": the unit preparer of the subject's unit creates and fills the sheet, once the
subject is in the library (admitted, funded or executing). A sheet is due 10 days after its subject is
admitted (seed 004 三(五)2). Approved versions never change; an adjustment (seed 000 第十六条) is a new
revision with a reason that goes through the same chain.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit import trail
from audit.models import AuditAction
from core import clock
from subjects.choices import LibraryStage
from subjects.models import SubjectYearAmount
from targets import review
from targets.actions import attachments
from targets.actions.common_indicators import common_items_for
from targets.models import BudgetItem, ScheduleStage, TargetIndicator, TargetSheet
from workflow import actions as workflow
from workflow import guards, hooks
from workflow.models import ReviewStatus

# A sheet is filled with the application and reviewed with it (张店区《区级部门单位预算绩效管理办法》第十二条（一）:
# 绩效目标作为申请预算和项目入库的前置条件), and stays open while the subject is funded and executed.
OPEN_STAGES = (LibraryStage.PENDING, LibraryStage.ADMITTED, LibraryStage.FUNDED, LibraryStage.EXECUTING)
FUNDED_STAGES = (LibraryStage.FUNDED, LibraryStage.EXECUTING)
ADMITTED_STAGES = (LibraryStage.ADMITTED, *FUNDED_STAGES)
DUE_DAYS = 10  # seed 004 三(五)2: 项目批复后 10 日内报送绩效目标
# 阿图什市《预算绩效管理第三方服务采购项目技术要求》三（五）2: 因项目变动若有调整的绩效目标，须在10日内同步进行校正.
# A returned sheet gets it from step 0's 办理时限 of its chain (data, migration 0004); this constant is the
# fallback for a chain without one and the deadline of an adjustment revision.
CORRECTION_DAYS = 10

INDICATOR_FIELDS = [
    "horizon",
    "level1",
    "level2",
    "name",
    "comparator",
    "target_value",
    "unit",
    "weight",
    "data_source",
    "standard",
    "last_year_actual",
]
STAGE_FIELDS = ["stage", "start", "finish"]
BUDGET_ITEM_FIELDS = ["name", "previous_amount", "requested_amount", "basis"]
# The sheet's own fields an adjustment copies into the next revision.
COPIED_FIELDS = [
    "long_term_goal",
    "annual_goal",
    "measure_organisation",
    "measure_rules",
    "measure_plan",
    "serves_public",
    "buys_outputs",
    "prior_grades",
    "self_evaluation_year",
    "other_notes",
]


def _refused(obj, user, message: str) -> PermissionDenied:
    trail.record(AuditAction.PERMISSION_DENIED, obj, actor=user, reason=message)
    return PermissionDenied(message)


def can_create(user, subject) -> bool:
    """Step 0's role of the chain the sheet would follow, over the subject's organisation: the unit preparer
    for a project, the department reviewer for a department-overall sheet."""
    return guards.can_prepare(user, TargetSheet, subject.organisation, probe=TargetSheet(subject=subject))


def funded_at(subject):
    """When finance first arranged the subject's money for its fiscal year (a stored date), or None."""
    row = SubjectYearAmount.objects.filter(subject=subject, fiscal_year=subject.fiscal_year).first()
    return timezone.localtime(row.arranged_at) if row and row.arranged_at else None


def due_date(subject):
    """A new sheet is due ``DUE_DAYS`` after 项目立项 (the subject's admission, seed 004 三（五）2: 项目批复后 10 日内报送
    绩效目标; issue 12 §1), not after its funding. Filled with the application (a pending subject) it has no deadline
    of its own yet; a subject admitted before the date was stored counts from its funding, else from today."""
    if subject.stage not in ADMITTED_STAGES:
        return None
    start = subject.admitted_at or funded_at(subject)
    return (timezone.localtime(start) if start else clock.now()) + timedelta(days=DUE_DAYS)


@hooks.initial_state("targets.targetsheet")
def sheet_due(sheet) -> dict:
    """A new sheet is due ``DUE_DAYS`` after its subject's admission (an adjustment sets its own)."""
    return {"step_due_at": due_date(sheet.subject)}


def _has_library_indicator() -> bool:
    return any(f.name == "library_indicator" for f in TargetIndicator._meta.get_fields())


def _indicator(sheet, order: int, values: dict) -> TargetIndicator:
    data = {k: v for k, v in values.items() if k in INDICATOR_FIELDS}
    row = TargetIndicator(sheet=sheet, order=order, **data)
    if _has_library_indicator() and values.get("library_indicator"):
        row.library_indicator_id = getattr(values["library_indicator"], "pk", values["library_indicator"])
    for key in ("unit", "data_source", "last_year_actual"):
        if getattr(row, key) is None:
            setattr(row, key, "")
    row.full_clean(exclude=["sheet"])
    return row


def _rows_text(sheet) -> list[str]:
    return (
        [
            f"[{i.get_horizon_display()}] {i.get_level1_display()}/{i.get_level2_display()}/{i.name} "
            f"{i.display_value} 分值{i.weight:g}"
            for i in sheet.indicators.all()
        ]
        + [f"[进度] {s}" for s in sheet.stages.all()]
        + [
            f"[支出明细] {b.name} 上年度{b.previous_amount:,.2f}元 本年度{b.requested_amount:,.2f}元 {b.basis}".rstrip()
            for b in sheet.budget_items.all()
        ]
    )


def _replace_children(sheet, indicators, stages, required: set | None = None, budget_items=None) -> dict:
    """Replace the indicator list, the schedule and (when given) the itemised budget. Indicators are matched to the existing rows by horizon,
    levels and name and updated in place, so what hangs on them (reviewers' comments, regional values)
    stays. A required common indicator (部门整体) cannot be removed and keeps its place and name."""
    _forget_prefetched(sheet)
    before = _rows_text(sheet)
    if indicators is not None:
        existing = list(sheet.indicators.all())
        pinned = {i.library_indicator_id: i for i in existing if i.is_common_required}
        rows = []
        for n, values in enumerate(indicators, start=1):
            library = values.get("library_indicator")
            library = getattr(library, "pk", library)
            if library in pinned:
                values = {**values, **{k: getattr(pinned[library], k) for k in ("horizon", "level1", "level2", "name")}}
            row = _indicator(sheet, n, values)
            row.is_common_required = library in pinned or (required is not None and library in required)
            rows.append(row)
        kept = {r.library_indicator_id for r in rows}
        dropped = [i.name for lib, i in pinned.items() if lib not in kept]
        if dropped:
            raise ValidationError(f"“{'、'.join(dropped)}”是财政部门规定的部门整体共性指标，不能删除，只需填写指标值")
        pool = defaultdict(list)
        for i in existing:
            pool[i.key].append(i)
        new = []
        for row in rows:
            match = pool[row.key].pop(0) if pool[row.key] else None
            if match is None:
                new.append(row)
                continue
            row.pk = match.pk
            row._state.adding = False
            row.save()
        TargetIndicator.objects.filter(pk__in=[i.pk for rest in pool.values() for i in rest]).delete()
        TargetIndicator.objects.bulk_create(new)
    if stages is not None:
        rows = []
        for n, values in enumerate(stages, start=1):
            row = ScheduleStage(sheet=sheet, order=n, **{k: values.get(k) for k in STAGE_FIELDS})
            row.full_clean(exclude=["sheet"])
            rows.append(row)
        sheet.stages.all().delete()
        ScheduleStage.objects.bulk_create(rows)
    if budget_items is not None:
        rows = []
        for n, values in enumerate(budget_items, start=1):
            row = BudgetItem(sheet=sheet, order=n, **{k: values.get(k) for k in BUDGET_ITEM_FIELDS})
            row.basis = row.basis or ""
            if row.previous_amount is None:
                row.previous_amount = Decimal("0")
            row.full_clean(exclude=["sheet"])
            rows.append(row)
        sheet.budget_items.all().delete()
        BudgetItem.objects.bulk_create(rows)
    _forget_prefetched(sheet)
    after = _rows_text(sheet)
    return {"绩效指标、实施进度与支出明细": [before, after]} if before != after else {}


def _forget_prefetched(sheet) -> None:
    """A sheet loaded with prefetch_related (the API) must not answer from the rows it had before the save."""
    for name in ("indicators", "stages", "regional_targets", "budget_items"):
        getattr(sheet, "_prefetched_objects_cache", {}).pop(name, None)


def _previous_year_indicators(subject, year) -> list[dict]:
    """A continuing subject's indicators of last year's current approved sheet, as the starting point."""
    last = TargetSheet.objects.filter(
        subject=subject, fiscal_year=year - 1, status=ReviewStatus.APPROVED, is_current=True
    ).first()
    if last is None:
        return []
    return [
        {
            **{k: getattr(i, k) for k in INDICATOR_FIELDS},
            "last_year_actual": "",
            "library_indicator": i.library_indicator_id,
        }
        for i in last.indicators.all()
    ]


def _common_row(item) -> dict:
    return {
        "horizon": "annual",
        "level1": item.level1,
        "level2": item.level2,
        "name": item.name,
        "comparator": item.comparator,
        "target_value": "",
        "unit": item.unit,
        "weight": Decimal("0"),
        "data_source": "",
        "standard": "plan",
        "last_year_actual": "",
        "library_indicator": item.indicator_id,
    }


def create_sheet(subject, user, year: int | None = None, *, reason: str = "", **values) -> TargetSheet:
    """A draft sheet for ``subject`` and ``year`` (default the subject's fiscal year) by its unit preparer."""
    year = year or subject.fiscal_year
    if not can_create(user, subject):
        raise _refused(subject, user, "只有项目单位的填报人可以编制绩效目标（谁申请资金，谁编制目标）")
    if subject.stage not in OPEN_STAGES:
        raise ValidationError(f"项目当前为“{subject.get_stage_display()}”，不能再编制绩效目标")
    with transaction.atomic():
        if TargetSheet.objects.filter(subject=subject, fiscal_year=year).exists():
            raise ValidationError(f"该项目 {year} 年度的绩效目标申报表已存在")
        sheet = TargetSheet(subject=subject, fiscal_year=year, annual_goal=values.pop("annual_goal", ""), **values)
        sheet.full_clean(exclude=["annual_goal"])
        sheet.save()
        trail.record(
            AuditAction.CREATE,
            sheet,
            changes=trail.diff({}, trail.snapshot(sheet), TargetSheet),
            actor=user,
            reason=reason,
        )
        prefill = _previous_year_indicators(subject, year)
        required = set()
        if sheet.is_department_overall:
            items = common_items_for(subject.organisation, year)
            present = {row.get("library_indicator") for row in prefill}
            prefill += [_common_row(item) for item in items if item.indicator_id not in present]
            required = {item.indicator_id for item in items}
        if prefill:
            _replace_children(sheet, prefill, None, required=required)
        review.store(sheet)
    return sheet


def save_sheet(
    sheet,
    user,
    version: int,
    *,
    data: dict | None = None,
    indicators: list[dict] | None = None,
    stages: list[dict] | None = None,
    budget_items: list[dict] | None = None,
    reason: str = "",
) -> TargetSheet:
    """The preparer's save of a draft or returned sheet: its fields, and (when given) the whole indicator
    list, schedule and itemised budget (支出明细预算). Approved or in-review sheets are refused (workflow.actions.save_edit). The automatic
    review runs and its findings are stored."""
    try:
        with transaction.atomic():
            before = trail.snapshot(TargetSheet.objects.get(pk=sheet.pk))
            for key, value in (data or {}).items():
                setattr(sheet, key, value)
            workflow.save_edit(sheet, user, version, before=before, reason=reason)
            changes = _replace_children(sheet, indicators, stages, budget_items=budget_items)
            if changes:
                trail.record(AuditAction.UPDATE, sheet, changes=changes, actor=user, reason=reason)
            review.store(sheet)
    except PermissionDenied as exc:
        # recorded after the rollback, so the refusal stays on record
        raise _refused(sheet, user, str(exc)) from None
    return sheet


def can_adjust(user, sheet) -> bool:
    return (
        sheet.status == ReviewStatus.APPROVED
        and sheet.is_current
        and not TargetSheet.objects.filter(previous=sheet).exists()
        and can_create(user, sheet.subject)
    )


def adjust(sheet, user, reason: str) -> TargetSheet:
    """seed 000 第十六条 / seed 003 第十五条: 确需调整的，按照申报和审核流程重新报批. Copies the approved sheet
    into the next revision (draft, indicators and schedule included); the approved one stays current and
    readable until the adjustment is approved."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写调整原因"})
    if not can_create(user, sheet.subject):
        raise _refused(sheet, user, "只有项目单位的填报人可以申请调整绩效目标")
    with transaction.atomic():
        fresh = TargetSheet.objects.select_for_update().get(pk=sheet.pk)
        if fresh.status != ReviewStatus.APPROVED or not fresh.is_current:
            raise ValidationError("只有审核通过的现行版本可以调整")
        if TargetSheet.objects.filter(previous=fresh).exists():
            raise ValidationError("该版本已有调整申请")
        copy = TargetSheet(
            subject=fresh.subject,
            fiscal_year=fresh.fiscal_year,
            revision=fresh.revision + 1,
            previous=fresh,
            adjustment_reason=reason,
            is_current=False,
            step_due_at=correction_due(clock.now()),
            **{f: getattr(fresh, f) for f in COPIED_FIELDS},
        )
        copy.full_clean()
        copy.save()
        trail.record(
            AuditAction.CREATE,
            copy,
            changes={"调整前版本": [None, str(fresh)], "调整原因": [None, reason]},
            actor=user,
            reason=f"调整绩效目标：{reason}",
        )
        rows = [
            {
                **{k: getattr(i, k) for k in INDICATOR_FIELDS},
                **({"library_indicator": i.library_indicator_id} if _has_library_indicator() else {}),
            }
            for i in fresh.indicators.all()
        ]
        required = {i.library_indicator_id for i in fresh.indicators.all() if i.is_common_required}
        _replace_children(
            copy,
            rows,
            [{k: getattr(s, k) for k in STAGE_FIELDS} for s in fresh.stages.all()],
            required=required,
            budget_items=[{k: getattr(b, k) for k in BUDGET_ITEM_FIELDS} for b in fresh.budget_items.all()],
        )
        attachments.carry(fresh, copy)
        review.store(copy)
    return copy


# --- deadlines (seed 004 三(五)2) ---------------------------------------------------------------------------


def correction_due(start):
    """A correction is due ``CORRECTION_DAYS`` days after the change (return or adjustment)."""
    return start + timedelta(days=CORRECTION_DAYS)


def is_overdue(sheet, now=None) -> bool:
    """Past its deadline (submission, correction or review step) and not approved. ``now`` for tests."""
    now = now or clock.now()
    return bool(sheet.step_due_at and sheet.status != ReviewStatus.APPROVED and sheet.step_due_at < now)


@hooks.before_transition("targets.targetsheet")
def before_transition(sheet, action: str, to_status: str, user) -> dict:
    """Submission runs the automatic review and refuses while blocking findings remain; the final approval of an
    adjustment makes it the current version (seed 000 第十六条). Runs inside the transition (workflow/hooks.py)."""
    from targets.choices import Severity
    from workflow.models import ReviewAction

    if action == ReviewAction.SUBMIT:
        findings = review.store(sheet)
        blocking = [f for f in findings if f.severity == Severity.BLOCKING]
        if blocking:
            raise ValidationError(
                "智能审核发现阻断性问题，不能提交：" + "；".join(f"【{f.rule_name}】{f.message}" for f in blocking)
            )
        return {}
    if action == ReviewAction.APPROVE and to_status == ReviewStatus.APPROVED:
        older = TargetSheet.objects.filter(
            subject_id=sheet.subject_id, fiscal_year=sheet.fiscal_year, is_current=True
        ).exclude(pk=sheet.pk)
        replaced = [str(s.revision) for s in older]
        older.update(is_current=False)
        TargetSheet.objects.filter(pk=sheet.pk).update(is_current=True)
        if replaced:
            return {"现行版本": [f"第 {'、'.join(replaced)} 版", f"第 {sheet.revision} 版"]}
    return {}

"""The state changes of target sheets. Pages, API and the demo call these; each is one transaction with
its audit rows. Submission, review, return and approval are workflow.actions (chain of migration 0002);
``TargetSheet.before_transition`` runs the automatic review before a submission.

"谁申请资金，谁编制目标": the unit preparer of the subject's unit creates and fills the sheet, once the
subject is in the library (admitted, funded or executing). A sheet is due 10 days after its subject is
funded (seed 004 三(五)2). Approved versions never change; an adjustment (seed 000 第十六条) is a new
revision with a reason that goes through the same chain.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit import trail
from audit.models import AuditAction, AuditEntry
from core import services
from subjects.choices import LibraryStage
from targets import quality
from targets.choices import Level1, Level2
from targets.models import ScheduleStage, TargetIndicator, TargetSheet
from workflow import actions as workflow
from workflow import guards
from workflow.models import ReviewStatus

OPEN_STAGES = (LibraryStage.ADMITTED, LibraryStage.FUNDED, LibraryStage.EXECUTING)
FUNDED_STAGES = (LibraryStage.FUNDED, LibraryStage.EXECUTING)
DUE_DAYS = 10  # seed 004 三(五)2: 项目批复后 10 日内报送绩效目标

INDICATOR_FIELDS = ["horizon", "level1", "level2", "name", "comparator", "target_value", "unit", "weight",
                    "data_source", "standard", "last_year_actual"]
STAGE_FIELDS = ["stage", "start", "finish"]


def _refused(obj, user, message: str) -> PermissionDenied:
    trail.record(AuditAction.PERMISSION_DENIED, obj, actor=user, reason=message)
    return PermissionDenied(message)


def can_create(user, subject) -> bool:
    return guards.can_prepare(user, TargetSheet, subject.organisation)


def funded_at(subject):
    """When the subject was funded (its 安排预算 transition in the audit trail), or None."""
    entry = (AuditEntry.objects.filter(object_type="subjects.subject", object_id=str(subject.pk),
                                       action=AuditAction.TRANSITION, reason__startswith="安排预算")
             .order_by("-pk").first())
    return entry.created_at if entry else None


def due_date(subject):
    if subject.stage not in FUNDED_STAGES:
        return None
    start = funded_at(subject)
    return (start or timezone.now()) + timedelta(days=DUE_DAYS)


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
    return [f"[{i.get_horizon_display()}] {i.get_level1_display()}/{i.get_level2_display()}/{i.name} "
            f"{i.display_value} 分值{i.weight:g}" for i in sheet.indicators.all()] + [
        f"[进度] {s}" for s in sheet.stages.all()]


def _replace_children(sheet, indicators, stages) -> dict:
    before = _rows_text(sheet)
    if indicators is not None:
        rows = [_indicator(sheet, n, values) for n, values in enumerate(indicators, start=1)]
        sheet.indicators.all().delete()
        TargetIndicator.objects.bulk_create(rows)
    if stages is not None:
        rows = []
        for n, values in enumerate(stages, start=1):
            row = ScheduleStage(sheet=sheet, order=n, **{k: values.get(k) for k in STAGE_FIELDS})
            row.full_clean(exclude=["sheet"])
            rows.append(row)
        sheet.stages.all().delete()
        ScheduleStage.objects.bulk_create(rows)
    after = _rows_text(sheet)
    return {"绩效指标与实施进度": [before, after]} if before != after else {}


def _previous_year_indicators(subject, year) -> list[dict]:
    """A continuing subject's indicators of last year's current approved sheet, as the starting point."""
    last = (TargetSheet.objects.filter(subject=subject, fiscal_year=year - 1, status=ReviewStatus.APPROVED,
                                       is_current=True).first())
    if last is None:
        return []
    return [{**{k: getattr(i, k) for k in INDICATOR_FIELDS}, "last_year_actual": ""} for i in last.indicators.all()]


def create_sheet(subject, user, year: int | None = None, *, reason: str = "", **values) -> TargetSheet:
    """A draft sheet for ``subject`` and ``year`` (default the subject's fiscal year) by its unit preparer."""
    year = year or subject.fiscal_year
    if not can_create(user, subject):
        raise _refused(subject, user, "只有项目单位的填报人可以编制绩效目标（谁申请资金，谁编制目标）")
    if subject.stage not in OPEN_STAGES:
        raise ValidationError(f"项目当前为“{subject.get_stage_display()}”，入库（或安排预算）后才能编制绩效目标")
    with transaction.atomic():
        if TargetSheet.objects.filter(subject=subject, fiscal_year=year).exists():
            raise ValidationError(f"该项目 {year} 年度的绩效目标申报表已存在")
        sheet = TargetSheet(subject=subject, fiscal_year=year, annual_goal=values.pop("annual_goal", ""), **values)
        sheet.step_due_at = due_date(subject)
        sheet.full_clean(exclude=["annual_goal"])
        sheet.save()
        trail.record(AuditAction.CREATE, sheet, changes=trail.diff({}, trail.snapshot(sheet), TargetSheet),
                     actor=user, reason=reason)
        prefill = _previous_year_indicators(subject, year)
        if prefill:
            _replace_children(sheet, prefill, None)
        quality.store(sheet)
    return sheet


def save_sheet(sheet, user, version: int, *, data: dict | None = None, indicators: list[dict] | None = None,
               stages: list[dict] | None = None, reason: str = "") -> TargetSheet:
    """The preparer's save of a draft or returned sheet: its fields, and (when given) the whole indicator
    list and schedule. Approved or in-review sheets are refused (workflow.actions.save_edit). The automatic
    review runs and its findings are stored."""
    try:
        with transaction.atomic():
            before = trail.snapshot(TargetSheet.objects.get(pk=sheet.pk))
            for key, value in (data or {}).items():
                setattr(sheet, key, value)
            workflow.save_edit(sheet, user, version, before=before, reason=reason)
            changes = _replace_children(sheet, indicators, stages)
            if changes:
                trail.record(AuditAction.UPDATE, sheet, changes=changes, actor=user, reason=reason)
            quality.store(sheet)
    except PermissionDenied as exc:
        # recorded after the rollback, so the refusal stays on record
        raise _refused(sheet, user, str(exc)) from None
    return sheet


def can_adjust(user, sheet) -> bool:
    return (sheet.status == ReviewStatus.APPROVED and sheet.is_current
            and not TargetSheet.objects.filter(previous=sheet).exists() and can_create(user, sheet.subject))


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
        copy = TargetSheet(subject=fresh.subject, fiscal_year=fresh.fiscal_year, revision=fresh.revision + 1,
                           previous=fresh, adjustment_reason=reason, is_current=False,
                           **{f: getattr(fresh, f) for f in ("long_term_goal", "annual_goal", "measure_organisation",
                                                             "measure_rules", "measure_plan", "serves_public",
                                                             "buys_outputs")})
        copy.full_clean()
        copy.save()
        trail.record(AuditAction.CREATE, copy, changes={"调整前版本": [None, str(fresh)], "调整原因": [None, reason]},
                     actor=user, reason=f"调整绩效目标：{reason}")
        rows = [{**{k: getattr(i, k) for k in INDICATOR_FIELDS},
                 **({"library_indicator": i.library_indicator_id} if _has_library_indicator() else {})}
                for i in fresh.indicators.all()]
        _replace_children(copy, rows, [{k: getattr(s, k) for k in STAGE_FIELDS} for s in fresh.stages.all()])
        quality.store(copy)
    return copy


# --- comparing two versions ----------------------------------------------------------------------------------

COMPARED = ["comparator", "target_value", "unit", "weight", "data_source", "standard"]
SHEET_COMPARED = ["long_term_goal", "annual_goal", "measure_organisation", "measure_rules", "measure_plan"]


def _key(i) -> tuple:
    return (i.horizon, i.level1, i.level2, i.name.strip())


def compare(left: TargetSheet, right: TargetSheet) -> dict:
    """Differences between two versions: sheet fields, and indicators matched by horizon, level 1, level 2
    and name — added, removed or changed (with the fields that changed)."""
    fields = []
    for name in SHEET_COMPARED:
        a, b = getattr(left, name), getattr(right, name)
        if a != b:
            fields.append({"field": name, "label": str(TargetSheet._meta.get_field(name).verbose_name),
                           "left": a, "right": b})
    lefts = {_key(i): i for i in left.indicators.all()}
    rights = {_key(i): i for i in right.indicators.all()}
    rows = []
    for key in list(lefts) + [k for k in rights if k not in lefts]:
        a, b = lefts.get(key), rights.get(key)
        if a is None or b is None:
            rows.append({"kind": "added" if a is None else "removed", "label": str(b or a), "left": a, "right": b,
                         "fields": []})
            continue
        changed = [str(TargetIndicator._meta.get_field(f).verbose_name) for f in COMPARED
                   if getattr(a, f) != getattr(b, f)]
        rows.append({"kind": "changed" if changed else "same", "label": str(a), "left": a, "right": b,
                     "fields": changed})
    return {"fields": fields, "indicators": rows,
            "changes": [r for r in rows if r["kind"] != "same"]}


def level2_choices_for(level1: str) -> list[tuple[str, str]]:
    from targets.choices import LEVEL2_OF

    return [(v, Level2(v).label) for v in LEVEL2_OF.get(level1, ())]


__all__ = ["Level1", "adjust", "can_adjust", "compare", "create_sheet", "save_sheet"]


# --- the automatic review's rule settings (performance section) ---------------------------------------------

def can_configure_rules(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_role("performance_section"))


def set_rule(user, code: str, *, severity: str, is_active: bool = True, params: dict | None = None,
             reason: str = ""):
    """The performance section switches a rule on or off, makes it blocking or a warning, or changes its
    parameters (e.g. the weight scheme). Audited; the code defaults stay in targets.quality."""
    from targets.models import QualityRuleSetting

    if not can_configure_rules(user):
        trail.record(AuditAction.PERMISSION_DENIED, object_type="targets.qualityrulesetting", object_repr=code,
                     actor=user, reason="只有预算绩效管理科可以设置智能审核规则")
        raise PermissionDenied("只有预算绩效管理科可以设置智能审核规则")
    with transaction.atomic():
        row = QualityRuleSetting.objects.select_for_update().filter(code=code).first()
        values = {"severity": severity, "is_active": is_active}
        if params is not None:
            values["params"] = params
        if row is None:
            return services.create_record(QualityRuleSetting(code=code, **values), reason=reason)
        row, _ = services.update_record(row, values, reason=reason)
        return row

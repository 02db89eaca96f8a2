"""The state changes of target sheets. Pages, API and the demo call these; each is one transaction with
its audit rows. Submission, review, return and approval are workflow.actions (chain of migration 0002);
``TargetSheet.before_transition`` runs the automatic review before a submission.

"谁申请资金，谁编制目标": the unit preparer of the subject's unit creates and fills the sheet, once the
subject is in the library (admitted, funded or executing). A sheet is due 10 days after its subject is
funded (seed 004 三(五)2). Approved versions never change; an adjustment (seed 000 第十六条) is a new
revision with a reason that goes through the same chain.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from audit import trail
from audit.models import AuditAction, AuditEntry
from core import clock, services
from subjects.choices import LibraryStage
from targets import quality
from targets.choices import Level1, Level2
from targets.models import (
    CommonIndicatorItem,
    CommonIndicatorSet,
    IndicatorComment,
    RegionalIndicatorValue,
    RegionalTarget,
    ScheduleStage,
    TargetIndicator,
    TargetSheet,
)
from workflow import actions as workflow
from workflow import guards
from workflow.models import ReviewStatus

OPEN_STAGES = (LibraryStage.ADMITTED, LibraryStage.FUNDED, LibraryStage.EXECUTING)
FUNDED_STAGES = (LibraryStage.FUNDED, LibraryStage.EXECUTING)
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


def _refused(obj, user, message: str) -> PermissionDenied:
    trail.record(AuditAction.PERMISSION_DENIED, obj, actor=user, reason=message)
    return PermissionDenied(message)


def can_create(user, subject) -> bool:
    """Step 0's role of the chain the sheet would follow, over the subject's organisation: the unit preparer
    for a project, the department reviewer for a department-overall sheet."""
    return guards.can_prepare(user, TargetSheet, subject.organisation, probe=TargetSheet(subject=subject))


def funded_at(subject):
    """When the subject was funded (its 安排预算 transition in the audit trail), or None."""
    entry = (
        AuditEntry.objects.filter(
            object_type="subjects.subject",
            object_id=str(subject.pk),
            action=AuditAction.TRANSITION,
            reason__startswith="安排预算",
        )
        .order_by("-pk")
        .first()
    )
    return entry.created_at if entry else None


def due_date(subject):
    if subject.stage not in FUNDED_STAGES:
        return None
    start = funded_at(subject)
    return (start or clock.now()) + timedelta(days=DUE_DAYS)


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
    return [
        f"[{i.get_horizon_display()}] {i.get_level1_display()}/{i.get_level2_display()}/{i.name} "
        f"{i.display_value} 分值{i.weight:g}"
        for i in sheet.indicators.all()
    ] + [f"[进度] {s}" for s in sheet.stages.all()]


def _replace_children(sheet, indicators, stages, required: set | None = None) -> dict:
    """Replace the indicator list and schedule. Indicators are matched to the existing rows by horizon,
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
    _forget_prefetched(sheet)
    after = _rows_text(sheet)
    return {"绩效指标与实施进度": [before, after]} if before != after else {}


def _forget_prefetched(sheet) -> None:
    """A sheet loaded with prefetch_related (the API) must not answer from the rows it had before the save."""
    for name in ("indicators", "stages", "regional_targets"):
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
        quality.store(sheet)
    return sheet


def save_sheet(
    sheet,
    user,
    version: int,
    *,
    data: dict | None = None,
    indicators: list[dict] | None = None,
    stages: list[dict] | None = None,
    reason: str = "",
) -> TargetSheet:
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
            **{
                f: getattr(fresh, f)
                for f in (
                    "long_term_goal",
                    "annual_goal",
                    "measure_organisation",
                    "measure_rules",
                    "measure_plan",
                    "serves_public",
                    "buys_outputs",
                )
            },
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
            copy, rows, [{k: getattr(s, k) for k in STAGE_FIELDS} for s in fresh.stages.all()], required=required
        )
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
            fields.append(
                {"field": name, "label": str(TargetSheet._meta.get_field(name).verbose_name), "left": a, "right": b}
            )
    lefts = {_key(i): i for i in left.indicators.all()}
    rights = {_key(i): i for i in right.indicators.all()}
    rows = []
    for key in list(lefts) + [k for k in rights if k not in lefts]:
        a, b = lefts.get(key), rights.get(key)
        if a is None or b is None:
            rows.append(
                {"kind": "added" if a is None else "removed", "label": str(b or a), "left": a, "right": b, "fields": []}
            )
            continue
        changed = [
            str(TargetIndicator._meta.get_field(f).verbose_name) for f in COMPARED if getattr(a, f) != getattr(b, f)
        ]
        rows.append(
            {"kind": "changed" if changed else "same", "label": str(a), "left": a, "right": b, "fields": changed}
        )
    return {"fields": fields, "indicators": rows, "changes": [r for r in rows if r["kind"] != "same"]}


def level2_choices_for(level1: str) -> list[tuple[str, str]]:
    from targets.choices import LEVEL2_OF

    return [(v, Level2(v).label) for v in LEVEL2_OF.get(level1, ())]


__all__ = ["Level1", "adjust", "can_adjust", "compare", "create_sheet", "save_sheet"]


# --- the automatic review's rule settings (performance section) ---------------------------------------------


def can_configure_rules(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_role("performance_section"))


def set_rule(user, code: str, *, severity: str, is_active: bool = True, params: dict | None = None, reason: str = ""):
    """The performance section switches a rule on or off, makes it blocking or a warning, or changes its
    parameters (e.g. the weight scheme). Saves a new version of the rule set (all rows copied, this one
    changed); the older versions stay readable. Audited; the code defaults stay in targets.quality."""
    from targets.models import QualityRuleSet, QualityRuleSetting

    if not can_configure_rules(user):
        trail.record(
            AuditAction.PERMISSION_DENIED,
            object_type="targets.qualityruleset",
            object_repr=code,
            actor=user,
            reason="只有预算绩效管理科可以设置智能审核规则",
        )
        raise PermissionDenied("只有预算绩效管理科可以设置智能审核规则")
    if code not in quality.RULES:
        raise ValidationError({"code": "未知的规则代码"})
    with transaction.atomic():
        last = QualityRuleSet.objects.select_for_update().order_by("-number").first()
        current = quality.current_rule_set()
        before = quality.stored_configuration(current)[code]
        rule_set = QualityRuleSet(
            number=(last.number if last else 0) + 1,
            created_by=user,
            note=(reason or "")[:500] or f"修改规则：{quality.RULES[code].name}",
        )
        rule_set.full_clean()
        rule_set.save()
        rows = (
            {
                r.code: QualityRuleSetting(
                    rule_set=rule_set, code=r.code, severity=r.severity, is_active=r.is_active, params=r.params
                )
                for r in QualityRuleSetting.objects.filter(rule_set=current)
            }
            if current
            else {}
        )
        row = rows.get(code) or QualityRuleSetting(rule_set=rule_set, code=code, params={})
        row.severity, row.is_active = severity, is_active
        if params is not None:
            row.params = params
        row.full_clean()
        rows[code] = row
        QualityRuleSetting.objects.bulk_create(rows.values())
        after = quality.stored_configuration(rule_set)[code]
        changes = {
            f"{quality.RULES[code].name}·{label}": [str(a), str(b)]
            for label, a, b in (
                ("严重程度", before.severity, after.severity),
                ("启用", before.is_active, after.is_active),
                ("参数", before.params, after.params),
            )
            if a != b
        }
        trail.record(
            AuditAction.CREATE,
            rule_set,
            changes={"版本号": [current.number if current else None, rule_set.number], **changes},
            actor=user,
            reason=reason,
        )
    return row


# --- deadlines (seed 004 三(五)2) ---------------------------------------------------------------------------


def correction_due(start):
    """A correction is due ``CORRECTION_DAYS`` days after the change (return or adjustment)."""
    return start + timedelta(days=CORRECTION_DAYS)


def is_overdue(sheet, now=None) -> bool:
    """Past its deadline (submission, correction or review step) and not approved. ``now`` for tests."""
    now = now or clock.now()
    return bool(sheet.step_due_at and sheet.status != ReviewStatus.APPROVED and sheet.step_due_at < now)


# --- 部门整体绩效目标: the common indicators finance requires ------------------------------------------------

COMMON_ROLES = ("performance_section",)


def common_set_for(organisation, year):
    """The newest version of the set that applies to ``organisation`` in ``year``: its region's, else the nearest
    region above that has one."""
    if organisation is None or not organisation.region_id:
        return None
    codes = [c for c in organisation.region.path.split("/") if c]
    sets = list(
        CommonIndicatorSet.objects.filter(fiscal_year=year, region__code__in=codes)
        .select_related("region")
        .order_by("-number")
    )
    depth = {code: i for i, code in enumerate(codes)}
    return max(sets, key=lambda s: (depth.get(s.region.code, -1), s.number), default=None)


def common_items_for(organisation, year) -> list[CommonIndicatorItem]:
    found = common_set_for(organisation, year)
    return list(found.items.select_related("indicator")) if found else []


def required_items(sheet) -> list[CommonIndicatorItem]:
    return common_items_for(sheet.subject.organisation, sheet.fiscal_year) if sheet.is_department_overall else []


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


def common_organisation(user, region):
    """The performance section ``user`` works at in ``region`` (it owns that region's sets), or None."""
    for assignment in user.role_assignments() if user and user.is_authenticated and user.is_active else []:
        if assignment.role in COMMON_ROLES and assignment.organisation.region_id == getattr(region, "pk", region):
            return assignment.organisation
    return None


# Where a library common indicator (levels in the handbook's words) sits in the target sheet's tree.
LIBRARY_LEVELS = {
    ("产出", "数量"): ("output", "quantity"),
    ("产出", "质量"): ("output", "quality"),
    ("产出", "时效"): ("output", "timeliness"),
    ("成本", "经济成本"): ("cost", "economic_cost"),
    ("效益", "经济效益"): ("effect", "economic_benefit"),
    ("效益", "社会效益"): ("effect", "social_benefit"),
    ("效益", "可持续影响"): ("effect", "sustainable"),
    ("满意度", "服务对象满意度"): ("satisfaction", "service_satisfaction"),
}
DEFAULT_LEVELS = ("output", "quality")  # 决策/过程 indicators of the handbook have no place of their own


def library_levels(indicator) -> tuple[str, str]:
    return LIBRARY_LEVELS.get((indicator.level1, indicator.level2), DEFAULT_LEVELS)


def save_common_set(user, region, year: int, items: list[dict], *, note: str = "") -> CommonIndicatorSet:
    """The performance section of ``region`` saves the common indicators required in department-overall sheets
    of ``year``: a new version (the older ones stay). ``items``: {indicator (common library indicator or id),
    level1, level2, name?, comparator?, unit?}."""
    from indicators.choices import IndicatorKind
    from indicators.models import Indicator

    owner = common_organisation(user, region)
    if owner is None:
        trail.record(
            AuditAction.PERMISSION_DENIED,
            object_type="targets.commonindicatorset",
            object_repr=f"{year} 年度部门整体共性指标",
            actor=user,
            reason="只有本级财政局预算绩效管理科可以设置部门整体共性指标",
        )
        raise PermissionDenied("只有本级财政局预算绩效管理科可以设置部门整体共性指标")
    with transaction.atomic():
        last = (
            CommonIndicatorSet.objects.select_for_update()
            .filter(region=region, fiscal_year=year)
            .order_by("-number")
            .first()
        )
        before = [str(i) for i in last.items.all()] if last else []
        found = CommonIndicatorSet(
            region_id=getattr(region, "pk", region),
            organisation=owner,
            fiscal_year=year,
            number=(last.number if last else 0) + 1,
            note=note[:500],
            created_by=user,
        )
        found.full_clean()
        found.save()
        rows = []
        for n, values in enumerate(items, start=1):
            indicator = values["indicator"]
            if not isinstance(indicator, Indicator):
                indicator = Indicator.objects.filter(pk=indicator).first()
            if indicator is None or indicator.kind != IndicatorKind.COMMON:
                raise ValidationError(f"第 {n} 项须选择指标库中的共性指标")
            level1, level2 = library_levels(indicator)
            row = CommonIndicatorItem(
                rule_set=found,
                indicator=indicator,
                order=n,
                level1=values.get("level1") or level1,
                level2=values.get("level2") or level2,
                name=values.get("name") or indicator.name,
                comparator=values.get("comparator") or "ge",
                unit=values.get("unit", indicator.unit) or "",
            )
            row.full_clean(exclude=["rule_set"])
            rows.append(row)
        CommonIndicatorItem.objects.bulk_create(rows)
        trail.record(
            AuditAction.CREATE, found, changes={"共性指标": [before, [r.name for r in rows]]}, actor=user, reason=note
        )
    return found


# --- 区域绩效目标: decomposing a transfer payment's overall targets ------------------------------------------


def regions_below(sheet):
    from organisations.models import Region

    return Region.objects.filter(parent_id=sheet.subject.organisation.region_id).order_by("code")


def can_edit_regional(user, sheet) -> bool:
    return sheet.is_transfer_overall and guards.can_edit(user, sheet)


def _regional_text(sheet) -> list[str]:
    out = []
    for t in sheet.regional_targets.select_related("region").prefetch_related("values__indicator"):
        values = "，".join(f"{v.indicator.name} {v.value}" for v in t.values.all() if v.value)
        out.append(f"{t.region.name}：金额 {t.amount if t.amount is not None else '—'}；{values}")
    return out


def save_regional(sheet, user, rows: list[dict], *, reason: str = "") -> TargetSheet:
    """The preparer of an overall transfer-payment sheet saves its decomposition: per region below, an amount
    and a value for each indicator. ``rows``: [{region (id), amount, note, values: {indicator id: value}}]."""
    if not sheet.is_transfer_overall:
        raise ValidationError("只有转移支付（整体）绩效目标需要分解区域绩效目标")
    if not can_edit_regional(user, sheet):
        raise _refused(sheet, user, "只有填报人可以在草稿或退回状态下分解区域绩效目标")
    regions = {r.pk: r for r in regions_below(sheet)}
    indicators = {i.pk: i for i in sheet.indicators.all()}
    with transaction.atomic():
        before = _regional_text(sheet)
        for row in rows:
            region = regions.get(int(row["region"]))
            if region is None:
                raise ValidationError("只能分解到本级以下的区域")
            target = RegionalTarget.objects.filter(sheet=sheet, region=region).first() or RegionalTarget(
                sheet=sheet, region=region
            )
            target.amount = row.get("amount")
            target.note = row.get("note") or ""
            target.full_clean()
            target.save()
            for indicator_id, value in (row.get("values") or {}).items():
                indicator = indicators.get(int(indicator_id))
                if indicator is None:
                    raise ValidationError("指标不属于该绩效目标申报表")
                value = str(value or "").strip()
                if value and indicator.is_quantitative and quality.parse_number(value) is None:
                    raise ValidationError(f"{region.name}的“{indicator.name}”为定量指标，区域指标值须为数值")
                RegionalIndicatorValue.objects.update_or_create(
                    regional_target=target, indicator=indicator, defaults={"value": value}
                )
        after = _regional_text(sheet)
        if before != after:
            trail.record(
                AuditAction.UPDATE, sheet, changes={"区域绩效目标": [before, after]}, actor=user, reason=reason
            )
        quality.store(sheet)
    return sheet


def regional_grid(sheet) -> dict:
    """Regions (rows) × annual indicators (columns) with the overall value, the regional values and, for
    quantity indicators, the regional total."""
    indicators = [i for i in sheet.indicators.all() if i.horizon == "annual"]
    targets = {t.region_id: t for t in sheet.regional_targets.prefetch_related("values")}
    rows, totals = [], defaultdict(Decimal)
    for region in regions_below(sheet):
        target = targets.get(region.pk)
        values = {v.indicator_id: v.value for v in target.values.all()} if target else {}
        cells = []
        for i in indicators:
            value = values.get(i.pk, "")
            cells.append({"indicator": i, "value": value})
            number = quality.parse_number(value)
            if number is not None and quality.additive(i):
                totals[i.pk] += number
        rows.append({"region": region, "target": target, "amount": target.amount if target else None, "cells": cells})
    columns = [
        {"indicator": i, "additive": quality.additive(i), "total": totals.get(i.pk) if quality.additive(i) else None}
        for i in indicators
    ]
    return {
        "rows": rows,
        "columns": columns,
        "amount_total": sum((r["amount"] for r in rows if r["amount"] is not None), Decimal("0")),
    }


def regional_visible(user, queryset=None):
    """Regional targets ``user`` may read: those of sheets within the user's reach (the gate on the overall
    sheet's owner), and — for the finance roles that reach a whole region (REGION_SUBTREE) — the rows of
    their own region and the regions below it, whoever owns the overall sheet (ADR 0012)."""
    from accounts.roles import ROLE_SPECS, Action, Scope
    from core import access

    queryset = queryset if queryset is not None else RegionalTarget.objects.all()
    q = access.scope_filter(user, RegionalTarget)
    if user is not None and user.is_authenticated and user.is_active:
        for assignment in user.role_assignments():
            spec = ROLE_SPECS[assignment.role]
            if spec.scope is Scope.REGION_SUBTREE and Action.VIEW in spec.actions:
                q |= Q(region__path__startswith=assignment.organisation.region.path)
    if q == access.NOTHING:
        return queryset.none()
    return queryset.filter(q)


# --- comments pinned to indicators ---------------------------------------------------------------------------


def can_comment(user, sheet) -> bool:
    """Whoever may review the sheet at the step it stands at (workflow.guards.can_act) while it is in review."""
    return sheet.status == ReviewStatus.IN_REVIEW and guards.can_act(user, sheet)


def add_comment(sheet, user, text: str, indicator=None) -> IndicatorComment:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "请填写意见"})
    if not can_comment(user, sheet):
        raise _refused(sheet, user, "只有当前环节的审核人可以对指标提出意见")
    if indicator is not None and indicator.sheet_id != sheet.pk:
        raise ValidationError("指标不属于该绩效目标申报表")
    with transaction.atomic():
        comment = IndicatorComment(
            sheet=sheet,
            indicator=indicator,
            text=text,
            author=user,
            author_name=str(user),
            step_name=sheet.current_step_name,
            indicator_key=indicator.key if indicator else "",
            indicator_label=str(indicator) if indicator else "",
        )
        comment.full_clean()
        comment.save()
        trail.record(
            AuditAction.CREATE,
            comment,
            changes=trail.diff({}, trail.snapshot(comment), IndicatorComment),
            actor=user,
            reason=f"{sheet}：指标审核意见",
        )
    return comment


def can_resolve(user, comment) -> bool:
    """The comment's author, or whoever acts on the sheet now (the preparer after a return, the reviewer of the
    current step), marks it resolved."""
    sheet = comment.sheet
    return sheet.status != ReviewStatus.APPROVED and (comment.author_id == user.pk or guards.can_act(user, sheet))


def resolve_comment(comment, user, resolved: bool = True) -> IndicatorComment:
    if not can_resolve(user, comment):
        raise _refused(comment.sheet, user, "无权处理该意见")
    with transaction.atomic():
        services.update_record(comment, {"resolved": resolved}, reason="意见已处理" if resolved else "意见重新打开")
    return comment


def lineage_comments(sheet):
    """The comments of this sheet and of its earlier revisions (they stay with the indicator across adjustments)."""
    return (
        IndicatorComment.objects.filter(
            sheet__subject_id=sheet.subject_id,
            sheet__fiscal_year=sheet.fiscal_year,
            sheet__revision__lte=sheet.revision,
        )
        .select_related("sheet")
        .order_by("created_at", "pk")
    )


def comments_by_indicator(sheet) -> tuple[dict, list]:
    """{indicator id: [comments]} for the sheet's indicators (matched by key), and the rest (sheet-wide or
    for an indicator no longer on the sheet)."""
    keys = {i.key: i.pk for i in sheet.indicators.all()}
    pinned, other = defaultdict(list), []
    for c in lineage_comments(sheet):
        target = (
            c.indicator_id if c.indicator_id in keys.values() and c.sheet_id == sheet.pk else keys.get(c.indicator_key)
        )
        (pinned[target] if target else other).append(c)
    return dict(pinned), other


def return_opinion(sheet, opinion: str) -> str:
    """The opinion of a return, with the open comments on the sheet listed under it."""
    open_comments = [c for c in lineage_comments(sheet) if not c.resolved]
    if not open_comments:
        return opinion
    lines = [
        f"{n}. 【{c.indicator_label or '整表'}】{c.text}（{c.author_name}，{c.step_name}）"
        for n, c in enumerate(open_comments, start=1)
    ]
    return "\n".join(filter(None, [(opinion or "").strip(), "指标审核意见：", *lines]))


def perform(action: str, sheet, user, version: int, opinion: str = "", target_step: int | None = None):
    """The review chain for target sheets (pages and API): a return carries the open indicator comments."""
    if action == "return":
        opinion = return_opinion(sheet, opinion)
    return workflow.perform(action, sheet, user, version, opinion, target_step)


# --- 绩效目标汇总 (summary for reviewers) -------------------------------------------------------------------

SUMMARY_ROLES = ("dept_reviewer", "finance_desk", "performance_section", "bureau_leader")


def can_view_summary(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_role(*SUMMARY_ROLES))


def summary(user, year: int) -> dict:
    """Current sheets of ``year`` within the user's reach: per department × status counts, with counts of
    sheets with blocking findings and with warnings, and the findings most often raised, by rule."""
    from core import access
    from workflow.models import ReviewStatus as Status

    sheets = access.restrict(TargetSheet.objects.filter(fiscal_year=year, is_current=True), user).values(
        "subject__department_id", "subject__department__name", "status", "blocking_count", "warning_count", "findings"
    )
    departments: dict = {}
    rules = Counter()
    names = {}
    for s in sheets:
        key = s["subject__department_id"]
        row = departments.setdefault(
            key,
            {
                "id": key,
                "name": s["subject__department__name"] or "—",
                "statuses": dict.fromkeys(Status.values, 0),
                "total": 0,
                "blocking": 0,
                "warning": 0,
            },
        )
        row["statuses"][s["status"]] += 1
        row["total"] += 1
        row["blocking"] += bool(s["blocking_count"])
        row["warning"] += bool(s["warning_count"])
        for f in s["findings"] or []:
            rules[f["rule"]] += 1
            names[f["rule"]] = f["rule_name"]
    rows = sorted(departments.values(), key=lambda r: r["name"])
    totals = {
        "statuses": {k: sum(r["statuses"][k] for r in rows) for k in Status.values},
        "total": sum(r["total"] for r in rows),
        "blocking": sum(r["blocking"] for r in rows),
        "warning": sum(r["warning"] for r in rows),
    }
    return {
        "rows": rows,
        "totals": totals,
        "statuses": Status.choices,
        "rules": [{"rule": code, "name": names[code], "count": n} for code, n in rules.most_common(10)],
    }

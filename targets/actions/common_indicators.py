"""部门整体绩效目标: the common indicators finance requires in department-overall sheets (docs/decisions/0012).
The performance section of a region saves them as versioned ``CommonIndicatorSet``s; a new department-overall
sheet is prefilled with them (``targets.actions.sheets.create_sheet``) and cannot drop them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import Capability
from audit import trail
from audit.models import AuditAction
from core import access, versioning
from targets.models import CommonIndicatorItem, CommonIndicatorSet


def common_set_for(organisation, year):
    """The newest version of the set that applies to ``organisation`` in ``year``: its region's, else the nearest
    region above that has one."""
    if organisation is None or not organisation.region_id:
        return None
    return versioning.in_force(CommonIndicatorSet, organisation.region, fiscal_year=year)


def common_items_for(organisation, year) -> list[CommonIndicatorItem]:
    found = common_set_for(organisation, year)
    return list(found.items.select_related("indicator")) if found else []


def required_items(sheet) -> list[CommonIndicatorItem]:
    return common_items_for(sheet.subject.organisation, sheet.fiscal_year) if sheet.is_department_overall else []


def common_organisation(user, region):
    """The performance section ``user`` works at in ``region`` (it owns that region's sets), or None."""
    for assignment in access.capable_assignments(user, Capability.SET_COMMON_INDICATORS):
        if assignment.organisation.region_id == getattr(region, "pk", region):
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
    last = CommonIndicatorSet.objects.filter(region=region, fiscal_year=year).order_by("-number").first()
    before = [str(i) for i in last.items.all()] if last else []

    def save_items(found) -> dict:
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
        return {"共性指标": [before, [r.name for r in rows]]}

    found = versioning.save_new_version(
        CommonIndicatorSet(
            region_id=getattr(region, "pk", region), organisation=owner, fiscal_year=year, note=note[:500]
        ),
        user,
        reason=note,
        children=save_items,
    )
    return found

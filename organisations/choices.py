from django.db import models


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, "省"
    CITY = 2, "市"
    COUNTY = 3, "县区"
    TOWN = 4, "乡镇街道"


class OrgKind(models.TextChoices):
    FINANCE_BUREAU = "finance_bureau", "财政局"
    FINANCE_SECTION = "finance_section", "财政局科室"
    DEPARTMENT = "department", "主管部门"
    UNIT = "unit", "预算单位"
    AUDIT_OFFICE = "audit_office", "审计部门"
    TOWN_FINANCE = "town_finance", "乡镇财政所"
    AGENCY = "agency", "第三方机构"
    PROVIDER = "provider", "承接主体"
    GOVERNMENT = "government", "人民政府"


class SectionKind(models.TextChoices):
    """Sections inside a finance bureau (DOMAIN.md 'Who uses the system')."""

    BUDGET = "budget", "预算管理科"
    PERFORMANCE = "performance", "预算绩效管理科"
    TREASURY = "treasury", "国库科"
    DESK = "desk", "业务科室"
    OFFICE = "office", "办公室"


# Kinds that hold budget codes (first-level and nested budget units).
BUDGETED_KINDS = {OrgKind.DEPARTMENT, OrgKind.UNIT}

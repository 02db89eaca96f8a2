"""Bulk import of subjects (项目) through the Excel import framework (docs/decisions/0007).

Every row creates a new draft subject with its current year's money, in the unit named by its
预算编码 — which must be within the importer's reach: a unit preparer imports for their own unit,
a department reviewer for the department and its units. All or nothing: one bad cell and nothing
is written. Rows never update existing subjects (a subject under review changes only by its
preparer's edit); the finance-only fields (财政实际安排, 财政指定须评估) are not importable.
"""

from __future__ import annotations

import re

from accounts.roles import ROLE_SPECS, Capability
from audit.context import acting_as
from core.access import NOTHING, _scope_q, capable_assignments, has_capability
from imports.framework import Column, Importer, Row, RowError, register
from imports.parsers import Boolean, Choice, Date, Integer, Text, Yuan
from organisations.choices import BUDGETED_KINDS
from organisations.models import Organisation
from subjects import services as subject_services
from subjects.choices import BudgetKind, Category, Duration, FundSource, SubCategory, SubjectKind
from subjects.models import Subject

FUND_SOURCE = Choice(FundSource)
YEAR = Integer(2000, 2100)
SUBJECT_FIELDS = (
    "name",
    "kind",
    "fiscal_year",
    "start_year",
    "end_year",
    "duration",
    "is_new",
    "budget_kind",
    "function_subject_code",
    "category",
    "sub_category",
    "start_date",
    "end_date",
    "basis",
    "feasibility",
    "necessity",
    "substantial_change",
    "new_task_in_fund",
    "extension_at_expiry",
)


def reachable_organisations(user):
    """The departments and units ``user`` may import subjects for."""
    result = NOTHING
    for assignment in capable_assignments(user, Capability.IMPORT_SUBJECTS):
        result |= _scope_q(Organisation, "", assignment, ROLE_SPECS[assignment.role].scope, user)
    if result is NOTHING:
        return Organisation.objects.none()
    return Organisation.objects.filter(result, kind__in=BUDGETED_KINDS, is_active=True)


@register
class SubjectImporter(Importer):
    kind = "subjects"
    title = "项目"
    sheet_name = "项目"
    model = Subject
    capability = "单位填报人或主管部门审核人"  # shown in the refusal; the check is ``allowed``
    list_url_name = "subjects:list"
    import_url_name, template_url_name = "subjects:import", "subjects:import_template"
    columns = [
        Column("项目名称", "name", Text(200), required=True, example="义务教育薄弱环节改善项目"),
        Column(
            "单位预算编码",
            "org_code",
            Text(30),
            required=True,
            text=True,
            example="101001",
            note="实施单位（主管部门或预算单位）的预算编码，须在您的填报范围内",
        ),
        Column("项目类别", "kind", Choice(SubjectKind), required=True, example="项目"),
        Column("申报年度", "fiscal_year", YEAR, required=True, example=2026),
        Column("起始年度", "start_year", YEAR, required=True, example=2026),
        Column("终止年度", "end_year", YEAR, required=True, example=2026),
        Column("项目期限", "duration", Choice(Duration), required=True, example="一次性"),
        Column("新增项目", "is_new", Boolean(), example="是", note="新设立的项目填“是”，须开展事前绩效评估"),
        Column("预算类别", "budget_kind", Choice(BudgetKind), required=True, example="一般公共预算"),
        Column(
            "资金来源",
            "fund_sources",
            Text(200),
            required=True,
            example="本级、上级转移支付",
            note="可填多项，用“、”或逗号分隔：" + "、".join(FUND_SOURCE.labels),
        ),
        Column(
            "功能科目编码",
            "function_subject_code",
            Text(7),
            required=True,
            text=True,
            example="2050203",
            note="类 3 位、款 5 位或项 7 位数字",
        ),
        Column("项目类型", "category", Choice(Category), required=True, example="行政事业发展类"),
        Column(
            "项目子类型",
            "sub_category",
            Choice(SubCategory),
            required=True,
            example="维修（护）",
            note="经济建设类：新建、扩建、改建；行政事业发展类：购置、维修（护）、会议（培训）；"
            "其他专项类：专项业务、奖励补贴、其他",
        ),
        Column("开始日期", "start_date", Date(), required=True, example="2026-03-01"),
        Column("结束日期", "end_date", Date(), required=True, example="2026-11-30"),
        Column("立项依据", "basis", Text(), required=True, example="《示范市中小学校舍维修管理办法》"),
        Column("可行性", "feasibility", Text()),
        Column("必要性", "necessity", Text()),
        Column("上年度金额", "previous_amount", Yuan(), example="0"),
        Column("本年度申请金额", "requested_amount", Yuan(), required=True, example="500000.00"),
        Column("内容或标准重大调整", "substantial_change", Boolean(), example="否"),
        Column("既有资金新增任务", "new_task_in_fund", Boolean(), example="否"),
        Column("到期申请延续", "extension_at_expiry", Boolean(), example="否"),
    ]
    field_columns = {"organisation": ("org_code",)}
    notes = [
        "每行新增一个草稿状态的项目，导入后由单位填报人核对并提交审核；导入不会修改已有项目。",
        "金额以“元”为单位，最多两位小数。财政实际安排由预算管理科在系统中填写，不能导入。",
        "政府购买服务项目的购买主体、承接主体和合同信息请导入后在项目页面补充。",
    ]

    @classmethod
    def allowed(cls, user) -> bool:
        return has_capability(user, Capability.IMPORT_SUBJECTS)

    def prepare(self) -> None:
        self.orgs: dict[str, list[Organisation]] = {}
        for org in reachable_organisations(self.user).select_related("region"):
            self.orgs.setdefault(org.budget_code, []).append(org)

    def validate_row(self, row: Row) -> None:
        found = self.orgs.get(row["org_code"], [])
        if not found:
            raise RowError(f"预算编码“{row['org_code']}”不存在或不在您的填报范围内", "org_code")
        if len(found) > 1:
            raise RowError(f"预算编码“{row['org_code']}”在多个行政区划重复，无法确定实施单位", "org_code")
        row.data["organisation"] = found[0]
        codes = []
        for part in (p for p in re.split(r"[、,，;；\s]+", row["fund_sources"]) if p):
            try:
                codes.append(FUND_SOURCE(part))
            except ValueError as exc:
                raise RowError(str(exc), "fund_sources") from None
        row.data["fund_sources"] = codes

    def build(self, row: Row) -> Subject:
        values = {name: row.get(name) for name in SUBJECT_FIELDS if row.has(name) and row.get(name) is not None}
        for flag in ("is_new", "substantial_change", "new_task_in_fund", "extension_at_expiry"):
            values.setdefault(flag, False)
        for text in ("feasibility", "necessity"):
            values[text] = values.get(text) or ""
        return Subject(organisation=row.data["organisation"], fund_sources=row.data["fund_sources"], **values)

    def check_row(self, row: Row) -> None:
        subject = self.build(row)
        subject.code = "XM0000-00000"  # assigned on save; a placeholder so full_clean checks the rest
        subject.full_clean(exclude=["chain", "department"])

    def apply_row(self, row: Row) -> str:
        with acting_as(self.user):
            subject_services.create_subject(
                self.build(row),
                previous_amount=row.get("previous_amount"),
                requested_amount=row["requested_amount"],
                reason=self.reason,
            )
        return "created"

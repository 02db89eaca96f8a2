"""The project library (项目库): every subject a budget is spent on — project, policy, department
overall expenditure, transfer payment or purchased service — from its application through review,
admission, funding and execution to completion, year after year while it continues."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from core.attachments import Attachment
from core.files import validate_upload_size
from core.links import detail_url
from organisations.choices import BUDGETED_KINDS, OrgKind
from subjects.choices import (
    SUB_CATEGORIES,
    AttachmentKind,
    BudgetKind,
    Category,
    Duration,
    FundSource,
    LibraryStage,
    SubCategory,
    SubjectKind,
)
from workflow.models import Reviewable

ATTACHMENT_EXTENSIONS = ["pdf", "ofd", "doc", "docx", "wps", "xls", "xlsx", "et", "zip", "jpg", "png"]
FUNCTION_CODE_RE = re.compile(r"^(\d{3}|\d{5}|\d{7})$")
YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]
MONEY = {"max_digits": 16, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class Subject(Reviewable):
    code = models.CharField("项目编码", max_length=20, unique=True, editable=False)
    name = models.CharField("项目名称", max_length=200)
    kind = models.CharField("项目类别", max_length=30, choices=SubjectKind.choices, default=SubjectKind.PROJECT)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="实施单位",
        on_delete=models.PROTECT,
        related_name="subjects",
        limit_choices_to={"kind__in": [OrgKind.DEPARTMENT, OrgKind.UNIT]},
    )
    department = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="主管部门",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        null=True,
    )
    fiscal_year = models.PositiveSmallIntegerField(
        "申报年度", validators=YEAR_VALIDATORS, help_text="当前申报或执行的预算年度；延续项目结转后顺延"
    )
    start_year = models.PositiveSmallIntegerField("起始年度", validators=YEAR_VALIDATORS)
    end_year = models.PositiveSmallIntegerField("终止年度", validators=YEAR_VALIDATORS)
    duration = models.CharField("项目期限", max_length=20, choices=Duration.choices, default=Duration.ONE_OFF)
    is_new = models.BooleanField("新增项目", default=True, help_text="新设立的项目；否则为延续（既有）项目")
    budget_kind = models.CharField("预算类别", max_length=20, choices=BudgetKind.choices, default=BudgetKind.GENERAL)
    fund_sources = models.JSONField("资金来源", default=list, blank=True)
    function_subject_code = models.CharField(
        "功能科目编码", max_length=7, help_text="支出功能分类科目：类 3 位、款 5 位或项 7 位数字"
    )
    category = models.CharField("项目类型", max_length=20, choices=Category.choices)
    sub_category = models.CharField("项目子类型", max_length=20, choices=SubCategory.choices)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    # seed 003 附件1 支出基本情况: 负责人、联系电话 (用款单位负责人), 单位职能概述, 支出概况 (填表说明 二（二）5、6、11、12).
    leader = models.CharField("负责人", max_length=50, blank=True, help_text="用款单位负责人")
    leader_phone = models.CharField("联系电话", max_length=30, blank=True, help_text="用款单位负责人的联系电话")
    unit_functions = models.TextField(
        "单位职能概述", blank=True, help_text="单位性质、职能、编制、人员情况等（附件1 填表说明二（二）11）"
    )
    summary = models.TextField(
        "支出概况", blank=True, help_text="支出申请原因、申报依据及有关背景情况（附件1 填表说明二（二）12）"
    )
    basis = models.TextField("立项依据")
    feasibility = models.TextField("可行性", blank=True)
    necessity = models.TextField("必要性", blank=True)
    # seed 000 第九条: which subjects need an ex-ante performance assessment (事前绩效评估).
    substantial_change = models.BooleanField("内容或标准重大调整并申请新增资金", default=False)
    new_task_in_fund = models.BooleanField("既有资金规模内新增任务", default=False)
    extension_at_expiry = models.BooleanField("到期申请延续", default=False)
    finance_marked = models.BooleanField(
        "财政指定须评估", default=False, editable=False, help_text="由财政部门标记，其他必要开展事前评估的项目"
    )
    stage = models.CharField(
        "库内阶段",
        max_length=20,
        choices=LibraryStage.choices,
        default=LibraryStage.PENDING,
        editable=False,
        db_index=True,
    )
    admitted_at = models.DateTimeField(
        "立项（入库）时间", null=True, blank=True, editable=False, help_text="审核流程最后一环审核通过、项目入库的时间"
    )
    previous = models.ForeignKey(
        "self",
        verbose_name="前序项目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="successors",
        help_text="到期延续或调整后重新申报时指向原项目",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    access_org_field = "organisation"
    todo_stage = "assessment"
    audit_fields = [
        "name",
        "kind",
        "organisation",
        "fiscal_year",
        "start_year",
        "end_year",
        "duration",
        "is_new",
        "budget_kind",
        "fund_sources",
        "function_subject_code",
        "category",
        "sub_category",
        "start_date",
        "end_date",
        "leader",
        "leader_phone",
        "unit_functions",
        "summary",
        "basis",
        "feasibility",
        "necessity",
        "substantial_change",
        "new_task_in_fund",
        "extension_at_expiry",
        "finance_marked",
        "stage",
        "previous",
    ]

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目库"
        ordering = ["-fiscal_year", "code"]
        indexes = [
            models.Index(fields=["organisation", "fiscal_year"]),
            models.Index(fields=["department", "fiscal_year"]),
            # The 项目库 list's default order (subjects/tables.py SubjectTable, /subjects/): a region-wide reach walks
            # this index and stops after a page instead of sorting every subject in reach (issue 16).
            models.Index(fields=["-fiscal_year", "code"], name="subject_list_order"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}" if self.code else self.name

    def get_absolute_url(self):
        return detail_url("subjects:detail", self.pk)

    @property
    def needs_assessment(self) -> bool:
        """seed 000 第九条: 新设立的项目; 内容、标准重大调整拟申请新增资金; 既有资金规模内新增任务;
        到期申请延续; 其他有必要的 (finance marks them)."""
        return bool(
            self.is_new
            or self.substantial_change
            or self.new_task_in_fund
            or self.extension_at_expiry
            or self.finance_marked
        )

    @property
    def expense_type(self) -> str:
        """附件1's 支出类型 (基本支出 / 项目支出 / 部门整体支出), read from the subject's kind: the library holds project
        expenditure and department-overall expenditure; 基本支出 is never a library subject (docs/decisions/0033)."""
        from subjects.choices import ExpenseType

        return ExpenseType.DEPARTMENT if self.kind == SubjectKind.DEPARTMENT_OVERALL else ExpenseType.PROJECT

    @property
    def fund_source_labels(self) -> list[str]:
        labels = dict(FundSource.choices)
        return [labels.get(code, code) for code in self.fund_sources or []]

    def audit_display_fund_sources(self) -> str:
        return "、".join(self.fund_source_labels)

    def admission_problems(self) -> list[str]:
        """What keeps the subject out of the library now (empty when it may be admitted)."""
        from subjects.assessment_gate import assessment_clears

        problems = []
        ok, message = assessment_clears(self)
        if not ok:
            problems.append(message)
        if not self.year_amounts.filter(fiscal_year=self.fiscal_year).exists():
            problems.append(f"缺少 {self.fiscal_year} 年度的申请金额")
        if self.kind == SubjectKind.PURCHASED_SERVICE:
            detail = PurchasedServiceDetail.objects.filter(subject=self).first()
            if detail is None:
                problems.append("政府购买服务项目须填写购买服务信息")
            else:
                problems.extend(detail.admission_problems())
        return problems

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.organisation_id and self.organisation.kind not in BUDGETED_KINDS:
            errors["organisation"] = "项目只能由主管部门或预算单位申报"
        code = (self.function_subject_code or "").strip()
        self.function_subject_code = code
        if code and not FUNCTION_CODE_RE.match(code):
            errors["function_subject_code"] = "功能科目编码应为 3 位（类）、5 位（款）或 7 位（项）数字"
        if self.category and self.sub_category and self.sub_category not in SUB_CATEGORIES.get(self.category, ()):
            errors["sub_category"] = (
                f"“{SubCategory(self.sub_category).label}”不属于“{Category(self.category).label}”（见长治市办法附件1）"
            )
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "结束日期不能早于开始日期"
        if self.start_year and self.end_year and self.end_year < self.start_year:
            errors["end_year"] = "终止年度不能早于起始年度"
        elif (
            self.start_year
            and self.end_year
            and self.fiscal_year
            and not (self.start_year <= self.fiscal_year <= self.end_year)
        ):
            errors["fiscal_year"] = "申报年度应在项目起止年度之内"
        if self.duration == Duration.ONE_OFF and self.start_year and self.end_year and self.end_year != self.start_year:
            errors["duration"] = "一次性项目的起止年度应相同；跨年度实施的请选择“延续性”"
        sources = self.fund_sources
        if not isinstance(sources, list) or not sources:
            errors["fund_sources"] = "请至少选择一项资金来源"
        else:
            unknown = [str(s) for s in sources if s not in FundSource.values]
            if unknown:
                errors["fund_sources"] = f"未知的资金来源：{'、'.join(unknown)}"
            elif len(set(sources)) != len(sources):
                errors["fund_sources"] = "资金来源不能重复"
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.organisation_id:
            self.department_id = self.organisation.department_id
        if not self.code:
            self.code = next_code(self.fiscal_year)
        super().save(*args, **kwargs)


def next_code(year: int, offset: int = 0) -> str:
    """The next free code of a year, "XM2026-00001"; ``offset`` reserves a run for a bulk insert."""
    prefix = f"XM{year}-"
    last = Subject.objects.filter(code__startswith=prefix).order_by("-code").values_list("code", flat=True).first()
    seq = int(last[len(prefix) :]) if last else 0
    return f"{prefix}{seq + 1 + offset:05d}"


class SubjectYearAmount(models.Model):
    """The money of one fiscal year, in yuan to the fen: what was spent last year, what the unit asks
    for, and what finance arranged (set only through ``subjects.actions.fund``)."""

    subject = models.ForeignKey(Subject, verbose_name="项目", on_delete=models.CASCADE, related_name="year_amounts")
    fiscal_year = models.PositiveSmallIntegerField("预算年度", validators=YEAR_VALIDATORS)
    previous_amount = models.DecimalField("上年度金额（元）", default=Decimal("0"), **MONEY)
    requested_amount = models.DecimalField("本年度申请金额（元）", **MONEY)
    arranged_amount = models.DecimalField("财政实际安排（元）", null=True, blank=True, editable=False, **MONEY)
    # The business date of the first arrangement for the year (deadlines run from it); stored, never inferred.
    arranged_at = models.DateTimeField("安排预算时间", null=True, blank=True, editable=False)
    # seed 000 第十四条（二）: finance 对……绩效目标进行审核，提出审核意见，并根据绩效目标审核情况提出预算安排意见 — by default
    # finance's opinions on the year's approved targets (subjects.target_gate.finance_target_opinions).
    arrangement_opinion = models.TextField("预算安排意见", blank=True, editable=False)

    access_org_field = "subject__organisation"
    audit_fields = ["fiscal_year", "previous_amount", "requested_amount", "arranged_amount"]

    class Meta:
        verbose_name = "年度资金"
        verbose_name_plural = "年度资金"
        ordering = ["subject", "fiscal_year"]
        constraints = [models.UniqueConstraint(fields=["subject", "fiscal_year"], name="subject_year_unique")]

    def __str__(self) -> str:
        return f"{self.fiscal_year} 年度"


class SubjectAttachment(Attachment):
    """A file of a subject (立项依据、可研报告、合同……), through the one attachment mechanism (subjects/attachments.py)."""

    subject = models.ForeignKey(Subject, verbose_name="项目", on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField("附件类别", max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.OTHER)
    file = models.FileField(
        "文件",
        upload_to="subjects/%Y/%m/",
        validators=[FileExtensionValidator(ATTACHMENT_EXTENSIONS), validate_upload_size],
    )

    access_org_field = "subject__organisation"
    audit_fields = ["kind", "note", "file"]

    class Meta:
        verbose_name = "项目附件"
        verbose_name_plural = "项目附件"
        ordering = ["subject", "uploaded_at", "pk"]


class PurchasedServiceDetail(models.Model):
    """What a 政府购买服务 subject adds: who buys from whom under which contract (seed 000 第五、十条)."""

    subject = models.OneToOneField(
        Subject, verbose_name="项目", on_delete=models.CASCADE, related_name="purchased_service"
    )
    purchaser = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="购买主体",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind__in": [OrgKind.DEPARTMENT, OrgKind.UNIT]},
    )
    provider = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="承接主体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrgKind.PROVIDER},
    )
    contract_amount = models.DecimalField("合同金额（元）", null=True, blank=True, **MONEY)
    contract_start = models.DateField("合同开始日期", null=True, blank=True)
    contract_end = models.DateField("合同结束日期", null=True, blank=True)
    contract_content = models.TextField("合同主要内容", blank=True)
    on_guidance_catalogue = models.BooleanField("属于政府购买服务指导性目录", default=False)
    outside_negative_list = models.BooleanField("不在负面清单内", default=False)

    access_org_field = "subject__organisation"
    audit_fields = [
        "purchaser",
        "provider",
        "contract_amount",
        "contract_start",
        "contract_end",
        "contract_content",
        "on_guidance_catalogue",
        "outside_negative_list",
    ]

    class Meta:
        verbose_name = "政府购买服务信息"
        verbose_name_plural = "政府购买服务信息"

    def __str__(self) -> str:
        return f"{self.subject} 购买服务信息"

    def clean(self) -> None:
        errors = {}
        if self.provider_id and self.provider.kind != OrgKind.PROVIDER:
            errors["provider"] = "承接主体须为登记为“承接主体”的机构"
        if self.purchaser_id and self.purchaser.kind not in BUDGETED_KINDS:
            errors["purchaser"] = "购买主体须为主管部门或预算单位"
        if self.contract_start and self.contract_end and self.contract_end < self.contract_start:
            errors["contract_end"] = "合同结束日期不能早于开始日期"
        if errors:
            raise ValidationError(errors)

    def admission_problems(self) -> list[str]:
        """seed 000 第十条(一): 以政府购买服务指导性目录为依据……在部门职责范围、负面清单外."""
        problems = []
        if not self.on_guidance_catalogue:
            problems.append("购买内容不在政府购买服务指导性目录内")
        if not self.outside_negative_list:
            problems.append("购买内容属于负面清单事项")
        return problems

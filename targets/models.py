"""绩效目标申报表 (target sheet, seed 003 附件1): one per subject and fiscal year, with its adjustments as
later revisions. The sheet is a Reviewable document (workflow chain "targets.targetsheet"); its indicators
and schedule change only through targets.actions, and only while the sheet is editable."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from core.links import detail_url
from targets.choices import LEVEL2_OF, QUANTITATIVE, Comparator, Horizon, Level1, Level2, Standard
from targets.quality import parse_number
from workflow.models import Reviewable

DEPARTMENT_OVERALL_CHAIN = "targets.targetsheet.department_overall"
YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


def indicator_key(horizon, level1, level2, name) -> str:
    return "|".join([str(horizon or ""), str(level1 or ""), str(level2 or ""), "".join(str(name or "").split())])


class TargetSheet(Reviewable):
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="项目", on_delete=models.PROTECT, related_name="target_sheets"
    )
    fiscal_year = models.PositiveSmallIntegerField("预算年度", validators=YEAR_VALIDATORS)
    # ``version`` (Reviewable) is the optimistic lock; the sheet's own numbering of adjustments is ``revision``.
    revision = models.PositiveSmallIntegerField(
        "目标版本", default=1, editable=False, help_text="1 为初次申报，2 起为调整后的版本"
    )
    previous = models.ForeignKey(
        "self",
        verbose_name="调整前版本",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="adjustments",
    )
    adjustment_reason = models.TextField("调整原因", blank=True, editable=False)
    is_current = models.BooleanField(
        "现行版本", default=True, editable=False, help_text="批复后生效的版本；调整版本审核通过后取代上一版本"
    )
    long_term_goal = models.TextField("长期目标", blank=True, help_text="项目实施期内总体目标（延续性项目必填）")
    annual_goal = models.TextField("年度目标")
    measure_organisation = models.TextField("组织保障措施", blank=True)
    measure_rules = models.TextField("制度保障措施", blank=True)
    measure_plan = models.TextField("工作计划", blank=True)
    serves_public = models.BooleanField("有服务对象", default=True, help_text="项目面向服务对象时须设满意度指标")
    buys_outputs = models.BooleanField("资金用于购买产出", default=True, help_text="资金购买产出时须设成本指标")
    # seed 003 附件1 评价情况 and 其他需要说明的情况 (填表说明 二（七）、（八）).
    prior_grades = models.JSONField(
        "前三年绩效评价等级",
        default=list,
        blank=True,
        help_text="跨年度支出填写：前三个年度的单位自评、财政审核和重点评价等级",
    )
    self_evaluation_year = models.PositiveSmallIntegerField(
        "列入自评的年度",
        null=True,
        blank=True,
        validators=YEAR_VALIDATORS,
        help_text="本年度自评计划：列入哪一年度的自评范围",
    )
    other_notes = models.TextField("其他需要说明的情况", blank=True)
    findings = models.JSONField("智能审核结果", default=list, blank=True, editable=False)
    blocking_count = models.PositiveSmallIntegerField("阻断问题数", default=0, editable=False)
    warning_count = models.PositiveSmallIntegerField("提示问题数", default=0, editable=False)
    checked_at = models.DateTimeField("审核时间", null=True, blank=True, editable=False)
    rule_set = models.ForeignKey(
        "targets.QualityRuleSet",
        verbose_name="审核规则版本",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="产生当前智能审核结果的规则版本",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    access_org_field = "subject__organisation"
    todo_stage = "targets"
    todo_kind = "绩效目标"
    # 部门整体绩效目标 follow a chain of their own: the department reviewer prepares them (张店区《区级部门单位
    # 预算绩效管理办法》第十二条（二）: 区业务主管部门……合理确定部门整体绩效目标).
    # 转移支付整体绩效目标 likewise (张店区《区对下转移支付资金预算绩效管理办法》第十五条（一）: 整体绩效目标由区业务主管部门设定).
    chain_variants = {DEPARTMENT_OVERALL_CHAIN: "绩效目标（部门整体、转移支付整体：主管部门编报）"}
    audit_fields = [
        "subject",
        "fiscal_year",
        "revision",
        "adjustment_reason",
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

    class Meta:
        verbose_name = "绩效目标申报表"
        verbose_name_plural = "绩效目标申报表"
        ordering = ["-fiscal_year", "subject__code", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "fiscal_year", "revision"], name="target_sheet_revision_unique")
        ]
        indexes = [
            # The 绩效目标申报表 list's default order (targets/tables.py, issue 16).
            models.Index(fields=["-fiscal_year", "-updated_at", "-id"], name="targetsheet_list_order"),
        ]

    def __str__(self) -> str:
        suffix = f"（第 {self.revision} 版）" if self.revision > 1 else ""
        name = self.subject.name if self.subject_id else ""
        return f"{self.fiscal_year} 年度 {name} 绩效目标{suffix}"

    def get_absolute_url(self):
        return detail_url("targets:detail", self.pk)

    def _subject_kind(self) -> str | None:
        try:
            return self.subject.kind  # also an unsaved subject (a probe for workflow.guards.can_prepare)
        except ObjectDoesNotExist:
            return None

    @property
    def chain_document_type(self) -> str:
        from subjects.choices import SubjectKind

        if self._subject_kind() in (SubjectKind.DEPARTMENT_OVERALL, SubjectKind.TRANSFER_OVERALL):
            return DEPARTMENT_OVERALL_CHAIN
        return self._meta.label_lower

    @property
    def is_department_overall(self) -> bool:
        from subjects.choices import SubjectKind

        return self._subject_kind() == SubjectKind.DEPARTMENT_OVERALL

    @property
    def is_transfer_overall(self) -> bool:
        from subjects.choices import SubjectKind

        return self._subject_kind() == SubjectKind.TRANSFER_OVERALL

    @property
    def deadline_label(self) -> str:
        """What ``step_due_at`` is at step 0: the first submission (报送期限) or a correction (整改期限)."""
        from workflow.models import ReviewStatus

        if self.status == ReviewStatus.RETURNED or (self.status == ReviewStatus.DRAFT and self.revision > 1):
            return "整改期限"
        if self.status == ReviewStatus.DRAFT:
            return "报送期限"
        return "办理期限"

    def audit_display_prior_grades(self) -> str:
        return "；".join(
            f"{g.get('year')} 年：自评{g.get('self') or '—'}、财政审核{g.get('review') or '—'}、重点评价{g.get('key') or '—'}"
            for g in self.prior_grades or []
        )

    def clean(self) -> None:
        self.prior_grades = clean_prior_grades(self.prior_grades)
        if (
            self.subject_id
            and self.fiscal_year
            and not (
                self.subject.start_year <= self.fiscal_year <= max(self.subject.end_year, self.subject.fiscal_year)
            )
        ):
            raise ValidationError({"fiscal_year": "预算年度应在项目起止年度之内"})


GRADES = ("优", "良", "中", "差", "A", "B", "C", "D")  # seed 000 第二十八条; seed 003 附件2 第三部分
GRADE_KEYS = (
    "self",
    "review",
    "key",
)  # 单位自评, 市财政局审核, 重点评价（专家评定）: seed 003 附件1 填表说明 二（七）1


def clean_prior_grades(value) -> list[dict]:
    """The 前三年绩效评价等级 as stored: [{"year": 2025, "self": "良", "review": "良", "key": ""}, …], by year, rows
    without any grade dropped. Raises ValidationError naming the bad entry."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError({"prior_grades": "应为按年度列出的等级列表"})
    rows, years = [], set()
    for n, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise ValidationError({"prior_grades": f"第 {n} 项应为对象（year、self、review、key）"})
        unknown = set(item) - {"year", *GRADE_KEYS}
        if unknown:
            raise ValidationError({"prior_grades": f"第 {n} 项有未知字段：{'、'.join(sorted(unknown))}"})
        year = item.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
            raise ValidationError({"prior_grades": f"第 {n} 项的年度应为四位数字"})
        if year in years:
            raise ValidationError({"prior_grades": f"{year} 年重复"})
        years.add(year)
        row = {"year": year}
        for key in GRADE_KEYS:
            grade = str(item.get(key) or "").strip()
            if grade and grade not in GRADES:
                raise ValidationError({"prior_grades": f"{year} 年的等级“{grade}”不可用，可填：{'、'.join(GRADES)}"})
            row[key] = grade
        if any(row[k] for k in GRADE_KEYS):
            rows.append(row)
    return sorted(rows, key=lambda r: r["year"])


class BudgetItem(models.Model):
    """支出明细预算 (seed 003 附件1 资金情况): one line of the itemised budget with its 测算依据及说明, in yuan (the
    outputs print 万元). Owned by the sheet: it is a part of the form, reviewed and frozen with it, and copied into an
    adjustment (docs/decisions/0033)."""

    sheet = models.ForeignKey(
        TargetSheet, verbose_name="绩效目标申报表", on_delete=models.CASCADE, related_name="budget_items"
    )
    order = models.PositiveSmallIntegerField("序号", default=0)
    name = models.CharField("支出名称", max_length=200)
    previous_amount = models.DecimalField(
        "上年度资金（元）",
        max_digits=16,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    requested_amount = models.DecimalField(
        "本年度申请资金（元）", max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    basis = models.TextField("测算依据及说明", blank=True, help_text="数量 × 单价等测算过程及依据")

    access_org_field = "sheet__subject__organisation"

    class Meta:
        verbose_name = "支出明细预算"
        verbose_name_plural = "支出明细预算"
        ordering = ["sheet", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.name} {self.requested_amount:,.2f} 元"


class ScheduleStage(models.Model):
    """实施进度计划: one stage of the work with its start and finish (seed 003 附件1)."""

    sheet = models.ForeignKey(
        TargetSheet, verbose_name="绩效目标申报表", on_delete=models.CASCADE, related_name="stages"
    )
    order = models.PositiveSmallIntegerField("序号", default=0)
    stage = models.CharField("实施内容", max_length=200)
    start = models.DateField("开始时间")
    finish = models.DateField("完成时间")

    access_org_field = "sheet__subject__organisation"

    class Meta:
        verbose_name = "实施进度"
        verbose_name_plural = "实施进度"
        ordering = ["sheet", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.stage}（{self.start:%Y-%m-%d} 至 {self.finish:%Y-%m-%d}）"

    def clean(self) -> None:
        if self.start and self.finish and self.finish < self.start:
            raise ValidationError({"finish": "完成时间不能早于开始时间"})


class TargetIndicator(models.Model):
    """A level-3 indicator of the tree: under which level 1 and level 2, compared how, to what value."""

    sheet = models.ForeignKey(
        TargetSheet, verbose_name="绩效目标申报表", on_delete=models.CASCADE, related_name="indicators"
    )
    horizon = models.CharField("目标期限", max_length=20, choices=Horizon.choices, default=Horizon.ANNUAL)
    level1 = models.CharField("一级指标", max_length=20, choices=Level1.choices)
    level2 = models.CharField("二级指标", max_length=30, choices=Level2.choices)
    name = models.CharField("三级指标", max_length=200)
    comparator = models.CharField("指标性质", max_length=20, choices=Comparator.choices, default=Comparator.GE)
    target_value = models.CharField(
        "指标值", max_length=200, blank=True, help_text="定量指标填数值；定性指标填文字描述（如“达到预期”）"
    )
    unit = models.CharField("计量单位", max_length=30, blank=True)
    weight = models.DecimalField(
        "分值",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    data_source = models.CharField("数据来源", max_length=200, blank=True)
    standard = models.CharField("指标值设定依据", max_length=20, choices=Standard.choices, default=Standard.PLAN)
    last_year_actual = models.CharField(
        "上年实际值", max_length=200, blank=True, help_text="延续项目同一指标上年度的实际完成值（如有）"
    )
    order = models.PositiveSmallIntegerField("序号", default=0)
    library_indicator = models.ForeignKey(
        "indicators.Indicator",
        verbose_name="指标库指标",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="target_uses",
        help_text="从指标库选用时指向库内指标",
    )
    is_common_required = models.BooleanField(
        "财政要求的共性指标",
        default=False,
        editable=False,
        help_text="部门整体绩效目标中由财政部门规定的共性指标，部门不能删除，只填写指标值",
    )

    access_org_field = "sheet__subject__organisation"

    class Meta:
        verbose_name = "绩效指标"
        verbose_name_plural = "绩效指标"
        ordering = ["sheet", "horizon", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.get_level1_display()}/{self.get_level2_display()}/{self.name}"

    @property
    def is_quantitative(self) -> bool:
        return self.comparator in QUANTITATIVE

    @property
    def display_value(self) -> str:
        sign = "" if self.comparator == Comparator.QUALITATIVE else self.get_comparator_display()
        return f"{sign}{self.target_value}{self.unit if self.is_quantitative else ''}"

    def clean(self) -> None:
        errors = {}
        if self.level1 and self.level2 and self.level2 not in LEVEL2_OF.get(self.level1, ()):
            errors["level2"] = f"“{Level2(self.level2).label}”不属于“{Level1(self.level1).label}”"
        if self.comparator in QUANTITATIVE and self.target_value and parse_number(self.target_value) is None:
            errors["target_value"] = "定量指标（≥、≤、=）的指标值须为数值"
        if errors:
            raise ValidationError(errors)

    @property
    def key(self) -> str:
        """Identifies “the same indicator” across saves and revisions: horizon, levels and name."""
        return indicator_key(self.horizon, self.level1, self.level2, self.name)

    def snapshot(self) -> dict:
        return {
            "horizon": self.horizon,
            "level1": self.level1,
            "level2": self.level2,
            "name": self.name,
            "comparator": self.comparator,
            "target_value": self.target_value,
            "unit": self.unit,
            "weight": str(self.weight),
            "data_source": self.data_source,
            "standard": self.standard,
            "last_year_actual": self.last_year_actual,
        }


class RegionalTarget(models.Model):
    """区域绩效目标: one region's share of a transfer payment's overall target sheet (张店区《区对下转移支付
    资金预算绩效管理办法》第十四、十五条（二）: 将整体绩效目标分解为各区域绩效目标), with its indicator values."""

    sheet = models.ForeignKey(
        TargetSheet, verbose_name="绩效目标申报表", on_delete=models.CASCADE, related_name="regional_targets"
    )
    region = models.ForeignKey("organisations.Region", verbose_name="区域", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(
        "分配金额（元）",
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    note = models.CharField("说明", max_length=500, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    access_org_field = "sheet__subject__organisation"
    audit_fields = ["sheet", "region", "amount", "note"]

    class Meta:
        verbose_name = "区域绩效目标"
        verbose_name_plural = "区域绩效目标"
        ordering = ["sheet", "region__code"]
        constraints = [models.UniqueConstraint(fields=["sheet", "region"], name="regional_target_unique")]

    def __str__(self) -> str:
        return f"{self.region.name if self.region_id else ''}区域绩效目标"


class RegionalIndicatorValue(models.Model):
    """A regional target's value of one indicator of the overall sheet."""

    regional_target = models.ForeignKey(
        RegionalTarget, verbose_name="区域绩效目标", on_delete=models.CASCADE, related_name="values"
    )
    indicator = models.ForeignKey(
        TargetIndicator, verbose_name="绩效指标", on_delete=models.CASCADE, related_name="regional_values"
    )
    value = models.CharField("区域指标值", max_length=200, blank=True)

    access_org_field = "regional_target__sheet__subject__organisation"

    class Meta:
        verbose_name = "区域指标值"
        verbose_name_plural = "区域指标值"
        ordering = ["regional_target", "indicator__order"]
        constraints = [
            models.UniqueConstraint(fields=["regional_target", "indicator"], name="regional_indicator_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.name}：{self.value}"


class IndicatorComment(models.Model):
    """A reviewer's comment pinned to one indicator of a sheet (or to the sheet as a whole when ``indicator`` is
    empty). Kept with the sheet's lineage: a later revision shows the earlier comments next to the same
    indicator (matched by ``indicator_key``)."""

    sheet = models.ForeignKey(
        TargetSheet, verbose_name="绩效目标申报表", on_delete=models.CASCADE, related_name="comments"
    )
    indicator = models.ForeignKey(
        TargetIndicator,
        verbose_name="绩效指标",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    indicator_key = models.CharField("指标标识", max_length=300, blank=True, editable=False)
    indicator_label = models.CharField("指标", max_length=300, blank=True, editable=False)
    author = models.ForeignKey(
        "accounts.User", verbose_name="意见人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField("意见人", max_length=120)
    step_name = models.CharField("审核环节", max_length=60)
    text = models.TextField("意见")
    resolved = models.BooleanField("已处理", default=False)
    created_at = models.DateTimeField("时间", default=timezone.now, editable=False)

    access_org_field = "sheet__subject__organisation"
    audit_fields = ["indicator_label", "step_name", "text", "resolved"]

    class Meta:
        verbose_name = "指标审核意见"
        verbose_name_plural = "指标审核意见"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.indicator_label or '整表'}：{self.text[:30]}"


from targets.attachment_models import TargetSheetAttachment  # noqa: E402, F401  (a model of this app)
from targets.rule_models import (  # noqa: E402, F401  (models of this app)
    CommonIndicatorItem,
    CommonIndicatorSet,
    QualityRuleSet,
    QualityRuleSetting,
)
from targets.third_party_models import TargetThirdPartyReview  # noqa: E402, F401  (a model of this app)

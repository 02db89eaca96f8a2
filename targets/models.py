"""绩效目标申报表 (target sheet, seed 003 附件1): one per subject and fiscal year, with its adjustments as
later revisions. The sheet is a Reviewable document (workflow chain "targets.targetsheet"); its indicators
and schedule change only through targets.actions, and only while the sheet is editable."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from targets.choices import LEVEL2_OF, QUANTITATIVE, Comparator, Horizon, Level1, Level2, Severity, Standard
from workflow.models import Reviewable

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


def parse_number(value) -> Decimal | None:
    """A target value as a number ("95", "1,200", "95%", "  3.5 "), or None when it is not one."""
    text = str(value or "").strip().replace(",", "").replace("，", "").rstrip("%％").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class TargetSheet(Reviewable):
    subject = models.ForeignKey("subjects.Subject", verbose_name="项目", on_delete=models.PROTECT,
                                related_name="target_sheets")
    fiscal_year = models.PositiveSmallIntegerField("预算年度", validators=YEAR_VALIDATORS)
    # ``version`` (Reviewable) is the optimistic lock; the sheet's own numbering of adjustments is ``revision``.
    revision = models.PositiveSmallIntegerField("目标版本", default=1, editable=False,
                                                help_text="1 为初次申报，2 起为调整后的版本")
    previous = models.ForeignKey("self", verbose_name="调整前版本", null=True, blank=True, editable=False,
                                 on_delete=models.PROTECT, related_name="adjustments")
    adjustment_reason = models.TextField("调整原因", blank=True, editable=False)
    is_current = models.BooleanField("现行版本", default=True, editable=False,
                                     help_text="批复后生效的版本；调整版本审核通过后取代上一版本")
    long_term_goal = models.TextField("长期目标", blank=True, help_text="项目实施期内总体目标（延续性项目必填）")
    annual_goal = models.TextField("年度目标")
    measure_organisation = models.TextField("组织保障措施", blank=True)
    measure_rules = models.TextField("制度保障措施", blank=True)
    measure_plan = models.TextField("工作计划", blank=True)
    serves_public = models.BooleanField("有服务对象", default=True, help_text="项目面向服务对象时须设满意度指标")
    buys_outputs = models.BooleanField("资金用于购买产出", default=True, help_text="资金购买产出时须设成本指标")
    findings = models.JSONField("智能审核结果", default=list, blank=True, editable=False)
    blocking_count = models.PositiveSmallIntegerField("阻断问题数", default=0, editable=False)
    warning_count = models.PositiveSmallIntegerField("提示问题数", default=0, editable=False)
    checked_at = models.DateTimeField("审核时间", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    access_org_field = "subject__organisation"
    todo_stage = "targets"
    todo_kind = "绩效目标"
    audit_fields = ["subject", "fiscal_year", "revision", "adjustment_reason", "long_term_goal", "annual_goal",
                    "measure_organisation", "measure_rules", "measure_plan", "serves_public", "buys_outputs"]

    class Meta:
        verbose_name = "绩效目标申报表"
        verbose_name_plural = "绩效目标申报表"
        ordering = ["-fiscal_year", "subject__code", "-revision"]
        constraints = [models.UniqueConstraint(fields=["subject", "fiscal_year", "revision"],
                                               name="target_sheet_revision_unique")]

    def __str__(self) -> str:
        suffix = f"（第 {self.revision} 版）" if self.revision > 1 else ""
        name = self.subject.name if self.subject_id else ""
        return f"{self.fiscal_year} 年度 {name} 绩效目标{suffix}"

    def get_absolute_url(self):
        return reverse("targets:detail", args=[self.pk])

    def before_transition(self, action: str, to_status: str, user) -> dict:
        """Submission runs the automatic review and refuses while blocking findings remain; the final
        approval of an adjustment makes it the current version (seed 000 第十六条)."""
        from targets import quality
        from workflow.models import ReviewAction, ReviewStatus

        if action == ReviewAction.SUBMIT:
            findings = quality.store(self)
            blocking = [f for f in findings if f.severity == Severity.BLOCKING]
            if blocking:
                raise ValidationError("智能审核发现阻断性问题，不能提交：" + "；".join(
                    f"【{f.rule_name}】{f.message}" for f in blocking))
            return {}
        if action == ReviewAction.APPROVE and to_status == ReviewStatus.APPROVED:
            older = TargetSheet.objects.filter(subject_id=self.subject_id, fiscal_year=self.fiscal_year,
                                               is_current=True).exclude(pk=self.pk)
            replaced = [str(s.revision) for s in older]
            older.update(is_current=False)
            TargetSheet.objects.filter(pk=self.pk).update(is_current=True)
            if replaced:
                return {"现行版本": [f"第 {'、'.join(replaced)} 版", f"第 {self.revision} 版"]}
        return {}

    def clean(self) -> None:
        if self.subject_id and self.fiscal_year and not (
                self.subject.start_year <= self.fiscal_year <= max(self.subject.end_year, self.subject.fiscal_year)):
            raise ValidationError({"fiscal_year": "预算年度应在项目起止年度之内"})


class ScheduleStage(models.Model):
    """实施进度计划: one stage of the work with its start and finish (seed 003 附件1)."""

    sheet = models.ForeignKey(TargetSheet, verbose_name="绩效目标申报表", on_delete=models.CASCADE,
                              related_name="stages")
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

    sheet = models.ForeignKey(TargetSheet, verbose_name="绩效目标申报表", on_delete=models.CASCADE,
                              related_name="indicators")
    horizon = models.CharField("目标期限", max_length=20, choices=Horizon.choices, default=Horizon.ANNUAL)
    level1 = models.CharField("一级指标", max_length=20, choices=Level1.choices)
    level2 = models.CharField("二级指标", max_length=30, choices=Level2.choices)
    name = models.CharField("三级指标", max_length=200)
    comparator = models.CharField("指标性质", max_length=20, choices=Comparator.choices, default=Comparator.GE)
    target_value = models.CharField("指标值", max_length=200,
                                    help_text="定量指标填数值；定性指标填文字描述（如“达到预期”）")
    unit = models.CharField("计量单位", max_length=30, blank=True)
    weight = models.DecimalField("分值", max_digits=5, decimal_places=2, default=Decimal("0"),
                                 validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))])
    data_source = models.CharField("数据来源", max_length=200, blank=True)
    standard = models.CharField("指标值设定依据", max_length=20, choices=Standard.choices, default=Standard.PLAN)
    last_year_actual = models.CharField("上年实际值", max_length=200, blank=True,
                                        help_text="延续项目同一指标上年度的实际完成值（如有）")
    order = models.PositiveSmallIntegerField("序号", default=0)
    library_indicator = models.ForeignKey("indicators.Indicator", verbose_name="指标库指标", null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="target_uses",
                                          help_text="从指标库选用时指向库内指标")

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

    def snapshot(self) -> dict:
        return {"horizon": self.horizon, "level1": self.level1, "level2": self.level2, "name": self.name,
                "comparator": self.comparator, "target_value": self.target_value, "unit": self.unit,
                "weight": str(self.weight), "data_source": self.data_source, "standard": self.standard,
                "last_year_actual": self.last_year_actual}


class QualityRuleSetting(models.Model):
    """The performance section's choice for one rule of the automatic review: on or off, blocking or a
    warning, and the rule's parameters (e.g. the weight scheme). Rules without a row use the code defaults."""

    code = models.CharField("规则代码", max_length=40, unique=True)
    severity = models.CharField("严重程度", max_length=20, choices=Severity.choices)
    is_active = models.BooleanField("启用", default=True)
    params = models.JSONField("参数", default=dict, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    audit_fields = ["code", "severity", "is_active", "params"]

    class Meta:
        verbose_name = "智能审核规则设置"
        verbose_name_plural = "智能审核规则设置"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        from targets.quality import RULES

        if self.code and self.code not in RULES:
            raise ValidationError({"code": "未知的规则代码"})

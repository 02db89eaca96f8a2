"""单位自评 (self-evaluation) after the fiscal year (seed 000 第二十二、二十四条; seed 001 第二十条 and second document
第二十、二十三条; seed 003 第二十三–二十七条).

* ``SelfEvaluationRound`` — the performance section opens the self-evaluation of a fiscal year for its own region,
  with a due date and the scheme version it is scored by; the forms are created set-based by a background task
  (``evaluations.opening``), and the round records who of the year's funded subjects is left off and why.
* ``SelfEvaluation`` — one form (项目支出绩效自评表) per subject on the list, filled by the unit that spent the money
  (谁支出、谁自评) and reviewed along the chain unit head → department → finance desk → performance section.
  Budget, paid, execution rate and execution score come from treasury data as of 31 December and are never typed;
  the indicator rows are copied from the last approved revision of the year's target sheet.
* ``SelfEvaluationIndicator`` — one row: the approved target, the actual the unit enters, the score the engine
  gives (``evaluations.scoring``) and, for a deviation, the reason and the improvement measure.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Scope
from core.attachments import Attachment
from core.files import validate_upload_size
from evaluations.choices import Band, EvaluationStage, FormKind, FourE, IndicatorKind, RoundStatus
from workflow.models import Reviewable

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]
MONEY = {"max_digits": 18, "decimal_places": 2}
RATIO = {"max_digits": 9, "decimal_places": 4}  # 1.0000 = 100 %
POINTS = {"max_digits": 6, "decimal_places": 2}
EVIDENCE_EXTENSIONS = ["pdf", "ofd", "doc", "docx", "wps", "xls", "xlsx", "et", "zip", "jpg", "jpeg", "png"]


class SelfEvaluationRound(models.Model):
    """The self-evaluation of one fiscal year in one region, opened by its performance section."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="组织单位",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="组织自评的财政部门（预算绩效管理科）",
    )
    region = models.ForeignKey(
        "organisations.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+", editable=False
    )
    fiscal_year = models.PositiveSmallIntegerField("评价年度", validators=YEAR_VALIDATORS)
    name = models.CharField("名称", max_length=200)
    due_date = models.DateField("报送截止日期")
    notice = models.TextField("通知要求", blank=True)
    scheme = models.ForeignKey(
        "evaluations.EvaluationScheme",
        verbose_name="评价方案",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="开启时本区划现行的单位自评方案版本，本轮自评表均按此计分",
    )
    purchased_service_scheme = models.ForeignKey(
        "evaluations.EvaluationScheme",
        verbose_name="政府购买服务评价方案",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="选用 4E 方案（经济性、效率性、有效性、公平性）的，本轮政府购买服务项目的自评表按此计分；不选则按单位自评方案",
    )
    transfer_subjects = models.ManyToManyField(
        "subjects.Subject",
        verbose_name="纳入自评的转移支付项目",
        blank=True,
        related_name="+",
        help_text="区业务主管部门会同财政部门确定的年度转移支付绩效自评项目清单（张店区转移支付办法第二十条（二））",
    )
    status = models.CharField(
        "状态", max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPENING, editable=False
    )
    forms_expected = models.PositiveIntegerField("应生成自评表数", default=0, editable=False)
    forms_created = models.PositiveIntegerField("已生成自评表数", default=0, editable=False)
    # [{"subject": id, "reason": LeftOutReason}] as found when the forms were created.
    left_out = models.JSONField("未纳入的项目及原因", default=list, blank=True, editable=False)
    failure = models.TextField("生成失败原因", blank=True, editable=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True, editable=False)

    access_org_field = "organisation"
    # a finance desk reads the rounds of its region (their forms stay within its departments): read-only reach
    access_scope_routes = {Scope.DESK_DEPARTMENTS: (Scope.REGION_SUBTREE, "organisation")}
    audit_fields = ["fiscal_year", "name", "due_date", "notice", "scheme", "purchased_service_scheme", "status"]

    class Meta:
        verbose_name = "单位自评轮次"
        verbose_name_plural = "单位自评轮次"
        ordering = ["-fiscal_year", "-pk"]
        constraints = [
            # One self-evaluation per year and region: opening it twice (two clicks at once) creates one round.
            models.UniqueConstraint(
                fields=["region", "fiscal_year"],
                name="self_evaluation_round_unique",
                violation_error_message="本区划该年度的单位自评已经开启",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self):
        return reverse("evaluations:round", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.status != RoundStatus.OPENING:
            return 100
        if not self.forms_expected:
            return 0
        return min(99, self.forms_created * 100 // self.forms_expected)

    def clean(self) -> None:
        if self.due_date and self.fiscal_year and self.due_date.year <= self.fiscal_year:
            raise ValidationError({"due_date": "报送截止日期应在评价年度结束之后（次年）"})


class SelfEvaluation(Reviewable):
    """The self-evaluation form of one subject in one round (项目支出绩效自评表)."""

    round = models.ForeignKey(
        SelfEvaluationRound, verbose_name="自评轮次", on_delete=models.PROTECT, related_name="forms"
    )
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="评价对象", on_delete=models.PROTECT, related_name="self_evaluations"
    )
    # The unit that spent the money fills it (谁支出、谁自评): the subject's organisation, kept here so the gate and the
    # province-sized lists filter without joining the subject.
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="自评单位",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    department = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="主管部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    fiscal_year = models.PositiveSmallIntegerField("评价年度", validators=YEAR_VALIDATORS, editable=False)
    # 转移支付办法 第二十八条: integrated agricultural funds are evaluated per town (镇办), one form each, not per project.
    town = models.ForeignKey(
        "organisations.Region",
        verbose_name="镇办",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="涉农整合资金切块下达的，以镇办为单位开展综合绩效评价",
    )
    kind = models.CharField("自评类型", max_length=30, choices=FormKind.choices, editable=False)
    stage = models.CharField(
        "评价阶段", max_length=20, choices=EvaluationStage.choices, default=EvaluationStage.ANNUAL, editable=False
    )
    target_sheet = models.ForeignKey(
        "targets.TargetSheet",
        verbose_name="绩效目标",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="本年度最后一次批复的绩效目标申报表（含调整）",
    )
    scheme = models.ForeignKey(
        "evaluations.EvaluationScheme", verbose_name="评价方案", on_delete=models.PROTECT, related_name="+"
    )
    budget = models.DecimalField("全年预算数（元）", default=Decimal("0"), editable=False, **MONEY)
    paid = models.DecimalField("全年执行数（元）", default=Decimal("0"), editable=False, **MONEY)
    execution_rate = models.DecimalField("预算执行率", null=True, blank=True, editable=False, **RATIO)
    execution_score = models.DecimalField("预算执行率得分", null=True, blank=True, editable=False, **POINTS)
    indicator_score = models.DecimalField("绩效指标得分", null=True, blank=True, editable=False, **POINTS)
    total_score = models.DecimalField("自评得分", null=True, blank=True, editable=False, **POINTS)
    grade = models.CharField("自评等级", max_length=10, blank=True, editable=False)
    # the narrative of the 绩效报告 (seed 003 附件4 提纲), typed by the unit; the figures come from the form
    main_content = models.TextField("项目主要内容", blank=True, default="", db_default="")
    plan_adjustment = models.TextField("目标、计划调整情况及采取的措施", blank=True, default="", db_default="")
    management = models.TextField("项目管理制度及执行情况", blank=True, default="", db_default="")
    variance_reason = models.TextField("资金超支（节约）原因", blank=True, default="", db_default="")
    goal_completion = models.TextField("年度总体目标完成情况", blank=True)
    social_impact = models.TextField("项目实施对社会的影响及效益", blank=True, default="", db_default="")
    experience = models.TextField("项目实施的经验", blank=True, default="", db_default="")
    problems = models.TextField("存在的问题和原因", blank=True)
    measures = models.TextField("改进措施和结果应用", blank=True)
    submitted_at = models.DateTimeField("首次报送时间", null=True, blank=True, editable=False)
    approved_at = models.DateTimeField("审核通过时间", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    access_org_field = "organisation"
    todo_stage = "evaluation"
    todo_kind = "单位自评"
    todo_select_related = ("subject", "round")
    audit_fields = [
        "main_content",
        "plan_adjustment",
        "management",
        "variance_reason",
        "goal_completion",
        "social_impact",
        "experience",
        "problems",
        "measures",
        "total_score",
        "grade",
    ]

    class Meta:
        verbose_name = "绩效自评表"
        verbose_name_plural = "绩效自评表"
        ordering = ["round", "organisation", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "subject"], condition=models.Q(town__isnull=True), name="self_evaluation_unique"
            ),
            models.UniqueConstraint(
                fields=["round", "subject", "town"],
                condition=models.Q(town__isnull=False),
                name="self_evaluation_town_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["round", "status"], name="self_eval_round_status"),
            models.Index(fields=["fiscal_year", "organisation"], name="self_eval_year_org"),
        ]

    def __str__(self) -> str:
        name = self.subject.name if self.subject_id else ""
        town = f"（{self.town.name}）" if self.town_id else ""
        return f"{name}{town} 绩效自评表"

    def todo_title(self) -> str:
        town = f"·{self.town.name}" if self.town_id else ""
        return f"绩效自评：{self.subject.name}{town}（{self.round.fiscal_year} 年度）"

    def get_absolute_url(self):
        return reverse("evaluations:form", args=[self.pk])

    @property
    def is_late(self) -> bool:
        """Not submitted by the round's due date (逾期未报), or first submitted after it (逾期报送)."""
        return self.late_against(self.round.due_date)


class SelfEvaluationIndicator(models.Model):
    """One indicator row of a self-evaluation form, copied from the approved target sheet's annual indicator."""

    evaluation = models.ForeignKey(
        SelfEvaluation, verbose_name="绩效自评表", on_delete=models.CASCADE, related_name="indicators"
    )
    target_indicator = models.ForeignKey(
        "targets.TargetIndicator",
        verbose_name="绩效指标",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    order = models.PositiveSmallIntegerField("序号", default=0, editable=False)
    level1 = models.CharField("一级指标", max_length=20, editable=False)
    level2 = models.CharField("二级指标", max_length=30, editable=False)
    name = models.CharField("三级指标", max_length=200, editable=False)
    kind = models.CharField("指标性质", max_length=20, choices=IndicatorKind.choices, editable=False)
    target_value = models.CharField("年度指标值", max_length=200, blank=True, editable=False)
    unit = models.CharField("计量单位", max_length=30, blank=True, editable=False)
    weight = models.DecimalField("分值", default=Decimal("0"), editable=False, **POINTS)
    actual = models.CharField("全年实际值", max_length=200, blank=True)
    applicable = models.BooleanField("适用", default=True, help_text="不适用的指标不计分，其余指标按比例折算")
    surveyed = models.BooleanField("已开展满意度调查", default=True)
    dimension = models.CharField(
        "4E 维度",
        max_length=20,
        choices=FourE.choices,
        blank=True,
        default="",
        db_default="",
        help_text="按 4E 方案计分的政府购买服务自评表中本指标所属的维度",
    )
    band = models.CharField("评价档次", max_length=20, choices=Band.choices, blank=True)
    share = models.DecimalField(
        "档次内得分比例（%）",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    score = models.DecimalField("得分", null=True, blank=True, editable=False, **POINTS)
    explanation = models.CharField("计分说明", max_length=500, blank=True, editable=False)
    deviation_reason = models.TextField("偏差原因", blank=True)
    improvement = models.TextField("改进措施", blank=True)

    access_org_field = "evaluation__organisation"
    audit_fields = ["actual", "applicable", "surveyed", "dimension", "band", "share", "deviation_reason", "improvement"]

    class Meta:
        verbose_name = "自评指标"
        verbose_name_plural = "自评指标"
        ordering = ["evaluation", "order", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_satisfaction(self) -> bool:
        return self.level1 == "satisfaction"


class SelfEvaluationEvidence(Attachment):
    """A supporting file of a self-evaluation (佐证材料), for the form or one of its indicators; added by the unit
    while the form is editable, read by its reviewers and by the re-checker (core/attachments.py)."""

    evaluation = models.ForeignKey(
        SelfEvaluation, verbose_name="绩效自评表", on_delete=models.CASCADE, related_name="evidence"
    )
    row = models.ForeignKey(
        SelfEvaluationIndicator,
        verbose_name="对应指标",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
        help_text="不选则为整张自评表的佐证",
    )
    file = models.FileField(
        "佐证材料",
        upload_to="evaluations/%Y/%m/",
        validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS), validate_upload_size],
    )

    access_org_field = "evaluation__organisation"
    audit_fields = ["row", "note", "file"]

    class Meta:
        verbose_name = "自评佐证材料"
        verbose_name_plural = "自评佐证材料"
        ordering = ["evaluation", "uploaded_at", "pk"]

    def clean(self) -> None:
        if self.row_id and self.evaluation_id and self.row.evaluation_id != self.evaluation_id:
            raise ValidationError({"row": "所选指标不属于该自评表"})


class ProviderDataRequest(models.Model):
    """A purchased service's provider (承接主体) asked for data inside the self-evaluation (seed 000 第八条: 承接主体……
    配合开展绩效评价): the unit asks, the provider — reaching this request only, through ``core.Assignment`` —
    answers once, and the answer shows in the form."""

    evaluation = models.ForeignKey(
        SelfEvaluation, verbose_name="绩效自评表", on_delete=models.CASCADE, related_name="provider_requests"
    )
    provider = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="承接主体",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    question = models.TextField("需提供的数据和说明")
    due_on = models.DateField("答复期限")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_at = models.DateTimeField("提出时间", default=timezone.now, editable=False)
    answer = models.TextField("承接主体答复", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True, editable=False)

    access_org_field = "evaluation__organisation"
    audit_fields = ["provider", "question", "due_on", "answer", "answered_at"]

    class Meta:
        verbose_name = "承接主体数据请求"
        verbose_name_plural = "承接主体数据请求"
        ordering = ["evaluation", "asked_at", "pk"]

    def __str__(self) -> str:
        name = self.evaluation.subject.name if self.evaluation_id else ""
        return f"{name}：请承接主体提供数据"

    def get_absolute_url(self):
        return reverse("evaluations:provider_request", args=[self.pk])


class DepartmentSummary(Reviewable):
    """A department's summary of its self-evaluation (自评汇总报告): written by the department over the forms of its
    units it reviewed, sent to finance (转移支付办法 第二十三条: 区业务主管部门在汇总各项转移支付自评结果基础上，撰写绩效
    自评报告报送区财政部门; seed 001 第二十条（一） the department's overall spending). The figures are rolled up from the
    forms when shown (``evaluations.rollup``); the department writes the narrative."""

    round = models.ForeignKey(
        SelfEvaluationRound, verbose_name="自评轮次", on_delete=models.PROTECT, related_name="summaries"
    )
    department = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="主管部门",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    overview = models.TextField("自评工作开展情况", blank=True)
    findings = models.TextField("主要绩效和存在的问题", blank=True)
    measures = models.TextField("改进措施和结果应用", blank=True)
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    access_org_field = "department"
    todo_stage = "evaluation"
    todo_kind = "自评汇总"
    todo_select_related = ("department", "round")
    audit_fields = ["overview", "findings", "measures"]

    class Meta:
        verbose_name = "部门自评汇总报告"
        verbose_name_plural = "部门自评汇总报告"
        ordering = ["round", "department"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "department"],
                name="department_summary_unique",
                violation_error_message="本部门本轮的自评汇总报告已经建立",
            )
        ]

    def __str__(self) -> str:
        name = self.department.name if self.department_id else ""
        return f"{name} 自评汇总报告"

    def todo_title(self) -> str:
        return f"自评汇总报告：{self.department.name}（{self.round.fiscal_year} 年度）"

    def get_absolute_url(self):
        return reverse("evaluations:summary", args=[self.pk])

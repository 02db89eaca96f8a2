"""抽查复核 (finance's spot re-check of self-evaluations, seed 001 第二十一条; seed 003 第二十三条 财政再评价).

* ``RecheckSample`` — the draw of one self-evaluation round: method, share, minimum, the seed that reproduces it
  (``evaluations.sampling``) and the thresholds its discrepancy report uses (*practice*, configurable per draw).
* ``RecheckItem`` — one sampled self-evaluation, re-scored independently by finance staff or an agency assigned
  through the gate: the re-checker sees the unit's data and evidence, not its scores, until the re-check is submitted.
  The unit's score is kept as it was when drawn, so the comparison does not move.
* ``RecheckIndicator`` — the re-checker's value for one indicator row of the form.

Who reads them: the bureau that organised the round (its performance section by the gate's path through the round's
organisation), the finance desks (业务科室) for the departments they are 归口 for (``access_scope_routes``), and an
agency assigned to an item — not the evaluated unit.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Scope
from evaluations.choices import Band, RecheckStatus, SampleMethod

POINTS = {"max_digits": 6, "decimal_places": 2}
SHARE = [MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1"))]


class RecheckSample(models.Model):
    round = models.OneToOneField(
        "evaluations.SelfEvaluationRound", verbose_name="自评轮次", on_delete=models.PROTECT, related_name="sample"
    )
    method = models.CharField("抽样方式", max_length=20, choices=SampleMethod.choices, default=SampleMethod.STRATIFIED)
    share = models.DecimalField(
        "抽查比例",
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.20"),
        validators=SHARE,
        help_text="各部门已自评项目的抽查比例",
    )
    minimum = models.PositiveSmallIntegerField(
        "每部门至少抽查", default=2, validators=[MinValueValidator(1)], help_text="不足此数的部门全部抽查"
    )
    seed = models.BigIntegerField("随机种子", help_text="记录在案，同一种子和同一批自评表可重现同一样本")
    threshold_points = models.DecimalField(
        "差异分值",
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="自评得分与复核得分相差不低于此值的，列入差异较大名单",
        **POINTS,
    )
    grade_differs = models.BooleanField("等级不同即列入差异名单", default=True)
    flag_gap = models.DecimalField(
        "指标得分率高于执行率提示线",
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.50"),
        validators=SHARE,
        help_text="未复核的自评表，绩效指标得分率减去预算执行率得分率达到此值的予以提示（如指标 88/90、执行 4/10）",
    )
    candidates = models.PositiveIntegerField("可抽自评表数", default=0, editable=False)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="抽样人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    drawn_at = models.DateTimeField("抽样时间", default=timezone.now, editable=False)

    access_org_field = "round__organisation"
    # a finance desk reads the draws of its region (the re-checks listed on them stay within its departments)
    access_scope_routes = {Scope.DESK_DEPARTMENTS: (Scope.REGION_SUBTREE, "round__organisation")}
    audit_fields = ["method", "share", "minimum", "seed", "threshold_points", "grade_differs", "flag_gap"]

    class Meta:
        verbose_name = "抽查复核样本"
        verbose_name_plural = "抽查复核样本"
        ordering = ["-drawn_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.round.name} 抽查复核" if self.round_id else "抽查复核"

    def get_absolute_url(self):
        return reverse("evaluations:sample", args=[self.pk])


class RecheckItem(models.Model):
    sample = models.ForeignKey(
        RecheckSample, verbose_name="抽查复核样本", on_delete=models.PROTECT, related_name="items"
    )
    evaluation = models.ForeignKey(
        "evaluations.SelfEvaluation", verbose_name="绩效自评表", on_delete=models.PROTECT, related_name="rechecks"
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
    reason = models.CharField("抽中原因", max_length=30, editable=False)
    rechecker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="复核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="财政部门复核人员；委托第三方机构复核的填受托机构",
    )
    agency = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="受托第三方机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=20, choices=RecheckStatus.choices, default=RecheckStatus.PENDING, editable=False
    )
    self_score = models.DecimalField("自评得分", null=True, blank=True, editable=False, **POINTS)
    self_grade = models.CharField("自评等级", max_length=10, blank=True, editable=False)
    execution_score = models.DecimalField("预算执行率得分", null=True, blank=True, editable=False, **POINTS)
    indicator_score = models.DecimalField("绩效指标得分", null=True, blank=True, editable=False, **POINTS)
    total_score = models.DecimalField("复核得分", null=True, blank=True, editable=False, **POINTS)
    grade = models.CharField("复核等级", max_length=10, blank=True, editable=False)
    opinion = models.TextField("复核意见", blank=True)
    submitted_at = models.DateTimeField("复核提交时间", null=True, blank=True, editable=False)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    access_org_field = "sample__round__organisation"
    # a finance desk reads the re-checks of the departments it is 归口 for (the evaluated unit never does)
    access_scope_routes = {Scope.DESK_DEPARTMENTS: (Scope.DESK_DEPARTMENTS, "evaluation__organisation")}
    audit_fields = ["rechecker", "agency", "status", "total_score", "grade", "opinion"]

    class Meta:
        verbose_name = "抽查复核"
        verbose_name_plural = "抽查复核"
        ordering = ["sample", "department", "evaluation"]
        constraints = [models.UniqueConstraint(fields=["sample", "evaluation"], name="recheck_item_unique")]

    def __str__(self) -> str:
        return f"{self.evaluation.subject.name} 抽查复核" if self.evaluation_id else "抽查复核"

    def get_absolute_url(self):
        return reverse("evaluations:recheck", args=[self.pk])

    @property
    def difference(self) -> Decimal | None:
        """Self-score minus re-check score (positive: the unit scored itself higher)."""
        if self.self_score is None or self.total_score is None:
            return None
        return self.self_score - self.total_score


class RecheckIndicator(models.Model):
    item = models.ForeignKey(RecheckItem, verbose_name="抽查复核", on_delete=models.CASCADE, related_name="indicators")
    row = models.ForeignKey(
        "evaluations.SelfEvaluationIndicator", verbose_name="自评指标", on_delete=models.CASCADE, related_name="+"
    )
    actual = models.CharField("复核实际值", max_length=200, blank=True)
    applicable = models.BooleanField("适用", default=True)
    surveyed = models.BooleanField("已开展满意度调查", default=True)
    band = models.CharField("评价档次", max_length=20, choices=Band.choices, blank=True)
    share = models.DecimalField(
        "档次内得分比例（%）",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    score = models.DecimalField("复核得分", null=True, blank=True, editable=False, **POINTS)
    explanation = models.CharField("计分说明", max_length=500, blank=True, editable=False)

    access_org_field = "item__sample__round__organisation"
    access_scope_routes = {Scope.DESK_DEPARTMENTS: (Scope.DESK_DEPARTMENTS, "item__evaluation__organisation")}
    audit_fields = ["actual", "applicable", "surveyed", "band", "share"]

    class Meta:
        verbose_name = "复核指标"
        verbose_name_plural = "复核指标"
        ordering = ["item", "row__order", "pk"]
        constraints = [models.UniqueConstraint(fields=["item", "row"], name="recheck_indicator_unique")]

    def __str__(self) -> str:
        return self.row.name if self.row_id else ""

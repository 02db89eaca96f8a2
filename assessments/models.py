"""The ex-ante assessment (事前绩效评估) of a subject before it enters the project library or a budget
(seed 000 第九–十一条; seed 001 第八–十条, and 第十–十二条 of its second document).

Templates are data and versioned: a template version fixes its points (dimension, sub-point,
weight, guidance) and the conclusion thresholds; changing a template saves a new version and an
assessment keeps the version it started with. An assessment goes through the review chain
(workflow): the applying department fills it and finance reviews it; a third-party assessment
commissioned by the performance section follows a chain variant of its own.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from assessments import scoring
from assessments.choices import AppliesTo, AssessmentKind, Conclusion
from core import clock
from core.attachments import Attachment
from core.files import validate_upload_size
from core.links import detail_url
from core.versioning import Versioning
from organisations.choices import OrgKind
from workflow.models import Reviewable

EVIDENCE_EXTENSIONS = ["pdf", "ofd", "doc", "docx", "wps", "xls", "xlsx", "et", "zip", "jpg", "png"]
THIRD_PARTY_CHAIN = "assessments.assessment.third_party"
PURCHASER_CHAIN = "assessments.assessment.purchaser"
FINANCE_CHAIN = "assessments.assessment.finance"
# Each kind but the department's follows a chain variant of its own (the department's is the model's chain).
KIND_CHAINS = {
    AssessmentKind.THIRD_PARTY: THIRD_PARTY_CHAIN,
    AssessmentKind.PURCHASER: PURCHASER_CHAIN,
    AssessmentKind.FINANCE: FINANCE_CHAIN,
}
SCORE = {"max_digits": 6, "decimal_places": 2}


class AssessmentTemplate(models.Model):
    """One version of an assessment template. Read by every signed-in user (the published rules)."""

    code = models.CharField("模板编码", max_length=40, help_text="同一模板各版本编码相同")
    name = models.CharField("模板名称", max_length=100)
    applies_to = models.CharField("适用对象", max_length=30, choices=AppliesTo.choices)
    version = models.PositiveIntegerField("版本", default=1)
    is_active = models.BooleanField("启用", default=True)
    effective_from = models.DateField("生效日期", default=clock.today)

    # A line per kind of subject (applies_to); no regional lines yet (core/versioning.py).
    versioning = Versioning(region=None, active="is_active", keys=("applies_to",))
    support_min = models.DecimalField(
        "予以支持分数线",
        default=Decimal("80"),
        help_text="总分不低于此值为“予以支持”",
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        **SCORE,
    )
    improve_min = models.DecimalField(
        "完善后予以支持分数线",
        default=Decimal("60"),
        help_text="总分不低于此值、低于“予以支持”分数线为“完善后予以支持”，否则“不予支持”",
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        **SCORE,
    )
    basis = models.TextField("依据", blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    access_public_read = True
    audit_fields = [
        "code",
        "name",
        "applies_to",
        "version",
        "is_active",
        "effective_from",
        "support_min",
        "improve_min",
        "basis",
    ]

    class Meta:
        verbose_name = "评估模板"
        verbose_name_plural = "评估模板"
        ordering = ["applies_to", "code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="assessment_template_version")]

    def __str__(self) -> str:
        return f"{self.name}（第 {self.version} 版）"

    def get_absolute_url(self):
        return detail_url("assessments:template_detail", self.pk)

    def clean(self) -> None:
        errors = scoring.threshold_problems(self.support_min, self.improve_min)
        if errors:
            raise ValidationError(errors)

    def ordered_points(self) -> list[TemplatePoint]:
        cached = getattr(self, "_points_cache", None)
        if cached is None:
            cached = self._points_cache = sorted(self.points.all(), key=lambda p: (p.order, p.pk))
        return cached

    def weight_problems(self) -> list[str]:
        return scoring.weight_problems(p.weight for p in self.ordered_points())


class TemplatePoint(models.Model):
    """An assessment point: a sub-point (评估要点) of a level-1 dimension (评估维度)."""

    template = models.ForeignKey(
        AssessmentTemplate, verbose_name="评估模板", on_delete=models.CASCADE, related_name="points"
    )
    order = models.PositiveSmallIntegerField("序号")
    dimension = models.CharField("评估维度", max_length=40)
    name = models.CharField("评估要点", max_length=100)
    weight = models.DecimalField("分值", validators=[MinValueValidator(Decimal("0.01"))], **SCORE)
    guidance = models.TextField("评分指引", blank=True)

    access_public_read = True
    audit_fields = ["order", "dimension", "name", "weight", "guidance"]

    class Meta:
        verbose_name = "评估要点"
        verbose_name_plural = "评估要点"
        ordering = ["template", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "order"], name="template_point_order")]

    def __str__(self) -> str:
        return f"{self.dimension} · {self.name}（{self.weight.normalize():f} 分）"


class Assessment(Reviewable):
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="评估对象", on_delete=models.PROTECT, related_name="assessments"
    )
    kind = models.CharField(
        "评估方式", max_length=20, choices=AssessmentKind.choices, default=AssessmentKind.DEPARTMENT
    )
    agency = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="受托第三方机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commissioned_assessments",
        limit_choices_to={"kind": OrgKind.AGENCY},
    )
    template = models.ForeignKey(
        AssessmentTemplate, verbose_name="评估模板", on_delete=models.PROTECT, related_name="assessments"
    )
    total_score = models.DecimalField("总分", null=True, blank=True, editable=False, **SCORE)
    conclusion = models.CharField("评估结论", max_length=20, choices=Conclusion.choices, blank=True, editable=False)
    summary = models.TextField("主要评估意见", blank=True, help_text="综合各维度的评估发现")
    suggestions = models.TextField("意见和建议", blank=True)
    commission_reason = models.TextField("委托事由", blank=True, editable=False)
    commissioned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="委托人",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True, editable=False)
    approved_at = models.DateTimeField("审核通过时间", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    access_org_field = "subject__organisation"
    todo_stage = "assessment"
    todo_kind = "审核"
    chain_variants = {
        THIRD_PARTY_CHAIN: "事前绩效评估（第三方独立评估）",
        PURCHASER_CHAIN: "事前绩效评估（政府购买服务：购买主体评估）",
        FINANCE_CHAIN: "事前绩效评估（财政直接评估）",
    }
    audit_fields = [
        "subject",
        "kind",
        "agency",
        "template",
        "total_score",
        "conclusion",
        "summary",
        "suggestions",
        "commission_reason",
    ]

    class Meta:
        verbose_name = "事前绩效评估"
        verbose_name_plural = "事前绩效评估"
        ordering = ["-updated_at", "-pk"]
        constraints = [
            # One assessment of each kind in progress per subject (assessments.actions checks it first; the index
            # holds when two start at once, issue 17 §8).
            models.UniqueConstraint(
                fields=["subject", "kind"],
                condition=~models.Q(status="approved"),
                name="assessment_one_open_per_kind",
                violation_error_message="该项目已有未办结的同类事前绩效评估，请先办结后再发起",
            )
        ]
        indexes = [
            models.Index(fields=["subject", "kind", "status"]),
            # The 事前绩效评估 list's default order (assessments/tables.py AssessmentTable, /assessments/) and the
            # model's (issue 16).
            models.Index(fields=["-updated_at", "-id"], name="assessment_list_order"),
        ]

    def __str__(self) -> str:
        suffix = f"（{self.agency.name}）" if self.kind == AssessmentKind.THIRD_PARTY and self.agency_id else ""
        return f"{self.subject.name}事前绩效评估{suffix}"

    def get_absolute_url(self):
        return detail_url("assessments:detail", self.pk)

    @property
    def chain_document_type(self) -> str:
        # seed 000 第十一条 / seed 001 第十条: a third party assesses independently, reviewed by finance only; finance
        # may assess directly; seed 000 第七、九条: the purchasing unit assesses its purchased service.
        return KIND_CHAINS.get(self.kind, self._meta.label_lower)

    @property
    def assessor(self) -> str:
        """Who carries it out, by name: the agency, the purchasing unit, the region's finance bureau or the
        department (page, subject panel, Word report)."""
        subject = self.subject
        if self.kind == AssessmentKind.THIRD_PARTY and self.agency_id:
            return self.agency.name
        if self.kind == AssessmentKind.PURCHASER:
            return subject.organisation.name
        if self.kind == AssessmentKind.FINANCE:
            from organisations.models import Organisation

            bureau = Organisation.objects.filter(
                kind=OrgKind.FINANCE_BUREAU, region_id=subject.organisation.region_id
            ).first()
            return bureau.name if bureau is not None else "财政部门"
        return subject.department.name if subject.department_id else subject.organisation.name

    @property
    def is_third_party(self) -> bool:
        return self.kind == AssessmentKind.THIRD_PARTY

    @property
    def conclusion_badge(self) -> str:
        from assessments.choices import CONCLUSION_BADGE

        return CONCLUSION_BADGE.get(self.conclusion, "bg-secondary-lt")

    def clean(self) -> None:
        errors = {}
        if self.kind == AssessmentKind.THIRD_PARTY:
            if not self.agency_id:
                errors["agency"] = "第三方独立评估须指定受托第三方机构"
            elif self.agency.kind != OrgKind.AGENCY:
                errors["agency"] = "受托机构须为登记为“第三方机构”的机构"
        elif self.agency_id:
            errors["agency"] = f"{self.get_kind_display()}不指定第三方机构"
        if errors:
            raise ValidationError(errors)


class AssessmentScore(models.Model):
    """The score and finding of one point of one assessment."""

    assessment = models.ForeignKey(
        Assessment, verbose_name="事前绩效评估", on_delete=models.CASCADE, related_name="scores"
    )
    point = models.ForeignKey(TemplatePoint, verbose_name="评估要点", on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField("得分", null=True, blank=True, **SCORE)
    finding = models.TextField("评估意见", blank=True)

    access_org_field = "assessment__subject__organisation"
    audit_fields = ["point", "score", "finding"]

    class Meta:
        verbose_name = "评估得分"
        verbose_name_plural = "评估得分"
        ordering = ["assessment", "point__order"]
        constraints = [models.UniqueConstraint(fields=["assessment", "point"], name="assessment_point_unique")]

    def __str__(self) -> str:
        return f"{self.point.name}：{self.score if self.score is not None else '未评分'}"

    def clean(self) -> None:
        errors = {}
        if self.point_id and self.assessment_id and self.point.template_id != self.assessment.template_id:
            errors["point"] = "评估要点不属于该评估所用的模板版本"
        if self.point_id:
            problem = scoring.score_problem(self.score, self.point.weight)
            if problem:
                errors["score"] = problem
        if errors:
            raise ValidationError(errors)


class AssessmentEvidence(Attachment):
    """An evidence file for one point (or for the assessment as a whole), through the one attachment mechanism
    (assessments/evidence.py); downloaded through the gate."""

    assessment = models.ForeignKey(
        Assessment, verbose_name="事前绩效评估", on_delete=models.CASCADE, related_name="evidence"
    )
    score = models.ForeignKey(
        AssessmentScore,
        verbose_name="评估要点",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
        help_text="不选则作为整个评估的佐证材料",
    )
    file = models.FileField(
        "佐证材料",
        upload_to="assessments/%Y/%m/",
        validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS), validate_upload_size],
    )

    access_org_field = "assessment__subject__organisation"
    audit_fields = ["score", "note", "file"]

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["assessment", "uploaded_at", "pk"]

    def clean(self) -> None:
        errors = {}
        if self.score_id and self.assessment_id and self.score.assessment_id != self.assessment_id:
            errors["score"] = "评估要点不属于该评估"
        if errors:
            raise ValidationError(errors)

"""指标库: the indicator handbook of seed 003 附件2 as reference data, and departments' proposals of new
sector indicators that the performance section approves into the library (issue "Indicator library")."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.roles import Capability
from core.links import detail_url
from indicators.choices import Direction, IndicatorKind, Level1, Level2, Sector, Source
from organisations.choices import BUDGETED_KINDS, OrgKind
from workflow.models import Reviewable


def can_manage_library(user) -> bool:
    """Who may change the library directly (besides approving proposals): the performance section."""
    from core import access

    return access.has_capability(user, Capability.MANAGE_INDICATORS)


class IndicatorFields(models.Model):
    """The descriptive fields an indicator and a proposal of one share."""

    name = models.CharField("指标名称", max_length=200)
    kind = models.CharField("指标类别", max_length=20, choices=IndicatorKind.choices, default=IndicatorKind.SECTOR)
    level1 = models.CharField("一级指标", max_length=10, choices=Level1.choices, blank=True)
    level2 = models.CharField("二级指标", max_length=10, choices=Level2.choices, blank=True)
    group = models.CharField(
        "手册分组", max_length=100, blank=True, help_text="参考手册中的分组，如“目标完成程度”“投入资金分析”"
    )
    sector = models.CharField(
        "行业", max_length=4, choices=Sector.choices, blank=True, help_text="分行业个性指标所属的行业类别"
    )
    definition = models.TextField("指标解释", blank=True)
    formula = models.TextField("计算公式", blank=True)
    unit = models.CharField("计量单位", max_length=30, blank=True)
    direction = models.CharField("指标方向", max_length=20, choices=Direction.choices, default=Direction.POSITIVE)
    weight = models.DecimalField("权重（%）", max_digits=5, decimal_places=2, null=True, blank=True)
    subject_kinds = models.JSONField(
        "适用对象类型", default=list, blank=True, help_text="项目库对象类型代码列表；留空为全部适用"
    )
    reference_values = models.TextField("参考值", blank=True)

    class Meta:
        abstract = True

    def clean(self) -> None:
        from subjects.choices import SubjectKind

        errors = {}
        if self.kind == IndicatorKind.SECTOR and not self.sector:
            errors["sector"] = "分行业个性指标须选择行业"
        if not isinstance(self.subject_kinds, list) or any(k not in SubjectKind.values for k in self.subject_kinds):
            errors["subject_kinds"] = "适用对象类型须为项目库对象类型代码列表"
        if self.weight is not None and not (0 <= self.weight <= 100):
            errors["weight"] = "权重须在 0 到 100 之间"
        if errors:
            raise ValidationError(errors)


class Indicator(IndicatorFields):
    code = models.CharField(
        "指标代码", max_length=30, unique=True, help_text="共性指标如 GX01，行业指标如 HY-JY-01，定性指标如 DX01"
    )
    source = models.CharField("来源", max_length=30, choices=Source.choices, default=Source.HANDBOOK)
    is_active = models.BooleanField("启用", default=True)
    search_text = models.TextField("检索文本", blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    # Reference data: every signed-in user reads it; changes only by the performance section.
    access_public_read = True
    audit_fields = [
        "code",
        "name",
        "kind",
        "level1",
        "level2",
        "group",
        "sector",
        "definition",
        "formula",
        "unit",
        "direction",
        "weight",
        "subject_kinds",
        "reference_values",
        "source",
        "is_active",
    ]

    class Meta:
        verbose_name = "指标"
        verbose_name_plural = "指标库"
        ordering = ["kind", "sector", "code"]
        indexes = [models.Index(fields=["kind", "sector"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return detail_url("indicators:detail", self.pk)

    def build_search_text(self) -> str:
        parts = [
            self.code,
            self.name,
            self.group,
            self.definition,
            self.formula,
            self.get_sector_display() if self.sector else "",
            self.reference_values,
        ]
        return " ".join(p for p in parts if p)

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        super().save(*args, **kwargs)


class IndicatorProposal(IndicatorFields, Reviewable):
    """A department proposes a new sector indicator; on the performance section's approval it joins the library."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="提议部门",
        on_delete=models.PROTECT,
        related_name="indicator_proposals",
        limit_choices_to={"kind__in": [OrgKind.DEPARTMENT, OrgKind.UNIT]},
    )
    reason = models.TextField("提议理由")
    indicator = models.OneToOneField(
        Indicator,
        verbose_name="入库指标",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="proposal",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    access_org_field = "organisation"
    audit_fields = [
        "name",
        "kind",
        "level1",
        "level2",
        "group",
        "sector",
        "definition",
        "formula",
        "unit",
        "direction",
        "weight",
        "subject_kinds",
        "reference_values",
        "organisation",
        "reason",
    ]
    todo_stage = "indicators"
    todo_kind = "指标提议审核"

    class Meta:
        verbose_name = "指标提议"
        verbose_name_plural = "指标提议"
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self):
        return detail_url("indicators:proposal_detail", self.pk)

    def clean(self) -> None:
        errors = {}
        try:
            super().clean()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if self.organisation_id and self.organisation.kind not in BUDGETED_KINDS:
            errors["organisation"] = "指标提议只能由主管部门或预算单位提出"
        if errors:
            raise ValidationError(errors)

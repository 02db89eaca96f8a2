"""The versioned settings of the target sheets, split from targets/models.py: the automatic review's rule sets
(智能审核规则, one version per save) and the department-overall common indicators per year (部门整体共性指标).
Imported by targets/models.py, so ``from targets.models import QualityRuleSet`` keeps working."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from core import clock
from core.versioning import Versioning, in_force
from targets.choices import LEVEL2_OF, Comparator, Level1, Level2, Severity

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


class QualityRuleSet(models.Model):
    """One version of the automatic review's configuration (智能审核规则第 N 版). Editing a rule saves a new
    version with all rows copied; older versions stay readable, and each sheet's stored findings name the
    version that produced them. The version in force is the newest whose ``effective_from`` has passed."""

    number = models.PositiveIntegerField("版本号", unique=True)
    effective_from = models.DateTimeField("生效时间", default=clock.now)

    versioning = Versioning(region=None, version="number")  # one line for the installation (core/versioning.py)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="设置人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField("修改说明", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    audit_fields = ["number", "effective_from", "created_by", "note"]

    class Meta:
        verbose_name = "智能审核规则版本"
        verbose_name_plural = "智能审核规则版本"
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"第 {self.number} 版审核规则"

    @classmethod
    def current(cls, now=None):
        return in_force(cls, on=now)


class QualityRuleSetting(models.Model):
    """The performance section's choice for one rule of the automatic review within one rule-set version: on
    or off, blocking or a warning, and the rule's parameters (e.g. the weight scheme). Rules without a row use
    the code defaults."""

    rule_set = models.ForeignKey(
        QualityRuleSet, verbose_name="规则版本", on_delete=models.CASCADE, related_name="settings"
    )
    code = models.CharField("规则代码", max_length=40)
    severity = models.CharField("严重程度", max_length=20, choices=Severity.choices)
    is_active = models.BooleanField("启用", default=True)
    params = models.JSONField("参数", default=dict, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    audit_fields = ["rule_set", "code", "severity", "is_active", "params"]

    class Meta:
        verbose_name = "智能审核规则设置"
        verbose_name_plural = "智能审核规则设置"
        ordering = ["rule_set", "code"]
        constraints = [models.UniqueConstraint(fields=["rule_set", "code"], name="quality_rule_per_set_unique")]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        from targets.quality import RULES

        if self.code and self.code not in RULES:
            raise ValidationError({"code": "未知的规则代码"})


class CommonIndicatorSet(models.Model):
    """部门整体绩效目标的共性指标: the common indicators the finance bureau of a region requires in every
    department-overall target sheet of one fiscal year (张店区《区级部门单位预算绩效管理办法》第十二条（二）:
    共性指标按区财政部门规定设置). Versioned: a change saves version N+1; the newest version applies to sheets
    created afterwards. Chosen by the performance section from the library's common indicators."""

    region = models.ForeignKey(
        "organisations.Region", verbose_name="行政区划", on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="设置机构",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="设置该共性指标的财政局科室",
    )
    fiscal_year = models.PositiveSmallIntegerField("预算年度", validators=YEAR_VALIDATORS)
    number = models.PositiveSmallIntegerField("版本号", default=1)

    # A line per region and fiscal year, in force once saved (core/versioning.py).
    versioning = Versioning(version="number", effective=None, keys=("fiscal_year",))
    note = models.CharField("修改说明", max_length=500, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="设置人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    # Reference data every signed-in user reads (the departments see what finance requires of them).
    access_public_read = True
    access_org_field = "organisation"
    audit_fields = ["region", "organisation", "fiscal_year", "number", "note"]

    class Meta:
        verbose_name = "部门整体共性指标"
        verbose_name_plural = "部门整体共性指标"
        ordering = ["-fiscal_year", "region__code", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "fiscal_year", "number"], name="common_indicator_set_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} 年度部门整体共性指标（{self.region.name if self.region_id else ''}，第 {self.number} 版）"


class CommonIndicatorItem(models.Model):
    """One required common indicator of a set, with where it sits in the target sheet's tree."""

    rule_set = models.ForeignKey(
        CommonIndicatorSet, verbose_name="共性指标版本", on_delete=models.CASCADE, related_name="items"
    )
    indicator = models.ForeignKey(
        "indicators.Indicator",
        verbose_name="指标库指标",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "common"},
    )
    level1 = models.CharField("一级指标", max_length=20, choices=Level1.choices)
    level2 = models.CharField("二级指标", max_length=30, choices=Level2.choices)
    name = models.CharField("三级指标", max_length=200)
    comparator = models.CharField("指标性质", max_length=20, choices=Comparator.choices, default=Comparator.GE)
    unit = models.CharField("计量单位", max_length=30, blank=True)
    order = models.PositiveSmallIntegerField("序号", default=0)

    access_public_read = True
    access_org_field = "rule_set__organisation"

    class Meta:
        verbose_name = "共性指标"
        verbose_name_plural = "共性指标"
        ordering = ["rule_set", "order", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.level1 and self.level2 and self.level2 not in LEVEL2_OF.get(self.level1, ()):
            raise ValidationError({"level2": f"“{Level2(self.level2).label}”不属于“{Level1(self.level1).label}”"})

"""工作报告: a report a unit or department writes and sends up the review chain, e.g. the annual
summary of its budget performance management work. The first document type on workflow's chain."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from core.files import validate_upload_size
from core.links import detail_url
from organisations.choices import BUDGETED_KINDS, OrgKind
from workflow.models import Reviewable

ATTACHMENT_EXTENSIONS = ["pdf", "ofd", "doc", "docx", "wps", "xls", "xlsx", "et", "zip"]


class WorkReportKind(models.TextChoices):
    ANNUAL_SUMMARY = "annual_summary", "年度预算绩效管理工作总结"
    WORK_PLAN = "work_plan", "年度预算绩效管理工作计划"
    SELF_EVALUATION = "self_evaluation", "绩效自评工作报告"
    SPECIAL = "special", "专项工作报告"


class WorkReport(Reviewable):
    title = models.CharField("标题", max_length=200)
    fiscal_year = models.PositiveSmallIntegerField(
        "预算年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="报送单位",
        on_delete=models.PROTECT,
        related_name="work_reports",
        limit_choices_to={"kind__in": [OrgKind.DEPARTMENT, OrgKind.UNIT]},
    )
    kind = models.CharField(
        "报告类型", max_length=30, choices=WorkReportKind.choices, default=WorkReportKind.ANNUAL_SUMMARY
    )
    content = models.TextField("报告正文")
    attachment = models.FileField(
        "附件",
        upload_to="reports/%Y/%m/",
        blank=True,
        validators=[FileExtensionValidator(ATTACHMENT_EXTENSIONS), validate_upload_size],
        help_text="可选；PDF、OFD、Word、WPS、Excel 或 ZIP",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    access_org_field = "organisation"
    audit_fields = ["title", "fiscal_year", "organisation", "kind", "content", "attachment"]
    todo_stage = "evaluation"

    class Meta:
        verbose_name = "工作报告"
        verbose_name_plural = "工作报告"
        ordering = ["-fiscal_year", "-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "fiscal_year"]),
            # The 工作报告 list's default order (reports/tables.py WorkReportTable, /reports/) (issue 16).
            models.Index(fields=["-updated_at", "-id"], name="report_list_order"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self):
        return detail_url("reports:detail", self.pk)

    def clean(self) -> None:
        errors = {}
        if self.organisation_id and self.organisation.kind not in BUDGETED_KINDS:
            errors["organisation"] = "工作报告只能由主管部门或预算单位报送"
        if errors:
            raise ValidationError(errors)

"""Attachments of a target sheet (issue 12 §7): the 测算依据 behind its cost indicators and its 支出明细预算 (seed 003
附件1 填表说明: 测算依据及说明), and other supporting papers. Added and removed only while the sheet is editable (its
preparer, at step 0); read by whoever reads the sheet, through the gate; an adjustment carries them into the new
revision. Imported by targets/models.py."""

from __future__ import annotations

from django.core.validators import FileExtensionValidator
from django.db import models

from core.attachments import Attachment
from core.files import validate_upload_size

EXTENSIONS = ["pdf", "ofd", "doc", "docx", "wps", "xls", "xlsx", "et", "zip", "jpg", "png"]


class SheetAttachmentKind(models.TextChoices):
    CALCULATION = "calculation", "测算依据"
    BASIS = "basis", "设定依据（规划、标准、历史数据）"
    OTHER = "other", "其他"


class TargetSheetAttachment(Attachment):
    sheet = models.ForeignKey(
        "targets.TargetSheet", verbose_name="绩效目标申报表", on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(
        "附件类别", max_length=20, choices=SheetAttachmentKind.choices, default=SheetAttachmentKind.CALCULATION
    )
    note = models.CharField("说明", max_length=200, blank=True, help_text="如：维修面积测算表、设备询价单")
    file = models.FileField(
        "文件", upload_to="targets/%Y/%m/", validators=[FileExtensionValidator(EXTENSIONS), validate_upload_size]
    )

    access_org_field = "sheet__subject__organisation"
    audit_fields = ["kind", "note", "file"]

    class Meta:
        verbose_name = "绩效目标附件"
        verbose_name_plural = "绩效目标附件"
        ordering = ["sheet", "uploaded_at", "pk"]

"""Attachments of a target sheet (targets/attachment_models.py): added and removed by whoever may edit the sheet
(its preparer while it is a draft or returned), each change audited, through the one attachment mechanism
(core/attachments.py); carried into an adjustment's new revision."""

from __future__ import annotations

from core.attachments import Attachments
from targets.attachment_models import TargetSheetAttachment
from workflow import guards

REFUSED = "只有申报表的填报人在草稿或退回修改时可以上传、删除附件"


def can_change(user, sheet) -> bool:
    return guards.can_edit(user, sheet)


def _sheets():
    from targets.models import TargetSheet

    return TargetSheet.objects.select_related("chain")


ATTACHMENTS = Attachments(
    model=TargetSheetAttachment,
    parent_field="sheet",
    label="附件",
    title="附件（测算依据等）",
    can_change=can_change,
    refused=REFUSED,
    url_prefix="targets:attachment",
    anchor="sheet-attachments",
    form_id="sheet-attachment-form",
    fields=("kind", "note", "file"),
    hint="成本指标、支出明细预算的测算依据（如面积测算表、询价单）；PDF、OFD、Word、WPS、Excel、ZIP、图片；申报表提交后不能再增删附件",
    parent_queryset=_sheets,
)


def add(sheet, user, *, file, kind: str, note: str = "") -> TargetSheetAttachment:
    """A new attachment (the model validates the file's type and size, with a Chinese message)."""
    return ATTACHMENTS.add(sheet, user, file=file, kind=kind, note=note)


def remove(attachment, user) -> None:
    ATTACHMENTS.remove(attachment, user)


def carry(previous, sheet) -> None:
    """An adjustment's new revision keeps the attachments of the version it adjusts (the same stored files)."""
    TargetSheetAttachment.objects.bulk_create(
        TargetSheetAttachment(
            sheet=sheet,
            kind=a.kind,
            note=a.note,
            file=a.file.name,
            uploaded_at=a.uploaded_at,
            uploaded_by=a.uploaded_by,
        )
        for a in previous.attachments.all()
    )

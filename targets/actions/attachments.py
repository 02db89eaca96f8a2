"""Attachments of a target sheet (targets/attachment_models.py): added and removed by whoever may edit the sheet
(its preparer while it is a draft or returned), each change audited; carried into an adjustment's new revision."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from audit import trail
from audit.models import AuditAction
from core import services
from targets.attachment_models import TargetSheetAttachment
from workflow import guards

REFUSED = "只有申报表的填报人在草稿或退回修改时可以上传、删除附件"


def can_change(user, sheet) -> bool:
    return guards.can_edit(user, sheet)


def _refused(sheet, user) -> PermissionDenied:
    trail.record(AuditAction.PERMISSION_DENIED, sheet, actor=user, reason=REFUSED)
    return PermissionDenied(REFUSED)


def add(sheet, user, *, file, kind: str, note: str = "") -> TargetSheetAttachment:
    """A new attachment (the model validates the file's type and size, with a Chinese message)."""
    if not can_change(user, sheet):
        raise _refused(sheet, user)
    attachment = TargetSheetAttachment(sheet=sheet, kind=kind, note=(note or "").strip(), file=file, uploaded_by=user)
    with transaction.atomic():
        services.create_record(attachment, reason=f"上传绩效目标附件：{attachment.get_kind_display()}")
    return attachment


def remove(attachment, user) -> None:
    if not can_change(user, attachment.sheet):
        raise _refused(attachment.sheet, user)
    services.delete_record(attachment, reason=f"删除绩效目标附件：{attachment}")


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

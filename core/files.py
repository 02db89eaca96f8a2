"""Uploaded files: one size rule for every file field, one gated and audited download."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404

from audit import trail
from audit.models import AuditAction


def validate_upload_size(value) -> None:
    """A newly uploaded file may not exceed JIXIAO_MAX_UPLOAD_BYTES (stored files are not re-checked).

    ``value`` is a model field's file (``_committed`` False until it is stored) or a request's
    ``UploadedFile`` from a plain form field (no ``_committed``: always new, always checked)."""
    limit = settings.JIXIAO_MAX_UPLOAD_BYTES
    if value and not getattr(value, "_committed", False) and value.size > limit:
        raise ValidationError(f"文件不能超过 {limit // (1024 * 1024)} MB（本文件 {value.size / 1024 / 1024:.1f} MB）")


def filename_of(fieldfile) -> str:
    return fieldfile.name.rsplit("/", 1)[-1] if fieldfile else ""


def download(record, fieldfile, *, what: str = "附件") -> FileResponse:
    """Send a stored file of ``record`` as an attachment and record the export in the audit trail.

    The caller has already fetched ``record`` through the access gate, so a file outside the user's
    reach is never found (404).
    """
    if not fieldfile:
        raise Http404(f"没有{what}")
    name = filename_of(fieldfile)
    trail.record(AuditAction.EXPORT, record, reason=f"下载{what} {name}")
    return FileResponse(fieldfile.open("rb"), as_attachment=True, filename=name)

"""Uploaded files: one rule for every file field (size, and content matching the extension), one gated and
audited download. The content check reads the file's first bytes (magic bytes), never trusts its name or the
browser's Content-Type (issue 17 §7, docs/decisions/0026-sign-in-throttling.md)."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.http import FileResponse, Http404

from audit import trail
from audit.models import AuditAction

HEAD_BYTES = 8192

# What a file's content really is: a family and its name in messages.
FAMILY_LABELS = {
    "pdf": "PDF 文档",
    "ole": "旧版 Office/WPS 文档（.doc、.xls、.wps、.et）或加密的 Office 文档",
    "docx": "Word 文档（.docx）",
    "xlsx": "Excel 工作簿（.xlsx）",
    "ofd": "OFD 版式文档",
    "zip": "ZIP 压缩包",
    "rtf": "RTF 文档",
    "png": "PNG 图片",
    "jpeg": "JPG 图片",
    "gif": "GIF 图片",
    "exe": "可执行文件（Windows 程序）",
    "elf": "可执行文件（Linux 程序）",
    "html": "HTML 网页",
    "text": "文本文件",
    "binary": "无法识别的二进制文件",
}
# The families each extension may contain. Lenient where real offices are: a .doc or .xls that is really
# the newer format, WPS files in either format, an RTF saved as .doc, a password-protected .docx/.xlsx (an OLE
# container). A .zip is any zip (not unpacked).
EXTENSION_FAMILIES = {
    "pdf": {"pdf"},
    "ofd": {"ofd"},
    "doc": {"ole", "docx", "rtf"},
    "docx": {"docx", "ole"},
    "wps": {"ole", "docx"},
    "xls": {"ole", "xlsx"},
    "xlsx": {"xlsx", "ole"},
    "et": {"ole", "xlsx"},
    "zip": {"zip", "docx", "xlsx", "ofd"},
    "jpg": {"jpeg"},
    "jpeg": {"jpeg"},
    "png": {"png"},
    "csv": {"text"},
    "txt": {"text"},
}
# Never stored under any name, even an extension this table does not know.
DANGEROUS = {"exe", "elf", "html"}
# How the allowed extensions are named in the message "只能上传 …".
_EXTENSION_GROUPS = [
    ({"pdf"}, "PDF"),
    ({"ofd"}, "OFD"),
    ({"doc", "docx"}, "Word"),
    ({"wps", "et"}, "WPS"),
    ({"xls", "xlsx"}, "Excel"),
    ({"csv", "txt"}, "CSV"),
    ({"zip"}, "ZIP 压缩包"),
    ({"jpg", "jpeg", "png"}, "图片（JPG、PNG）"),
]
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<svg", b"<?xml")
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def content_family(fileobj) -> str:
    """What ``fileobj`` (a binary file, left at the position it had) really contains: a key of FAMILY_LABELS."""
    position = fileobj.tell()
    try:
        fileobj.seek(0)
        head = fileobj.read(HEAD_BYTES)
        if head.startswith(b"PK\x03\x04"):
            return _zip_family(fileobj)
    finally:
        fileobj.seek(position)
    return _head_family(head)


def _head_family(head: bytes) -> str:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"MZ"):
        return "exe"
    if head.startswith(b"\x7fELF"):
        return "elf"
    text = head
    for bom in _TEXT_BOMS:
        if text.startswith(bom):
            if bom != b"\xef\xbb\xbf":
                return "text"  # UTF-16 text has NUL bytes; nothing else starts so
            text = text[len(bom) :]
    if text.lstrip()[:16].lower().startswith(_HTML_STARTS):
        return "html"
    if b"\x00" in text:
        return "binary"
    # Any other bytes without NUL are text: CSV from the treasury may be GB18030, GBK or UTF-8, and a codec
    # problem is reported by the importer with the row it is on, not refused here.
    return "text"


def _zip_family(fileobj) -> str:
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "binary"
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
    if any(n.lower() == "ofd.xml" for n in names):
        return "ofd"
    return "zip"


def extension_of(name: str) -> str:
    return os.path.splitext(name or "")[1].lstrip(".").lower()


def allowed_label(allowed: Iterable[str]) -> str:
    """“PDF、Word、Excel 或 ZIP 压缩包” for the extensions ``allowed``."""
    allowed = set(allowed)
    labels = [label for group, label in _EXTENSION_GROUPS if group & allowed]
    labels += sorted(f".{ext}" for ext in allowed - set().union(*(g for g, _ in _EXTENSION_GROUPS)))
    if len(labels) < 2:
        return "".join(labels)
    return "、".join(labels[:-1]) + " 或 " + labels[-1]


def validate_upload_content(value, allowed: Iterable[str] | None = None) -> None:
    """Refuse a new file whose content does not match its extension (magic bytes), e.g. a program or a web page
    named ``.pdf``. ``allowed`` are the extensions the field accepts; by default those of the model field's
    ``FileExtensionValidator``, else the file's own extension. A file whose extension is not among ``allowed``
    must hold one of their kinds (an upload whose format is told by its content, as treasury files are)."""
    if not value or getattr(value, "_committed", False):
        return
    name = os.path.basename(getattr(value, "name", "") or "")
    extension = extension_of(name)
    if allowed is None:
        allowed = _field_extensions(value) or ([extension] if extension else [])
    allowed = [a.lower() for a in allowed]
    fileobj = getattr(value, "file", None) or value
    family = content_family(fileobj)
    if extension in allowed:
        expected = EXTENSION_FAMILIES.get(extension)
    else:
        expected = set().union(*(EXTENSION_FAMILIES.get(a, set()) for a in allowed)) or None
    if (family in expected) if expected is not None else (family not in DANGEROUS):
        return
    raise ValidationError(mismatch_message(name, family, allowed), code="content_mismatch")


def mismatch_message(name: str, family: str, allowed: Iterable[str]) -> str:
    return f"文件内容与扩展名不符：{name} 实际是{FAMILY_LABELS[family]}，只能上传 {allowed_label(allowed)} 文件"


def _field_extensions(value) -> list[str]:
    field = getattr(value, "field", None)
    for validator in getattr(field, "validators", []):
        if isinstance(validator, FileExtensionValidator) and validator.allowed_extensions:
            return list(validator.allowed_extensions)
    return []


def validate_upload_size(value) -> None:
    """The rule every file field carries: a newly uploaded file may not exceed JIXIAO_MAX_UPLOAD_BYTES, and its
    content must match its extension (``validate_upload_content``, against the field's allowed extensions).
    Stored files are not re-checked. (The name is kept: the migrations of every file field refer to it.)

    ``value`` is a model field's file (``_committed`` False until it is stored) or a request's
    ``UploadedFile`` from a plain form field (no ``_committed``: always new, always checked)."""
    limit = settings.JIXIAO_MAX_UPLOAD_BYTES
    if value and not getattr(value, "_committed", False) and value.size > limit:
        raise ValidationError(f"文件不能超过 {limit // (1024 * 1024)} MB（本文件 {value.size / 1024 / 1024:.1f} MB）")
    validate_upload_content(value)


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

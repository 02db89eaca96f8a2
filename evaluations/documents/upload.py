"""The upload of a filled 项目支出绩效自评表: ``xlsx_read`` reads and checks every cell; when nothing is wrong the values
are saved through ``evaluations.self_actions.save_form`` (the edit guard, the optimistic lock on the version written
in the file, the server's score and the audit row, as on a page save), plus one ``import`` audit row naming the file,
all in one transaction: everything or nothing (docs/decisions/0013, the target sheet's upload)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit import trail
from audit.models import AuditAction
from evaluations import self_actions
from evaluations.documents.xlsx_read import Issue, read
from workflow import guards
from workflow.actions import StaleDocument

REASON = "上传绩效自评表（Excel）"
NOT_EDITABLE = "只有本单位的填报人可以在自评表为草稿或被退回时上传修改"


class UploadError(Exception):
    def __init__(self, issues: list):
        super().__init__("；".join(str(i) for i in issues))
        self.issues = issues

    @property
    def messages(self) -> list[str]:
        return [str(i) for i in self.issues]


def upload(form, user, fileobj, *, reason: str = ""):
    """Read, check and save an uploaded workbook for ``form`` (already through the gate). Raises ``UploadError``
    (cell-precise issues) or ``ImportFileError`` (the file as a whole); nothing is written unless all is right."""
    if not guards.can_edit(user, form):
        raise UploadError([Issue(NOT_EDITABLE)])
    parsed, issues = read(fileobj, form)
    if issues:
        raise UploadError(issues)
    reason = reason or REASON
    try:
        with transaction.atomic():
            saved = self_actions.save_form(
                form, user, parsed.version, data=parsed.data, rows=parsed.rows, reason=reason
            )
            trail.record(
                AuditAction.IMPORT,
                saved,
                actor=user,
                reason=reason,
                changes={"文件": [None, getattr(fileobj, "name", "")]},
            )
    except StaleDocument as exc:
        raise UploadError([Issue(exc.message)]) from None
    except PermissionDenied as exc:
        raise UploadError([Issue(str(exc))]) from None
    except ValidationError as exc:
        raise UploadError([Issue(m) for m in exc.messages]) from None
    return saved

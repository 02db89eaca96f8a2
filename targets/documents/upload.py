"""The upload of a filled workbook of target sheets: ``xlsx_read`` reads and checks every worksheet, ``resolve``
finds each one's subject and the sheet to update or create, and ``apply`` writes them only when nothing is wrong,
in one transaction, through ``targets.actions`` (so the edit guard, the audit rows and the automatic review run
as on a save): all sheets or none."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from audit import trail
from audit.models import AuditAction
from core import access
from subjects.models import Subject
from targets import actions
from targets.documents.xlsx_read import Issue, Parsed, read
from targets.models import TargetSheet
from workflow import guards
from workflow.actions import StaleDocument
from workflow.models import ReviewStatus

EDITABLE = (ReviewStatus.DRAFT, ReviewStatus.RETURNED)


class UploadError(Exception):
    def __init__(self, issues: list):
        super().__init__("；".join(str(i) for i in issues))
        self.issues = issues

    @property
    def messages(self) -> list[str]:
        return [str(i) for i in self.issues]


def resolve(parsed: list[Parsed], user) -> list[Issue]:
    """Find each worksheet's subject (404 outside the user's reach) and the sheet to update or create;
    the problems that refuse the upload as a whole (approved or in review, not the preparer …)."""
    issues = []
    visible = access.restrict(Subject.objects.select_related("organisation"), user)
    for item in parsed:
        if not item.code:
            continue
        subject = visible.filter(code=item.code).first()
        if subject is None:
            trail.record(
                AuditAction.PERMISSION_DENIED,
                object_type="targets.targetsheet",
                object_repr=item.code,
                actor=user,
                reason=f"上传绩效目标申报表：项目“{item.code}”不存在或不在权限范围内",
            )
            raise Http404("项目不存在或无权访问")
        item.subject = subject
        if item.year is None:
            continue
        if not actions.can_create(user, subject):
            issues.append(
                Issue(
                    f"项目“{subject.name}”：只有项目单位的填报人可以上传绩效目标（谁申请资金，谁编制目标）", item.title
                )
            )
            continue
        latest = (
            TargetSheet.objects.select_related("chain", "subject")
            .filter(subject=subject, fiscal_year=item.year)
            .order_by("-revision")
            .first()
        )
        if latest is None:
            if subject.stage not in actions.OPEN_STAGES:
                issues.append(
                    Issue(
                        f"项目“{subject.name}”当前为“{subject.get_stage_display()}”，入库（或安排预算）后才能编制绩效目标",
                        item.title,
                    )
                )
            elif not subject.start_year <= item.year <= max(subject.end_year, subject.fiscal_year):
                issues.append(
                    Issue(
                        f"预算年度 {item.year} 不在项目起止年度（{subject.start_year}—{subject.end_year}）之内",
                        item.title,
                    )
                )
            continue
        if latest.status not in EDITABLE:
            what = "已审核通过，批复后的调整须先“申请调整”" if latest.status == ReviewStatus.APPROVED else "正在审核中"
            issues.append(Issue(f"{latest}{what}，不能通过上传修改", item.title))
            continue
        if not guards.can_edit(user, latest):
            issues.append(Issue(f"{latest}当前不在您的填报环节，不能修改", item.title))
            continue
        item.sheet = latest
    return issues


def _keep_library_links(sheet, rows: list[dict]) -> list[dict]:
    """An indicator that was chosen from the indicator library keeps its link when it comes back unchanged."""
    if sheet is None:
        return rows
    links = {
        (i.horizon, i.level1, i.level2, i.name.strip()): i.library_indicator_id
        for i in sheet.indicators.all()
        if i.library_indicator_id
    }
    return [{**r, "library_indicator": links.get((r["horizon"], r["level1"], r["level2"], r["name"]))} for r in rows]


def apply(parsed: list[Parsed], user, *, reason: str = "", filename: str = "") -> list[TargetSheet]:
    """Write every parsed worksheet (create or update), all in one transaction; any refusal rolls back all.
    Each sheet also gets an ``import`` audit row naming the file and worksheet (even when nothing changed)."""
    saved = []
    reason = reason or "上传绩效目标申报表（Excel）"
    with transaction.atomic():
        for item in parsed:
            sheet = item.sheet
            if sheet is None:
                sheet = actions.create_sheet(item.subject, user, item.year, reason=reason)
            sheet = TargetSheet.objects.select_related("chain", "subject").get(pk=sheet.pk)
            sheet = actions.save_sheet(
                sheet,
                user,
                sheet.version,
                data=item.data,
                indicators=_keep_library_links(item.sheet, item.indicators),
                stages=item.stages,
                budget_items=item.budget_items,
                reason=reason,
            )
            trail.record(
                AuditAction.IMPORT,
                sheet,
                actor=user,
                reason=reason,
                changes={"文件": [None, f"{filename}（工作表“{item.title}”）"]},
            )
            saved.append(sheet)
    return saved


def upload(user, fileobj, *, reason: str = "") -> list[TargetSheet]:
    """Read, check and write an uploaded workbook. Raises ``UploadError`` (cell-precise issues),
    ``ImportFileError`` (the file as a whole) or ``Http404`` (a subject outside the user's reach);
    nothing is written unless everything is right."""
    parsed, issues = read(fileobj)
    issues += resolve(parsed, user)
    if issues:
        raise UploadError(issues)
    try:
        saved = apply(parsed, user, reason=reason, filename=getattr(fileobj, "name", ""))
    except StaleDocument as exc:
        raise UploadError([Issue(exc.message, "")]) from None
    except (ValidationError, PermissionDenied) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        raise UploadError([Issue(m, "") for m in messages]) from None
    return saved

"""Pages of a key evaluation's archive (seed 003 第四十一条; seed 004 三(九)2): the file list with checksums, retention
and the access log; 归集档案, uploads, downloads, 导出档案（ZIP）, 归档; and finance's export authorisation of the
commissioned agency. Reads through the gate (the evaluated organisation does not reach the archive: 404); downloads and
exports ask it for Action.EXPORT; changes go through keyevals.archive and keyevals.export_auth."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.roles import Action
from core import access
from keyevals import archive, export_auth
from keyevals.models import ArchiveFile, KeyEvaluation, KeyStatus
from keyevals.report_forms import ArchiveUploadForm
from workflow.actions import StaleDocument


def _evaluation(request, pk, action=Action.VIEW) -> KeyEvaluation:
    return access.get_object_or_404(
        KeyEvaluation.objects.select_related("organiser", "evaluated", "agency"), request.user, action, pk=pk
    )


def _back(evaluation, anchor: str = ""):
    return redirect(reverse("keyevals:archive", args=[evaluation.pk]) + (f"#{anchor}" if anchor else ""))


def _error(exc) -> str:
    return str(exc) if isinstance(exc, PermissionDenied) else "；".join(exc.messages)


@login_required
def archive_page(request, pk, form=None):
    evaluation = _evaluation(request, pk)
    user = request.user
    items = list(access.restrict(archive.files_of(evaluation), user))
    organiser = archive.is_organiser(user, evaluation)
    may_change = archive.may_change(user, evaluation)
    context = {
        "title": f"评价档案：{evaluation.title}",
        "evaluation": evaluation,
        "items": items,
        "total_size": sum(i.size for i in items),
        "may_change": may_change,
        "form": form or (ArchiveUploadForm() if may_change else None),
        "can_export": archive.may_export(user, evaluation),
        "no_export": archive.NO_EXPORT,
        "can_finish": archive.may_finish(user, evaluation),
        "closed": evaluation.status == KeyStatus.ARCHIVED,
        "concluded": evaluation.status == KeyStatus.CONCLUDED,
        "accesses": list(archive.accesses_of(evaluation)) if organiser else [],
        "organiser": organiser,
        "assignments": list(export_auth.agency_assignments(evaluation)) if organiser else [],
        "long_years": archive.LONG_YEARS,
        "short_years": archive.SHORT_YEARS,
    }
    return render(request, "keyevals/archive_detail.html", context)


@require_POST
@login_required
def archive_collect(request, pk):
    evaluation = _evaluation(request, pk)
    if not archive.may_change(request.user, evaluation) and evaluation.status != KeyStatus.ARCHIVED:
        raise Http404("无权归集")
    try:
        result = archive.collect(request.user, evaluation)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, _error(exc))
    else:
        messages.success(request, result.message)
    return _back(evaluation)


@require_POST
@login_required
def archive_upload(request, pk):
    evaluation = _evaluation(request, pk)
    if not archive.may_change(request.user, evaluation) and evaluation.status != KeyStatus.ARCHIVED:
        raise Http404("无权上传")
    form = ArchiveUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return _back(evaluation, "upload")
    data = form.cleaned_data
    try:
        item = archive.upload(
            request.user, evaluation, category=data["category"], title=data["title"], upload=data["file"]
        )
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, _error(exc))
    else:
        messages.success(
            request, f"已归档：{item.title}（保存 {item.retention_years} 年，至 {item.retain_until:%Y-%m-%d}）"
        )
    return _back(evaluation)


def _file(request, evaluation, file_pk) -> ArchiveFile:
    item = access.restrict(ArchiveFile.objects.filter(evaluation=evaluation, pk=file_pk), request.user).first()
    if item is None:
        raise Http404("没有该档案")
    return item


@login_required
def archive_file(request, pk, file_pk):
    evaluation = _evaluation(request, pk, Action.EXPORT)
    item = _file(request, evaluation, file_pk)
    try:
        return archive.download(request.user, item)
    except PermissionDenied:
        raise Http404(archive.NO_EXPORT) from None
    except ValidationError as exc:
        messages.error(request, _error(exc))
        return _back(evaluation)


@require_POST
@login_required
def archive_delete(request, pk, file_pk):
    evaluation = _evaluation(request, pk)
    item = _file(request, evaluation, file_pk)
    if not archive.may_change(request.user, evaluation) and evaluation.status != KeyStatus.ARCHIVED:
        raise Http404("无权删除")
    try:
        archive.remove(request.user, item)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, _error(exc))
    else:
        messages.success(request, f"已删除档案：{item.title}")
    return _back(evaluation)


@login_required
def archive_zip(request, pk):
    """导出档案（ZIP）: verified, with the manifest; refused with the list of files that fail their checksum."""
    from urllib.parse import quote

    evaluation = _evaluation(request, pk, Action.EXPORT)
    try:
        out, filename = archive.export_zip(request.user, evaluation)
    except PermissionDenied:
        raise Http404(archive.NO_EXPORT) from None
    except ValidationError as exc:
        messages.error(request, _error(exc))
        return _back(evaluation)
    response = FileResponse(out, content_type="application/zip")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@require_POST
@login_required
def archive_finish(request, pk):
    evaluation = _evaluation(request, pk)
    if not archive.is_organiser(request.user, evaluation):
        raise Http404("无权归档")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, "页面版本号缺失，请刷新页面后重试")
        return _back(evaluation)
    try:
        archive.finish(request.user, evaluation, version, request.POST.get("reason", ""))
    except StaleDocument as exc:
        messages.error(request, exc.message)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, _error(exc))
    else:
        messages.success(request, "评价已归档，档案不再增删")
    return _back(evaluation)


@require_POST
@login_required
def export_authorise(request, pk, assignment_pk):
    """Grant or revoke the agency's export of this evaluation's data (seed 004 三(九)2), with a reason."""
    evaluation = _evaluation(request, pk)
    if not export_auth.may_authorise(request.user, evaluation):
        raise Http404("无权授权")
    assignment = export_auth.agency_assignments(evaluation).filter(pk=assignment_pk).first()
    if assignment is None:
        raise Http404("没有该受托机构")
    try:
        export_auth.set_export(
            request.user,
            evaluation,
            assignment,
            request.POST.get("may_export") == "1",
            request.POST.get("reason", ""),
        )
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, _error(exc))
    else:
        state = "已授权" if assignment.may_export else "已撤销授权"
        messages.success(request, f"{assignment.organisation.name}：{state}导出本次评价的数据")
    return _back(evaluation, "export-auth")

"""Import pages: upload, job progress (polled by htmx), template download and re-importable export.

The pages of each kind are wired in its own app's urls (organisations:import, accounts:user_import …)
with the importer's ``kind``; the job pages live under /imports/. The job card is templates/core/job_progress.html,
shared with the loads of execution data.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from audit import trail
from audit.context import client_ip
from audit.models import AuditAction
from core.xlsx import bytes_response
from imports import liveness
from imports.actions import start_import
from imports.forms import ImportUploadForm
from imports.framework import Importer, ImportFileError, get_importer
from imports.models import ImportJob


def _importer_or_404(request, kind: str) -> type[Importer]:
    importer_cls = get_importer(kind)
    if importer_cls is None:
        raise Http404("页面不存在")
    if not importer_cls.allowed(request.user):
        trail.record(
            AuditAction.PERMISSION_DENIED,
            object_type=request.path,
            object_repr=request.path,
            reason=f"缺少权限：{importer_cls.capability}",
        )
        raise Http404("页面不存在")
    return importer_cls


@login_required
def import_upload(request, kind: str):
    importer_cls = _importer_or_404(request, kind)
    form = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
    if request.method == "POST" and form.is_valid():
        try:
            job = start_import(request.user, importer_cls, form.cleaned_data["file"], ip=client_ip(request))
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect(job)
    return render(
        request,
        "imports/upload.html",
        {
            "title": f"从 Excel 导入{importer_cls.title}",
            "form": form,
            "importer": importer_cls,
            "jobs": ImportJob.objects.of(request.user).filter(kind=kind)[:10],
        },
    )


@login_required
def template_download(request, kind: str):
    importer_cls = _importer_or_404(request, kind)
    return bytes_response(f"{importer_cls.title}导入模板.xlsx", importer_cls(request.user).template_bytes())


@login_required
def export_download(request, kind: str):
    """The export in the import template's format, so that it can be edited and imported again."""
    importer_cls = _importer_or_404(request, kind)
    content, count = importer_cls(request.user).export()
    trail.record(
        AuditAction.EXPORT,
        object_type=importer_cls.model._meta.label_lower,
        object_repr=f"导出{importer_cls.export_title}（{count} 行，可重新导入）",
    )
    return bytes_response(f"{importer_cls.export_title}-{timezone.localdate():%Y%m%d}.xlsx", content)


@login_required
def job_detail(request, pk: int):
    job = liveness.check(
        get_object_or_404(ImportJob.objects.of(request.user).exclude(kind="export"), pk=pk)
    )  # a dead worker's job fails
    importer_cls = get_importer(job.kind)
    return render(
        request,
        "imports/job.html",
        {
            "job": job,
            "importer": importer_cls,
            "percent": job.percent,
            "title": f"导入{job.importer_title}：任务 #{job.pk}",
        },
    )


@login_required
def job_progress(request, pk: int):
    job = liveness.check(
        get_object_or_404(ImportJob.objects.of(request.user).exclude(kind="export"), pk=pk)
    )  # a dead worker's job fails
    return render(
        request, "imports/job_progress.html", {"job": job, "importer": get_importer(job.kind), "percent": job.percent}
    )

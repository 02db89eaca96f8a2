"""The documents of a self-evaluation form (evaluations/documents/):

- ``/evaluations/forms/<pk>/report.docx``: the self-evaluation report in the outline of seed 003 附件4 (gate: view;
  whoever may read the form may print it, as the target sheet's Word; audited as an export);
- ``/evaluations/forms/<pk>/xlsx/``: the form as an official-layout workbook to fill offline (gate: export, as the
  target sheet's Excel; audited);
- ``/evaluations/forms/<pk>/xlsx/upload/``: the upload of that workbook (all or nothing, synchronous: one form is
  small), through ``self_actions.save_form``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.encoding import escape_uri_path

from accounts.roles import Action
from audit import trail
from audit.models import AuditAction
from core import access
from core.xlsx import bytes_response
from evaluations.documents import report, xlsx_write
from evaluations.documents.upload import NOT_EDITABLE, UploadError, upload
from evaluations.models import SelfEvaluation
from imports.framework import ImportFileError
from workflow import guards

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class UploadForm(forms.Form):
    file = forms.FileField(label="填好的自评表（.xlsx）", widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))
    reason = forms.CharField(
        label="说明", required=False, max_length=500, widget=forms.TextInput(attrs={"placeholder": "将记入审计日志"})
    )


def _forms():
    return SelfEvaluation.objects.select_related(
        "subject", "organisation", "department", "round", "scheme", "target_sheet"
    ).prefetch_related("indicators")


@login_required
def report_docx(request, pk):
    """The Word report; outside the user's reach → 404."""
    form = access.get_object_or_404(_forms(), request.user, pk=pk)
    content = report.build(form)
    trail.record(AuditAction.EXPORT, form, reason="下载项目支出绩效自评报告（Word，附件4 提纲）")
    response = HttpResponse(content, content_type=DOCX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(report.filename(form))}"
    return response


@login_required
def form_xlsx(request, pk):
    """The form as an official-layout workbook; outside the user's export reach → 404."""
    form = access.get_object_or_404(_forms(), request.user, Action.EXPORT, pk=pk)
    trail.record(AuditAction.EXPORT, form, reason="下载项目支出绩效自评表（Excel）")
    return bytes_response(xlsx_write.filename(form), xlsx_write.workbook_bytes(form))


@login_required
def form_xlsx_upload(request, pk):
    """Upload the filled workbook of this form: every problem named by its cell, nothing written unless all is
    right."""
    form = access.get_object_or_404(_forms(), request.user, pk=pk)
    can_upload = guards.can_edit(request.user, form)
    upload_form = UploadForm(request.POST or None, request.FILES or None)
    issues, file_error = [], ""
    if request.method == "POST" and upload_form.is_valid():
        if not can_upload:
            trail.record(AuditAction.PERMISSION_DENIED, form, reason=f"上传绩效自评表（Excel）：{NOT_EDITABLE}")
        try:
            saved = upload(
                form, request.user, upload_form.cleaned_data["file"], reason=upload_form.cleaned_data["reason"]
            )
        except ImportFileError as exc:
            file_error = str(exc)
        except UploadError as exc:
            issues = exc.messages
        else:
            grade = f"，自评得分 {saved.total_score} 分（{saved.grade}）" if saved.total_score is not None else ""
            messages.success(request, f"已上传并重新计分{grade}")
            return redirect(saved)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "evaluations/documents_upload.html",
        {
            "title": f"上传自评表：{form.subject.name}",
            "object": form,
            "form": upload_form,
            "issues": issues,
            "file_error": file_error,
            "can_upload": can_upload,
            "not_editable": NOT_EDITABLE,
            "back_url": form.get_absolute_url(),
        },
        status=status,
    )

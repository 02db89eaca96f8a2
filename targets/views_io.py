"""Pages for target sheets as documents and for 指标推荐 (docs/decisions/0013):

- ``/targets/<pk>/xlsx/``: one sheet in the 附件1 layout (gate: export; audited);
- ``/targets/io/`` and ``/targets/io/xlsx/?…``: the sheets of a filtered list (a department's, a year's …)
  as one workbook, and the upload of a filled workbook (all-or-nothing, synchronous: a sheet is small);
- ``/targets/<pk>/docx/``: the Word print with the review opinions (gate: view; audited as an export);
- ``/targets/<pk>/recommend/`` (htmx panel of the edit page) and ``…/recommend/add/`` (one click adds a
  suggestion through ``targets.actions``, so the edit guard, audit and automatic review apply).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import escape_uri_path
from django.views.decorators.http import require_POST

from accounts.roles import Action
from audit import trail
from audit.models import AuditAction
from core import access
from core.filters import PickerFilter
from core.views import filterset_parameters, refuse_unknown_parameters
from core.xlsx import bytes_response
from imports.framework import ImportFileError
from targets import recommend
from targets.documents import word, xlsx_write
from targets.documents.upload import UploadError, upload
from targets.filtersets import TargetSheetFilterSet
from targets.models import TargetSheet
from workflow import guards
from workflow.actions import StaleDocument

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_EXPORT_SHEETS = 300  # one workbook; beyond this, narrow the filter (each worksheet is a printed form)


class UploadForm(forms.Form):
    file = forms.FileField(label="填好的申报表（.xlsx）", widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))
    reason = forms.CharField(
        label="说明", required=False, max_length=500, widget=forms.TextInput(attrs={"placeholder": "将记入审计日志"})
    )


class ExportFilterSet(TargetSheetFilterSet):
    """The list's filters plus 主管部门, for “a department's target sheets”."""

    department = PickerFilter("department", field_name="subject__department", label="主管部门")

    class Meta(TargetSheetFilterSet.Meta):
        fields = [*TargetSheetFilterSet.Meta.fields, "department"]


def _exportable(request):
    return xlsx_write.export_queryset(request.user)


@login_required
def sheet_xlsx_download(request, pk):
    """One sheet in the 附件1 layout; outside the user's export reach → 404."""
    sheet = access.get_object_or_404(_exportable(request), request.user, Action.EXPORT, pk=pk)
    trail.record(AuditAction.EXPORT, sheet, reason="下载绩效目标申报表（Excel，附件1 格式）")
    return bytes_response(xlsx_write.filename([sheet]), xlsx_write.workbook_bytes([sheet]))


def _filtered(request):
    filterset = ExportFilterSet(request.GET or None, queryset=_exportable(request), request=request)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    return filterset, queryset.order_by(
        "subject__department__name", "subject__organisation__name", "subject__code", "-fiscal_year", "revision"
    )


@login_required
def list_xlsx_download(request):
    """The sheets of the filtered list as one workbook, one worksheet per sheet (export action, audited). A filter
    the page does not have, or a value it cannot read, is a 400: the file never covers more than the user asked."""
    filterset, queryset = _filtered(request)
    refusal = refuse_unknown_parameters(
        request,
        filterset_parameters(ExportFilterSet),
        ExportFilterSet,
        invalid=filterset if filterset.is_bound else None,
    )
    if refusal is not None:
        return refusal
    sheets = list(queryset[: MAX_EXPORT_SHEETS + 1])
    if not sheets:
        messages.warning(request, "没有符合条件、可导出的绩效目标申报表")
        return redirect(f"{reverse('targets:io')}?{request.GET.urlencode()}")
    if len(sheets) > MAX_EXPORT_SHEETS:
        messages.warning(
            request, f"符合条件的申报表超过 {MAX_EXPORT_SHEETS} 份，请缩小筛选范围（如按主管部门、预算年度）后再导出"
        )
        return redirect(f"{reverse('targets:io')}?{request.GET.urlencode()}")
    trail.record(
        AuditAction.EXPORT,
        object_type="targets.targetsheet",
        object_repr=f"导出绩效目标申报表（附件1 格式，{len(sheets)} 份）",
        changes={"筛选条件": request.GET.urlencode()},
    )
    return bytes_response(xlsx_write.filename(sheets), xlsx_write.workbook_bytes(sheets))


@login_required
def io_page(request):
    """Download a filtered list in the 附件1 layout; upload a filled workbook."""
    filterset, queryset = _filtered(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    issues, file_error = [], ""
    if request.method == "POST" and form.is_valid():
        try:
            saved = upload(request.user, form.cleaned_data["file"], reason=form.cleaned_data["reason"])
        except ImportFileError as exc:
            file_error = str(exc)
        except UploadError as exc:
            issues = exc.messages
        else:
            blocking = sum(s.blocking_count for s in saved)
            text = "、".join(str(s) for s in saved)
            if blocking:
                messages.warning(request, f"已上传：{text}；智能审核发现 {blocking} 个阻断问题，修改后才能提交")
            else:
                messages.success(request, f"已上传：{text}；智能审核已完成")
            return redirect(saved[0] if len(saved) == 1 else "targets:list")
    return render(
        request,
        "targets/io/page.html",
        {
            "title": "绩效目标申报表：下载与上传",
            "filter": filterset,
            "count": queryset.count(),
            "form": form,
            "issues": issues,
            "file_error": file_error,
            "max_sheets": MAX_EXPORT_SHEETS,
            "can_upload": guards.preparer_organisations(request.user, TargetSheet).exists(),
        },
    )


@login_required
def sheet_docx_download(request, pk):
    """The Word print in the 附件1 layout with the review opinions (gate: view; audited as an export)."""
    sheet = access.get_object_or_404(
        TargetSheet.objects.select_related("subject__organisation", "subject__department", "chain").prefetch_related(
            "indicators", "stages", "subject__year_amounts"
        ),
        request.user,
        pk=pk,
    )
    content = word.build(sheet)
    trail.record(AuditAction.EXPORT, sheet, reason="打印绩效目标申报表（Word，附件1 格式）")
    response = HttpResponse(content, content_type=DOCX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(word.filename(sheet))}"
    return response


def _sheet_for_recommend(request, pk):
    return access.get_object_or_404(TargetSheet.objects.select_related("subject", "chain"), request.user, pk=pk)


@login_required
def recommendations(request, pk):
    """The suggestions panel (htmx fragment; a full page when opened directly)."""
    sheet = _sheet_for_recommend(request, pk)
    can_add = guards.can_edit(request.user, sheet)
    needs_goal = recommend.NEEDS_GOAL if can_add and not sheet.annual_goal.strip() else ""
    context = {
        "object": sheet,
        "suggestions": recommend.suggest(sheet),
        "can_add": can_add and not needs_goal,
        "needs_goal": needs_goal,
        "title": f"指标推荐：{sheet}",
    }
    if getattr(request, "htmx", False):
        # on the edit page a suggestion goes into the form's grid in place (issue 12 §7), saved with the rest
        context["in_place"] = True
        return render(request, "targets/io/_recommendations.html", context)
    return render(request, "targets/io/recommendations.html", context)


@require_POST
@login_required
def recommendation_add(request, pk):
    """One click: the suggestion (found again on the server, never taken from the form) is added."""
    sheet = _sheet_for_recommend(request, pk)
    if not guards.can_edit(request.user, sheet):
        trail.record(AuditAction.PERMISSION_DENIED, sheet, reason="采纳指标推荐：申报表不在可修改状态或无编辑权限")
        raise Http404("无权编辑")
    post = request.POST
    suggestion = recommend.find(
        sheet,
        post.get("horizon", ""),
        post.get("level1", ""),
        post.get("level2", ""),
        post.get("name", ""),
        post.get("unit", ""),
    )
    edit_url = reverse("targets:edit", args=[sheet.pk])
    if suggestion is None:
        messages.error(request, "该推荐已不可用（可能已在申报表中），请刷新后重试")
    else:
        try:
            version = int(post.get("version") or sheet.version)
            recommend.add(sheet, request.user, version, suggestion)
        except StaleDocument as exc:
            messages.error(request, exc.message)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(
                request, f"已添加指标“{suggestion.name}”（分值为 0，请在指标表中设置分值）；已重新进行智能审核"
            )
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = edit_url
        return response
    return redirect(edit_url)

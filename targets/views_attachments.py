"""Pages of a target sheet's attachments (targets/actions/attachments.py): upload and delete on the sheet's page
while it is editable, download through the gate (no public media address)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core import access, files
from targets.actions import attachments
from targets.attachment_models import TargetSheetAttachment
from targets.models import TargetSheet


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = TargetSheetAttachment
        fields = ["kind", "note", "file"]
        widgets = {"note": forms.TextInput(attrs={"placeholder": "说明，如：维修面积测算表"})}


def _back(sheet):
    return redirect(sheet.get_absolute_url() + "#sheet-attachments")


@login_required
@require_POST
def upload(request, pk):
    sheet = access.get_object_or_404(TargetSheet.objects.select_related("chain"), request.user, pk=pk)
    if not attachments.can_change(request.user, sheet):
        raise Http404("无权上传")
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return _back(sheet)
    try:
        added = attachments.add(sheet, request.user, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, f"已上传附件：{added}")
    return _back(sheet)


@login_required
@require_POST
def delete(request, pk, attachment_pk):
    sheet = access.get_object_or_404(TargetSheet.objects.select_related("chain"), request.user, pk=pk)
    item = TargetSheetAttachment.objects.filter(sheet=sheet, pk=attachment_pk).select_related("sheet").first()
    if item is None or not attachments.can_change(request.user, sheet):
        raise Http404("没有附件或无权删除")
    attachments.remove(item, request.user)
    messages.success(request, f"已删除附件：{item}")
    return _back(sheet)


@login_required
def download(request, pk, attachment_pk):
    sheet = access.get_object_or_404(TargetSheet.objects.all(), request.user, pk=pk)
    item = TargetSheetAttachment.objects.filter(sheet=sheet, pk=attachment_pk).first()
    if item is None:
        raise Http404("没有附件")
    return files.download(sheet, item.file, what="绩效目标附件")


def panel_context(sheet, user) -> dict:
    can_change = attachments.can_change(user, sheet)
    return {
        "sheet_attachments": sheet.attachments.select_related("uploaded_by"),
        "attachment_form": AttachmentForm() if can_change else None,
    }

"""Pages of the fieldwork (评价实施): document requests (made by the organiser or the agency, answered by the evaluated
unit with files, accepted), site visits with photos and expert consultation notes. Reads through the gate; changes
through ``keyevals.fieldwork``; out of reach → 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import access
from keyevals import fieldwork
from keyevals.forms_fieldwork import AnswerForm, ConsultationForm, RequestForm, VisitForm
from keyevals.models import DocumentRequest, RequestFile, SitePhoto, SiteVisit
from keyevals.views import _add_errors, _form_errors, error_text, evaluation_or_404, refuse


def request_or_404(request, pk) -> DocumentRequest:
    return access.get_object_or_404(
        DocumentRequest.objects.select_related(
            "evaluation__evaluated", "evaluation__organiser", "evaluation__agency", "answered_by", "created_by"
        ),
        request.user,
        pk=pk,
    )


# ---------------------------------------------------------------------------------------------- requests


@login_required
def request_new(request, pk):
    evaluation = evaluation_or_404(request, pk)
    if not fieldwork.may_request(request.user, evaluation):
        raise refuse(evaluation, request.user, "只有组织评价的单位或受托机构可以提出资料需求")
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fieldwork.create_request(request.user, evaluation, form.cleaned_data)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"已向{evaluation.evaluated.name}提出资料需求")
            return redirect(evaluation.get_absolute_url() + "#fieldwork")
    return render(
        request,
        "keyevals/fieldwork_form.html",
        {
            "form": form,
            "evaluation": evaluation,
            "title": "提出资料需求",
            "intro": "被评价单位将在待办中看到该需求，并在期限前上传资料。",
        },
    )


@login_required
def request_detail(request, pk):
    row = request_or_404(request, pk)
    user = request.user
    may_answer = fieldwork.may_answer(user, row)
    form = AnswerForm(request.POST or None, request.FILES or None, initial={"answer": row.answer})
    if request.method == "POST":
        if not may_answer:
            raise refuse(row, user, "只有被评价单位可以提供资料")
        if form.is_valid():
            try:
                fieldwork.answer_request(user, row, form.cleaned_data["answer"], form.cleaned_data["files"])
            except PermissionDenied:
                raise Http404("无权操作") from None
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, "已提供资料" + ("（已过提供期限，标记为逾期）" if fieldwork.is_late(row) else "")
                )
                return redirect(row.get_absolute_url())
    context = {
        "object": row,
        "row": row,
        "evaluation": row.evaluation,
        "title": f"资料需求：{row.title}",
        "files": list(row.files.select_related("uploaded_by")),
        "late": fieldwork.is_late(row),
        "may_answer": may_answer,
        "may_accept": fieldwork.may_accept(user, row),
        "form": form if may_answer else None,
        "sees_hub": access.can(user, "view", row.evaluation),
    }
    return render(request, "keyevals/request_detail.html", context)


@login_required
@require_POST
def request_accept(request, pk):
    row = request_or_404(request, pk)
    try:
        fieldwork.accept_request(request.user, row)
    except PermissionDenied:
        raise Http404("无权操作") from None
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "已确认资料")
    return redirect(row.get_absolute_url())


@login_required
def request_file(request, pk, attachment_pk):
    row = request_or_404(request, pk)
    return fieldwork.REQUEST_FILES.serve(row, attachment_pk)


@login_required
@require_POST
def request_file_delete(request, pk, attachment_pk):
    row = request_or_404(request, pk)
    item = RequestFile.objects.filter(request=row, pk=attachment_pk).first()
    if item is None or not fieldwork.may_answer(request.user, row):
        raise Http404("没有该文件或无权删除")
    fieldwork.REQUEST_FILES.remove(item, request.user)
    messages.success(request, f"已删除：{item}")
    return redirect(row.get_absolute_url())


# ---------------------------------------------------------------------------------------------- visits, notes


@login_required
def visit_new(request, pk):
    evaluation = evaluation_or_404(request, pk)
    if not fieldwork.may_record(request.user, evaluation):
        raise refuse(evaluation, request.user, fieldwork.NOT_WORKER)
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            visit = fieldwork.record_visit(request.user, evaluation, form.cleaned_data)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "已记录现场勘查，可继续上传现场照片")
            return redirect(visit.get_absolute_url())
    return render(
        request, "keyevals/fieldwork_form.html", {"form": form, "evaluation": evaluation, "title": "记录现场勘查"}
    )


@login_required
def visit_detail(request, pk):
    visit = access.get_object_or_404(
        SiteVisit.objects.select_related("evaluation__organiser", "evaluation__evaluated", "recorded_by"),
        request.user,
        pk=pk,
    )
    context = {
        "object": visit,
        "visit": visit,
        "evaluation": visit.evaluation,
        "title": f"现场勘查：{visit}",
        "photos": list(visit.photos.select_related("uploaded_by")),
        "may_photo": fieldwork.may_record(request.user, visit.evaluation),
    }
    context.update(fieldwork.SITE_PHOTOS.panel(visit, request.user))
    return render(request, "keyevals/visit_detail.html", context)


def _visit(request, pk) -> SiteVisit:
    return access.get_object_or_404(SiteVisit.objects.select_related("evaluation"), request.user, pk=pk)


@login_required
@require_POST
def visit_photo_upload(request, pk):
    visit = _visit(request, pk)
    if not fieldwork.may_record(request.user, visit.evaluation):
        raise refuse(visit, request.user, fieldwork.NOT_WORKER)
    form = fieldwork.SITE_PHOTOS.form(visit, request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            added = fieldwork.SITE_PHOTOS.add(visit, request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"已上传现场照片：{added}")
    return redirect(visit.get_absolute_url() + "#photos")


@login_required
@require_POST
def visit_photo_delete(request, pk, attachment_pk):
    visit = _visit(request, pk)
    item = SitePhoto.objects.filter(visit=visit, pk=attachment_pk).first()
    if item is None or not fieldwork.may_record(request.user, visit.evaluation):
        raise Http404("没有该照片或无权删除")
    fieldwork.SITE_PHOTOS.remove(item, request.user)
    messages.success(request, f"已删除现场照片：{item}")
    return redirect(visit.get_absolute_url() + "#photos")


@login_required
def visit_photo(request, pk, attachment_pk):
    return fieldwork.SITE_PHOTOS.serve(_visit(request, pk), attachment_pk)


@login_required
def consultation_new(request, pk):
    evaluation = evaluation_or_404(request, pk)
    if not fieldwork.may_record(request.user, evaluation):
        raise refuse(evaluation, request.user, fieldwork.NOT_WORKER)
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fieldwork.record_consultation(request.user, evaluation, form.cleaned_data)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "已记录专家咨询意见")
            return redirect(evaluation.get_absolute_url() + "#fieldwork")
    return render(
        request, "keyevals/fieldwork_form.html", {"form": form, "evaluation": evaluation, "title": "记录专家咨询"}
    )

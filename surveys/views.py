"""The survey designer's pages (surveys:new, detail, edit, the questions' add/edit/delete/move, publish, close).

Every read goes through the gate (a survey out of reach is 404); every change through ``surveys.actions`` (who may
design, what a published survey keeps). The question list is one htmx fragment (templates/surveys/_designer.html):
an htmx request gets it back after each change, a plain form post the whole page (the designer works without
JavaScript too)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.roles import Action
from core import access
from core.views import audit_history
from surveys import actions, results
from surveys.forms import QuestionForm, SurveyForm
from surveys.models import Question, Survey, SurveyStatus


def _survey(request, pk) -> Survey:
    return access.get_object_or_404(
        Survey.objects.select_related("owner", "content_type", "created_by"), request.user, Action.VIEW, pk=pk
    )


def _designed(request, pk) -> tuple[Survey, object]:
    """The survey, if the user may design it (anyone else: 404, as for a survey out of reach)."""
    survey = _survey(request, pk)
    record = actions.record_of(survey)
    if not actions.may_design(request.user, survey, record):
        raise Http404(actions.NOT_DESIGNER)
    return survey, record


def _question(survey, qid) -> Question:
    question = survey.questions.filter(pk=qid).first()
    if question is None:
        raise Http404("题目不存在")
    question.survey = survey
    return question


def public_url(request, survey) -> str:
    return request.build_absolute_uri(reverse("survey_public:answer", args=[survey.token]))


def _messages(exc: ValidationError) -> list[str]:
    return exc.messages


def _context(request, survey, record, **extra) -> dict:
    can_design = actions.may_design(request.user, survey, record)
    questions = list(survey.questions.order_by("order", "pk"))
    draft = survey.status == SurveyStatus.DRAFT
    context = {
        "survey": survey,
        "record": record,
        "title": survey.title,
        "questions": questions,
        "can_design": can_design,
        "editable": can_design and draft,
        "add_form": QuestionForm(initial={"kind": "single", "required": True, "scale": 5}),
        "editing": None,
        "edit_form": None,
        "errors": [],
        "publish_problems": actions.publish_problems(survey) if can_design and draft else [],
        "public_url": public_url(request, survey) if survey.status != SurveyStatus.DRAFT else "",
        "responses": survey.responses.count(),
        "history": audit_history(survey),
    }
    context.update(extra)
    return context


def _designer(request, survey, record, status: int = 200, **extra):
    context = _context(request, survey, record, **extra)
    template = "surveys/_designer.html" if request.htmx else "surveys/detail.html"
    return render(request, template, context, status=status)


@login_required
def survey_new(request, evaluation_pk):
    """新建问卷 for a key evaluation: its organiser or its assigned agency."""
    from keyevals.models import KeyEvaluation

    evaluation = access.get_object_or_404(
        KeyEvaluation.objects.select_related("organiser"), request.user, Action.VIEW, pk=evaluation_pk
    )
    if not actions.may_create_for(request.user, evaluation):
        raise Http404(actions.NOT_DESIGNER)
    form = SurveyForm(request.POST or None, initial={"title": f"{evaluation.title}满意度调查"})
    if request.method == "POST" and form.is_valid():
        try:
            survey = actions.create_survey(request.user, evaluation, form.changes())
        except ValidationError as exc:
            for field, found in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, found)
        except PermissionDenied:
            raise Http404(actions.NOT_DESIGNER) from None
        else:
            messages.success(request, "问卷已新建，请添加题目")
            return redirect("surveys:detail", survey.pk)
    return render(
        request, "surveys/survey_form.html", {"form": form, "record": evaluation, "survey": None, "title": "新建问卷"}
    )


@login_required
def survey_detail(request, pk):
    survey = _survey(request, pk)
    record = actions.record_of(survey)
    edit = request.GET.get("edit", "")
    extra = {}
    if edit.isdigit() and actions.may_design(request.user, survey, record) and survey.status == SurveyStatus.DRAFT:
        question = _question(survey, int(edit))
        extra = {"editing": question.pk, "edit_form": QuestionForm.of(question, prefix="edit")}
    return _designer(request, survey, record, **extra)


@login_required
def survey_edit(request, pk):
    survey, record = _designed(request, pk)
    form = SurveyForm(request.POST or None, instance=survey, status=survey.status)
    if request.method == "POST" and form.is_valid():
        fresh = Survey.objects.get(pk=survey.pk)
        try:
            actions.update_survey(request.user, fresh, form.changes())
        except ValidationError as exc:
            for field, found in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, found)
        else:
            messages.success(request, "问卷已保存")
            return redirect("surveys:detail", survey.pk)
    return render(
        request, "surveys/survey_form.html", {"form": form, "record": record, "survey": survey, "title": "修改问卷"}
    )


@login_required
@require_POST
def question_add(request, pk):
    survey, record = _designed(request, pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            actions.add_question(request.user, survey, form.fields_out)
        except ValidationError as exc:
            return _designer(request, survey, record, add_form=form, errors=_messages(exc))
        if not request.htmx:
            messages.success(request, "题目已添加")
            return redirect("surveys:detail", survey.pk)
        return _designer(request, survey, record)
    return _designer(request, survey, record, add_form=form)


@login_required
def question_edit(request, pk, qid):
    survey, record = _designed(request, pk)
    question = _question(survey, qid)
    if request.method != "POST":
        return redirect(f"{reverse('surveys:detail', args=[survey.pk])}?edit={question.pk}#q-{question.pk}")
    form = QuestionForm(request.POST, prefix="edit")
    if form.is_valid():
        try:
            actions.update_question(request.user, question, form.fields_out)
        except ValidationError as exc:
            return _designer(request, survey, record, editing=question.pk, edit_form=form, errors=_messages(exc))
        if not request.htmx:
            messages.success(request, "题目已保存")
            return redirect("surveys:detail", survey.pk)
        return _designer(request, survey, record)
    return _designer(request, survey, record, editing=question.pk, edit_form=form)


@login_required
@require_POST
def question_delete(request, pk, qid):
    survey, record = _designed(request, pk)
    question = _question(survey, qid)
    try:
        actions.delete_question(request.user, question)
    except ValidationError as exc:
        return _designer(request, survey, record, errors=_messages(exc))
    if not request.htmx:
        messages.success(request, "题目已删除")
        return redirect("surveys:detail", survey.pk)
    return _designer(request, survey, record)


@login_required
@require_POST
def question_move(request, pk, qid):
    survey, record = _designed(request, pk)
    question = _question(survey, qid)
    try:
        actions.move_question(request.user, question, request.POST.get("direction", ""))
    except ValidationError as exc:
        return _designer(request, survey, record, errors=_messages(exc))
    if not request.htmx:
        return redirect("surveys:detail", survey.pk)
    return _designer(request, survey, record)


def _state_change(request, pk, change, done: str):
    survey, _record = _designed(request, pk)
    try:
        change(request.user, survey)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("surveys:detail", survey.pk)


@login_required
@require_POST
def survey_publish(request, pk):
    return _state_change(request, pk, actions.publish, "问卷已发布：请把链接或二维码发给受访者")


@login_required
@require_POST
def survey_close(request, pk):
    return _state_change(request, pk, actions.close, "问卷已结束收集")


def overall_text(survey) -> str:
    """The panel's and list's one-line satisfaction rate."""
    estimate = results.overall_only(survey)
    return estimate.percent() if estimate.n else "—"

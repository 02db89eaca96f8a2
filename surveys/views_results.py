"""A survey's results (surveys:results, the arrivals fragment refreshed by htmx), its responses as Excel and the QR
code of its public link. Readers: whoever the gate lets see the survey (the organising office, the assigned agency,
the bureau's leaders and the audit office). Exporting the responses is the evaluation's data leaving the system: an
agency needs finance's authorisation on its assignment to the evaluation (seed 004 三(九)2; core.access)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from accounts.roles import Action
from audit import trail
from audit.models import AuditAction
from core import access, clock, xlsx
from surveys import actions, qr, results
from surveys.models import QuestionKind, Response, Survey, SurveyStatus
from surveys.views import _survey, public_url


def may_export(user, survey: Survey, record=None) -> bool:
    if access.can(user, Action.EXPORT, survey):
        return True
    record = record if record is not None else actions.record_of(survey)
    # An assigned agency: finance's authorisation to export the evaluation's data covers its surveys.
    return record is not None and access.can(user, Action.EXPORT, record) and access.can(user, Action.VIEW, survey)


@login_required
def survey_results(request, pk):
    survey = _survey(request, pk)
    record = actions.record_of(survey)
    found = results.results(survey)
    charts = {
        f"q{r.question.pk}": r.chart() for r in found.questions if r.question.kind != QuestionKind.TEXT and r.answered
    }
    context = {
        "survey": survey,
        "record": record,
        "title": f"{survey.title} · 调查结果",
        "found": found,
        "charts": charts,
        "recent_days": list(reversed(found.by_day))[:14],
        "arrivals_chart": {"labels": [f"{d:%m-%d}" for d, _ in found.by_day], "values": [n for _, n in found.by_day]},
        "can_export": may_export(request.user, survey, record),
        "can_design": actions.may_design(request.user, survey, record),
        "text_shown": results.TEXT_SHOWN,
        "public_url": public_url(request, survey) if survey.status != SurveyStatus.DRAFT else "",
    }
    return render(request, "surveys/results.html", context)


@login_required
def survey_arrivals(request, pk):
    """The responses arriving (count, last, by day): the fragment the results page refreshes every 30 seconds."""
    survey = _survey(request, pk)
    count, last, by_day = results.arrivals(survey)
    context = {"survey": survey, "count": count, "last": last, "by_day": list(reversed(by_day))[:14]}
    return render(request, "surveys/_arrivals.html", context)


def _answer_cell(question, answer):
    if answer is None:
        return None
    if question.kind == QuestionKind.RATING:
        return answer.rating
    if question.kind == QuestionKind.TEXT:
        return answer.text  # as typed: core.xlsx makes "=…" inert
    return "、".join(answer.choices or [])


def response_rows(survey, questions):
    """One row per response, read in chunks with its answers (streamed into the workbook)."""
    responses = (
        Response.objects.filter(survey=survey)
        .order_by("submitted_at", "pk")
        .prefetch_related("answers")
        .iterator(chunk_size=1000)
    )
    for number, response in enumerate(responses, 1):
        by_question = {a.question_id: a for a in response.answers.all()}
        yield [number, response.submitted_at, *[_answer_cell(q, by_question.get(q.pk)) for q in questions]]


def _pct(value):
    return None if value is None else round(value * 100, 1)


def summary_rows(found: results.SurveyResults):
    estimates = [(r.question.text, r.satisfaction) for r in found.satisfaction_questions]
    for label, e in [*estimates, ("总体满意度", found.overall)]:
        yield [label, e.n, _pct(e.rate), _pct(e.margin), "" if e.enough else "样本量不足（n<30）"]


@login_required
def survey_export(request, pk):
    survey = _survey(request, pk)
    if not may_export(request.user, survey):
        raise Http404("无权导出")
    questions = list(survey.questions.order_by("order", "pk"))
    found = results.results(survey, texts=0)
    trail.record(
        AuditAction.EXPORT,
        survey,
        actor=request.user,
        reason="导出问卷答卷",
        changes={"答卷数": [None, found.responses]},
    )
    headers = ["序号", "提交时间", *[f"{q.order}. {q.text}" for q in questions]]
    sheets = [
        xlsx.Sheet("答卷", headers, response_rows(survey, questions)),
        xlsx.Sheet(
            "满意度", ["题目", "样本量 n", "满意率（%）", "误差范围（95%，±百分点）", "说明"], summary_rows(found)
        ),
    ]
    stamp = clock.today()
    return xlsx.xlsx_response(f"{survey.title}-答卷-{stamp:%Y%m%d}.xlsx", sheets)


def _published(request, pk) -> Survey:
    survey = _survey(request, pk)
    if survey.status == SurveyStatus.DRAFT:
        raise Http404("问卷尚未发布")
    return survey


@login_required
def survey_qr(request, pk):
    """The QR code of the public link: SVG (shown on the page), ``?download=1`` as a file."""
    survey = _published(request, pk)
    response = HttpResponse(qr.svg(public_url(request, survey)), content_type="image/svg+xml")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-qr.svg"'
    return response


@login_required
def survey_qr_png(request, pk):
    survey = _published(request, pk)
    response = HttpResponse(qr.png(public_url(request, survey)), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-qr.png"'
    return response

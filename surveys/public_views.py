"""The public survey page (``/s/<token>/``, namespace ``survey_public``): no account, no session, a phone-sized
page of its own (templates/surveys/public/, not the application's shell: no navigation, no link into the system, no
script). It reaches nothing but the one published survey its token names: an unknown token or a draft's answers
404; a closed survey, or one outside its opening window, says so. Submitting: surveys/submission.py.

The page is rendered without the request's context processors (they serve the signed-in shell and would query for
it); the CSRF token is given to the template directly. Responses are never cached (they carry that token), are not
indexed by search engines and send no Referer to another site (the address holds the token). Not "no-referrer":
with it a browser sends ``Origin: null`` on the form's POST, which the CSRF check rightly refuses."""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from audit.context import client_ip
from surveys import submission
from surveys.models import QuestionKind, Survey, SurveyStatus

_COOKIE = re.compile(r"[A-Za-z0-9_-]{20,64}")
NO_COOKIE = "请允许浏览器保存 Cookie 后再提交（用于确保每台设备只提交一次），然后重新提交"


def _page(request, template: str, context: dict, status: int = 200, *, device: str | None = None) -> HttpResponse:
    context = {**context, "csrf_token": get_token(request)}
    response = HttpResponse(render_to_string(f"surveys/public/{template}", context), status=status)
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    if device:
        response.set_cookie(
            submission.DEVICE_COOKIE,
            device,
            max_age=submission.DEVICE_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


def _survey(token: str) -> Survey | None:
    if len(token) > 40:
        return None
    return (
        Survey.objects.select_related("owner")
        .filter(token=token, status__in=(SurveyStatus.PUBLISHED, SurveyStatus.CLOSED))
        .first()
    )


def _device(request) -> str | None:
    cookie = request.COOKIES.get(submission.DEVICE_COOKIE, "")
    return submission.device_hash(cookie) if _COOKIE.fullmatch(cookie) else None


def missing(request) -> HttpResponse:
    return _page(request, "missing.html", {}, status=404)


def _rows(questions, parsed: submission.Parsed | None) -> list[dict]:
    rows = []
    for number, q in enumerate(questions, 1):
        typed = parsed.typed.get(q.pk) if parsed else None
        picked = typed if isinstance(typed, list) else ([typed] if typed else [])
        rows.append(
            {
                "number": number,
                "question": q,
                "name": f"q{q.pk}",
                "error": parsed.errors.get(q.pk, "") if parsed else "",
                "options": [{"value": o, "checked": o in picked, "n": i} for i, o in enumerate(q.options)]
                if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
                else [],
                "points": [{"value": str(v), "checked": str(v) in picked} for v in range(1, q.scale + 1)]
                if q.kind == QuestionKind.RATING
                else [],
                "text": typed if q.kind == QuestionKind.TEXT and isinstance(typed, str) else "",
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
def answer(request, token: str) -> HttpResponse:
    survey = _survey(token)
    if survey is None:
        return missing(request)
    window = submission.state(survey)
    if window != "open":
        return _page(request, "ended.html", {"survey": survey, "window": window})
    device = _device(request)
    if device and submission.already_answered(survey, device):
        return _page(request, "done.html", {"survey": survey, "duplicate": True, "message": submission.DUPLICATE})
    new_device = None if device else submission.new_device()
    questions = list(survey.questions.order_by("order", "pk"))
    parsed = None
    notice = ""
    if request.method == "POST":
        if device is None:
            notice = NO_COOKIE
        else:
            parsed = submission.parse(questions, request.POST)
            if parsed.ok:
                try:
                    submission.submit(survey, device, submission.address_hash(client_ip(request)), parsed)
                except submission.Refused as refused:
                    if refused.kind == "limited":
                        return _page(request, "limited.html", {"survey": survey, "message": refused.message}, 429)
                    if refused.kind == "ended":
                        return _page(request, "ended.html", {"survey": survey, "window": "ended"})
                    return _page(
                        request, "done.html", {"survey": survey, "duplicate": True, "message": refused.message}
                    )
                return redirect(reverse("survey_public:thanks", args=[survey.token]))
            notice = f"有 {len(parsed.errors)} 道题需要修改，请查看标红的题目"
    context = {"survey": survey, "rows": _rows(questions, parsed), "notice": notice}
    return _page(request, "form.html", context, device=new_device)


@require_http_methods(["GET"])
def thanks(request, token: str) -> HttpResponse:
    survey = _survey(token)
    if survey is None:
        return missing(request)
    device = _device(request)
    if not device or not submission.already_answered(survey, device):
        return redirect(reverse("survey_public:answer", args=[survey.token]))
    return _page(request, "done.html", {"survey": survey, "duplicate": False, "message": "提交成功，感谢您的参与！"})

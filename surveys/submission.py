"""One member of the public answering a published survey (surveys/public_views.py): the device and address hashes,
the rate limit, reading and checking the answers, and saving the response.

* **Device.** A random, long-lived, HttpOnly, SameSite=Lax cookie names the browser; ``Response.device`` is its
  HMAC-SHA256 under ``settings.SECRET_KEY``. A second response from the device is refused; two identical submits at
  once meet the unique (survey, device) index and the loser is told the same.
* **Address.** ``Response.address`` is the HMAC-SHA256 of the client's address (``audit.context.client_ip``, which
  trusts X-Real-IP only behind the configured proxy); the address itself is never stored. At most
  ``JIXIAO_SURVEY_PER_HOUR`` responses per address and survey in an hour and ``JIXIAO_SURVEY_PER_DAY`` in a day,
  counted from the database under a lock on the survey row, so the limit holds across workers.
* **Answers.** A required question left empty, an option not offered, a rating outside the scale: the page comes back
  with the message at the question, and nothing is saved.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction

from core import clock
from surveys.models import Answer, Question, QuestionKind, Response, Survey, SurveyStatus

DEVICE_COOKIE = "jx_survey_device"
DEVICE_COOKIE_AGE = 2 * 365 * 24 * 3600
MAX_TEXT = 2000
DEFAULT_PER_HOUR = 30
DEFAULT_PER_DAY = 100

DUPLICATE = "您已提交过本问卷，感谢参与"
LIMITED = "该网络提交的答卷过多，请稍后再试"


def per_hour() -> int:
    return int(getattr(settings, "JIXIAO_SURVEY_PER_HOUR", DEFAULT_PER_HOUR))


def per_day() -> int:
    return int(getattr(settings, "JIXIAO_SURVEY_PER_DAY", DEFAULT_PER_DAY))


def _digest(kind: str, value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def new_device() -> str:
    return secrets.token_urlsafe(24)


def device_hash(cookie: str) -> str:
    return _digest("survey-device", cookie)


def address_hash(address: str | None) -> str:
    return _digest("survey-address", address or "unknown")


# ---------------------------------------------------------------------------------------------- the window


def state(survey: Survey, now: datetime.datetime | None = None) -> str:
    """ "open", "not_yet" (before opens_at) or "ended" (closed or past closes_at)."""
    now = now or clock.now()
    if survey.status == SurveyStatus.CLOSED or (survey.closes_at and now >= survey.closes_at):
        return "ended"
    if survey.opens_at and now < survey.opens_at:
        return "not_yet"
    return "open"


# ---------------------------------------------------------------------------------------------- the answers


@dataclass
class Parsed:
    """The answers read from the form: {question id: value} and {question id: message}."""

    values: dict[int, dict] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    typed: dict[int, object] = field(default_factory=dict)  # what was typed, to fill the form again

    @property
    def ok(self) -> bool:
        return not self.errors


def parse(questions: list[Question], data) -> Parsed:
    """Read ``q<id>`` fields of a POST (``data.getlist`` for multiple choice) against the questions."""
    out = Parsed()
    for q in questions:
        name = f"q{q.pk}"
        if q.kind == QuestionKind.MULTIPLE:
            picked = [v for v in data.getlist(name) if v != ""]
            out.typed[q.pk] = picked
            if any(v not in q.options for v in picked):
                out.errors[q.pk] = "选择了问卷中没有的选项，请重新选择"
            elif len(set(picked)) != len(picked):
                out.errors[q.pk] = "同一选项只能选一次"
            elif picked:
                out.values[q.pk] = {"choices": [o for o in q.options if o in picked]}
            elif q.required:
                out.errors[q.pk] = "此题为必答题，请至少选择一项"
            continue
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name, "")]
        if len(values) > 1:
            out.errors[q.pk] = "此题只能选一项"
            continue
        raw = (values[0] if values else "").strip()
        out.typed[q.pk] = raw
        if not raw:
            if q.required:
                out.errors[q.pk] = "此题为必答题，请作答" if q.kind == QuestionKind.TEXT else "此题为必答题，请选择"
            continue
        if q.kind == QuestionKind.SINGLE:
            if raw not in q.options:
                out.errors[q.pk] = "选择了问卷中没有的选项，请重新选择"
            else:
                out.values[q.pk] = {"choices": [raw]}
        elif q.kind == QuestionKind.RATING:
            if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= q.scale:
                out.errors[q.pk] = f"评分应为 1 至 {q.scale} 分"
            else:
                out.values[q.pk] = {"rating": int(raw)}
        else:
            if len(raw) > MAX_TEXT:
                out.errors[q.pk] = f"回答不能超过 {MAX_TEXT} 字（现有 {len(raw)} 字）"
            else:
                out.values[q.pk] = {"text": raw}
    return out


# ---------------------------------------------------------------------------------------------- saving


class Refused(Exception):
    """The response was not saved: ``kind`` is "duplicate", "limited" or "ended"."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


def already_answered(survey: Survey, device: str) -> bool:
    return Response.objects.filter(survey=survey, device=device).exists()


def over_limit(survey: Survey, address: str, now: datetime.datetime) -> bool:
    recent = Response.objects.filter(survey=survey, address=address)
    if recent.filter(submitted_at__gte=now - datetime.timedelta(hours=1)).count() >= per_hour():
        return True
    return recent.filter(submitted_at__gte=now - datetime.timedelta(days=1)).count() >= per_day()


def submit(survey: Survey, device: str, address: str, parsed: Parsed) -> Response:
    """Save one response (its answers with it), or raise ``Refused``. The survey row is locked while the limit is
    counted and the response written, so concurrent submissions from one address are counted one after another."""
    try:
        with transaction.atomic():
            locked = Survey.objects.select_for_update().get(pk=survey.pk)
            now = clock.now()
            if locked.status != SurveyStatus.PUBLISHED or state(locked, now) != "open":
                raise Refused("ended", "调查已结束")
            if already_answered(locked, device):
                raise Refused("duplicate", DUPLICATE)
            if over_limit(locked, address, now):
                raise Refused("limited", LIMITED)
            response = Response.objects.create(survey=locked, device=device, address=address, submitted_at=now)
            Answer.objects.bulk_create(
                [Answer(response=response, question_id=qid, **value) for qid, value in parsed.values.items()]
            )
    except IntegrityError:
        # The twin of a double submit got in first (the unique (survey, device) index).
        raise Refused("duplicate", DUPLICATE) from None
    return response

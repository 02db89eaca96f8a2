"""A survey's results as its readers see them (surveys:results, the API's ``results``, the panel): responses
arriving (count, by day), each question's distribution, the satisfaction rates (surveys/stats.py) and the free-text
answers. Read in a fixed number of queries, whatever the number of responses."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max
from django.utils import timezone

from surveys import stats
from surveys.models import Answer, Question, QuestionKind, Response, Survey

TEXT_SHOWN = 200  # free-text answers listed on the page per question (the export has all)


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    counts: list[tuple[str, int]] = field(default_factory=list)  # (option or rating, count) in display order
    mean: float | None = None
    satisfaction: stats.Estimate | None = None
    texts: list[tuple[datetime.datetime, str]] = field(default_factory=list)
    text_total: int = 0

    def chart(self) -> dict:
        """The distribution for the chart (static/jixiao/survey_charts.js)."""
        return {"labels": [label for label, _ in self.counts], "values": [n for _, n in self.counts]}

    def rows(self) -> list[dict]:
        return [
            {"label": label, "count": n, "share": f"{n / self.answered * 100:.1f}%" if self.answered else "—"}
            for label, n in self.counts
        ]


@dataclass
class SurveyResults:
    survey: Survey
    responses: int
    last_at: datetime.datetime | None
    by_day: list[tuple[datetime.date, int]]
    questions: list[QuestionResult]
    overall: stats.Estimate

    @property
    def satisfaction_questions(self) -> list[QuestionResult]:
        return [q for q in self.questions if q.satisfaction is not None]


def rating_label(value: int) -> str:
    return f"{value} 分"


def arrivals(survey: Survey) -> tuple[int, datetime.datetime | None, list[tuple[datetime.date, int]]]:
    """(responses, the last one's time, [(day, responses)] in day order) — two queries."""
    summary = Response.objects.filter(survey=survey).aggregate(n=Count("pk"), last=Max("submitted_at"))
    days: Counter = Counter()
    for at in Response.objects.filter(survey=survey).values_list("submitted_at", flat=True).iterator(chunk_size=2000):
        days[timezone.localdate(at)] += 1
    return summary["n"], summary["last"], sorted(days.items())


def overall_only(survey: Survey) -> stats.Estimate:
    """The overall satisfaction rate alone (for the panel): two queries."""
    questions = {q.pk: q for q in survey.questions.filter(counts_toward_satisfaction=True)}
    if not questions:
        return stats.Estimate(0, 0, survey.population)
    per_respondent: dict[int, list[bool]] = defaultdict(list)
    rows = Answer.objects.filter(response__survey=survey, question_id__in=list(questions)).values_list(
        "response_id", "question_id", "choices", "rating"
    )
    for response_id, question_id, choices, rating in rows.iterator(chunk_size=2000):
        flag = stats.is_satisfied(questions[question_id], choices=choices or [], rating=rating)
        if flag is not None:
            per_respondent[response_id].append(flag)
    return stats.overall(per_respondent, survey.population)


def results(survey: Survey, *, texts: int = TEXT_SHOWN) -> SurveyResults:
    questions = list(survey.questions.order_by("order", "pk"))
    found = {q.pk: QuestionResult(question=q) for q in questions}
    option_counts: dict[int, Counter] = defaultdict(Counter)
    rating_sums: dict[int, int] = defaultdict(int)
    satisfied: dict[int, list[bool]] = defaultdict(list)
    per_respondent: dict[int, list[bool]] = defaultdict(list)
    text_rows: dict[int, list] = defaultdict(list)
    rows = (
        Answer.objects.filter(response__survey=survey)
        .order_by("-response__submitted_at", "-pk")
        .values_list("response_id", "question_id", "choices", "rating", "text", "response__submitted_at")
    )
    for response_id, question_id, choices, rating, text, at in rows.iterator(chunk_size=2000):
        result = found.get(question_id)
        if result is None:
            continue
        q = result.question
        choices = choices if isinstance(choices, list) else []
        if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            if not choices:
                continue
            option_counts[question_id].update(choices)
        elif q.kind == QuestionKind.RATING:
            if rating is None:
                continue
            option_counts[question_id][rating] += 1
            rating_sums[question_id] += rating
        else:
            if not (text or "").strip():
                continue
            result.text_total += 1
            if len(text_rows[question_id]) < texts:
                text_rows[question_id].append((at, text))
        result.answered += 1
        flag = stats.is_satisfied(q, choices=choices, rating=rating)
        if flag is not None:
            satisfied[question_id].append(flag)
            per_respondent[response_id].append(flag)
    for q in questions:
        result = found[q.pk]
        counter = option_counts[q.pk]
        if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            result.counts = [(option, counter.get(option, 0)) for option in q.options]
        elif q.kind == QuestionKind.RATING:
            result.counts = [(rating_label(v), counter.get(v, 0)) for v in range(1, q.scale + 1)]
            result.mean = rating_sums[q.pk] / result.answered if result.answered else None
        result.texts = text_rows[q.pk]
        if q.counts_toward_satisfaction:
            flags = satisfied[q.pk]
            result.satisfaction = stats.Estimate(sum(flags), len(flags), survey.population)
    count, last, by_day = arrivals(survey)
    return SurveyResults(
        survey=survey,
        responses=count,
        last_at=last,
        by_day=by_day,
        questions=[found[q.pk] for q in questions],
        overall=stats.overall(per_respondent, survey.population),
    )

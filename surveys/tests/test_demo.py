"""The demo's surveys (keyevals/demo_survey.py): a published survey with about 120 responses on the evaluation in
fieldwork, a closed one with about 60 on the finance evaluation; running the seeder again creates nothing."""

from __future__ import annotations

import pytest

from keyevals.demo_survey import FIELDWORK_SURVEY, FINANCE_SURVEY, seed_surveys
from surveys import results
from surveys.models import Response, Survey, SurveyStatus

pytestmark = pytest.mark.django_db


def _survey(title: str) -> Survey:
    survey = Survey.objects.filter(title=title).first()
    if survey is None:
        pytest.skip("the demo's key evaluations are not seeded (keyevals/demo.py)")
    return survey


def test_the_fieldwork_survey_is_published_with_about_120_responses_and_85_percent_satisfied():
    survey = _survey(FIELDWORK_SURVEY)
    assert survey.status == SurveyStatus.PUBLISHED and 6 <= survey.questions.count() <= 8
    found = results.results(survey)
    assert found.responses == 120
    assert 0.78 <= found.overall.rate <= 0.92 and found.overall.enough
    kinds = {q.question.kind for q in found.questions}
    assert kinds == {"single", "multiple", "rating", "text"}
    assert Response.objects.filter(survey=survey).values("device").distinct().count() == 120


def test_the_finance_survey_is_closed_with_about_60_responses():
    survey = _survey(FINANCE_SURVEY)
    assert survey.status == SurveyStatus.CLOSED
    assert Response.objects.filter(survey=survey).count() == 60


def test_seeding_again_creates_nothing():
    _survey(FIELDWORK_SURVEY)
    before = (Survey.objects.count(), Response.objects.count())

    class Seeder:
        created = 0
        out = staticmethod(print)

        import random

        rng = random.Random(1)

    seed_surveys(Seeder())
    assert (Survey.objects.count(), Response.objects.count()) == before and Seeder.created == 0

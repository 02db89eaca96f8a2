"""The surveys API (/api/surveys/): behind the gate, the same actions as the pages; bad bodies are 400 with a Chinese
message, out of reach 404; the public's answers are not in the API."""

from __future__ import annotations

import pytest

from core.testing import client_for
from surveys.models import Response, Survey, SurveyStatus
from surveys.tests.fixtures import QUESTIONS, make_evaluation, make_survey

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_create_with_questions_publish_results_and_close():
    evaluation = make_evaluation()
    client = client_for("perf")
    created = client.post(
        "/api/surveys/",
        {"evaluation": evaluation.pk, "title": "接口问卷", "population": 800, "questions": QUESTIONS},
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["evaluation"] == evaluation.pk and len(body["questions"]) == 4
    assert body["public_url"] == ""
    pk = body["id"]
    patched = client.patch(f"/api/surveys/{pk}/", {"intro": "匿名调查", "questions": QUESTIONS[:2]}, content_type=JSON)
    assert patched.status_code == 200 and len(patched.json()["questions"]) == 2
    published = client.post(f"/api/surveys/{pk}/publish/")
    assert published.status_code == 200 and published.json()["public_url"].endswith(
        f"/s/{Survey.objects.get(pk=pk).token}/"
    )
    refused = client.patch(f"/api/surveys/{pk}/", {"questions": QUESTIONS}, content_type=JSON)
    assert refused.status_code == 400 and "问卷已发布" in str(refused.json())
    found = client.get(f"/api/surveys/{pk}/results/")
    assert found.status_code == 200 and found.json()["responses"] == 0 and found.json()["overall"]["n"] == 0
    listed = client.get(f"/api/surveys/?evaluation={evaluation.pk}").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["id"] for r in rows] == [pk]
    assert client.post(f"/api/surveys/{pk}/close/").json()["status"] == SurveyStatus.CLOSED


@pytest.mark.parametrize(
    "body, field",
    [
        ([1, 2], "non_field_errors"),
        ({"title": "无评价"}, "evaluation"),
        ({"evaluation": "abc", "title": "x"}, "evaluation"),
        ({"evaluation": 10**12, "title": "x"}, "evaluation"),
        ({"evaluation": "EVAL", "title": ""}, "title"),
        (
            {"evaluation": "EVAL", "title": "x", "questions": [{"kind": "single", "text": "一项", "options": ["是"]}]},
            "questions",
        ),
        ({"evaluation": "EVAL", "title": "x", "questions": ["not a row"]}, "questions"),
        ({"evaluation": "EVAL", "title": "x", "questions": [{"text": "无题型"}]}, "questions"),
        ({"evaluation": "EVAL", "title": "x", "population": -1}, "population"),
    ],
)
def test_a_body_of_the_wrong_shape_is_400_and_creates_nothing(body, field):
    evaluation = make_evaluation()
    if isinstance(body, dict) and body.get("evaluation") == "EVAL":
        body = {**body, "evaluation": evaluation.pk}
    before = Survey.objects.count()
    response = client_for("perf").post("/api/surveys/", body, content_type=JSON)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Survey.objects.count() == before


def test_out_of_reach_is_404_and_an_out_of_reach_evaluation_is_a_missing_one():
    survey = make_survey()
    for username in ("county_perf", "edu_reviewer", "agency"):
        client = client_for(username)
        assert client.get(f"/api/surveys/{survey.pk}/").status_code == 404
        assert client.get(f"/api/surveys/{survey.pk}/results/").status_code == 404
        assert client.post(f"/api/surveys/{survey.pk}/close/").status_code == 404
        missing = client.post("/api/surveys/", {"evaluation": 999999999, "title": "x"}, content_type=JSON)
        hidden = client.post("/api/surveys/", {"evaluation": survey.object_id, "title": "x"}, content_type=JSON)
        assert missing.status_code == hidden.status_code == 400 and missing.json() == hidden.json()
    assert Survey.objects.get(pk=survey.pk).status == SurveyStatus.PUBLISHED


def test_a_reader_may_not_design_through_the_api():
    survey = make_survey(publish=False)
    client = client_for("leader")
    assert client.get(f"/api/surveys/{survey.pk}/").status_code == 200
    assert client.post(f"/api/surveys/{survey.pk}/publish/").status_code == 403
    assert client.patch(f"/api/surveys/{survey.pk}/", {"title": "改"}, content_type=JSON).status_code == 403
    assert Survey.objects.get(pk=survey.pk).status == SurveyStatus.DRAFT


def test_the_api_takes_no_answers():
    survey = make_survey()
    client = client_for("perf")
    assert client.post(f"/api/surveys/{survey.pk}/responses/", {}, content_type=JSON).status_code == 404
    assert client.put(f"/api/surveys/{survey.pk}/", {}, content_type=JSON).status_code == 405
    assert client.delete(f"/api/surveys/{survey.pk}/").status_code == 405
    assert not Response.objects.filter(survey=survey).exists()


def test_the_list_costs_a_fixed_number_of_queries(django_assert_max_num_queries):
    evaluation = make_evaluation()
    make_survey(evaluation)
    client = client_for("perf")
    client.get("/api/surveys/")
    with django_assert_max_num_queries(30) as first:
        client.get("/api/surveys/")
    for i in range(3):
        make_survey(evaluation, title=f"问卷{i}")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/api/surveys/")

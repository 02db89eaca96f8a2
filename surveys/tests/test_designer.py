"""The survey designer (issue 14 §2): the organiser of a key evaluation or its assigned agency designs, publishes and
closes; a published survey's questions never change; every change is audited; out of reach is 404 (county
performance section, the evaluated department, an agency not assigned)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from audit.models import AuditAction, AuditEntry
from core.models import Assignment
from core.testing import client_for
from keyevals.models import KeyStatus
from surveys import actions
from surveys.models import Question, Survey, SurveyStatus
from surveys.tests.fixtures import assign_agency, make_evaluation, make_survey, user

pytestmark = pytest.mark.django_db

RATING = {"kind": "rating", "text": "总体满意程度", "scale": 5, "counts_toward_satisfaction": True, "satisfied_from": 4}


def post_question(client, survey, **fields):
    data = {"kind": "single", "text": "题目", "required": "on", "scale": "5", **fields}
    return client.post(f"/surveys/{survey.pk}/questions/add/", data, HTTP_HX_REQUEST="true")


# ---------------------------------------------------------------------------------------------- designing


def test_the_organiser_creates_a_survey_for_the_evaluation_on_its_page():
    evaluation = make_evaluation()
    client = client_for("perf")
    assert client.get(f"/surveys/new/{evaluation.pk}/").status_code == 200
    response = client.post(f"/surveys/new/{evaluation.pk}/", {"title": "养老服务满意度调查", "intro": "匿名"})
    survey = Survey.objects.get(title="养老服务满意度调查")
    assert response.status_code == 302 and response["Location"] == f"/surveys/{survey.pk}/"
    assert survey.owner == evaluation.organiser and survey.object_id == evaluation.pk
    assert survey.status == SurveyStatus.DRAFT and survey.created_by == user("perf")
    created = AuditEntry.objects.get(object_type="surveys.survey", object_id=str(survey.pk), action=AuditAction.CREATE)
    assert created.actor == user("perf")


def test_questions_are_added_edited_reordered_and_deleted_with_htmx_while_a_draft():
    survey = make_survey(questions=[], publish=False)
    client = client_for("perf")
    first = post_question(client, survey, text="年龄段", options="60岁以下\n60岁及以上")
    assert first.status_code == 200 and '<div id="designer">' in first.content.decode()
    assert "<html" not in first.content.decode()  # the fragment, not the page
    post_question(
        client, survey, kind="rating", text="总体满意", scale="5", counts_toward_satisfaction="on", satisfied_from="4"
    )
    post_question(client, survey, kind="text", text="建议")
    q1, q2, q3 = survey.questions.order_by("order")
    assert [q.text for q in (q1, q2, q3)] == ["年龄段", "总体满意", "建议"] and q1.options == ["60岁以下", "60岁及以上"]
    assert q2.satisfied_from == 4 and q2.counts_toward_satisfaction
    # move the text question up, then edit it
    client.post(f"/surveys/{survey.pk}/questions/{q3.pk}/move/", {"direction": "up"}, HTTP_HX_REQUEST="true")
    assert list(survey.questions.order_by("order").values_list("text", flat=True)) == ["年龄段", "建议", "总体满意"]
    form = client.get(f"/surveys/{survey.pk}/?edit={q3.pk}", HTTP_HX_REQUEST="true")
    assert 'id="edit-question-form"' in form.content.decode()
    client.post(
        f"/surveys/{survey.pk}/questions/{q3.pk}/edit/",
        {"edit-kind": "text", "edit-text": "意见和建议", "edit-scale": "5"},
        HTTP_HX_REQUEST="true",
    )
    q3.refresh_from_db()
    assert q3.text == "意见和建议" and not q3.required
    # delete the first: the others close the gap
    client.post(f"/surveys/{survey.pk}/questions/{q1.pk}/delete/", HTTP_HX_REQUEST="true")
    assert list(survey.questions.order_by("order").values_list("order", "text")) == [(1, "意见和建议"), (2, "总体满意")]
    changes = AuditEntry.objects.filter(object_type="surveys.question").values_list("action", flat=True)
    assert {AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE} <= set(changes)
    moved = AuditEntry.objects.filter(object_type="surveys.question", object_id=str(q3.pk), reason__contains="顺序")
    assert moved.exists() and moved.first().actor == user("perf")


def test_the_designer_works_without_javascript():
    survey = make_survey(questions=[], publish=False)
    response = client_for("perf").post(
        f"/surveys/{survey.pk}/questions/add/", {"kind": "text", "text": "建议", "scale": "5"}
    )
    assert response.status_code == 302 and survey.questions.count() == 1


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"kind": "single", "text": "只有一个选项", "options": ["是"]}, "options", "至少要有 2 个选项"),
        ({"kind": "multiple", "text": "重复", "options": ["甲", "甲"]}, "options", "选项有重复"),
        ({"kind": "rating", "text": "评分", "scale": 11}, "scale", "2 至 10"),
        ({"kind": "rating", "text": "评分", "scale": 1}, "scale", "2 至 10"),
        ({**RATING, "satisfied_from": None}, "satisfied_from", "须填写满意起点"),
        ({**RATING, "satisfied_from": 6}, "satisfied_from", "1 至 5"),
        (
            {"kind": "single", "text": "满意", "options": ["满意", "不满意"], "counts_toward_satisfaction": True},
            "satisfied_options",
            "须列出视为满意的选项",
        ),
        (
            {
                "kind": "single",
                "text": "满意",
                "options": ["满意", "不满意"],
                "counts_toward_satisfaction": True,
                "satisfied_options": ["很满意"],
            },
            "satisfied_options",
            "不在选项中",
        ),
        (
            {"kind": "text", "text": "建议", "counts_toward_satisfaction": True},
            "counts_toward_satisfaction",
            "单选题和评分题",
        ),
        ({"kind": "essay", "text": "?"}, "kind", "请选择题型"),
        ({"kind": "text", "text": "  "}, "text", "请填写题目"),
    ],
)
def test_a_bad_question_is_refused_with_its_reason_and_nothing_changes(fields, field, message):
    survey = make_survey(questions=[], publish=False)
    with pytest.raises(ValidationError) as refused:
        actions.add_question(user("perf"), survey, fields)
    assert message in " ".join(refused.value.message_dict[field])
    assert not survey.questions.exists()


def test_the_page_shows_a_bad_question_at_its_field():
    survey = make_survey(questions=[], publish=False)
    page = post_question(
        client_for("perf"), survey, kind="rating", text="评分", scale="5", counts_toward_satisfaction="on"
    )
    assert "须填写满意起点" in page.content.decode() and not survey.questions.exists()


def test_publishing_needs_a_question_and_a_stated_satisfaction():
    survey = make_survey(questions=[], publish=False)
    with pytest.raises(ValidationError) as refused:
        actions.publish(user("perf"), survey)
    assert "至少要有一道题目" in refused.value.messages[0]
    # a satisfaction question whose rule was lost (written around the checks) is caught at publishing
    Question.objects.create(survey=survey, order=1, kind="rating", text="满意度", counts_toward_satisfaction=True)
    with pytest.raises(ValidationError) as refused:
        actions.publish(user("perf"), survey)
    assert "未说明什么算满意" in refused.value.messages[0]
    Question.objects.filter(survey=survey).update(satisfied_from=4)
    response = client_for("perf").post(f"/surveys/{survey.pk}/publish/")
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.PUBLISHED
    row = AuditEntry.objects.filter(object_type="surveys.survey", object_id=str(survey.pk), reason="发布问卷").get()
    assert row.actor == user("perf")


def test_a_published_surveys_questions_never_change():
    survey = make_survey()
    perf = user("perf")
    question = survey.questions.first()
    before = list(survey.questions.values_list("pk", "order", "text"))
    for change in (
        lambda: actions.add_question(perf, survey, {"kind": "text", "text": "新题"}),
        lambda: actions.update_question(perf, question, {"kind": "text", "text": "改题"}),
        lambda: actions.delete_question(perf, question),
        lambda: actions.move_question(perf, question, "down"),
        lambda: actions.replace_questions(perf, survey, [{"kind": "text", "text": "全换"}]),
    ):
        with pytest.raises(ValidationError) as refused:
            change()
        assert "问卷已发布，题目不能再修改" in refused.value.messages
    assert list(survey.questions.values_list("pk", "order", "text")) == before
    # the pages say the same
    client = client_for("perf")
    page = client.post(
        f"/surveys/{survey.pk}/questions/add/", {"kind": "text", "text": "新题", "scale": "5"}, HTTP_HX_REQUEST="true"
    )
    assert "问卷已发布，题目不能再修改" in page.content.decode()
    # the wording is kept; the deadline and the population may still change
    with pytest.raises(ValidationError):
        actions.update_survey(perf, survey, {"title": "新标题"})
    actions.update_survey(perf, survey, {"population": 5000})
    survey.refresh_from_db()
    assert survey.population == 5000 and survey.title == "测试问卷"


def test_closing_stops_the_collection_and_is_audited():
    survey = make_survey()
    client_for("perf").post(f"/surveys/{survey.pk}/close/")
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED
    assert AuditEntry.objects.filter(
        object_type="surveys.survey", object_id=str(survey.pk), reason="结束问卷收集"
    ).exists()
    with pytest.raises(ValidationError):
        actions.close(user("perf"), survey)


def test_the_published_page_shows_the_link_and_the_qr_code():
    survey = make_survey()
    client = client_for("perf")
    page = client.get(f"/surveys/{survey.pk}/").content.decode()
    assert f"http://testserver/s/{survey.token}/" in page and f"/surveys/{survey.pk}/qr.svg" in page
    svg = client.get(f"/surveys/{survey.pk}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<svg")
    png = client.get(f"/surveys/{survey.pk}/qr.png")
    assert png.content.startswith(b"\x89PNG") and "attachment" in png["Content-Disposition"]
    draft = make_survey(publish=False)
    assert client.get(f"/surveys/{draft.pk}/qr.svg").status_code == 404


# ---------------------------------------------------------------------------------------------- who


def test_out_of_reach_is_404_for_the_county_the_evaluated_department_and_the_desk():
    survey = make_survey()
    question = survey.questions.first()
    addresses = [
        f"/surveys/{survey.pk}/",
        f"/surveys/{survey.pk}/edit/",
        f"/surveys/{survey.pk}/results/",
        f"/surveys/{survey.pk}/results/arrivals/",
        f"/surveys/{survey.pk}/results/export/",
        f"/surveys/{survey.pk}/qr.svg",
        f"/surveys/new/{survey.object_id}/",
    ]
    for username in ("county_perf", "health_reviewer", "edu_reviewer", "desk_social", "agency", "expert", "public"):
        client = client_for(username)
        for address in addresses:
            assert client.get(address).status_code == 404, (username, address)
        assert client.post(f"/surveys/{survey.pk}/close/").status_code == 404, username
        assert client.post(f"/surveys/{survey.pk}/questions/{question.pk}/delete/").status_code == 404, username
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.PUBLISHED and survey.questions.count() == 4


def test_readers_see_but_do_not_design():
    survey = make_survey(publish=False)
    for username in ("leader", "auditor"):
        client = client_for(username)
        page = client.get(f"/surveys/{survey.pk}/")
        assert page.status_code == 200, username
        assert 'id="add-question-form"' not in page.content.decode()
        assert client.post(f"/surveys/{survey.pk}/publish/").status_code == 404
        assert client.get(f"/surveys/{survey.pk}/edit/").status_code == 404
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.DRAFT


def test_the_assigned_agency_designs_the_survey_and_an_unassigned_one_does_not():
    evaluation = make_evaluation(agency=True)
    survey = make_survey(evaluation, by="agency", publish=False)
    # the survey is the organiser's; the agency reaches it through its assignment on the survey
    assert survey.owner == evaluation.organiser
    assert Assignment.objects.filter(object_id=survey.pk, organisation=user("agency").organisation).exists()
    client = client_for("agency")
    assert client.get(f"/surveys/{survey.pk}/").status_code == 200
    assert client.post(f"/surveys/{survey.pk}/publish/").status_code == 302
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.PUBLISHED
    # the organiser sees and closes it
    assert client_for("perf").post(f"/surveys/{survey.pk}/close/").status_code == 302
    # another evaluation, not assigned to the agency
    other = make_survey(make_evaluation("别的评价"))
    assert client.get(f"/surveys/{other.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        actions.create_survey(user("agency"), other_evaluation := make_evaluation("又一个评价"), {"title": "x"})
    assert not Survey.objects.filter(object_id=other_evaluation.pk).exists()


def test_an_agency_assigned_after_the_survey_was_made_reaches_it_once_published():
    evaluation = make_evaluation()
    survey = make_survey(evaluation, publish=False)
    assign_agency(evaluation)
    assert client_for("agency").get(f"/surveys/{survey.pk}/").status_code == 404
    actions.publish(user("perf"), survey)
    assert client_for("agency").get(f"/surveys/{survey.pk}/").status_code == 200


def test_no_new_survey_once_the_evaluation_is_archived():
    evaluation = make_evaluation(status=KeyStatus.ARCHIVED)
    assert client_for("perf").get(f"/surveys/new/{evaluation.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        actions.create_survey(user("perf"), evaluation, {"title": "x"})


def test_a_forged_question_of_another_survey_is_404():
    mine = make_survey(publish=False)
    other = make_survey(make_evaluation("另一个"), publish=False)
    foreign = other.questions.first()
    response = client_for("perf").post(f"/surveys/{mine.pk}/questions/{foreign.pk}/delete/")
    assert response.status_code == 404 and Question.objects.filter(pk=foreign.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in():
    survey = make_survey()
    response = Client().get(f"/surveys/{survey.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

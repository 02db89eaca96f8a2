"""The API of the self-evaluation (issue 13): rounds (open with field messages, rerun, the transfer list, close through
the lifecycle, 403 for who sees a round but does not organise it, 404 outside reach) and forms (the gated list and its
filters, the detail with rows and scores, PATCH through save_form with an optimistic lock — a second PATCH with the
same version is a 409 —, the live score with nothing saved, the review chain), wrong shapes 400, never 500."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.models import AuditAction, AuditEntry
from core.testing import client_for
from evaluations.choices import RoundStatus
from evaluations.models import SelfEvaluation, SelfEvaluationRound
from evaluations.tests.self_helpers import MET, YEAR, fill_and_submit, form_of, funded_subject, open_round
from organisations.models import Organisation

pytestmark = pytest.mark.django_db
JSON = "application/json"
HOSPITAL = "示范市人民医院"
ROUNDS = "/api/self-evaluation-rounds/"
FORMS = "/api/self-evaluations/"
CHAIN = ["edu_head", "edu_reviewer", "desk_edu", "perf"]


@pytest.fixture
def two_forms():
    """A form of 第一中学 (edu) and one of 人民医院 (health) in one round of the helpers' year."""
    school = funded_subject("接口自评校舍维修")
    hospital = funded_subject("接口自评设备购置", organisation=Organisation.objects.get(name=HOSPITAL))
    evaluation_round = open_round()
    return evaluation_round, form_of(evaluation_round, school), form_of(evaluation_round, hospital)


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    return {row["id"] for row in body.get("results", body)}


def _rows(form, values: dict | None = None) -> list[dict]:
    """Every row of ``form`` met (helpers' MET), with ``values`` ({name: {field: value}}) over it."""
    out = []
    for row in form.indicators.all():
        out.append({"id": row.pk, **MET.get(row.name, {}), **(values or {}).get(row.name, {})})
    return out


# ---------------------------------------------------------------------------------------------- rounds


def test_the_performance_section_opens_a_round(immediate_tasks, django_capture_on_commit_callbacks):
    funded_subject("接口开启项目")
    perf = client_for("perf")
    body = {"fiscal_year": YEAR, "due_date": f"{YEAR + 1}-03-31", "notice": "请按时报送"}
    with django_capture_on_commit_callbacks(execute=True):
        response = perf.post(ROUNDS, body, content_type=JSON)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["fiscal_year"] == YEAR and data["name"].endswith(f"{YEAR} 年度绩效自评")
    assert data["status"] == RoundStatus.OPENING  # the forms are created in the background, after the commit
    assert set(data["left_out"]) == {"subjects", "regions", "hidden"}
    data = perf.get(f"{ROUNDS}{data['id']}/").json()
    assert data["status"] == RoundStatus.OPEN and data["counts"]["total"] >= 1 and data["percent"] == 100
    assert data["id"] in _ids(perf.get(ROUNDS, {"fiscal_year": YEAR}))
    again = perf.post(ROUNDS, body, content_type=JSON)
    assert again.status_code == 400 and "本区划该年度的单位自评已经开启" in again.json()["non_field_errors"][0]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"due_date": f"{YEAR + 1}-03-31"}, "fiscal_year", "请填写评价年度"),
        ({"fiscal_year": "二〇二四", "due_date": f"{YEAR + 1}-03-31"}, "fiscal_year", "四位数字"),
        ({"fiscal_year": 2026, "due_date": "2027-03-31"}, "fiscal_year", "尚未结束"),
        ({"fiscal_year": YEAR}, "due_date", "请填写报送截止日期"),
        ({"fiscal_year": YEAR, "due_date": "31/03/2025"}, "due_date", "格式"),
        ({"fiscal_year": YEAR, "due_date": f"{YEAR}-12-01"}, "due_date", "次年"),
        ({"fiscal_year": YEAR, "due_date": f"{YEAR + 1}-03-31", "transfer_subjects": "1"}, "transfer_subjects", ""),
        ({"fiscal_year": YEAR, "due_date": f"{YEAR + 1}-03-31", "transfer_subjects": [10**9]}, "transfer_subjects", ""),
        (
            {"fiscal_year": YEAR, "due_date": f"{YEAR + 1}-03-31", "transfer_subjects": [10**30]},
            "transfer_subjects",
            "",
        ),
        ({"fiscal_year": YEAR, "due_date": f"{YEAR + 1}-03-31", "transfer_subjects": ["a"]}, "transfer_subjects", ""),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_opened(body, field, message):
    response = client_for("perf").post(ROUNDS, body, content_type=JSON)
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors and message in str(errors[field])
    assert not SelfEvaluationRound.objects.filter(fiscal_year=YEAR).exists()


def test_opening_honours_the_idempotency_key():
    funded_subject("接口幂等开启项目")
    perf = client_for("perf")
    body = {"fiscal_year": YEAR, "due_date": f"{YEAR + 1}-03-31"}
    first = perf.post(ROUNDS, body, content_type=JSON, headers={"Idempotency-Key": "open-2024"})
    replay = perf.post(ROUNDS, body, content_type=JSON, headers={"Idempotency-Key": "open-2024"})
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true" and replay.json()["id"] == first.json()["id"]
    assert SelfEvaluationRound.objects.filter(fiscal_year=YEAR).count() == 1


def test_a_transfer_payment_out_of_reach_is_named_not_leaked():
    other = funded_subject(
        "区县转移支付", kind="transfer_project", organisation=Organisation.objects.get(name="示范市中区第一中学")
    )
    body = {"fiscal_year": YEAR, "due_date": f"{YEAR + 1}-03-31", "transfer_subjects": [other.pk]}
    response = client_for("perf").post(ROUNDS, body, content_type=JSON)
    assert response.status_code == 400
    assert (
        str(other.pk) in str(response.json()["transfer_subjects"]) and "区县转移支付" not in response.content.decode()
    )


@pytest.mark.parametrize("username", ["edu_preparer", "edu_reviewer", "desk_edu", "leader", "auditadmin"])
def test_only_the_performance_section_opens_a_round(username):
    response = client_for(username).post(
        ROUNDS, {"fiscal_year": YEAR, "due_date": f"{YEAR + 1}-03-31"}, content_type=JSON
    )
    assert response.status_code == 403, response.content
    assert not SelfEvaluationRound.objects.filter(fiscal_year=YEAR).exists()


def test_rerun_transfer_list_and_close(immediate_tasks, django_capture_on_commit_callbacks):
    funded_subject("接口清单内项目")
    transfer = funded_subject("接口补列转移支付", kind="transfer_project")
    evaluation_round = open_round()
    perf = client_for("perf")
    assert not SelfEvaluation.objects.filter(round=evaluation_round, subject=transfer).exists()
    url = f"{ROUNDS}{evaluation_round.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        listed = perf.post(f"{url}transfer-list/", {"transfer_subjects": [transfer.pk]}, content_type=JSON)
    assert listed.status_code == 200, listed.content
    assert listed.json()["transfer_subjects"] == [transfer.pk]
    assert SelfEvaluation.objects.filter(round=evaluation_round, subject=transfer).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert perf.post(f"{url}rerun/", content_type=JSON).status_code == 200
    assert SelfEvaluation.objects.filter(round=evaluation_round, subject=transfer).count() == 1  # not twice
    closed = perf.post(f"{url}close/", {"reason": "报送期已过"}, content_type=JSON)
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == RoundStatus.CLOSED and closed.json()["closed_at"]
    assert AuditEntry.objects.filter(action=AuditAction.TRANSITION, object_id=str(evaluation_round.pk)).exists()
    # closed: nothing more to change
    again = perf.post(f"{url}close/", {}, content_type=JSON)
    assert again.status_code == 400 and "不能结束本轮自评" in again.content.decode()
    assert perf.post(f"{url}rerun/", content_type=JSON).status_code == 400
    refused = perf.post(f"{url}transfer-list/", {"transfer_subjects": []}, content_type=JSON)
    assert refused.status_code == 400 and "已结束" in refused.content.decode()
    assert list(SelfEvaluationRound.objects.get(pk=evaluation_round.pk).transfer_subjects.all()) == [transfer]


def test_a_transfer_list_of_the_wrong_kind_changes_nothing():
    ordinary = funded_subject("接口普通项目")
    evaluation_round = open_round()
    url = f"{ROUNDS}{evaluation_round.pk}/transfer-list/"
    response = client_for("perf").post(url, {"transfer_subjects": [ordinary.pk]}, content_type=JSON)
    assert response.status_code == 400 and str(ordinary.pk) in response.content.decode()
    assert not evaluation_round.transfer_subjects.exists()
    for body in (
        '{"transfer_subjects": "x"}',
        "[1]",
        "null",
        '{"transfer_subjects": [null]}',
        '{"transfer_subjects": ["a"]}',
    ):
        response = client_for("perf").post(url, body, content_type=JSON)
        assert response.status_code == 400, (body, response.status_code)


def test_who_sees_a_round_but_does_not_organise_it_is_refused_and_audited():
    funded_subject()
    evaluation_round = open_round()
    url = f"{ROUNDS}{evaluation_round.pk}/"
    for username in ("leader", "budget"):
        client = client_for(username)
        assert client.get(url).status_code == 200
        for action in ("rerun/", "close/", "transfer-list/"):
            assert client.post(f"{url}{action}", {"transfer_subjects": []}, content_type=JSON).status_code == 403
    assert SelfEvaluationRound.objects.get(pk=evaluation_round.pk).status == RoundStatus.OPEN
    assert AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED, object_id=str(evaluation_round.pk)).exists()


@pytest.mark.parametrize("username", ["edu_preparer", "health_preparer", "edu_reviewer", "county_perf", "auditadmin"])
def test_a_round_out_of_reach_is_404(username):
    funded_subject()
    evaluation_round = open_round()
    client = client_for(username)
    url = f"{ROUNDS}{evaluation_round.pk}/"
    assert client.get(url).status_code == 404
    assert evaluation_round.pk not in _ids(client.get(ROUNDS))
    for action in ("rerun/", "close/", "transfer-list/"):
        assert client.post(f"{url}{action}", {}, content_type=JSON).status_code == 404
    assert SelfEvaluationRound.objects.get(pk=evaluation_round.pk).status == RoundStatus.OPEN


def test_a_finance_desk_reads_its_regions_round_but_runs_nothing():
    """ADR 0041: a desk reads the round (read-only reach by region); rerun, close and the transfer list are the
    organising performance section's."""
    funded_subject()
    evaluation_round = open_round()
    client = client_for("desk_edu")
    url = f"{ROUNDS}{evaluation_round.pk}/"
    assert client.get(url).status_code == 200
    assert evaluation_round.pk in _ids(client.get(ROUNDS))
    for action in ("rerun/", "close/", "transfer-list/"):
        assert client.post(f"{url}{action}", {}, content_type=JSON).status_code in (403, 404)
    assert SelfEvaluationRound.objects.get(pk=evaluation_round.pk).status == RoundStatus.OPEN


# ---------------------------------------------------------------------------------------------- forms: reach


# persona → (sees the school's form, sees the hospital's form)
REACH = {
    "perf": (True, True),
    "desk_edu": (True, False),
    "edu_reviewer": (True, False),
    "edu_preparer": (True, False),
    "health_preparer": (False, True),
    "county_perf": (False, False),
    "auditadmin": (False, False),
}


@pytest.mark.parametrize("username", sorted(REACH))
def test_persona_reach_of_the_forms(two_forms, username):
    evaluation_round, school, hospital = two_forms
    client = client_for(username)
    sees_school, sees_hospital = REACH[username]
    listed = _ids(client.get(FORMS, {"round": evaluation_round.pk, "page_size": 500}))
    assert (school.pk in listed, hospital.pk in listed) == (sees_school, sees_hospital)
    for form, sees in ((school, sees_school), (hospital, sees_hospital)):
        url = f"{FORMS}{form.pk}/"
        assert client.get(url).status_code == (200 if sees else 404), url
        score = client.post(f"{url}score/", {}, content_type=JSON)
        assert score.status_code == (200 if sees else 404)
        patch = client.patch(url, {"version": form.version, "problems": "x"}, content_type=JSON)
        may_edit = username in ("edu_preparer", "health_preparer") and sees
        assert patch.status_code == (200 if may_edit else 403 if sees else 404), (username, url, patch.status_code)
        submit = client.post(f"{url}submit/", {"version": 99}, content_type=JSON)
        assert submit.status_code in ((400, 403, 409) if sees else (404,)), (username, submit.status_code)


def test_the_list_filters(two_forms):
    evaluation_round, school, hospital = two_forms
    perf = client_for("perf")
    assert _ids(perf.get(FORMS, {"round": evaluation_round.pk})) == {school.pk, hospital.pk}
    assert _ids(perf.get(FORMS, {"round": evaluation_round.pk, "organisation": school.organisation_id})) == {school.pk}
    assert {school.pk, hospital.pk} <= _ids(perf.get(FORMS, {"fiscal_year": YEAR, "page_size": 500}))
    assert _ids(perf.get(FORMS, {"round": evaluation_round.pk, "status": "draft"})) == {school.pk, hospital.pk}
    assert _ids(perf.get(FORMS, {"round": evaluation_round.pk, "status": "in_review"})) == set()
    fill_and_submit(school)
    assert _ids(perf.get(FORMS, {"round": evaluation_round.pk, "grade": "优"})) == {school.pk}
    assert _ids(perf.get(FORMS, {"round": evaluation_round.pk, "status": "in_review"})) == {school.pk}
    assert perf.get(FORMS, {"grade": "甲"}).status_code == 400
    assert perf.get(FORMS, {"round": "abc"}).status_code == 400
    # a unit filtering by another unit is told the choice is not one of its own (the gated filter's 400)
    assert client_for("edu_preparer").get(FORMS, {"organisation": hospital.organisation_id}).status_code == 400


def test_the_detail_shows_rows_scores_and_explanations(two_forms):
    _, school, _ = two_forms
    fill_and_submit(school)
    data = client_for("edu_preparer").get(f"{FORMS}{school.pk}/").json()
    assert data["subject_name"] == "接口自评校舍维修" and data["organisation_name"] == "示范市第一中学"
    assert data["total_score"] == "99.00" and data["grade"] == "优" and data["status"] == "in_review"
    assert data["budget"] == "500000.00" and data["paid"] == "450000.00"
    rows = {r["name"]: r for r in data["indicators"]}
    assert rows["维修校舍面积"]["score"] == "20.00" and rows["维修校舍面积"]["explanation"]
    assert rows["消除校舍安全隐患"]["band"] == "achieved"
    assert "rows" not in data  # write-only


# ---------------------------------------------------------------------------------------------- forms: PATCH


def test_the_unit_saves_through_patch_and_the_server_scores(two_forms):
    _, school, _ = two_forms
    client = client_for("edu_preparer")
    body = {"version": school.version, "goal_completion": "全面完成", "rows": _rows(school)}
    response = client.patch(f"{FORMS}{school.pk}/", body, content_type=JSON)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["version"] == school.version + 1
    assert data["goal_completion"] == "全面完成" and data["total_score"] == "99.00" and data["grade"] == "优"
    stored = SelfEvaluation.objects.get(pk=school.pk)
    assert stored.total_score == Decimal("99.00")
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(school.pk)).exists()


def test_a_second_patch_with_the_same_version_is_409(two_forms):
    _, school, _ = two_forms
    client = client_for("edu_preparer")
    url = f"{FORMS}{school.pk}/"
    first = client.patch(url, {"version": school.version, "problems": "第一次"}, content_type=JSON)
    assert first.status_code == 200
    second = client.patch(url, {"version": school.version, "problems": "第二次"}, content_type=JSON)
    assert second.status_code == 409 and second.json()["code"] == "stale"
    assert SelfEvaluation.objects.get(pk=school.pk).problems == "第一次"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"维修校舍面积": {"actual": "三千"}}, "rows", "全年实际值”必须是数字，现为“三千”"),
        ({"消除校舍安全隐患": {"band": "excellent"}}, "rows", "评价档次"),
        ({"消除校舍安全隐患": {"share": "150"}}, "rows", ""),
        ({"维修校舍面积": {"applicable": "maybe"}}, "rows", ""),
    ],
)
def test_a_bad_row_is_refused_naming_it_and_nothing_is_saved(two_forms, values, field, message):
    _, school, _ = two_forms
    body = {"version": school.version, "problems": "不应保存", "rows": _rows(school, values)}
    response = client_for("edu_preparer").patch(f"{FORMS}{school.pk}/", body, content_type=JSON)
    assert response.status_code == 400, response.content
    assert field in response.json() and message in response.content.decode()
    stored = SelfEvaluation.objects.get(pk=school.pk)
    assert stored.version == school.version and stored.problems == ""
    assert not stored.indicators.exclude(actual="").exists()


def test_another_forms_row_and_missing_fields_are_400(two_forms):
    _, school, hospital = two_forms
    client = client_for("edu_preparer")
    url = f"{FORMS}{school.pk}/"
    foreign = hospital.indicators.first()
    response = client.patch(
        url, {"version": school.version, "rows": [{"id": foreign.pk, "actual": "1"}]}, content_type=JSON
    )
    assert response.status_code == 400 and f"指标行 {foreign.pk} 不属于该自评表" in response.json()["rows"][0]
    assert not hospital.indicators.exclude(actual="").exists()
    missing = client.patch(url, {"version": school.version, "rows": [{"actual": "1"}]}, content_type=JSON)
    assert missing.status_code == 400 and "第 1 行缺少 id" in missing.content.decode()
    no_version = client.patch(url, {"problems": "x"}, content_type=JSON)
    assert no_version.status_code == 400 and "version" in no_version.json()
    # fields the unit never types are ignored, not written
    computed = client.patch(url, {"version": school.version, "total_score": "100", "grade": "优"}, content_type=JSON)
    assert computed.status_code == 200
    assert SelfEvaluation.objects.get(pk=school.pk).total_score != Decimal("100")


@pytest.mark.parametrize(
    "body",
    [
        "[null, null]",
        '"text"',
        "42",
        "null",
        '{"version": "x"}',
        '{"version": 1, "rows": "x"}',
        '{"version": 1, "rows": [1]}',
        '{"version": 1, "rows": [{"id": "a"}]}',
        '{"version": 1, "rows": [{"id": 99999999999999999999999}]}',
        '{"version": 99999999999999999999999}',
        '{"version": 1, "goal_completion": ["a"]}',
    ],
)
def test_patch_body_of_the_wrong_shape_is_400(two_forms, body):
    _, school, _ = two_forms
    response = client_for("edu_preparer").patch(f"{FORMS}{school.pk}/", body, content_type=JSON)
    assert response.status_code in (400, 409), (body, response.status_code, response.content[:300])


def test_a_form_cannot_be_created_or_deleted_through_the_api(two_forms):
    _, school, _ = two_forms
    client = client_for("edu_preparer")
    assert client.post(FORMS, {"subject": school.subject_id}, content_type=JSON).status_code == 405
    assert client.delete(f"{FORMS}{school.pk}/").status_code == 405
    assert client.put(f"{FORMS}{school.pk}/", {"version": 1}, content_type=JSON).status_code == 405


# ---------------------------------------------------------------------------------------------- forms: score


def test_the_score_action_recomputes_without_saving(two_forms):
    _, school, _ = two_forms
    client = client_for("edu_preparer")
    url = f"{FORMS}{school.pk}/score/"
    response = client.post(url, {"rows": _rows(school, {"维修校舍面积": {"actual": "2000"}})}, content_type=JSON)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["execution_score"] == "9.00" and data["grade"]
    rows = {r["name"]: r for r in data["rows"]}
    assert rows["维修校舍面积"]["needs_reason"] is True
    assert any("维修校舍面积" in m for m in data["deviation_missing"])
    stored = SelfEvaluation.objects.get(pk=school.pk)
    assert stored.version == school.version and stored.total_score == school.total_score
    assert not stored.indicators.exclude(actual="").exists()
    # a reviewer may look at the score of what is stored
    assert client_for("edu_reviewer").post(url, {}, content_type=JSON).status_code == 200
    # a non-number is explained, not refused
    typed = client.post(url, {"rows": [{"id": rows["维修校舍面积"]["id"], "actual": "很多"}]}, content_type=JSON)
    assert typed.status_code == 200 and typed.json()["problems"] and typed.json()["total_score"] is None


@pytest.mark.parametrize(
    "body",
    [
        "[1]",
        '"x"',
        '{"rows": 1}',
        '{"rows": [{"id": 1}]}',
        '{"rows": [{"band": "x"}]}',
        '{"rows": [{"id": 1, "share": "abc"}]}',
    ],
)
def test_the_score_action_answers_400_to_garbage(two_forms, body):
    _, school, _ = two_forms
    response = client_for("edu_preparer").post(f"{FORMS}{school.pk}/score/", body, content_type=JSON)
    assert response.status_code == 400, (body, response.status_code, response.content[:300])


# ---------------------------------------------------------------------------------------------- forms: the chain


def test_submit_and_review_along_the_chain(two_forms):
    _, school, _ = two_forms
    preparer = client_for("edu_preparer")
    url = f"{FORMS}{school.pk}/"
    early = preparer.post(f"{url}submit/", {"version": school.version}, content_type=JSON)
    assert early.status_code == 400 and "不能报送" in early.content.decode()  # nothing filled yet
    body = {"version": school.version, "goal_completion": "全面完成", "rows": _rows(school)}
    version = preparer.patch(url, body, content_type=JSON).json()["version"]
    submitted = preparer.post(f"{url}submit/", {"version": version}, content_type=JSON)
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "in_review" and submitted.json()["submitted_at"]
    stale = client_for("edu_head").post(f"{url}approve/", {"version": version}, content_type=JSON)
    assert stale.status_code == 409
    version = submitted.json()["version"]
    for username in CHAIN:
        response = client_for(username).post(f"{url}approve/", {"version": version}, content_type=JSON)
        assert response.status_code == 200, (username, response.content)
        version = response.json()["version"]
    final = client_for("perf").get(url).json()
    assert final["status"] == "approved" and final["approved_at"]
    history = client_for("perf").get(f"{url}history/")
    assert history.status_code == 200 and len(history.json()) == 1 + len(CHAIN)


def test_a_reviewer_returns_the_form_and_the_unit_edits_again(two_forms):
    _, school, _ = two_forms
    school = fill_and_submit(school)
    head = client_for("edu_head")
    out_of_turn = client_for("edu_reviewer").post(
        f"{FORMS}{school.pk}/approve/", {"version": school.version}, content_type=JSON
    )
    assert out_of_turn.status_code in (400, 403)
    returned = head.post(
        f"{FORMS}{school.pk}/return/",
        {"version": school.version, "target_step": 0, "opinion": "请补充说明"},
        content_type=JSON,
    )
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    again = client_for("edu_preparer").patch(
        f"{FORMS}{school.pk}/", {"version": returned.json()["version"], "problems": "已补充"}, content_type=JSON
    )
    assert again.status_code == 200


def test_submission_is_refused_once_the_round_is_closed(two_forms):
    evaluation_round, school, _ = two_forms
    client = client_for("edu_preparer")
    version = client.patch(
        f"{FORMS}{school.pk}/",
        {"version": school.version, "goal_completion": "完成", "rows": _rows(school)},
        content_type=JSON,
    ).json()["version"]
    assert client_for("perf").post(f"{ROUNDS}{evaluation_round.pk}/close/", {}, content_type=JSON).status_code == 200
    response = client.post(f"{FORMS}{school.pk}/submit/", {"version": version}, content_type=JSON)
    assert response.status_code == 400 and "本轮自评已结束" in response.content.decode()

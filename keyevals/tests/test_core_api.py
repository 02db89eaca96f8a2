"""The key evaluation's API: create and PATCH through the same rules as the pages, the plan with its indicators nested
and its submission refused when a framework rule is broken (seed 000 第二十三条), wrong body shapes → 400 with a
Chinese message, another organisation's ids → 404, a stale version → 409."""

import pytest

from core import clock
from keyevals.models import KeyEvaluation, WorkPlan
from keyevals.tests.core_helpers import DAY, issued_notice, new_evaluation, org

pytestmark = pytest.mark.django_db

JSON = "application/json"


def test_perf_creates_and_patches_an_evaluation(client_as):
    client = client_as("perf")
    with clock.pinned(DAY):
        created = client.post(
            "/api/key-evaluations/",
            {
                "title": "接口新建的评价",
                "year": 2025,
                "evaluated": org("示范市教育局").pk,
                "object_kind": "policy",
                "methods": ["comparison"],
            },
            content_type=JSON,
        )
    assert created.status_code == 201, created.json()
    body = created.json()
    evaluation = KeyEvaluation.objects.get(pk=body["id"])
    stale = client.patch(f"/api/key-evaluations/{evaluation.pk}/", {"title": "x", "version": 99}, content_type=JSON)
    assert stale.status_code == 409
    ok = client.patch(
        f"/api/key-evaluations/{evaluation.pk}/", {"title": "接口修改", "version": body["version"]}, content_type=JSON
    )
    assert ok.status_code == 200 and ok.json()["title"] == "接口修改"


@pytest.mark.parametrize(
    "body",
    [[1, 2], "text", {"title": "x", "year": "abc", "evaluated": 1, "object_kind": "project"}, {"methods": "all"}],
)
def test_wrong_shapes_are_400(client_as, body):
    response = client_as("perf").post("/api/key-evaluations/", body, content_type=JSON)
    assert response.status_code == 400
    assert isinstance(response.json(), dict)


def test_an_evaluated_organisation_outside_reach_is_400_and_creates_nothing(client_as):
    before = KeyEvaluation.objects.count()
    response = client_as("county_perf").post(
        "/api/key-evaluations/",
        {"title": "越权", "year": 2025, "evaluated": org("示范市教育局").pk, "object_kind": "project"},
        content_type=JSON,
    )
    assert response.status_code == 400 and KeyEvaluation.objects.count() == before


def test_others_ids_are_404(client_as):
    evaluation = new_evaluation("接口可见范围", expert=False)
    client = client_as("county_perf")
    assert client.get(f"/api/key-evaluations/{evaluation.pk}/").status_code == 404
    assert client.patch(f"/api/key-evaluations/{evaluation.pk}/", {"version": 1}, content_type=JSON).status_code == 404
    forged = client.post(
        "/api/key-evaluation-requests/",
        {"evaluation": evaluation.pk, "title": "x", "due_on": "2026-10-01"},
        content_type=JSON,
    )
    assert forged.status_code == 404
    assert client.post("/api/key-evaluation-requests/", {"evaluation": "abc"}, content_type=JSON).status_code == 400


def test_plan_with_nested_indicators_and_a_refused_submission(client_as):
    evaluation = new_evaluation("接口工作方案", expert=False)
    from keyevals import plan

    framework = plan.framework_for(evaluation, "national")
    client = client_as("agency")
    rows = [
        {"group": "决策", "name": "立项", "weight": "25", "standard": "依据充分得满分"},
        {"group": "过程", "name": "管理", "weight": "20", "standard": "制度健全得满分"},
        {"group": "产出", "name": "数量", "weight": "30", "standard": "按比例"},
        {"group": "效益", "name": "满意度", "weight": "25", "standard": "按比例"},
    ]
    with clock.pinned(DAY):
        created = client.post(
            "/api/key-evaluation-plans/",
            {"evaluation": evaluation.pk, "framework": framework.pk, "purpose": "了解", "indicators": rows},
            content_type=JSON,
        )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert len(body["indicators"]) == 4 and any("产出和效益" in p for p in body["problems"])
    refused = client.post(
        f"/api/key-evaluation-plans/{body['id']}/transition/",
        {"action": "submit", "version": body["version"]},
        content_type=JSON,
    )
    assert refused.status_code == 400 and "产出和效益" in str(refused.json())
    assert WorkPlan.objects.get(pk=body["id"]).status == "draft"
    rows[0]["weight"] = "20"
    rows[3]["weight"] = "30"
    bad = client.patch(
        f"/api/key-evaluation-plans/{body['id']}/",
        {"version": body["version"], "indicators": [{"group": "决策"}]},
        content_type=JSON,
    )
    assert bad.status_code == 400 and "第 1 行缺少" in str(bad.json())
    fixed = client.patch(
        f"/api/key-evaluation-plans/{body['id']}/", {"version": body["version"], "indicators": rows}, content_type=JSON
    )
    assert fixed.status_code == 200 and fixed.json()["problems"] == []
    with clock.pinned(DAY):
        sent = client.post(
            f"/api/key-evaluation-plans/{body['id']}/transition/",
            {"action": "submit", "version": fixed.json()["version"]},
            content_type=JSON,
        )
    assert sent.status_code == 200 and sent.json()["status"] == "in_review"
    assert client_as("edu_reviewer").get(f"/api/key-evaluation-plans/{body['id']}/").status_code == 404


def test_the_unit_signs_the_notice_and_answers_through_the_api(client_as):
    evaluation = new_evaluation("接口通知书", expert=False)
    notice = issued_notice(evaluation)
    client = client_as("edu_reviewer")
    assert client.post(f"/api/key-evaluation-notices/{notice.pk}/sign/", [1], content_type=JSON).status_code == 400
    signed = client.post(f"/api/key-evaluation-notices/{notice.pk}/sign/", {}, content_type=JSON)
    assert signed.status_code == 200 and signed.json()["read_at"]
    with clock.pinned(DAY):
        made = client_as("perf").post(
            "/api/key-evaluation-requests/",
            {"evaluation": evaluation.pk, "title": "台账", "due_on": "2026-09-30"},
            content_type=JSON,
        )
    assert made.status_code == 201
    rid = made.json()["id"]
    wrong = client.post(f"/api/key-evaluation-requests/{rid}/answer/", {"answer": ["x"]}, content_type=JSON)
    assert wrong.status_code == 400
    with clock.pinned(DAY):
        answered = client.post(
            f"/api/key-evaluation-requests/{rid}/answer/", {"answer": "纸质材料已送达"}, content_type=JSON
        )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    assert client_as("edu_preparer").get(f"/api/key-evaluation-requests/{rid}/").status_code == 404

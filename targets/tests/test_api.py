"""The API of target sheets: the same actions and gate as the pages."""

import pytest

from targets.models import TargetSheet
from targets.tests.helpers import GOOD_DATA, GOOD_INDICATORS, GOOD_STAGES, good_sheet, library_subject

pytestmark = pytest.mark.django_db


def _json_rows():
    return [{k: str(v) for k, v in row.items()} for row in GOOD_INDICATORS]


def test_create_with_nested_indicators_then_walk_the_chain(client_as):
    subject = library_subject("接口目标项目")
    client = client_as("edu_preparer")
    payload = {
        "subject": subject.pk,
        "fiscal_year": 2026,
        **GOOD_DATA,
        "indicators": _json_rows(),
        "stages": [{k: str(v) for k, v in s.items()} for s in GOOD_STAGES],
    }
    response = client.post("/api/target-sheets/", payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["indicators"]) == len(GOOD_INDICATORS) and body["findings"] == [] and body["revision"] == 1
    pk = body["id"]
    assert client_as("edu_reviewer").post(
        "/api/target-sheets/", {"subject": subject.pk, "fiscal_year": 2027}, content_type="application/json"
    ).status_code in (403, 400)
    version = body["version"]
    response = client.post(f"/api/target-sheets/{pk}/submit/", {"version": version}, content_type="application/json")
    assert response.status_code == 200 and response.json()["current_role"] == "unit_head"
    for username in ["edu_head", "edu_reviewer", "desk_edu"]:
        version = response.json()["version"]
        response = client_as(username).post(
            f"/api/target-sheets/{pk}/approve/", {"version": version}, content_type="application/json"
        )
        assert response.status_code == 200, response.json()
    version = response.json()["version"]
    response = client_as("perf").post(
        f"/api/target-sheets/{pk}/return/",
        {"version": version, "target_step": 0, "opinion": "请补充数据来源"},
        content_type="application/json",
    )
    assert response.json()["status"] == "returned"


def test_update_quality_adjust_and_compare(client_as):
    sheet = good_sheet(library_subject("接口调整项目"))
    client = client_as("edu_preparer")
    rows = [
        *_json_rows(),
        {
            "horizon": "annual",
            "level1": "effect",
            "level2": "social_benefit",
            "name": "质量进一步提高",
            "comparator": "ge",
            "target_value": "95",
            "unit": "%",
            "weight": "0",
        },
    ]
    response = client.patch(
        f"/api/target-sheets/{sheet.pk}/",
        {"version": sheet.version, "indicators": rows},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["blocking_count"] == 1
    findings = client_as("desk_edu").get(f"/api/target-sheets/{sheet.pk}/quality/").json()
    assert findings[0]["rule"] == "vague_wording" and findings[0]["severity"] == "blocking"
    response = client.post(
        f"/api/target-sheets/{sheet.pk}/submit/",
        {"version": response.json()["version"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    # make it pass, approve through the chain, adjust, compare
    response = client.patch(
        f"/api/target-sheets/{sheet.pk}/",
        {"version": TargetSheet.objects.get(pk=sheet.pk).version, "indicators": _json_rows()},
        content_type="application/json",
    )
    from targets.tests.helpers import walk

    walk(TargetSheet.objects.get(pk=sheet.pk))
    assert (
        client_as("edu_head")
        .post(f"/api/target-sheets/{sheet.pk}/adjust/", {"reason": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    response = client.post(
        f"/api/target-sheets/{sheet.pk}/adjust/", {"reason": "追加任务"}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["revision"] == 2
    v2 = response.json()["id"]
    rows = _json_rows()
    rows[0]["target_value"] = "3500"
    client.patch(
        f"/api/target-sheets/{v2}/",
        {"version": response.json()["version"], "indicators": rows},
        content_type="application/json",
    )
    diff = client.get(f"/api/target-sheets/{v2}/compare/").json()
    assert diff["changes"][0]["kind"] == "changed" and diff["changes"][0]["right"] == "≥3500平方米"
    # approved v1 cannot be patched
    response = client.patch(f"/api/target-sheets/{sheet.pk}/", {"annual_goal": "改"}, content_type="application/json")
    assert response.status_code in (403, 404)

"""工作报告 through the API: the same actions as the pages; a stale version answers 409."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reports.models import WorkReport
from workflow.models import ReviewStatus
from workflow.tests.helpers import SCHOOL, WALK, fresh, make_report, org

pytestmark = pytest.mark.django_db

STALE = "该文档已被他人处理（版本已变化），请刷新后重试"


def post(client, report, action, version, **data):
    return client.post(
        f"/api/work-reports/{report.pk}/{action}/", {"version": version, **data}, content_type="application/json"
    )


def test_create_by_the_preparer_only(client_as):
    payload = {
        "title": "API 新建",
        "fiscal_year": 2025,
        "organisation": org(SCHOOL).pk,
        "kind": "annual_summary",
        "content": "正文",
    }
    response = client_as("edu_preparer").post("/api/work-reports/", payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["current_step_name"], body["version"]) == ("draft", "填报", 1)
    # In reach but without the right to create: 403. Outside reach the organisation is not a choice at all: 400,
    # the same answer as for an organisation that does not exist.
    for username, status in (("edu_head", 403), ("perf", 403), ("health_preparer", 400)):
        payload["title"] = f"越权 {username}"
        response = client_as(username).post("/api/work-reports/", payload, content_type="application/json")
        assert response.status_code == status, username
    assert not WorkReport.objects.filter(title__startswith="越权").exists()


def test_full_chain_walk_through_the_api(client_as):
    report = make_report(title="API 流转")
    version = 1
    for step, username in enumerate(WALK):
        response = post(
            client_as(username), report, "submit" if step == 0 else "approve", version, opinion=f"{username} 意见"
        )
        assert response.status_code == 200, (username, response.json())
        version = response.json()["version"]
    body = response.json()
    assert body["status"] == "approved" and body["status_display"] == "审核通过" and version == 6
    history = client_as("auditor").get(f"/api/work-reports/{report.pk}/history/").json()
    assert [h["actor_name"].split("（")[0] for h in history] == ["冯填报", "郑校长", "吴审核", "孙科长", "李绩效"]
    response = client_as("edu_preparer").patch(
        f"/api/work-reports/{report.pk}/", {"title": "改"}, content_type="application/json"
    )
    assert response.status_code == 403 and fresh(report).title == "API 流转"


def test_return_with_target_step(client_as):
    report = make_report()
    post(client_as("edu_preparer"), report, "submit", 1)
    post(client_as("edu_head"), report, "approve", 2)
    response = post(client_as("edu_reviewer"), report, "return", 3, target_step=5, opinion="x")
    assert response.status_code == 400
    response = post(client_as("edu_reviewer"), report, "return", 3, target_step=1, opinion="请单位负责人复核")
    assert response.status_code == 200 and response.json()["current_role"] == "unit_head"
    listed = client_as("edu_head").get("/api/work-reports/?mine=true").json()["results"]
    assert report.pk in {r["id"] for r in listed}


def test_stale_version_answers_409_and_changes_nothing(client_as):
    report = make_report()
    post(client_as("edu_preparer"), report, "submit", 1)
    assert post(client_as("edu_head"), report, "approve", 2).status_code == 200
    response = post(client_as("edu_head"), report, "return", 2, target_step=0, opinion="退回")
    assert response.status_code == 409 and response.json()["detail"] == STALE
    assert fresh(report).current_step == 2 and fresh(report).version == 3


def test_outside_reach_404_in_reach_but_not_acting_403(client_as):
    report = make_report()
    post(client_as("edu_preparer"), report, "submit", 1)
    assert post(client_as("health_reviewer"), report, "approve", 2).status_code == 404
    assert client_as("health_reviewer").get(f"/api/work-reports/{report.pk}/").status_code == 404
    assert post(client_as("auditor"), report, "approve", 2).status_code == 403
    assert post(client_as("desk_edu"), report, "approve", 2).status_code == 403
    assert fresh(report).version == 2
    assert client_as("edu_preparer").delete(f"/api/work-reports/{report.pk}/").status_code == 405


def test_edit_through_the_api_checks_the_version(client_as):
    report = make_report()
    client = client_as("edu_preparer")
    response = client.patch(
        f"/api/work-reports/{report.pk}/", {"title": "新标题", "version": 1}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    response = client.patch(
        f"/api/work-reports/{report.pk}/", {"title": "旧版本", "version": 1}, content_type="application/json"
    )
    assert response.status_code == 409 and fresh(report).title == "新标题"
    assert fresh(report).status == ReviewStatus.DRAFT
    response = client.patch(
        f"/api/work-reports/{report.pk}/", {"organisation": org("示范市人民医院").pk}, content_type="application/json"
    )
    # The hospital is outside the preparer's reach, so it is no valid choice (400), and nothing changes.
    assert response.status_code == 400 and "organisation" in response.json()
    assert fresh(report).organisation == org(SCHOOL)


def test_attachment_uploaded_through_the_api_is_downloaded_through_the_gate(client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from core.tests.test_upload_content import docx_bytes

    upload = SimpleUploadedFile("计划.docx", docx_bytes())
    response = client_as("edu_preparer").post(
        "/api/work-reports/",
        {
            "title": "带附件",
            "fiscal_year": 2025,
            "organisation": org(SCHOOL).pk,
            "kind": "work_plan",
            "content": "正文",
            "attachment": upload,
        },
    )
    assert response.status_code == 201, response.json()
    url = response.json()["attachment_url"]
    assert url.endswith("/attachment/") and "attachment" not in response.json()
    assert client_as("edu_reviewer").get(url).status_code == 200
    assert client_as("health_reviewer").get(url).status_code == 404
    bad = SimpleUploadedFile("病毒.exe", b"MZ")
    response = client_as("edu_preparer").post(
        "/api/work-reports/",
        {
            "title": "坏附件",
            "fiscal_year": 2025,
            "organisation": org(SCHOOL).pk,
            "kind": "work_plan",
            "content": "正文",
            "attachment": bad,
        },
    )
    assert response.status_code == 400 and "attachment" in response.json()

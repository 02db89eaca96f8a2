"""工作报告 through the pages: list, create, edit, the chain walk, stale versions, reach."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditAction, AuditEntry
from core import clock
from reports.models import WorkReport
from workflow.models import ReviewStatus
from workflow.tests.helpers import SCHOOL, WALK, fresh, make_report, org

pytestmark = pytest.mark.django_db


def page_version(client, report) -> int:
    html = client.get(f"/reports/{report.pk}/").content.decode()
    return int(re.search(r'name="version" value="(\d+)"', html).group(1))


def act(client, report, action, opinion="", **extra):
    data = {"action": action, "version": page_version(client, report), "opinion": opinion, **extra}
    return client.post(f"/reports/{report.pk}/transition/", data, follow=True)


def test_list_is_gated_and_exports(client_as):
    report = make_report(title="教育列表可见")
    make_report("示范市人民医院", by="health_preparer", title="医院的报告")
    for username in ("edu_preparer", "edu_head", "edu_reviewer", "desk_edu", "perf", "auditor"):
        html = client_as(username).get("/reports/").content.decode()
        assert "教育列表可见" in html, username
    for username in ("health_reviewer", "desk_social", "county_perf", "agency", "public"):
        html = client_as(username).get("/reports/").content.decode()
        assert "教育列表可见" not in html, username
        assert client_as(username).get(f"/reports/{report.pk}/").status_code == 404, username
    assert "医院的报告" not in client_as("edu_preparer").get("/reports/").content.decode()
    export = client_as("edu_reviewer").get("/reports/?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")


def test_list_filters_waiting_for_me_and_overdue(client_as):
    report = make_report(title="待我审核的报告")
    act(client_as("edu_preparer"), report, "submit")
    assert "待我审核的报告" in client_as("edu_head").get("/reports/?mine=true").content.decode()
    assert "待我审核的报告" not in client_as("edu_reviewer").get("/reports/?mine=true").content.decode()
    assert "待我审核的报告" not in client_as("edu_head").get("/reports/?overdue=true").content.decode()
    WorkReport.objects.filter(pk=report.pk).update(step_due_at=clock.now() - timedelta(days=1))
    assert "待我审核的报告" in client_as("edu_head").get("/reports/?overdue=true").content.decode()


def test_list_page_query_count_does_not_grow_with_rows(client_as, django_assert_max_num_queries):
    for i in range(6):
        make_report(title=f"批量{i}")
    client = client_as("perf")
    client.get("/reports/")
    # 20 + the monitoring table in the review chain's 待办 (one query per reviewable model) and the two queries of
    # the monitoring 待办 provider (warnings to dispose of, tables overdue) for perf.
    with django_assert_max_num_queries(23):
        assert client.get("/reports/").status_code == 200


def test_preparer_creates_others_cannot(client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_as("edu_preparer")
    assert client.get("/reports/new/").status_code == 200
    upload = SimpleUploadedFile("总结.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(
        "/reports/new/",
        {
            "title": "页面新建的总结",
            "fiscal_year": 2025,
            "organisation": org(SCHOOL).pk,
            "kind": "annual_summary",
            "content": "正文",
            "attachment": upload,
        },
    )
    report = WorkReport.objects.get(title="页面新建的总结")
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    assert report.status == ReviewStatus.DRAFT and report.chain is not None
    assert AuditEntry.objects.filter(
        object_type="reports.workreport", object_id=str(report.pk), action=AuditAction.CREATE
    ).exists()
    download = client.get(f"/reports/{report.pk}/attachment/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 test"
    assert client_as("health_preparer").get(f"/reports/{report.pk}/attachment/").status_code == 404
    # Reviewers and the performance section reach the school but prepare reports nowhere: the page is not theirs.
    for username in ("edu_head", "perf"):
        response = client_as(username).post(
            "/reports/new/",
            {
                "title": "越权新建",
                "fiscal_year": 2025,
                "organisation": org(SCHOOL).pk,
                "kind": "work_plan",
                "content": "x",
            },
        )
        assert response.status_code == 404, username
    assert not WorkReport.objects.filter(title="越权新建").exists()


def test_full_chain_walk_through_the_pages(client_as):
    report = make_report(title="页面流转的报告")
    response = act(client_as("edu_preparer"), report, "submit", "请审核")
    assert "已提交" in response.content.decode()
    for username in WALK[1:]:
        client = client_as(username)
        detail = client.get(f"/reports/{report.pk}/").content.decode()
        assert 'id="action-approve"' in detail, username
        assert "页面流转的报告" in client.get("/todo/").content.decode(), username
        act(client, report, "approve", f"{username}同意")
    stored = fresh(report)
    assert stored.status == ReviewStatus.APPROVED
    html = client_as("edu_preparer").get(f"/reports/{report.pk}/").content.decode()
    assert "perf同意" in html and 'id="review-form"' not in html and 'id="edit"' not in html
    assert client_as("edu_preparer").get(f"/reports/{report.pk}/edit/").status_code == 404


def test_return_through_the_page_lands_in_the_preparers_todo(client_as):
    report = make_report(title="页面退回的报告")
    act(client_as("edu_preparer"), report, "submit")
    act(client_as("edu_head"), report, "approve")
    response = act(client_as("edu_reviewer"), report, "return", "", target_step=0)
    assert "退回时请填写退回意见" in response.content.decode()
    assert fresh(report).current_step == 2
    act(client_as("edu_reviewer"), report, "return", "请补充绩效指标完成情况", target_step=0)
    assert fresh(report).status == ReviewStatus.RETURNED
    todo = client_as("edu_preparer").get("/todo/").content.decode()
    assert "页面退回的报告" in todo and "退回修改" in todo
    detail = client_as("edu_preparer").get(f"/reports/{report.pk}/").content.decode()
    assert "请补充绩效指标完成情况" in detail and 'id="edit"' in detail


def test_stale_version_on_the_page_tells_the_second_reviewer(client_as):
    report = make_report()
    act(client_as("edu_preparer"), report, "submit")
    head = client_as("edu_head")
    version = page_version(head, report)
    head.post(f"/reports/{report.pk}/transition/", {"action": "approve", "version": version})
    response = head.post(
        f"/reports/{report.pk}/transition/",
        {"action": "return", "version": version, "opinion": "退回", "target_step": 0},
        follow=True,
    )
    assert "该文档已被他人处理（版本已变化），请刷新后重试" in response.content.decode()
    stored = fresh(report)
    assert (stored.current_step, stored.version) == (2, 3)


def test_outside_the_chain_404_inside_reach_403(client_as):
    report = make_report()
    act(client_as("edu_preparer"), report, "submit")
    data = {"action": "approve", "version": 2, "opinion": "越权"}
    assert client_as("health_reviewer").post(f"/reports/{report.pk}/transition/", data).status_code == 404
    assert client_as("auditor").post(f"/reports/{report.pk}/transition/", data).status_code == 403
    assert client_as("edu_reviewer").post(f"/reports/{report.pk}/transition/", data).status_code == 403
    assert 'id="review-form"' not in client_as("auditor").get(f"/reports/{report.pk}/").content.decode()
    assert fresh(report).version == 2


def test_edit_page_draft_only_with_version_check(client_as):
    report = make_report(title="草稿")
    client = client_as("edu_preparer")
    assert client.get(f"/reports/{report.pk}/edit/").status_code == 200
    assert client_as("edu_head").get(f"/reports/{report.pk}/edit/").status_code == 404
    data = {
        "title": "草稿（修改）",
        "fiscal_year": 2025,
        "organisation": org(SCHOOL).pk,
        "kind": "annual_summary",
        "content": "新正文",
        "version": 1,
        "reason": "补充",
    }
    assert client.post(f"/reports/{report.pk}/edit/", data).status_code == 302
    assert fresh(report).title == "草稿（修改）" and fresh(report).version == 2
    data["title"] = "旧版本上的修改"
    response = client.post(f"/reports/{report.pk}/edit/", data)
    assert "该文档已被他人处理" in response.content.decode()
    act(client, report, "submit")
    assert client.get(f"/reports/{report.pk}/edit/").status_code == 404


def test_detail_shows_deadline_and_overdue_badge(client_as):
    report = make_report()
    act(client_as("edu_preparer"), report, "submit")
    html = client_as("edu_head").get(f"/reports/{report.pk}/").content.decode()
    assert "办理期限" in html and 'id="overdue-badge"' not in html
    WorkReport.objects.filter(pk=report.pk).update(step_due_at=clock.now() - timedelta(days=1))
    html = client_as("edu_head").get(f"/reports/{report.pk}/").content.decode()
    assert 'id="overdue-badge"' in html


def test_demo_reports_wait_where_the_seeder_left_them(client_as):
    reports = WorkReport.objects.filter(organisation__name=SCHOOL, title__contains="年度")
    states = {(r.status, r.current_role) for r in reports}
    assert {
        (ReviewStatus.IN_REVIEW, "unit_head"),
        (ReviewStatus.IN_REVIEW, "dept_reviewer"),
        (ReviewStatus.APPROVED, ""),
        (ReviewStatus.RETURNED, "unit_preparer"),
    } <= states
    approved = next(r for r in reports if r.status == ReviewStatus.APPROVED)
    assert approved.reviews.count() == 5
    from demo.seed import seed

    assert seed("small")["created"] == 0  # a second run creates nothing

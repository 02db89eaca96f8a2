"""The report stage's API: behind the gate (another evaluation's ids 404), the same actions as the pages, bodies of the
wrong shape 400 with a Chinese message, a stale version 409."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core import clock
from keyevals.models import LetterStatus, Problem
from keyevals.tests.report_fixtures import approve, make_evaluation, user, with_report

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_report_sections_and_chain_through_the_api(client_as):
    evaluation = make_evaluation("接口报告")
    perf = client_as("perf")
    created = perf.post("/api/key-evaluation-reports/", {"evaluation": evaluation.pk}, content_type=JSON)
    assert created.status_code == 201, created.content
    report = created.json()
    url = f"/api/key-evaluation-reports/{report['id']}/"
    assert (
        perf.post("/api/key-evaluation-reports/", {"evaluation": evaluation.pk}, content_type=JSON).status_code == 400
    )
    saved = perf.patch(url, {"version": report["version"], "analysis": "分析"}, content_type=JSON)
    assert saved.status_code == 200 and saved.json()["analysis"] == "分析"
    assert perf.patch(url, {"version": report["version"], "analysis": "旧"}, content_type=JSON).status_code == 409
    assert perf.patch(url, {"analysis": "缺版本"}, content_type=JSON).status_code == 400
    assert perf.patch(url, '"text"', content_type=JSON).status_code == 400
    version = saved.json()["version"]
    refused = perf.post(f"{url}transition/", {"action": "submit", "version": version}, content_type=JSON)
    assert refused.status_code == 400 and "评价发现的问题" in refused.content.decode()
    problem = perf.post(
        "/api/key-evaluation-problems/",
        {
            "evaluation": evaluation.pk,
            "category": "funds",
            "description": "资金混用",
            "responsible": evaluation.evaluated_id,
        },
        content_type=JSON,
    )
    assert problem.status_code == 201, problem.content
    elsewhere = user("health_reviewer").organisation.pk
    bad = perf.patch(
        f"/api/key-evaluation-problems/{problem.json()['id']}/", {"responsible": elsewhere}, content_type=JSON
    )
    assert bad.status_code == 400 and "responsible" in bad.json()
    submitted = perf.post(f"{url}transition/", {"action": "submit", "version": version}, content_type=JSON)
    assert submitted.status_code == 200 and submitted.json()["status"] == "in_review"
    assert perf.post(f"{url}transition/", [1], content_type=JSON).status_code == 400
    leader = client_as("leader")
    approved = leader.post(
        f"{url}transition/", {"action": "approve", "version": submitted.json()["version"]}, content_type=JSON
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


def test_others_do_not_reach_the_report_or_its_problems(client_as):
    evaluation = make_evaluation("接口可见范围")
    report = with_report(evaluation)
    problem = Problem.objects.get(evaluation=evaluation)
    for username in ("county_perf", "agency", "edu_preparer"):
        client = client_as(username)
        assert client.get(f"/api/key-evaluation-reports/{report.pk}/").status_code == 404
        assert client.delete(f"/api/key-evaluation-problems/{problem.pk}/").status_code == 404
        listed = client.get("/api/key-evaluation-problems/", {"evaluation": evaluation.pk}).json()["results"]
        assert listed == []
    assert client_as("perf").get("/api/key-evaluation-problems/", {"evaluation": "x"}).status_code == 400
    assert client_as("leader").delete(f"/api/key-evaluation-problems/{problem.pk}/").status_code == 403
    assert Problem.objects.filter(pk=problem.pk).exists()


def test_letters_filings_and_archive_through_the_api(client_as, media_root):
    evaluation = make_evaluation("接口函件", major=True)
    with_report(evaluation)
    perf = client_as("perf")
    with clock.pinned(datetime.date(2026, 9, 1)):
        sent = perf.post(
            "/api/feedback-letters/", {"evaluation": evaluation.pk, "reply_due": "2026-09-08"}, content_type=JSON
        )
        assert sent.status_code == 201, sent.content
        letter = sent.json()
        assert letter["deadline"] == "请于2026年9月8日前提出书面意见或说明，逾期未复，视为无异议。"
        reply_url = f"/api/feedback-letters/{letter['id']}/reply/"
        assert perf.post(reply_url, {"objection": False}, content_type=JSON).status_code == 403
        assert client_as("edu_reviewer").post(reply_url, {"objection": "maybe"}, content_type=JSON).status_code == 400
    with clock.pinned(datetime.date(2026, 9, 9)):
        late = client_as("edu_reviewer").post(reply_url, {"objection": False}, content_type=JSON)
        assert late.status_code == 400 and "视为无异议" in late.content.decode()
        assert (
            client_as("edu_reviewer").get(f"/api/feedback-letters/{letter['id']}/").json()["status"]
            == LetterStatus.DEEMED
        )
    approve(evaluation)
    filed = perf.post(
        "/api/report-filings/", {"evaluation": evaluation.pk, "filed_with": "government"}, content_type=JSON
    )
    assert filed.status_code == 201 and filed.json()["filed_with_display"] == "人民政府"
    assert (
        perf.post(
            "/api/report-filings/", {"evaluation": evaluation.pk, "filed_with": "x"}, content_type=JSON
        ).status_code
        == 400
    )
    collected = perf.post("/api/archive-files/collect/", {"evaluation": evaluation.pk}, content_type=JSON)
    assert collected.status_code == 200 and collected.json()["added"]
    uploaded = perf.post(
        "/api/archive-files/",
        {
            "evaluation": evaluation.pk,
            "category": "basic_data",
            "file": SimpleUploadedFile("d.pdf", b"%PDF-1.4\n%%EOF\n"),
        },
    )
    assert uploaded.status_code == 201 and uploaded.json()["retention_years"] == 10
    assert perf.get(f"/api/archive-files/{uploaded.json()['id']}/download/").status_code == 200
    exported = perf.get("/api/archive-files/export/", {"evaluation": evaluation.pk})
    assert exported.status_code == 200 and exported["Content-Type"] == "application/zip"
    assert perf.get("/api/archive-files/export/", {"evaluation": "abc"}).status_code == 400
    assert perf.get("/api/archive-files/export/", {"evaluation": 999999999}).status_code == 404

"""The report page (sections, htmx problem rows, review, feedback letter, filings, 完成评价) and the evaluation page's
report and archive cards."""

from __future__ import annotations

import datetime

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from core import clock
from core.testing import count_queries
from keyevals import letters
from keyevals.models import FeedbackLetter, KeyStatus, Problem, ReportFiling
from keyevals.tests.report_fixtures import make_evaluation, user, with_report
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db


def test_the_organiser_takes_the_report_from_draft_to_conclusion_on_the_page(client_as):
    evaluation = make_evaluation("页面报告", major=True)
    perf, leader = client_as("perf"), client_as("leader")
    base = f"/keyevals/{evaluation.pk}/report/"
    assert 'id="create-report"' in perf.get(base).content.decode()
    assert perf.post(f"{base}create/").status_code == 302
    report = evaluation.reports.get()
    response = perf.post(f"{base}save/", {"version": report.version, "analysis": "绩效分析", "conclusion": "良"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.analysis == "绩效分析"
    # A problem through htmx: the card comes back with the row; a bad one with its message and nothing added.
    bad = perf.post(f"{base}problems/add/", {"category": "funds", "description": ""}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and "请填写问题描述" in bad.content.decode()
    assert not Problem.objects.filter(evaluation=evaluation).exists()
    row = perf.post(
        f"{base}problems/add/",
        {"category": "funds", "description": "资金混用", "responsible": evaluation.evaluated_id, "amount": "1000"},
        HTTP_HX_REQUEST="true",
    )
    assert row.status_code == 200 and 'id="problems"' in row.content.decode() and "资金混用" in row.content.decode()
    problem = Problem.objects.get(evaluation=evaluation)
    edited = perf.post(
        f"{base}problems/{problem.pk}/edit/",
        {"category": "management", "description": "台账不全", "responsible": evaluation.evaluated_id},
        HTTP_HX_REQUEST="true",
    )
    assert "台账不全" in edited.content.decode()
    with clock.pinned(datetime.date(2026, 9, 1)):
        sent = perf.post(
            f"/keyevals/{evaluation.pk}/letters/send/", {"reply_due": "2026-09-11", "body": "请反馈", "number": ""}
        )
        assert sent.status_code == 302
        letter = FeedbackLetter.objects.get(evaluation=evaluation)
        letters.reply(user("edu_reviewer"), letter, objection=False, sections={})
    report.refresh_from_db()
    assert perf.post(f"{base}transition/", {"action": "submit", "version": report.version}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReviewStatus.IN_REVIEW
    assert perf.post(f"{base}transition/", {"action": "approve", "version": report.version}).status_code == 404
    assert leader.post(f"{base}transition/", {"action": "approve", "version": report.version}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReviewStatus.APPROVED
    page = perf.get(base).content.decode()
    assert "待报送" in page and 'id="do-conclude"' in page
    assert perf.post(f"{base}filings/add/", {"filed_with": "government", "filed_on": "2026-09-14"}).status_code == 302
    assert ReportFiling.objects.filter(evaluation=evaluation).count() == 1
    evaluation.refresh_from_db()
    assert perf.post(f"{base}conclude/", {"version": evaluation.version}).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == KeyStatus.CONCLUDED


def test_others_get_404_on_the_report_page_and_its_changes(client_as):
    evaluation = make_evaluation("页面可见范围")
    report = with_report(evaluation)
    base = f"/keyevals/{evaluation.pk}/report/"
    for username in ("county_perf", "agency", "expert", "edu_preparer", "edu_reviewer"):
        client = client_as(username)
        assert client.get(base).status_code == 404, username
        assert client.post(f"{base}save/", {"version": report.version, "analysis": "x"}).status_code == 404
        assert client.get(f"{base}draft.docx").status_code == 404
    # The leader reads but does not write it.
    leader = client_as("leader")
    assert leader.get(base).status_code == 200
    assert leader.post(f"{base}save/", {"version": report.version, "analysis": "x"}).status_code == 404
    assert leader.post(f"{base}problems/add/", {"category": "funds"}).status_code == 404


def test_the_report_page_does_not_grow_with_its_problems(client_as):
    evaluation = make_evaluation("查询次数")
    with_report(evaluation, problems=2)
    client = client_as("perf")
    url = f"/keyevals/{evaluation.pk}/report/"
    status, few = count_queries(client, url)
    for n in range(6):
        Problem.objects.create(
            evaluation=evaluation,
            order=10 + n,
            category="funds",
            description=f"问题{n}",
            responsible=evaluation.evaluated,
        )
    status, many = count_queries(client, url)
    assert status == 200 and many == few, (few, many)


def test_the_evaluation_pages_cards():
    evaluation = make_evaluation("卡片")
    with_report(evaluation)
    request = RequestFactory().get("/")
    request.user = user("perf")
    report_card = render_to_string("keyevals/_report_panel.html", {"evaluation": evaluation, "request": request})
    assert "评价报告" in report_card and "草稿" in report_card and f"/keyevals/{evaluation.pk}/report/" in report_card
    archive_card = render_to_string("keyevals/_archive_panel.html", {"evaluation": evaluation, "request": request})
    assert "尚未归档" in archive_card and f"/keyevals/{evaluation.pk}/archive/" in archive_card

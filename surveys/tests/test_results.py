"""A survey's results (issue 14 §2 "finance watches responses arrive and sees satisfaction rates with sample size and
margin of error"; seed 000 第二十三条 服务对象满意度): the page, the arrivals fragment, the Excel export (free text
that looks like a formula stays text) and the panel of the evaluation's page."""

from __future__ import annotations

import datetime
import io
import math

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from openpyxl import load_workbook

from audit.models import AuditAction, AuditEntry
from core import clock
from core.testing import client_for
from surveys import results
from surveys.models import Answer, Response
from surveys.panels import panel_for
from surveys.tests.fixtures import assign_agency, make_evaluation, make_survey, user

pytestmark = pytest.mark.django_db


def respond(survey, n: int, *, rating=5, single="满意", text="", days_back=0, start=0):
    rating_q, single_q, multiple_q, text_q = survey.questions.order_by("order")
    for i in range(start, start + n):
        response = Response.objects.create(
            survey=survey,
            device=f"d{i}",
            address=f"a{i % 7}",
            submitted_at=clock.now() - datetime.timedelta(days=days_back),
        )
        Answer.objects.create(response=response, question=rating_q, rating=rating)
        Answer.objects.create(response=response, question=single_q, choices=[single])
        Answer.objects.create(response=response, question=multiple_q, choices=["助餐", "助浴"])
        if text:
            Answer.objects.create(response=response, question=text_q, text=text)


def test_rates_sample_size_and_margin_with_the_finite_population_correction():
    survey = make_survey(population=500)
    respond(survey, 34, rating=5, single="满意")
    respond(survey, 6, rating=2, single="一般", start=100)
    found = results.results(survey)
    rating, single, multiple, _text = found.questions
    assert single.satisfaction.n == 40 and single.satisfaction.satisfied == 34
    assert rating.satisfaction.n == 40 and rating.satisfaction.rate == pytest.approx(0.85)
    expected = 1.96 * math.sqrt(0.85 * 0.15 / 40) * math.sqrt((500 - 40) / 499)
    assert rating.satisfaction.margin == pytest.approx(expected)
    assert rating.counts == [("1 分", 0), ("2 分", 6), ("3 分", 0), ("4 分", 0), ("5 分", 34)]
    assert rating.mean == pytest.approx((34 * 5 + 6 * 2) / 40)
    assert dict(multiple.counts) == {"助餐": 40, "助洁": 0, "助浴": 40}
    assert found.overall.n == 40 and found.overall.rate == pytest.approx(0.85)
    assert found.responses == 40 and found.by_day == [(clock.today(), 40)]

    page = client_for("perf").get(f"/surveys/{survey.pk}/results/").content.decode()
    assert 'id="overall-rate">85.0%' in page
    assert f'id="overall-margin">±{expected * 100:.1f}%' in page
    assert "已做有限总体校正" in page


def test_fewer_than_30_answers_say_the_sample_is_too_small():
    survey = make_survey()
    respond(survey, 12)
    page = client_for("perf").get(f"/surveys/{survey.pk}/results/").content.decode()
    assert "样本量不足" in page and 'id="overall-margin">—' in page


def test_free_text_is_listed_escaped():
    survey = make_survey()
    respond(survey, 2, text="<script>alert(1)</script>")
    page = client_for("perf").get(f"/surveys/{survey.pk}/results/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_the_arrivals_fragment_counts_by_day():
    survey = make_survey()
    respond(survey, 3, days_back=1)
    respond(survey, 2, start=10)
    fragment = client_for("perf").get(f"/surveys/{survey.pk}/results/arrivals/", HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in body and 'hx-trigger="every 30s"' in body
    assert 'id="arrivals-count">5 ' in body
    yesterday = clock.today() - datetime.timedelta(days=1)
    assert f'<td>{yesterday:%Y-%m-%d}</td><td class="text-end">3</td>' in body


def test_the_results_page_costs_a_fixed_number_of_queries(django_assert_max_num_queries):
    survey = make_survey()
    respond(survey, 5)
    client = client_for("perf")
    client.get(f"/surveys/{survey.pk}/results/")
    with django_assert_max_num_queries(40) as few:
        client.get(f"/surveys/{survey.pk}/results/")
    respond(survey, 40, start=100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/surveys/{survey.pk}/results/")


def test_the_export_keeps_formula_like_free_text_inert_and_is_audited():
    survey = make_survey()
    respond(survey, 2, text='=HYPERLINK("http://evil","x")')
    respond(survey, 1, text="+1+2", start=10)
    response = client_for("perf").get(f"/surveys/{survey.pk}/results/export/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book["答卷"]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["序号", "提交时间"] and header[2] == "1. 总体满意程度"
    texts = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '=HYPERLINK("http://evil","x")' in texts and "+1+2" in texts
    for row in sheet.iter_rows(min_row=2):
        cell = row[-1]
        assert cell.data_type == "s"
        if str(cell.value).startswith(("=", "+")):
            assert cell.quotePrefix
    assert next(c.value for c in book["满意度"][1]) == "题目"
    assert AuditEntry.objects.filter(
        object_type="surveys.survey", object_id=str(survey.pk), action=AuditAction.EXPORT, actor=user("perf")
    ).exists()


def test_an_agency_exports_only_with_finances_authorisation():
    """seed 004 三(九)2: the agency may not take the evaluation's data out without finance's authorisation."""
    evaluation = make_evaluation()
    assignment = assign_agency(evaluation)
    survey = make_survey(evaluation)
    respond(survey, 3)
    client = client_for("agency")
    page = client.get(f"/surveys/{survey.pk}/results/")
    assert page.status_code == 200 and 'id="export-responses"' not in page.content.decode()
    assert client.get(f"/surveys/{survey.pk}/results/export/").status_code == 404
    assignment.may_export = True
    assignment.save()
    assert client.get(f"/surveys/{survey.pk}/results/export/").status_code == 200


def test_the_panel_lists_the_surveys_in_reach_with_their_rate():
    evaluation = make_evaluation()
    survey = make_survey(evaluation)
    respond(survey, 40)
    make_survey(evaluation, publish=False)
    panel = panel_for(evaluation, user("perf"))
    assert [r["survey"].status for r in panel["rows"]] == ["published", "draft"]
    assert panel["rows"][0]["responses"] == 40 and panel["rows"][0]["rate"] == "100.0%"
    assert panel["can_create"] and panel["create_url"] == f"/surveys/new/{evaluation.pk}/"
    request = RequestFactory().get("/")
    request.user = user("perf")
    html = render_to_string("surveys/_panel.html", {"evaluation": evaluation, "request": request})
    assert 'id="new-survey"' in html and "测试问卷" in html and f"/surveys/{survey.pk}/results/" in html
    # the leader reads, creates nothing; someone out of reach gets no rows
    assert not panel_for(evaluation, user("leader"))["can_create"]
    assert panel_for(evaluation, user("county_perf"))["rows"] == []


def test_the_panel_costs_few_queries_per_survey(django_assert_max_num_queries):
    evaluation = make_evaluation()
    make_survey(evaluation)
    with django_assert_max_num_queries(15):
        panel_for(evaluation, user("perf"))

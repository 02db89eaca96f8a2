"""No server errors (issue 17 §6): a malformed id answers 404, a body of the wrong shape answers 400 with a Chinese
message naming the field. The nine operations a schemathesis run found answering 500, as the demo personas."""

from __future__ import annotations

import pytest

from monitoring.models import DisbursementHold, MonitoringRound, PerformanceWarning
from targets.models import TargetSheet

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.mark.parametrize(
    "url",
    [
        "/api/monitoring-figures/abc/",
        "/api/target-sheet-documents/abc/docx/",
        "/api/target-sheet-documents/abc/xlsx/",
        "/api/target-sheet-documents/abc/recommendations/",
        "/api/subjects/abc/",
        "/api/monitoring-tables/1.5/history/",
        "/api/work-reports/%20/",
    ],
)
def test_malformed_id_is_404(client_as, url):
    response = client_as("perf").get(url)
    assert response.status_code == 404, (url, response.status_code)


def test_malformed_id_is_404_on_post(client_as):
    response = client_as("perf").post("/api/target-sheet-documents/abc/recommendations/", {}, content_type=JSON)
    assert response.status_code == 404


@pytest.mark.parametrize("pk", ["99999999999999999999999", "9223372036854775808", "2147483648", "0"])
def test_out_of_range_id_is_404(client_as, pk):
    client = client_as("perf")
    for url in (f"/api/subjects/{pk}/", f"/api/monitoring-figures/{pk}/", f"/api/target-sheet-documents/{pk}/docx/"):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize(
    ("model", "url"),
    [
        (DisbursementHold, "/api/disbursement-holds/{pk}/lift/"),
        (MonitoringRound, "/api/monitoring-rounds/{pk}/close/"),
        (PerformanceWarning, "/api/performance-warnings/{pk}/dismiss/"),
    ],
)
@pytest.mark.parametrize("body", ["[null, null]", '"text"', "42", '{"reason": ["a"]}'])
def test_action_body_of_the_wrong_shape_is_400(client_as, model, url, body):
    record = model.objects.first()
    assert record is not None, f"the demo city has no {model.__name__}"
    response = client_as("perf").post(url.format(pk=record.pk), body, content_type=JSON)
    assert response.status_code == 400, (url, body, response.status_code, response.content[:300])
    text = response.content.decode()
    assert "请求体应为 JSON 对象" in text or "reason" in text


def test_list_body_names_the_shape(client_as):
    hold = DisbursementHold.objects.first()
    response = client_as("perf").post(f"/api/disbursement-holds/{hold.pk}/lift/", "[null, null]", content_type=JSON)
    assert response.status_code == 400
    assert "请求体应为 JSON 对象" in str(response.json())


def _editable_assessment():
    from assessments import actions
    from assessments.tests.helpers import make_subject, user

    return actions.start_assessment(make_subject(), user("edu_reviewer"))


def test_assessment_score_row_without_point_is_400(client_as):
    assessment = _editable_assessment()
    point = assessment.scores.first().point_id
    response = client_as("edu_reviewer").patch(
        f"/api/assessments/{assessment.pk}/",
        {"version": assessment.version, "scores": [{"point": point, "score": "1"}, {"score": "5"}]},
        content_type=JSON,
    )
    assert response.status_code == 400, response.content
    assert "第 2 行缺少 point" in str(response.json()), response.json()


def test_monitoring_table_row_without_id_is_400(client_as, persona):
    from monitoring.tests.helpers import SECURITY, open_round, table_of

    table = table_of(open_round(persona("perf")), SECURITY)
    response = client_as("edu_preparer").patch(
        f"/api/monitoring-tables/{table.pk}/",
        {"version": table.version, "rows": [{"actual_to_date": "3"}]},
        content_type=JSON,
    )
    assert response.status_code == 400, response.content
    assert "第 1 行缺少 id" in str(response.json()), response.json()


@pytest.mark.parametrize("body", ["[null, null]", '"x"', "[]"])
def test_patch_body_of_the_wrong_shape_is_400(client_as, persona, body):
    from monitoring.tests.helpers import SECURITY, open_round, table_of

    table = table_of(open_round(persona("perf")), SECURITY)
    response = client_as("edu_preparer").patch(f"/api/monitoring-tables/{table.pk}/", body, content_type=JSON)
    assert response.status_code == 400, response.content


def test_transition_body_of_the_wrong_shape_is_400(client_as):
    sheet = TargetSheet.objects.filter(subject__organisation__name="示范市第一中学").first()
    response = client_as("edu_preparer").post(f"/api/target-sheets/{sheet.pk}/submit/", "[1]", content_type=JSON)
    assert response.status_code == 400
    assert "请求体应为 JSON 对象" in str(response.json())


def test_every_detail_route_takes_a_numeric_id():
    """A viewset on another base than core.api's sets ``lookup_value_regex = ID_REGEX`` too."""
    from core.api import ID_REGEX
    from jixiao.api import router

    loose = [
        prefix
        for prefix, viewset, _ in router.registry
        if any(route.detail and router.get_method_map(viewset, route.mapping) for route in router.get_routes(viewset))
        and getattr(viewset, "lookup_value_regex", None) != ID_REGEX
    ]
    assert loose == []


def test_payment_push_of_non_objects_is_400(client_as):
    response = client_as("treasury").post("/api/execution/payments/", "[null, 5]", content_type=JSON)
    assert response.status_code == 400, response.content


@pytest.mark.parametrize("query", ["fiscal_year=99999", "fiscal_year=²⁰²⁶", "department=²", "as_of=2026-13-01"])
def test_figures_query_of_the_wrong_shape_is_400_or_ignored(client_as, query):
    response = client_as("perf").get(f"/api/monitoring-figures/units/?{query}")
    assert response.status_code in (200, 400), response.content


def test_number_filter_beyond_the_database_is_400(client_as):
    response = client_as("edu_preparer").get("/api/target-sheets/?department=1e30")
    assert response.status_code == 400
    assert "department" in response.json()


def test_compare_with_a_malformed_other_is_400(client_as):
    sheet = TargetSheet.objects.filter(subject__organisation__name="示范市第一中学").first()
    response = client_as("edu_preparer").get(f"/api/target-sheets/{sheet.pk}/compare/?other=abc")
    assert response.status_code == 400
    assert "other" in response.json()


def test_regional_rows_name_the_problem():
    from targets.api import RegionalRowSerializer

    rows = RegionalRowSerializer(data=[{"region": 1, "values": {"abc": "1"}}, {"amount": "3"}, None], many=True)
    assert not rows.is_valid()
    assert rows.errors == ["第 2 行缺少 region", "第 3 行应为 JSON 对象，收到的是null"]
    rows = RegionalRowSerializer(data=[{"region": 1, "values": {"abc": "1"}}], many=True)
    assert not rows.is_valid()
    assert "values 的键应为指标 ID" in str(rows.errors)

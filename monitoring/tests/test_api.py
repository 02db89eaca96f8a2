"""The monitoring API: the same gate and actions as the pages."""

import datetime

import pytest

from core import fiscal
from monitoring.choices import Light, RoundScope
from monitoring.models import MonitoringTable, PerformanceWarning
from monitoring.tests.helpers import CANTEEN, SECURITY, open_round, table_of

pytestmark = pytest.mark.django_db


def test_rounds_api_open_board_scan_close(client_as):
    year = fiscal.default_year()
    perf = client_as("perf")
    response = perf.post(
        "/api/monitoring-rounds/",
        {
            "name": "API 轮次",
            "fiscal_year": year,
            "data_as_of": f"{year}-08-31",
            "due_date": f"{year}-09-20",
            "scope": "all_funded",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["table_count"] >= 2
    board = perf.get(f"/api/monitoring-rounds/{pk}/board/").json()
    assert board["tables"] == response.json()["table_count"] and board["children"][0]["level"] == "region"
    scan = perf.post(f"/api/monitoring-rounds/{pk}/scan/", content_type="application/json").json()
    assert "raised" in scan
    assert (
        perf.post(f"/api/monitoring-rounds/{pk}/close/", {"reason": "结束"}, content_type="application/json").json()[
            "status"
        ]
        == "closed"
    )
    unit = client_as("edu_preparer")
    assert (
        unit.post(
            "/api/monitoring-rounds/",
            {"name": "x", "fiscal_year": year, "data_as_of": f"{year}-08-31", "due_date": f"{year}-09-20"},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert unit.post(f"/api/monitoring-rounds/{pk}/scan/", content_type="application/json").status_code == 403
    # A county's performance section sees the city's round only through its own county's tables in it.
    from monitoring.models import MonitoringTable
    from organisations.models import Organisation

    county = Organisation.objects.get(users__username="county_perf").region
    has_county_tables = MonitoringTable.objects.filter(
        round_id=pk, subject__organisation__region__path__startswith=county.path
    ).exists()
    assert client_as("county_perf").get(f"/api/monitoring-rounds/{pk}/").status_code == (
        200 if has_county_tables else 404
    )
    assert client_as("provider").get(f"/api/monitoring-rounds/{pk}/").status_code == 404


def test_tables_api_edit_rows_submit_and_refusal(client_as, persona):
    table = table_of(open_round(persona("perf")), SECURITY)
    unit = client_as("edu_preparer")
    row = table.indicators.first()
    response = unit.patch(
        f"/api/monitoring-tables/{table.pk}/",
        {
            "version": table.version,
            "other_notes": "API 填报",
            "rows": [{"id": row.pk, "actual_to_date": "0", "will_be_met": False}],
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["other_notes"] == "API 填报"
    saved = next(r for r in data["indicators"] if r["id"] == row.pk)
    assert saved["will_be_met"] is False and saved["light"] in Light.values
    refused = unit.post(
        f"/api/monitoring-tables/{table.pk}/submit/", {"version": data["version"]}, content_type="application/json"
    )
    assert refused.status_code == 400 and row.name in refused.content.decode()
    fixed = unit.patch(
        f"/api/monitoring-tables/{table.pk}/",
        {"version": data["version"], "rows": [{"id": row.pk, "deviation_reason": "management", "measures": "整改"}]},
        content_type="application/json",
    ).json()
    submitted = unit.post(
        f"/api/monitoring-tables/{table.pk}/submit/", {"version": fixed["version"]}, content_type="application/json"
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "in_review"
    stale = unit.patch(
        f"/api/monitoring-tables/{table.pk}/", {"version": 1, "other_notes": "x"}, content_type="application/json"
    )
    assert stale.status_code in (403, 409)
    assert client_as("health_preparer").get(f"/api/monitoring-tables/{table.pk}/").status_code == 404
    assert unit.post(
        "/api/monitoring-tables/", {"round": table.round_id}, content_type="application/json"
    ).status_code in (400, 403)


def test_warnings_api_reply_dispose_and_permissions(client_as, persona):
    year = fiscal.default_year()
    monitoring_round = open_round(
        persona("perf"),
        scope=RoundScope.KEY,
        key=[CANTEEN],
        as_of=datetime.date(year, 10, 31),
        due=datetime.date(year, 11, 20),
    )
    MonitoringTable.objects.filter(round=monitoring_round).update(execution_light=Light.RED)
    client_as("perf").post(f"/api/monitoring-rounds/{monitoring_round.pk}/scan/", content_type="application/json")
    warning = PerformanceWarning.objects.filter(round=monitoring_round, rule__code="execution_red").get()
    listed = (
        client_as("edu_reviewer")
        .get("/api/performance-warnings/", {"rule": "execution_red", "round": monitoring_round.pk})
        .json()
    )
    assert "results" in listed, listed
    assert [w["id"] for w in listed["results"]] == [warning.pk]
    assert listed["results"][0]["rule_version"] == 1
    unit = client_as("edu_preparer")
    assert (
        unit.post(
            f"/api/performance-warnings/{warning.pk}/reply/", {"note": "已整改"}, content_type="application/json"
        ).status_code
        == 200
    )
    assert (
        unit.post(
            f"/api/performance-warnings/{warning.pk}/dispose/",
            {"decision": "stopped", "reason": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert (
        client_as("auditor")
        .post(
            f"/api/performance-warnings/{warning.pk}/dispose/",
            {"decision": "stopped", "reason": "x"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    created = client_as("desk_edu").post(
        f"/api/performance-warnings/{warning.pk}/dispose/",
        {"decision": "recovered", "reason": "收回", "amount": "300.00"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["decision"] == "recovered"
    disposals = client_as("edu_preparer").get("/api/warning-disposals/").json()["results"]
    assert any(d["id"] == created.json()["id"] for d in disposals)
    assert client_as("health_preparer").get(f"/api/performance-warnings/{warning.pk}/").status_code == 404
    rules = client_as("edu_preparer").get("/api/warning-rules/").json()
    assert any(r["code"] == "midyear_low_payment" for r in rules["results"])

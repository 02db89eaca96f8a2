"""API of the dual-monitoring figures (issue 5 "Demo, API, tests"): reads through the gate, rollups for any date,
thresholds readable by all, refresh started by finance only."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from core import access, clock
from monitoring import figures
from monitoring.models import ExecutionFigure
from subjects.models import Subject

pytestmark = pytest.mark.django_db
BASE = "/api/monitoring-figures/"


def test_subject_figures_for_a_date(client_as, persona):
    subject = access.restrict(
        Subject.objects.filter(year_amounts__arranged_amount__isnull=False), persona("edu_preparer")
    ).first()
    as_of = datetime.date(subject.fiscal_year, 6, 30)
    response = client_as("edu_preparer").get(f"{BASE}{subject.pk}/", {"as_of": as_of.isoformat()})
    assert response.status_code == 200
    body = response.json()
    expected = figures.subject_figures(subject, as_of)
    assert Decimal(body["paid"]) == expected.paid and body["light"] == expected.light
    assert body["as_of"] == as_of.isoformat()
    assert client_as("health_preparer").get(f"{BASE}{subject.pk}/").status_code == 404
    assert client_as("edu_preparer").get(f"{BASE}{subject.pk}/", {"as_of": "31/06"}).status_code == 400


def test_rollups_are_scoped(client_as, persona):
    as_of = clock.today().isoformat()
    reviewer = client_as("edu_reviewer").get(f"{BASE}departments/", {"as_of": as_of}).json()
    assert [r["key"] for r in reviewer["results"]] == [persona("edu_reviewer").organisation_id]
    perf = client_as("perf").get(f"{BASE}departments/", {"as_of": as_of}).json()
    assert len(perf["results"]) > 1
    total = client_as("perf").get(f"{BASE}total/", {"as_of": as_of}).json()["total"]
    assert total["subjects"] == sum(r["subjects"] for r in perf["results"])
    regions = client_as("perf").get(f"{BASE}regions/", {"as_of": as_of}).json()
    assert regions["region"] == persona("perf").organisation.region_id
    assert sum(r["subjects"] for r in regions["results"]) == total["subjects"]
    units = client_as("edu_reviewer").get(f"{BASE}units/", {"as_of": as_of}).json()["results"]
    assert units and all(
        Subject.objects.filter(organisation_id=u["key"]).first().department_id
        == persona("edu_reviewer").organisation_id
        for u in units
    )
    assert client_as("public").get(f"{BASE}total/").json()["total"]["subjects"] == 0


def test_stored_figures_and_thresholds_read(client_as, persona):
    response = client_as("edu_preparer").get("/api/execution-figures/")
    assert response.status_code == 200
    ids = {row["subject"] for row in response.json()["results"]}
    assert ids and all(
        Subject.objects.get(pk=i).organisation_id == persona("edu_preparer").organisation_id for i in ids
    )
    other = ExecutionFigure.objects.exclude(subject__organisation=persona("edu_preparer").organisation).first()
    assert client_as("edu_preparer").get(f"/api/execution-figures/{other.pk}/").status_code == 404
    thresholds = client_as("edu_preparer").get("/api/light-thresholds/")
    assert thresholds.status_code == 200 and thresholds.json()["count"] >= 1
    assert client_as("perf").post("/api/light-thresholds/", {}).status_code == 405  # set on the page, versioned


def test_refresh_is_finance_only(client_as, immediate_tasks):
    as_of = datetime.date(clock.year(), 3, 3).isoformat()
    assert client_as("edu_reviewer").post(f"{BASE}refresh/", {"as_of": as_of}).status_code == 403
    assert client_as("auditor").post(f"{BASE}refresh/", {"as_of": as_of}).status_code == 403
    response = client_as("treasury").post(f"{BASE}refresh/", {"as_of": as_of})
    assert response.status_code == 202
    assert response.json()["status"] == "SUCCESSFUL" and response.json()["result"]["subjects"] > 0
    assert ExecutionFigure.objects.filter(as_of=as_of).exists()

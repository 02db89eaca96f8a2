"""Stored roll-ups of the execution figures (issue 16 "Dashboards from pre-aggregated figures", ADR 0031): the
dashboard and the figures API read them instead of the figures, and show exactly what the raw aggregates showed —
for every persona's reach and several dates of the demo —; the refresh keeps them in its transaction and a subject
that changes organisation moves its figures' group. Runs on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import access, fiscal
from core.models import Assignment
from monitoring import figures, rollup_store, rollups
from monitoring.choices import Light
from monitoring.models import ExecutionFigure, FigureRollup
from monitoring.tests.test_figures_helpers import YEAR, funded_subject, pay
from organisations.models import Organisation
from subjects.models import Subject

D = datetime.date
URL = "/monitoring/dashboard/"
pytestmark = pytest.mark.django_db

# Every kind of reach: region-wide (city finance, audit office, bureau leader, a county's finance), desks,
# departments, a unit, and nobody.
PERSONAS = [
    "perf",
    "auditor",
    "leader",
    "county_perf",
    "county_reviewer",
    "desk_edu",
    "desk_social",
    "edu_reviewer",
    "health_reviewer",
    "edu_head",
    "edu_preparer",
    "public",
]
NO_FIGURES = {"public", "county_reviewer"}  # the demo's county departments have no funded subjects


def shown(rows) -> list[tuple]:
    """Everything the dashboard shows of a rollup row."""
    return [
        (
            r.key,
            r.name,
            r.subjects,
            r.available,
            r.paid,
            r.red,
            r.yellow,
            r.green,
            r.count(Light.NONE),
            r.execution_rate,
            r.time_progress,
            r.progress_ratio,
            r.light,
        )
        for r in rows
    ]


def demo_dates() -> list[datetime.date]:
    dates = rollup_store.stored_dates(fiscal.default_year())
    assert len(dates) >= 3
    return [dates[0], dates[len(dates) // 2], dates[-1]]


def snapshot() -> set[tuple]:
    return set(FigureRollup.objects.values_list(*rollup_store.KEYS, *(m.column for m in rollup_store.MEASURES)))


def assert_consistent() -> None:
    """The roll-ups equal a full rebuild from the stored figures."""
    before = snapshot()
    rollup_store.rebuild_all()
    assert snapshot() == before


@pytest.mark.parametrize("username", PERSONAS)
def test_rollups_show_what_the_raw_aggregates_showed(persona, username):
    user = persona(username)
    year = fiscal.default_year()
    subjects = access.restrict(Subject.objects.all(), user)
    roots = {a.organisation.region for a in user.role_assignments()}
    seen = 0
    for as_of in demo_dates():
        selection = rollup_store.Selection(user, year, as_of)
        assert selection.uses_rollups
        departments = selection.departments()
        assert shown(departments) == shown(rollups.department_rollup(year, as_of, subjects))
        assert shown(selection.units()) == shown(rollups.unit_rollup(year, as_of, subjects))
        # The total is judged with the thresholds of the user's own region (issue 12 §3: a county's own versions).
        region = rollup_store.home_region(user)
        assert shown([selection.total()]) == shown([rollups.total(year, as_of, subjects, region_id=region.pk)])
        for parent in [None, *roots, *(r.parent for r in roots if r.parent_id)]:
            assert shown(selection.regions(parent)) == shown(rollups.region_rollup(year, as_of, subjects, parent))
        for row in departments[:3]:
            narrowed, raw = selection.narrow(department_id=row.key), subjects.filter(department_id=row.key)
            assert shown(narrowed.units()) == shown(rollups.unit_rollup(year, as_of, raw))
            assert shown([narrowed.total()]) == shown([rollups.total(year, as_of, raw, region_id=narrowed.region_id)])
            # The department's row and the drill-down into it: one light (issue 12 §3).
            assert (narrowed.total().light, narrowed.total().counts) == (row.light, row.counts)
        seen += selection.total().subjects
    assert (seen > 0) is (username not in NO_FIGURES)


def _raw_page(client, monkeypatch, params):
    """The page forced onto the raw aggregates (as before the roll-ups)."""
    with monkeypatch.context() as patch:
        patch.setattr(rollup_store, "reach_filter", lambda user: None)
        return client.get(URL, params).context


def _assert_same_page(ours, raw) -> None:
    assert ours["level"] == raw["level"]
    assert shown([ours["total"]]) == shown([raw["total"]])
    assert shown(ours["rows"]) == shown(raw["rows"])
    assert [(root, shown(rows)) for root, rows in ours["regions"]] == [
        (root, shown(rows)) for root, rows in raw["regions"]
    ]
    assert ours["chart"] == raw["chart"] and ours["crumbs"] == raw["crumbs"]
    assert [link for _, link in ours["drill"]] == [link for _, link in raw["drill"]]
    assert [r.figures for r in ours["subject_rows"]] == [r.figures for r in raw["subject_rows"]]
    assert ours["stored"] == raw["stored"] and ours["stored_dates"] == raw["stored_dates"]


@pytest.mark.parametrize("username", ["perf", "county_perf", "desk_edu", "edu_reviewer", "edu_preparer", "auditor"])
def test_dashboard_page_shows_the_same_numbers_from_rollups(client_as, monkeypatch, username):
    """The page through the roll-ups against the same page forced onto the raw aggregates, on three demo dates and
    one drill-down; at the department and unit levels no query reads the figures table."""
    client = client_as(username)
    figure_table = ExecutionFigure._meta.db_table
    for as_of in demo_dates():
        params = {"as_of": as_of.isoformat()}
        with CaptureQueriesContext(connection) as captured:
            ours = client.get(URL, params).context
        assert ours["stored"]
        if ours["level"] != "subject":
            assert not [q["sql"] for q in captured.captured_queries if figure_table in q["sql"]]
        _assert_same_page(ours, _raw_page(client, monkeypatch, params))
        if ours["level"] == "department" and ours["rows"]:
            params["department"] = ours["rows"][0].key
            _assert_same_page(client.get(URL, params).context, _raw_page(client, monkeypatch, params))


def test_a_date_never_refreshed_is_computed_live(persona):
    year = fiscal.default_year()
    as_of = D(year, 2, 14)
    assert as_of not in rollup_store.stored_dates(year)
    selection = rollup_store.Selection(persona("perf"), year, as_of)
    assert not selection.stored and not selection.uses_rollups
    subjects = access.restrict(Subject.objects.all(), persona("perf"))
    assert shown([selection.total()]) == shown([rollups.total(year, as_of, subjects)])


def test_refresh_keeps_the_rollups_in_its_transaction():
    a = funded_subject("1000000.00")
    b = funded_subject("100000.00", name="小项目")
    pay(a, "100000.00", D(YEAR, 6, 1))
    as_of = D(YEAR, 6, 30)
    figures.refresh(YEAR, as_of)
    [row] = FigureRollup.objects.filter(fiscal_year=YEAR, as_of=as_of)
    assert (row.organisation_id, row.department_id) == (a.organisation_id, a.department_id)
    assert (row.subjects, row.available, row.paid) == (2, Decimal("1100000.00"), Decimal("100000.00"))
    assert (row.red, row.yellow, row.green, row.no_light) == (2, 0, 0, 0)
    pay(b, "100000.00", D(YEAR, 6, 1))  # 100 %: green
    figures.refresh(YEAR, as_of)
    [row] = FigureRollup.objects.filter(fiscal_year=YEAR, as_of=as_of)
    assert (row.paid, row.red, row.green) == (Decimal("200000.00"), 1, 1)
    assert rollup_store.stored_dates(YEAR) == [as_of]
    assert_consistent()


def test_a_refresh_limited_to_a_region_rebuilds_that_region_only():
    county_unit = Organisation.objects.filter(kind="unit", region__level=3).order_by("pk").first()
    city = funded_subject()
    county = funded_subject(name="县区项目", organisation=county_unit)
    as_of = D(YEAR, 8, 31)
    figures.refresh(YEAR, as_of)
    pay(city, "10.00", D(YEAR, 8, 1))
    pay(county, "20.00", D(YEAR, 8, 1))
    figures.refresh(YEAR, as_of, region=county_unit.region)
    paid = dict(FigureRollup.objects.filter(fiscal_year=YEAR, as_of=as_of).values_list("organisation_id", "paid"))
    assert paid == {city.organisation_id: Decimal("0.00"), county_unit.pk: Decimal("20.00")}  # as the figures
    assert_consistent()


def test_a_subject_that_changes_organisation_moves_its_figures(persona):
    subject = funded_subject("500000.00")
    pay(subject, "50000.00", D(YEAR, 3, 1))
    as_of = D(YEAR, 3, 31)
    figures.refresh(YEAR, as_of)
    old = subject.organisation
    other = Organisation.objects.filter(kind="unit", region=old.region).exclude(department=old.department).first()
    subject = Subject.objects.get(pk=subject.pk)
    subject.organisation = other
    subject.save()
    assert subject.department_id == other.department_id
    keys = set(FigureRollup.objects.filter(fiscal_year=YEAR, as_of=as_of).values_list("organisation", "department"))
    assert keys == {(other.pk, other.department_id)}
    user = persona("perf")
    selection = rollup_store.Selection(user, YEAR, as_of)
    subjects = access.restrict(Subject.objects.all(), user)
    assert shown(selection.departments()) == shown(rollups.department_rollup(YEAR, as_of, subjects))
    subject.save(update_fields=["name"])  # nothing about its group: nothing to do
    assert_consistent()


def test_an_assigned_reach_reads_the_figures_of_its_subjects(persona):
    """An agency reaches the subjects assigned to it one by one: no organisation's roll-up answers that, so its
    page sums those subjects' figures — the reach stays exactly the gate's."""
    year = fiscal.default_year()
    as_of = demo_dates()[-1]
    agency = persona("agency")
    assert rollup_store.reach_filter(persona("perf")) is not None
    figure = ExecutionFigure.objects.filter(fiscal_year=year, as_of=as_of).select_related("subject").first()
    Assignment.objects.create(
        content_type=ContentType.objects.get_for_model(Subject),
        object_id=figure.subject_id,
        organisation=agency.organisation,
    )
    agency = persona("agency")  # the roles are cached on the user object
    assert rollup_store.reach_filter(agency) is None
    selection = rollup_store.Selection(agency, year, as_of)
    assert not selection.uses_rollups
    total = selection.total()
    assert (total.subjects, total.paid) == (1, figure.paid)

"""One region, one date, one threshold version: one light (issue 12 §3). For the demo city on its fixed business date,
each subject's execution light is the same on the dashboard's overview roll-up and its drill-down, the subject's
header and its history row of the date, the figures API (per subject and stored) and the round's monitoring table
and Word report; a department's row and the drill-down into it show one light, agreeing with its own counts. The
county (示范市中区) has its own, stricter threshold versions (monitoring/demo_figures.py), so the test would catch a
page that judged its subjects with the city's.

After a new threshold version and 重新计算并保存, every history row of the dates it applies to names the new version.
"""

import datetime
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.urls import reverse
from docx import Document

from core import clock, fiscal
from monitoring import actions, figures, thresholds
from monitoring.choices import Light, RoundScope
from monitoring.models import ExecutionFigure, LightThresholds, MonitoringRound
from organisations.models import Region

pytestmark = pytest.mark.django_db
YEAR = fiscal.default_year()
JULY = datetime.date(YEAR, 7, 31)  # the demo round's data date, a stored month end
COUNTY = "示范市中区"


def county_round(persona):
    """The county's own round over its funded subjects, data to 31 July."""
    user = persona("county_perf")
    subjects = list(actions.key_subject_choices(user).filter(fiscal_year=YEAR)[:6])
    assert subjects
    return actions.open_round(
        user,
        name="中区7月监控",
        fiscal_year=YEAR,
        data_as_of=JULY,
        due_date=datetime.date(YEAR, 8, 20),
        scope=RoundScope.KEY,
        key_subjects=subjects,
    )


def docx_lights(content: bytes) -> dict[str, str]:
    """{subject name: 执行灯 label} of the report's table."""
    doc = Document(io.BytesIO(content))
    table = doc.tables[0]
    header = [c.text for c in table.rows[0].cells]
    name, light = header.index("项目"), header.index("执行灯")
    return {row.cells[name].text: row.cells[light].text for row in table.rows[1:]}


def subject_pages(client, subject, as_of) -> tuple[str, str, int | None]:
    """(header light, history row light of the date, history row's version) from the subject's page."""
    url = reverse("monitoring:dashboard_subject", args=[subject.pk])
    context = client.get(url, {"as_of": as_of.isoformat()}).context
    row = next(p for p in context["points"] if p.as_of == as_of)
    assert context["current"].thresholds_id == row.thresholds_id
    return context["current"].light, row.light, row.thresholds_id


def dashboard_subject_lights(client, as_of) -> tuple[dict[int, str], list]:
    """{subject id: light} over every drill-down of the dashboard (department → unit → subjects), and the
    overview's department rows."""
    url = reverse("monitoring:dashboard")
    query = {"as_of": as_of.isoformat(), "all": "1"}
    overview = client.get(url, query).context
    assert overview["level"] == "department"
    result = {}
    for department in overview["rows"]:
        drill = client.get(url, {**query, "department": department.key}).context
        # The department's row and the page that drills into it: one light, one set of counts.
        assert (drill["total"].light, drill["total"].counts) == (department.light, department.counts), department.name
        lights_here = Counter()
        units = drill["rows"] if drill["level"] == "unit" else [None]
        for unit in units:
            page = drill
            if unit is not None:
                page = client.get(url, {**query, "department": department.key, "unit": unit.key}).context
                assert page["total"].light == unit.light, unit.name
            for row in page["subject_rows"]:
                result[row.subject_id] = row.figures.light
                lights_here[row.figures.light] += 1
        assert {k: v for k, v in department.counts.items() if v} == dict(lights_here), department.name
        # A red group has a red subject: the group is judged with the thresholds its subjects were judged with.
        if department.light == Light.RED:
            assert lights_here[Light.RED], department.name
    return result, overview["rows"]


@pytest.mark.parametrize("username", ["perf", "county_perf"])
def test_each_subject_has_one_light_on_every_page_api_and_report(persona, client_as, username):
    assert clock.today() == clock.DEMO_TODAY
    county = Region.objects.get(name=COUNTY)
    assert LightThresholds.objects.filter(region=county).count() == 2  # the county's own, stricter versions
    client = client_as(username)
    rounds = (
        [county_round(persona)] if username == "county_perf" else list(MonitoringRound.objects.filter(data_as_of=JULY))
    )
    assert rounds
    seen_county = False
    for as_of in (JULY, clock.DEMO_TODAY):
        board, departments = dashboard_subject_lights(client, as_of)
        assert board
        api_departments = client.get(
            "/api/monitoring-figures/departments/", {"as_of": as_of.isoformat(), "fiscal_year": YEAR}
        ).json()["results"]
        assert {r["key"]: r["light"] for r in api_departments} == {d.key: str(d.light) for d in departments}
        for subject_id, light in board.items():
            subject = ExecutionFigure.objects.select_related("subject__organisation__region").get(
                subject_id=subject_id, fiscal_year=YEAR, as_of=as_of
            )
            stored = subject.light
            header, history, version = subject_pages(client, subject.subject, as_of)
            api = client.get(f"/api/monitoring-figures/{subject_id}/", {"as_of": as_of.isoformat()}).json()
            listed = client.get("/api/execution-figures/", {"subject": subject_id, "as_of": as_of.isoformat()}).json()
            listed = listed.get("results", listed)
            assert light == stored == header == history == api["light"] == listed[0]["light"], subject.subject.name
            # The version each light was judged with: the one in force for the subject's region on the date.
            in_force = thresholds.thresholds_for(subject.subject.organisation.region, as_of)
            assert version == subject.thresholds_id == api["thresholds"] == in_force.version_id
            seen_county |= subject.subject.organisation.region.path.startswith(county.path)
    assert seen_county
    # The monitoring tables of the July rounds and their Word reports: the same light as the figures of 31 July.
    for monitoring_round in rounds:
        for table in monitoring_round.tables.select_related("subject"):
            figure = ExecutionFigure.objects.get(subject=table.subject, fiscal_year=YEAR, as_of=JULY)
            assert table.execution_light == figure.light, table.subject.name
            url = reverse("monitoring:round_report", args=[monitoring_round.pk, "subject", table.pk])
            response = client.get(url)
            if response.status_code == 404:  # a table outside the user's reach
                continue
            assert docx_lights(response.content) == {table.subject.name: Light(figure.light).label}


def test_a_new_threshold_version_and_a_recompute_renew_every_history_row(persona, client_as):
    # Given the county's stored figures, judged with its version in force on each date.
    county_perf = persona("county_perf")
    county = Region.objects.get(name=COUNTY)
    subject = actions.key_subject_choices(county_perf).filter(fiscal_year=YEAR).first()
    before = {f.as_of: f for f in ExecutionFigure.objects.filter(subject=subject, fiscal_year=YEAR)}
    july_version = before[JULY].thresholds_id
    assert july_version == thresholds.thresholds_for(county, JULY).version_id
    # When the county's performance section sets a version from 1 August under which every ratio is red …
    new = thresholds.save_version(
        county_perf,
        LightThresholds(
            region=county,
            effective_from=datetime.date(YEAR, 8, 1),
            execution_red_below=Decimal("9.99"),
            execution_yellow_below=Decimal("9.99"),
            note="测试：从严",
        ),
    )
    # … the stored figures from that date are judged again at once: the new version and its light;
    after = {f.as_of: f for f in ExecutionFigure.objects.filter(subject=subject, fiscal_year=YEAR)}
    for day, figure in after.items():
        if day >= new.effective_from:
            assert figure.thresholds_id == new.pk
            assert figure.light in (Light.RED, Light.NONE)
        else:
            assert (figure.thresholds_id, figure.light) == (before[day].thresholds_id, before[day].light)
    # and after 重新计算并保存 (the page's button, as a stale copy would be after an old load) every row is current.
    ExecutionFigure.objects.filter(subject=subject, as_of__gte=new.effective_from).update(
        thresholds=july_version, light=Light.GREEN
    )
    figures.refresh(YEAR, clock.DEMO_TODAY, county)
    page = client_as("county_perf").get(
        reverse("monitoring:dashboard_subject", args=[subject.pk]), {"as_of": clock.DEMO_TODAY.isoformat()}
    )
    rows = {p.as_of: p for p in page.context["points"]}
    for day in (datetime.date(YEAR, 8, 31), clock.DEMO_TODAY):
        assert rows[day].thresholds_id == new.pk and rows[day].light in (Light.RED, Light.NONE)
    assert rows[JULY].thresholds_id == july_version
    html = page.content.decode()
    assert f"{COUNTY} 第 {new.version} 版（{YEAR}年8月1日起）" in html  # the version is shown with each row
    assert f'data-as-of="{JULY.isoformat()}"' in html
    # The API names the version too.
    api = client_as("county_perf").get(f"/api/monitoring-figures/{subject.pk}/").json()
    assert api["thresholds"] == new.pk and api["light"] in (Light.RED, Light.NONE)

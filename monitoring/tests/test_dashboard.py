"""运行监控总览, a subject's figures over time, the refresh from the page and the thresholds page: every role sees
only its reach through the gate (unit → its subjects, department → its units, desk → its departments, finance and
the audit office → their region), and only the performance section changes thresholds (issue 5)."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal

import pytest

from audit.models import AuditEntry
from core import access, clock
from monitoring.models import ExecutionFigure, LightThresholds
from organisations.models import DeskResponsibility, Region
from subjects.models import Subject

pytestmark = pytest.mark.django_db
URL = "/monitoring/dashboard/"


def _funded(user):
    """Subjects the user reaches that have figures this fiscal year (arranged or paid)."""
    year = clock.year()
    return access.restrict(
        Subject.objects.filter(year_amounts__fiscal_year=year, year_amounts__arranged_amount__isnull=False), user
    )


def test_unit_sees_its_own_subjects(client_as, persona):
    """A unit reaches only its own subjects: the page opens on them (no department or unit level to choose)."""
    user = persona("edu_preparer")
    response = client_as("edu_preparer").get(URL)
    assert response.status_code == 200
    assert response.context["level"] == "subject"
    shown = {row.subject_id for row in response.context["subject_rows"]}
    assert shown and shown <= set(_funded(user).values_list("pk", flat=True))
    assert all(Subject.objects.get(pk=pk).organisation_id == user.organisation_id for pk in shown)
    assert not response.context["regions"] and not response.context["can_refresh"]
    assert b'id="refresh-start"' not in response.content


def test_department_sees_its_units(client_as, persona):
    user = persona("edu_reviewer")
    response = client_as("edu_reviewer").get(URL)
    assert response.context["level"] == "unit"
    keys = {row.key for row in response.context["rows"]}
    department = user.organisation
    assert keys and all(Subject.objects.filter(organisation_id=k, department=department).exists() for k in keys)


def test_desk_sees_its_departments(client_as, persona):
    user = persona("desk_edu")
    response = client_as("desk_edu").get(URL)
    responsible = set(DeskResponsibility.objects.filter(desk=user.organisation).values_list("department_id", flat=True))
    keys = {row.key for row in response.context["rows"]}
    if response.context["level"] == "department":
        assert keys and keys <= responsible
    else:  # only one of its departments has funded subjects: the page opens on that department's units
        assert response.context["level"] == "unit"
        assert keys and {Subject.objects.filter(organisation_id=k).first().department_id for k in keys} <= responsible
    assert response.context["total"].subjects == _funded(user).count()
    assert not response.context["regions"]  # a desk has no region-wide reach


@pytest.mark.parametrize("username", ["perf", "auditor"])
def test_finance_and_audit_office_see_their_region_rolled_up(client_as, persona, username):
    """seed 003 第二十条(三): monitoring rolls up level by level — finance (and the audit office, seed 001 第七条,
    reading only) see their region with each county below it."""
    user = persona(username)
    response = client_as(username).get(URL)
    assert response.context["level"] == "department"
    total = response.context["total"]
    [(root, rows)] = response.context["regions"]
    assert root == user.organisation.region
    names = [r.name for r in rows]
    assert names[0] == f"{root.name}本级" or all(Region.objects.filter(parent=root, name=n).exists() for n in names)
    assert sum(r.subjects for r in rows) == total.subjects
    assert sum((r.paid for r in rows), Decimal("0")) == total.paid
    assert response.context["can_refresh"] is (username == "perf")


def test_a_long_ranking_shows_its_worst_rows_and_offers_the_rest(client_as, monkeypatch):
    """A province reaches ~850 departments: the table and chart show the worst DASHBOARD_ROWS (issue 16), the footer
    says how many there are, and 显示全部 shows every one, the date kept."""
    from monitoring import views_dashboard

    client = client_as("perf")
    every = client.get(URL, {"all": "1"}).context["rows"]
    assert len(every) > 2
    monkeypatch.setattr(views_dashboard, "DASHBOARD_ROWS", 2)
    response = client.get(URL)
    content = response.content.decode()
    assert [r.key for r in response.context["rows"]] == [r.key for r in every[:2]]  # the worst first
    assert f"显示前 2 个，共 {len(every)} 个" in content
    link = content.split('id="rows-capped"')[1].split('href="')[1].split('"')[0]
    assert "all=1" in link and "as_of=" in link
    assert len(client.get(URL + link.replace("&amp;", "&")).context["rows"]) == len(every)
    assert 'id="rows-capped"' not in client.get(URL, {"all": "1"}).content.decode()


def test_drill_down_outside_reach_is_404(client_as, persona):
    other = Subject.objects.exclude(department=persona("edu_reviewer").organisation).exclude(department=None).first()
    client = client_as("edu_reviewer")
    assert client.get(URL, {"department": other.department_id}).status_code == 404
    assert client.get(URL, {"department": persona("edu_reviewer").organisation_id}).status_code == 200


def test_chart_data_and_vendored_echarts(client_as):
    response = client_as("perf").get(URL)
    content = response.content.decode()
    assert 'id="rate-chart"' in content and "vendor/echarts/echarts.min.js" in content
    # every script and stylesheet is served by the app itself (a CSP nonce may spell "cdn" by chance: look at addresses)
    addresses = re.findall(r'(?:src|href)="([^"]+)"', content)
    assert addresses and not [a for a in addresses if a.startswith(("http:", "https:", "//"))]
    data = json.loads(content.split('id="chart-data" type="application/json">')[1].split("</script>")[0])
    assert len(data["names"]) == len(data["rates"]) == len(response.context["rows"])
    assert data["progress"] is not None
    # The scripts carry the CSP nonce; the policy allows scripts from 'self' with it and no inline ones.
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]


def test_date_picker_stays_inside_the_fiscal_year(client_as):
    client = client_as("perf")
    year = clock.year()
    assert client.get(URL, {"as_of": f"{year}-03-31"}).context["as_of"] == datetime.date(year, 3, 31)
    assert client.get(URL, {"as_of": f"{year + 3}-03-31"}).context["as_of"] == datetime.date(year, 12, 31)
    assert client.get(URL, {"as_of": "not a date"}).status_code == 200


def test_public_and_agency_see_nothing(client_as):
    for username in ("public", "agency"):
        response = client_as(username).get(URL)
        assert response.status_code == 200 and response.context["total"].subjects == 0


def test_subject_figures_over_time(client_as, persona):
    subject = _funded(persona("edu_preparer")).first()
    response = client_as("edu_preparer").get(f"/monitoring/dashboard/subjects/{subject.pk}/")
    assert response.status_code == 200
    data = json.loads(
        response.content.decode().split('id="history-data" type="application/json">')[1].split("</script>")[0]
    )
    assert len(data["dates"]) == len(response.context["points"]) >= 1
    assert client_as("health_preparer").get(f"/monitoring/dashboard/subjects/{subject.pk}/").status_code == 404


def test_refresh_from_the_page_is_finance_only(client_as, immediate_tasks):
    year = clock.year()
    as_of = datetime.date(year, 2, 14)
    assert client_as("edu_preparer").post("/monitoring/dashboard/refresh/", {"as_of": as_of}).status_code == 404
    assert client_as("auditor").post("/monitoring/dashboard/refresh/", {"as_of": as_of}).status_code == 404
    assert not ExecutionFigure.objects.filter(as_of=as_of).exists()
    client = client_as("perf")
    response = client.post("/monitoring/dashboard/refresh/", {"as_of": as_of})
    assert response.status_code == 302
    assert ExecutionFigure.objects.filter(fiscal_year=year, as_of=as_of).exists()
    status = client.get("/monitoring/dashboard/refresh/status/")
    assert "已完成" in status.content.decode()
    page = client.get(URL, {"as_of": as_of})
    assert page.context["stored"] and as_of in page.context["stored_dates"]


def test_thresholds_page_readable_by_all_changed_by_the_performance_section(client_as, persona):
    response = client_as("edu_preparer").get("/monitoring/thresholds/")
    assert response.status_code == 200 and response.context["form"] is None
    assert client_as("edu_preparer").post("/monitoring/thresholds/", {}).status_code == 404
    city = persona("perf").organisation.region
    before = LightThresholds.objects.filter(region=city).count()
    data = {
        "region": city.pk,
        "effective_from": "2027-01-01",
        "execution_red_below": "0.55",
        "execution_yellow_below": "0.75",
        "indicator_red_below": "0.60",
        "indicator_yellow_below": "0.80",
        "indicator_blue_from": "1.20",
        "time_progress_basis": "months",
        "note": "全市统一放宽",
    }
    response = client_as("perf").post("/monitoring/thresholds/", data)
    assert response.status_code == 302
    row = LightThresholds.objects.filter(region=city).order_by("-version").first()
    assert LightThresholds.objects.filter(region=city).count() == before + 1 and row.version == before + 1
    assert row.created_by == persona("perf") and row.execution_red_below == Decimal("0.55")
    entry = AuditEntry.objects.filter(object_type="monitoring.lightthresholds").order_by("-pk").first()
    assert entry.action == "create" and entry.reason == "全市统一放宽"
    # A second edit is another version; the first stays as history.
    client_as("perf").post("/monitoring/thresholds/", {**data, "execution_red_below": "0.58", "note": "微调"})
    assert LightThresholds.objects.filter(region=city).count() == before + 2


def test_threshold_validation_messages_are_chinese(client_as, persona):
    city = persona("perf").organisation.region
    bad = {
        "region": city.pk,
        "effective_from": "",
        "execution_red_below": "0.90",
        "execution_yellow_below": "0.80",
        "indicator_red_below": "0.60",
        "indicator_yellow_below": "0.80",
        "indicator_blue_from": "1.20",
        "time_progress_basis": "months",
        "note": "",
    }
    response = client_as("perf").post("/monitoring/thresholds/", bad)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["effective_from"] == ["请填写生效日期"]
    assert errors["note"] == ["请填写调整说明（记入审计日志）"]
    response = client_as("perf").post("/monitoring/thresholds/", {**bad, "effective_from": "2027-01-01", "note": "试"})
    assert "黄灯阈值不能低于红灯阈值" in response.content.decode()


def test_county_sets_its_own_region_only(client_as, persona):
    county_perf = persona("county_perf")
    county = county_perf.organisation.region
    data = {
        "effective_from": "2027-01-01",
        "execution_red_below": "0.60",
        "execution_yellow_below": "0.80",
        "indicator_red_below": "0.60",
        "indicator_yellow_below": "0.80",
        "indicator_blue_from": "1.20",
        "time_progress_basis": "months",
        "note": "县级调整",
    }
    client = client_as("county_perf")
    assert client.post("/monitoring/thresholds/", {**data, "region": county.pk}).status_code == 302
    response = client.post("/monitoring/thresholds/", {**data, "region": county.parent_id})
    assert response.status_code == 200 and "region" in response.context["form"].errors
    response = client.post("/monitoring/thresholds/", {**data, "region": ""})  # the default: top-level only
    assert response.status_code == 200 and "region" in response.context["form"].errors
    assert not LightThresholds.objects.filter(region=None, note="县级调整").exists()


def test_nav_links_in_the_monitoring_stage(client_as):
    content = client_as("edu_preparer").get("/stage/monitoring/").content.decode()
    assert "/monitoring/dashboard/" in content and "/monitoring/thresholds/" in content


def test_the_dashboard_says_how_time_progress_is_counted(client_as):
    """Issue 12 §3: beside the figure and in the footnote, the basis that applies (by months by default)."""
    html = client_as("perf").get(URL).content.decode()
    assert 'id="progress-basis">按月（已过月数 ÷ 12）<' in html
    assert "序时进度按月（已过月数 ÷ 12）计算" in html


def test_the_footnote_states_the_thresholds_applied(client_as, persona):
    """Issue 12 §3: the footnote gives the numbers in force for the user's region, not the national defaults."""
    import datetime as dt

    html = client_as("perf").get(URL).content.decode()
    assert "低于 60% 为红灯，60%–80% 为黄灯，不低于 80% 为绿灯" in html
    LightThresholds.objects.create(
        region=persona("perf").organisation.region,
        version=50,
        effective_from=dt.date(2000, 1, 1),
        execution_red_below=Decimal("0.50"),
        execution_yellow_below=Decimal("0.70"),
    )
    html = client_as("perf").get(URL).content.decode()
    assert "低于 50% 为红灯，50%–70% 为黄灯，不低于 70% 为绿灯" in html

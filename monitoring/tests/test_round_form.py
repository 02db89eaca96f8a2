"""The new-round form (issue 12 §4): its dates follow the business date, and 重点监控项目 are chosen with a searchable
picker of the subjects the user may name (funded or executing, in the user's region), never a list box of them."""

import datetime

import pytest
from django.urls import reverse

from core import clock, fiscal
from monitoring import actions
from monitoring.models import MonitoringRound
from monitoring.tests.helpers import CANTEEN, SECURITY, UNFUNDED, subject

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "today, expected",
    [
        (D(2026, 9, 15), (D(2026, 8, 31), D(2026, 9, 20))),  # mid-month: the last month end
        (D(2026, 6, 30), (D(2026, 6, 30), D(2026, 7, 20))),  # a month end itself
        (D(2026, 12, 3), (D(2026, 11, 30), D(2026, 12, 20))),  # December no longer proposes 07-31
        (D(2026, 1, 10), (D(2026, 1, 31), D(2026, 2, 20))),  # before the year's first month end
        (D(2027, 1, 4), (D(2026, 12, 31), D(2027, 1, 20))),  # last year's round, opened in January
        (D(2025, 11, 20), (D(2026, 1, 31), D(2026, 2, 20))),  # next year's, opened early
    ],
)
def test_round_dates_follow_the_business_date(today, expected):
    assert actions.round_defaults(2026, today) == expected


def test_the_form_proposes_them_and_names_the_round(client_as):
    year = fiscal.default_year()
    with clock.pinned(D(year, 12, 3)):
        form = client_as("perf").get(reverse("monitoring:round_create")).context["form"]
    assert form.initial["data_as_of"] == f"{year}-11-30" and form.initial["due_date"] == f"{year}-12-20"
    assert form.initial["name"] == f"{year}年11月绩效运行监控"


def test_key_subjects_are_a_searchable_picker_not_a_list_box(client_as):
    html = client_as("perf").get(reverse("monitoring:round_create")).content.decode()
    assert "data-picker-multiple" in html and "/pick/key_subject/" in html
    assert '<select name="key_subjects"' not in html
    found = client_as("perf").get("/pick/key_subject/", {"q": "第一中学", "format": "json"}).json()["results"]
    names = " ".join(r["text"] for r in found)
    assert SECURITY in names and CANTEEN in names
    assert UNFUNDED not in names  # admitted, not funded: not a subject a round can monitor
    assert client_as("edu_preparer").get("/pick/key_subject/", {"format": "json"}).json()["results"] == []


def test_a_key_round_from_the_page_and_an_unfunded_choice_refused(client_as):
    year = fiscal.default_year()
    values = {
        "name": "重点页面",
        "fiscal_year": year,
        "data_as_of": f"{year}-08-31",
        "due_date": f"{year}-09-20",
        "scope": "key",
        "notice": "请按时报送",
    }
    perf = client_as("perf")
    refused = perf.post(reverse("monitoring:round_create"), {**values, "key_subjects": [subject(UNFUNDED).pk]})
    assert refused.status_code == 200 and "不是本区划已安排预算或执行中的项目" in refused.content.decode()
    chosen = [subject(SECURITY).pk, subject(CANTEEN).pk]
    kept = perf.post(reverse("monitoring:round_create"), {**values, "key_subjects": chosen, "due_date": "x"})
    assert kept.status_code == 200  # a form error elsewhere keeps the chosen subjects as chips
    assert kept.content.decode().count("data-picker-chip") == 2
    response = perf.post(reverse("monitoring:round_create"), {**values, "key_subjects": chosen})
    assert response.status_code == 302
    created = MonitoringRound.objects.get(name="重点页面")
    assert set(created.key_subjects.values_list("pk", flat=True)) == set(chosen)

"""Monitoring follows the treasury (issue 12 §4; 长治市《预算绩效管理办法》第十九条（二）): every committed load of payments
recomputes the loading bureau's figures as of the business date and scans them for warnings, outside any
monitoring round; the budget section and the treasury see those warnings with the performance section. A load that
changes nothing starts nothing."""

import datetime
from decimal import Decimal

import pytest

from execution.tests.helpers import payment, year
from monitoring import follow_treasury
from monitoring.models import ExecutionFigure, PerformanceWarning

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(city_subject):
    from subjects.models import SubjectYearAmount

    SubjectYearAmount.objects.filter(subject=city_subject, fiscal_year=year()).update(
        arranged_amount=Decimal("1000000.00")
    )
    return city_subject


def _rows(subject, prefix):
    return [payment(f"{prefix}{i}", subject.code, "100.00", payer=subject.organisation.budget_code) for i in range(2)]


def test_seed003_art19_a_load_refreshes_the_figures_and_raises_warnings_outside_rounds(
    load, funded, immediate_tasks, django_capture_on_commit_callbacks
):
    as_of = follow_treasury.data_date(year())
    with django_capture_on_commit_callbacks(execute=True):
        result = load(_rows(funded, "FW"))
    assert result.ok, result.errors
    figure = ExecutionFigure.objects.get(subject=funded, fiscal_year=year(), as_of=as_of)
    assert figure.paid >= Decimal("200.00")
    warnings = PerformanceWarning.objects.filter(subject=funded, as_of=as_of, round__isnull=True)
    assert warnings.exists()  # 1,000,000 arranged, a few hundred paid by September: far behind the time


def test_a_load_that_changes_nothing_starts_nothing(load, funded, monkeypatch, django_capture_on_commit_callbacks):
    from monitoring import figures

    started = []

    class Recorder:  # django-tasks' Task is frozen: the module's task is replaced, not its method
        def enqueue(self, *args):
            started.append(args)

    monkeypatch.setattr(figures, "refresh_task", Recorder())
    rows = _rows(funded, "FN")
    with django_capture_on_commit_callbacks(execute=True):
        load(rows)
    assert len(started) == 1
    fiscal_year, as_of, region_id, user_id = started[0]
    assert fiscal_year == year() and as_of == follow_treasury.data_date(year()).isoformat()
    assert region_id is not None and user_id is not None  # the loading bureau's region, the uploader
    with django_capture_on_commit_callbacks(execute=True):
        again = load(rows)
    assert again.ok and again.inserted == 0
    assert len(started) == 1  # every record was already there: nothing to recompute


@pytest.mark.parametrize("username", ["budget", "treasury", "perf"])
def test_seed003_art19_budget_and_treasury_sections_see_the_round_less_warnings(
    username, client_as, load, funded, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        load(_rows(funded, "FS"))
    warning = PerformanceWarning.objects.filter(subject=funded, round__isnull=True).first()
    assert warning is not None
    page = client_as(username).get("/monitoring/warnings/", {"q": funded.name})
    assert page.status_code == 200
    assert client_as(username).get(f"/monitoring/warnings/{warning.pk}/").status_code == 200


def test_data_date_stays_within_the_fiscal_year():
    from core import clock

    y = year()
    with clock.pinned(datetime.date(y + 1, 1, 4)):
        assert follow_treasury.data_date(y) == datetime.date(y, 12, 31)
    with clock.pinned(datetime.date(y, 6, 30)):
        assert follow_treasury.data_date(y) == datetime.date(y, 6, 30)

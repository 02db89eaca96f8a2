"""Execution figures (issue 5 "Dual monitoring"): the sums behind the execution rate, the set-based refresh and its
agreement with the pure light functions, the rollups. Runs on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from execution.choices import MatchStatus
from monitoring import figures, lights, rollups, thresholds
from monitoring.choices import Light
from monitoring.models import ExecutionFigure, LightThresholds
from monitoring.tests.test_figures_helpers import YEAR, allocate, clone_subjects, funded_subject, pay
from organisations.models import Organisation, Region
from subjects.models import Subject

D = datetime.date
pytestmark = pytest.mark.django_db


def test_paid_over_arranged_amount_when_no_allocation_was_issued():
    """DOMAIN.md (*practice*): 预算执行率 = 已支付 ÷ 可用预算; without 指标下达 the arranged amount is the budget."""
    subject = funded_subject("1000000.00")
    pay(subject, "200000.00", D(YEAR, 3, 15))
    pay(subject, "50000.50", D(YEAR, 6, 30))
    f = figures.subject_figures(subject, D(YEAR, 6, 30))
    assert f.available == Decimal("1000000.00")
    assert f.basis == figures.BudgetBasis.ARRANGED
    assert f.paid == Decimal("250000.50")
    assert f.execution_rate == Decimal("0.2500")
    assert f.time_progress == lights.time_progress(YEAR, D(YEAR, 6, 30)) == Decimal("0.5000")  # months ÷ 12
    assert f.progress_ratio == Decimal("0.5000")  # 0.25 ÷ 0.50
    assert f.light == Light.RED


def test_allocations_issued_by_the_date_replace_the_arranged_amount():
    subject = funded_subject("1000000.00")
    allocate(subject, "300000.00", D(YEAR, 2, 1))
    allocate(subject, "300000.00", D(YEAR, 5, 1))
    allocate(subject, "400000.00", D(YEAR, 9, 1))  # issued after the date: not yet available
    allocate(subject, "999999.00", D(YEAR, 1, 5), status=MatchStatus.UNMATCHED)  # not this subject's yet
    pay(subject, "300000.00", D(YEAR, 5, 31))
    f = figures.subject_figures(subject, D(YEAR, 6, 30))
    assert (f.available, f.basis) == (Decimal("600000.00"), figures.BudgetBasis.ALLOCATIONS)
    assert f.execution_rate == Decimal("0.5000")
    before = figures.subject_figures(subject, D(YEAR, 1, 31))
    assert (before.available, before.basis) == (Decimal("1000000.00"), figures.BudgetBasis.ARRANGED)


def test_unmatched_ignored_future_and_other_year_payments_do_not_count():
    subject = funded_subject("100000.00")
    pay(subject, "10000.00", D(YEAR, 4, 1))
    pay(subject, "10000.00", D(YEAR, 4, 1), status=MatchStatus.MANUAL)  # matched by a person: counts
    pay(subject, "77777.00", D(YEAR, 4, 1), status=MatchStatus.UNMATCHED)
    pay(subject, "66666.00", D(YEAR, 4, 1), status=MatchStatus.IGNORED)
    pay(subject, "55555.00", D(YEAR, 4, 2))  # after the date
    pay(subject, "44444.00", D(YEAR, 4, 1), year=YEAR - 1)  # last year's money
    f = figures.subject_figures(subject, D(YEAR, 4, 1))
    assert f.paid == Decimal("20000.00")
    figures.refresh(YEAR, D(YEAR, 4, 1))
    row = ExecutionFigure.objects.get(subject=subject, as_of=D(YEAR, 4, 1))
    assert row.paid == Decimal("20000.00") and row.available == Decimal("100000.00")


def test_no_budget_no_rate_no_light():
    subject = funded_subject(None)  # requested, not arranged, nothing allocated
    f = figures.subject_figures(subject, D(YEAR, 5, 1))
    assert (f.available, f.execution_rate, f.progress_ratio, f.light) == (Decimal("0.00"), None, None, Light.NONE)
    figures.refresh(YEAR, D(YEAR, 5, 1))
    assert not ExecutionFigure.objects.filter(subject=subject).exists()  # nothing to measure
    pay(subject, "10.00", D(YEAR, 5, 1))
    figures.refresh(YEAR, D(YEAR, 5, 1))
    row = ExecutionFigure.objects.get(subject=subject)
    assert (row.paid, row.execution_rate, row.light) == (Decimal("10.00"), None, Light.NONE)


def test_refresh_is_idempotent_and_updates_in_place():
    a, b = funded_subject("500000.00"), funded_subject("800000.00", name="另一个项目")
    pay(a, "100000.00", D(YEAR, 3, 1))
    as_of = D(YEAR, 3, 31)
    assert figures.refresh(YEAR, as_of) == 2
    first = {r.subject_id: (r.paid, r.light) for r in ExecutionFigure.objects.filter(fiscal_year=YEAR, as_of=as_of)}
    assert figures.refresh(YEAR, as_of) == 2
    assert ExecutionFigure.objects.filter(fiscal_year=YEAR, as_of=as_of).count() == 2
    again = {r.subject_id: (r.paid, r.light) for r in ExecutionFigure.objects.filter(fiscal_year=YEAR, as_of=as_of)}
    assert again == first
    pay(b, "400000.00", D(YEAR, 3, 30))
    figures.refresh(YEAR, as_of)
    row = ExecutionFigure.objects.get(subject=b, as_of=as_of)
    assert (row.paid, row.execution_rate) == (Decimal("400000.00"), Decimal("0.5000"))
    assert ExecutionFigure.objects.filter(fiscal_year=YEAR, as_of=as_of).count() == 2


def test_refresh_writes_one_audit_row():
    from audit.models import AuditEntry

    funded_subject()
    before = AuditEntry.objects.filter(object_type="monitoring.executionfigure").count()
    figures.refresh(YEAR, D(YEAR, 2, 28))
    assert AuditEntry.objects.filter(object_type="monitoring.executionfigure").count() == before + 1


def _grid_paid(available: Decimal, progress: Decimal) -> list[Decimal]:
    """Payments that put the rate and the ratio on and around every threshold, and on rounding halves."""
    paid = {Decimal("0"), available, available * 3, (-available / 7).quantize(Decimal("0.01")), Decimal("0.01")}
    for target in (Decimal("0.60"), Decimal("0.80"), Decimal("1")):
        rate = (target * progress).quantize(Decimal("0.0001"))
        for bp in range(-3, 4):
            r = rate + Decimal(bp) / 10000
            for offset in (Decimal("0"), Decimal("0.00005"), Decimal("-0.00005"), Decimal("0.000049")):
                paid.add(((r + offset) * available).quantize(Decimal("0.01")))
    return sorted(paid)


@pytest.mark.parametrize("as_of", [D(YEAR - 1, 12, 31), D(YEAR, 1, 1), D(YEAR, 7, 1), D(YEAR, 9, 30), D(YEAR, 12, 31)])
def test_rate_ratio_and_light_computed_in_sql_equal_the_pure_functions(as_of):
    """DOMAIN.md (*practice*): execution rate ÷ time progress < 60 % red, 60–80 % yellow, ≥ 80 % green — the SQL of
    ``refresh`` gives exactly what ``monitoring.lights`` gives, on a grid around every boundary."""
    LightThresholds.objects.all().delete()  # the defaults: both sides must agree on the boundaries of 60 % / 80 %
    progress = lights.time_progress(YEAR, as_of)
    cases = []
    for available in (Decimal("1000000.00"), Decimal("123457.89"), Decimal("0.03")):
        cases += [(available, paid) for paid in _grid_paid(available, progress or Decimal("0.5"))]
    cases += [(Decimal("0.00"), Decimal("5.00")), (Decimal("-100.00"), Decimal("5.00"))]
    template = funded_subject("1.00", name="网格模板")
    subjects = clone_subjects(template, len(cases), [str(a) for a, _ in cases])
    for subject, (_, paid) in zip(subjects, cases, strict=True):
        if paid:
            pay(subject, paid, D(YEAR, 1, 1) if as_of.year == YEAR else D(YEAR - 1, 12, 31))
    figures.refresh(YEAR, as_of)
    stored = {r.subject_id: r for r in ExecutionFigure.objects.filter(fiscal_year=YEAR, as_of=as_of)}
    seen = set()
    for subject, (available, paid) in zip(subjects, cases, strict=True):
        expected = figures.subject_figures(subject, as_of, YEAR)
        rate = lights.execution_rate(expected.paid, available)
        assert expected.execution_rate == rate
        assert expected.light == lights.execution_light(rate, progress)
        row = stored[subject.pk]
        got = (row.available, row.paid, row.execution_rate, row.time_progress, row.progress_ratio, row.light)
        want = (
            expected.available,
            expected.paid,
            expected.execution_rate,
            expected.time_progress,
            expected.progress_ratio,
            expected.light,
        )
        assert got == want, (available, paid)
        seen.add(row.light)
    if progress:
        assert {Light.RED, Light.YELLOW, Light.GREEN, Light.NONE} <= seen
    else:  # before the fiscal year nothing is due: every measurable subject is green
        assert seen == {Light.GREEN, Light.NONE}


def test_live_figures_equal_stored_figures():
    a, b = funded_subject("300000.00"), funded_subject("90000.00", name="乙项目")
    pay(a, "120000.00", D(YEAR, 5, 2))
    pay(b, "1.00", D(YEAR, 5, 2))
    qs = Subject.objects.filter(pk__in=[a.pk, b.pk])
    live = {f.subject_id: f for f in figures.live_figures(YEAR, D(YEAR, 6, 30), qs)}
    for subject in (a, b):
        assert live[subject.pk] == figures.subject_figures(subject, D(YEAR, 6, 30))


def test_regional_thresholds_apply_to_the_region_and_below():
    """Thresholds are configurable per region (issue 5); a county's own version applies to its organisations."""
    county_unit = Organisation.objects.filter(kind="unit", region__level=3).order_by("pk").first()
    county = county_unit.region
    city_subject = funded_subject("1000000.00")
    county_subject = funded_subject("1000000.00", name="县区项目", organisation=county_unit)
    as_of = D(YEAR, 7, 2)  # time progress 0.5014
    for s in (city_subject, county_subject):
        pay(s, "350000.00", D(YEAR, 7, 1))  # ratio 0.6981: yellow by default
    LightThresholds.objects.all().delete()  # not the demo's versions: this test's own
    LightThresholds.objects.create(
        region=county,
        version=1,
        effective_from=D(YEAR, 1, 1),
        execution_red_below=Decimal("0.70"),
        execution_yellow_below=Decimal("0.90"),
    )
    figures.refresh(YEAR, as_of)
    assert ExecutionFigure.objects.get(subject=city_subject, as_of=as_of).light == Light.YELLOW
    assert ExecutionFigure.objects.get(subject=county_subject, as_of=as_of).light == Light.RED
    assert figures.subject_figures(county_subject, as_of).light == Light.RED
    # Before the county's version takes effect the default applies there too.
    early = D(YEAR - 1, 12, 31)
    default, regional = figures.thresholds_by_region(early)
    assert county.pk not in regional and default == thresholds.thresholds_for(None, early)


def test_refresh_limited_to_a_region():
    county_unit = Organisation.objects.filter(kind="unit", region__level=3).order_by("pk").first()
    city_subject = funded_subject()
    county_subject = funded_subject(name="县区项目", organisation=county_unit)
    assert figures.refresh(YEAR, D(YEAR, 8, 31), region=county_unit.region) == 1
    assert ExecutionFigure.objects.filter(subject=county_subject).exists()
    assert not ExecutionFigure.objects.filter(subject=city_subject).exists()


def test_rollups_sum_paid_and_available_then_divide():
    """Execution rate per department and region = paid ÷ available summed (issue 5), not an average of rates."""
    a = funded_subject("1000000.00")
    b = funded_subject("100000.00", name="小项目")
    pay(a, "100000.00", D(YEAR, 6, 1))  # 10 %
    pay(b, "100000.00", D(YEAR, 6, 1))  # 100 %
    qs = Subject.objects.filter(pk__in=[a.pk, b.pk])
    as_of = D(YEAR, 6, 30)
    for stored in (False, True):
        if stored:
            figures.refresh(YEAR, as_of)
        [dept] = rollups.department_rollup(YEAR, as_of, qs)
        assert dept.key == a.department_id
        assert (dept.available, dept.paid, dept.subjects) == (Decimal("1100000.00"), Decimal("200000.00"), 2)
        assert dept.execution_rate == Decimal("0.1818")
        assert (dept.red, dept.green) == (1, 1)
        assert dept.light == lights.execution_light(Decimal("0.1818"), lights.time_progress(YEAR, as_of))
        [unit] = rollups.unit_rollup(YEAR, as_of, qs)
        assert unit.key == a.organisation_id and unit.paid == Decimal("200000.00")
        total = rollups.total(YEAR, as_of, qs)
        assert (total.available, total.paid, total.subjects) == (Decimal("1100000.00"), Decimal("200000.00"), 2)
        city = a.organisation.region
        rows = rollups.region_rollup(YEAR, as_of, qs, parent=city.parent)
        assert [r.name for r in rows] == [city.name] and rows[0].paid == Decimal("200000.00")
        [own] = rollups.region_rollup(YEAR, as_of, qs, parent=city)
        assert own.name == f"{city.name}本级"
        rows = rollups.subject_rows(YEAR, as_of, qs)
        assert [r.subject_id for r in rows] == [a.pk, b.pk]  # worst ratio first


def test_history_uses_month_ends_until_refreshed():
    subject = funded_subject("120000.00")
    for month in range(1, 7):
        pay(subject, "10000.00", D(YEAR, month, 10))
    points = rollups.history(subject, YEAR, D(YEAR, 6, 15))
    assert [p.as_of for p in points] == [D(YEAR, m, e) for m, e in ((1, 31), (2, 28), (3, 31), (4, 30), (5, 31))] + [
        D(YEAR, 6, 15)
    ]
    assert points[-1].paid == Decimal("60000.00")
    figures.refresh(YEAR, D(YEAR, 3, 31))
    assert [p.as_of for p in rollups.history(subject, YEAR, D(YEAR, 6, 15))] == [D(YEAR, 3, 31), D(YEAR, 6, 15)]


def test_refresh_task_runs_in_the_background(immediate_tasks, persona):
    from audit.models import AuditEntry

    funded_subject()
    result = figures.refresh_task.enqueue(YEAR, D(YEAR, 10, 31).isoformat(), None, persona("perf").pk)
    assert result.return_value["subjects"] == 1
    entry = AuditEntry.objects.filter(object_type="monitoring.executionfigure").order_by("-pk").first()
    assert entry.actor == persona("perf")


def test_region_tree_of_thresholds_uses_nearest_ancestor():
    county = Region.objects.filter(level=3).order_by("code").first()
    city = county.parent
    LightThresholds.objects.all().delete()
    LightThresholds.objects.create(
        region=city,
        version=1,
        effective_from=D(YEAR, 1, 1),
        execution_red_below=Decimal("0.50"),
        execution_yellow_below=Decimal("0.70"),
    )
    _default, regional = figures.thresholds_by_region(D(YEAR, 2, 1))
    assert regional[county.pk] == regional[city.pk] == thresholds.thresholds_for(county, D(YEAR, 2, 1))
    assert regional[county.pk].execution_red_below == Decimal("0.50")


def test_a_region_counting_by_days_gets_its_own_time_progress_in_sql_and_python():
    """Issue 12 §3: months ÷ 12 by default; a region whose thresholds say "by days" gets days ÷ year in the stored
    figures (SQL) exactly as in the pure function, the light judged against it."""
    from monitoring.choices import TimeProgressBasis
    from monitoring.models import ExecutionFigure, LightThresholds

    subject = funded_subject("1000000.00")
    pay(subject, "250000.00", D(YEAR, 3, 15))
    as_of = D(YEAR, 6, 30)
    LightThresholds.objects.create(
        region=subject.organisation.region,
        version=99,
        effective_from=D(YEAR, 1, 1),
        time_progress_basis=TimeProgressBasis.DAYS,
    )
    figures.refresh(YEAR, as_of)
    stored = ExecutionFigure.objects.get(subject=subject, fiscal_year=YEAR, as_of=as_of)
    by_days = lights.time_progress(YEAR, as_of, TimeProgressBasis.DAYS)
    assert by_days != lights.time_progress(YEAR, as_of)
    assert stored.time_progress == by_days == figures.subject_figures(subject, as_of).time_progress
    assert stored.progress_ratio == figures.subject_figures(subject, as_of).progress_ratio

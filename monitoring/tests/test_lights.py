"""Every rule of the monitoring lights at its boundaries (``monitoring.lights``).

Sources: DOMAIN.md "Rules with numbers" — monitoring lights (execution) and (indicator), both *practice*; the
lights are what raises 绩效预警 (seed 003 第十九条: finance watches treasury payments and warns when execution may
deviate from the targets). Thresholds are versioned data per region (issue 5).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from monitoring import lights, thresholds
from monitoring.choices import Light, QualitativeLevel, TimeProgressBasis
from monitoring.lights import Thresholds

D = Decimal


# --- execution light: rate ÷ time progress -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "light"),
    [
        ("0", Light.RED),
        ("0.5999", Light.RED),
        ("0.60", Light.YELLOW),
        ("0.6000", Light.YELLOW),
        ("0.7999", Light.YELLOW),
        ("0.80", Light.GREEN),
        ("1", Light.GREEN),
        ("2.5", Light.GREEN),
        ("-0.1", Light.RED),
    ],
)
def test_execution_light_boundaries(ratio, light):
    """DOMAIN.md monitoring lights (execution), *practice*: rate ÷ time progress < 60 % red, 60–80 % yellow,
    ≥ 80 % green; red and yellow are what raise 绩效预警 (seed 003 第十九条)."""
    assert lights.execution_light(D(ratio), D("1")) == light  # time progress 1: the ratio is the rate


@pytest.mark.parametrize(
    ("rate", "progress", "ratio", "light"),
    [
        ("0.2999", "0.5000", "0.5998", Light.RED),
        ("0.3000", "0.5000", "0.6000", Light.YELLOW),
        ("0.3999", "0.5000", "0.7998", Light.YELLOW),
        ("0.4000", "0.5000", "0.8000", Light.GREEN),
        ("0.3000", "0.5001", "0.5999", Light.RED),  # 0.59988 shows as 0.5999
        ("0.2999", "0.4998", "0.6000", Light.YELLOW),  # 0.60004 shows as 0.6000: the light follows the shown ratio
        ("0.3999", "0.4999", "0.8000", Light.GREEN),  # 0.79996
    ],
)
def test_execution_light_is_judged_on_the_ratio_as_shown(rate, progress, ratio, light):
    """DOMAIN.md monitoring lights (execution), *practice*: the ratio is rate ÷ time progress to four places, and the
    colour is judged on that number (ADR 0015), so a page never shows 0.6000 beside a red light."""
    assert lights.progress_ratio(D(rate), D(progress)) == D(ratio)
    assert lights.execution_light(D(rate), D(progress)) == light


def test_execution_light_without_budget_or_before_the_year():
    """DOMAIN.md monitoring lights (execution), *practice*: no available budget → no rate and no light; before the
    fiscal year starts nothing is due, so any rate is green."""
    assert lights.execution_rate(D("100"), D("0")) is None
    assert lights.execution_light(None, D("0.5")) == Light.NONE
    assert lights.progress_ratio(None, D("0.5")) is None
    assert lights.execution_light(D("0"), D("0")) == Light.GREEN
    assert lights.progress_ratio(D("0.1"), D("0")) is None


def test_execution_rate_rounds_half_up_to_four_places():
    """DOMAIN.md: 预算执行率 = paid ÷ available, shown to four places (0.01 %)."""
    assert lights.execution_rate(D("599950.00"), D("1000000.00")) == D("0.6000")
    assert lights.execution_rate(D("599949.99"), D("1000000.00")) == D("0.5999")
    assert lights.execution_rate(D("-50.00"), D("1000000.00")) == D("-0.0001")  # a refund: away from zero


def test_execution_light_with_regional_thresholds():
    """Thresholds are configurable per region (issue 5; DOMAIN.md *practice* gives the defaults 60 % / 80 %)."""
    strict = Thresholds(execution_red_below=D("0.70"), execution_yellow_below=D("0.90"))
    assert lights.execution_light(D("0.65"), D("1"), strict) == Light.RED
    assert lights.execution_light(D("0.70"), D("1"), strict) == Light.YELLOW
    assert lights.execution_light(D("0.8999"), D("1"), strict) == Light.YELLOW
    assert lights.execution_light(D("0.90"), D("1"), strict) == Light.GREEN


# --- time progress and elapsed months --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "on", "progress"),
    [
        (2027, date(2027, 1, 1), "0.0027"),  # 1/365: the first day counts once it is over
        (2027, date(2027, 6, 30), "0.4959"),  # 181/365
        (2027, date(2027, 12, 31), "1.0000"),
        (2028, date(2028, 1, 1), "0.0027"),  # 1/366
        (2028, date(2028, 2, 29), "0.1639"),  # 60/366 in a leap year
        (2028, date(2028, 6, 30), "0.4973"),  # 182/366
        (2028, date(2028, 12, 31), "1.0000"),
        (2027, date(2026, 12, 31), "0.0000"),  # before the fiscal year
        (2027, date(2028, 3, 1), "1.0000"),  # after it
    ],
)
def test_time_progress_by_days(year, on, progress):
    """DOMAIN.md 序时进度, counted by days (a region's choice): the elapsed share of the year's days."""
    assert lights.time_progress(year, on, TimeProgressBasis.DAYS) == D(progress)


@pytest.mark.parametrize(
    "year, on, progress",
    [
        (2027, date(2027, 6, 30), "0.5000"),  # issue 12 §3: at a month end, months ÷ 12 — 30 June is 50.0 %
        (2027, date(2027, 1, 31), "0.0833"),  # 1/12
        (2028, date(2028, 2, 29), "0.1667"),  # 2/12, the leap day being February's end
        (2027, date(2027, 2, 28), "0.1667"),
        (2027, date(2027, 9, 15), "0.7083"),  # within a month its passed days: (8 + 15/30) ÷ 12
        (2027, date(2027, 1, 1), "0.0027"),  # (0 + 1/31) ÷ 12
        (2027, date(2027, 12, 31), "1.0000"),
        (2027, date(2026, 12, 31), "0.0000"),  # before the fiscal year
        (2027, date(2028, 3, 1), "1.0000"),  # after it
    ],
)
def test_time_progress_by_months_is_the_default(year, on, progress):
    """DOMAIN.md 序时进度 (*practice*, issue 12 §3): by months unless a region chooses days."""
    assert lights.time_progress(year, on) == D(progress)
    assert lights.time_progress(year, on, TimeProgressBasis.MONTHS) == D(progress)
    assert lights.DEFAULT.time_progress_basis == TimeProgressBasis.MONTHS


@pytest.mark.parametrize(
    ("year", "on", "months"),
    [
        (2027, date(2027, 1, 1), 0),
        (2027, date(2027, 1, 31), 1),
        (2027, date(2027, 2, 28), 2),
        (2028, date(2028, 2, 28), 1),
        (2028, date(2028, 2, 29), 2),
        (2027, date(2027, 7, 30), 6),
        (2027, date(2027, 7, 31), 7),
        (2027, date(2027, 12, 31), 12),
        (2027, date(2026, 12, 31), 0),
        (2027, date(2028, 1, 1), 12),
    ],
)
def test_elapsed_months(year, on, months):
    """DOMAIN.md monitoring lights (indicator), *practice*: "months" of expected-to-date are whole months covered by
    the data (data to 31 July → 7; a month counts once its last day is reached)."""
    assert lights.elapsed_months(year, on) == months


# --- indicator light ---------------------------------------------------------------------------------------------


def test_expected_to_date():
    """DOMAIN.md monitoring lights (indicator), *practice*: expected-to-date = annual target × months ÷ 12 for
    cumulative indicators; the whole target otherwise."""
    assert lights.expected_to_date(D("1200"), 7) == D("700")
    assert lights.expected_to_date(D("1000"), 6) == D("500")
    assert lights.expected_to_date(D("95"), 7, cumulative=False) == D("95")


@pytest.mark.parametrize(
    ("actual", "light"),
    [
        ("0", Light.RED),
        ("59.99", Light.RED),
        ("60", Light.YELLOW),
        ("79.99", Light.YELLOW),
        ("80", Light.GREEN),
        ("100", Light.GREEN),
        ("119.99", Light.GREEN),
        ("120", Light.BLUE),
        ("500", Light.BLUE),
    ],
)
def test_indicator_ratio_boundaries(actual, light):
    """DOMAIN.md monitoring lights (indicator), *practice*: actual < 60 % of expected-to-date red, 60–80 % yellow,
    80–120 % green, ≥ 120 % blue (a target set too low); red and yellow raise 绩效预警 (seed 003 第十九条)."""
    assert lights.ratio_light(D(actual), D("100")) == light
    # The same through the indicator row: annual 1200, data to 30 June → expected 600, actual scaled ×6.
    assert lights.indicator_light("ge", D("1200"), D(actual) * 6, 6) == light


def test_indicator_with_nothing_expected_yet():
    """DOMAIN.md monitoring lights (indicator), *practice*: in January (0 months) nothing is expected of a cumulative
    indicator yet, so any non-negative actual is green."""
    assert lights.indicator_light("ge", D("1200"), D("0"), 0) == Light.GREEN
    assert lights.ratio_light(D("-1"), D("0")) == Light.RED


@pytest.mark.parametrize(
    ("actual", "light"), [("80", Light.GREEN), ("100", Light.GREEN), ("100.01", Light.RED), ("150", Light.RED)]
)
def test_negative_indicator_within_and_beyond_the_limit(actual, light):
    """DOMAIN.md monitoring lights (indicator), *practice*: negative (≤) indicators green within the limit — the
    limit itself included — red beyond it, whatever the month."""
    assert lights.indicator_light("le", D("100"), D(actual), 3) == light
    assert lights.indicator_light("le", D("100"), D(actual), 12, cumulative=False) == light


@pytest.mark.parametrize(
    ("level", "light"),
    [
        (QualitativeLevel.ACHIEVED, Light.GREEN),
        (QualitativeLevel.PARTLY, Light.YELLOW),
        (QualitativeLevel.NOT_ACHIEVED, Light.RED),
        ("", Light.NONE),
    ],
)
def test_qualitative_three_levels(level, light):
    """DOMAIN.md qualitative indicator (*practice*, 10号 notes): 达成预期 / 部分达成并具有一定效果 / 未达成且效果较差
    → green / yellow / red; not yet judged → no light."""
    assert lights.indicator_light("qualitative", None, None, 6, qualitative_level=level) == light


@pytest.mark.parametrize(
    ("comparator", "target", "actual", "light"),
    [
        ("ge", "95", "95", Light.GREEN),
        ("ge", "95", "99.5", Light.GREEN),
        ("ge", "95", "94.99", Light.RED),
        ("eq", "100", "100", Light.GREEN),
        ("eq", "100", "99", Light.RED),
        ("eq", "100", "101", Light.RED),
        ("le", "30", "30", Light.GREEN),
        ("le", "30", "30.5", Light.RED),
    ],
)
def test_quality_time_cost_in_or_out_of_range(comparator, target, actual, light):
    """DOMAIN.md monitoring lights (indicator), *practice*: quality, time and cost indicators are not pro-rated —
    green within the range the target sets, red outside (no yellow, no blue)."""
    assert lights.indicator_light(comparator, D(target), D(actual), 5, cumulative=False) == light


def test_indicator_without_figures_has_no_light():
    """DOMAIN.md monitoring lights (indicator): an indicator with no actual yet is not judged."""
    assert lights.indicator_light("ge", D("100"), None, 6) == Light.NONE
    assert lights.indicator_light("ge", None, D("5"), 6) == Light.NONE


def test_indicator_light_with_regional_thresholds():
    """Thresholds are configurable per region (issue 5)."""
    th = Thresholds(indicator_red_below=D("0.50"), indicator_yellow_below=D("0.70"), indicator_blue_from=D("1.50"))
    assert lights.ratio_light(D("49.99"), D("100"), th) == Light.RED
    assert lights.ratio_light(D("50"), D("100"), th) == Light.YELLOW
    assert lights.ratio_light(D("70"), D("100"), th) == Light.GREEN
    assert lights.ratio_light(D("149.99"), D("100"), th) == Light.GREEN
    assert lights.ratio_light(D("150"), D("100"), th) == Light.BLUE


# --- worst-of -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ([], Light.NONE),
        ([Light.NONE], Light.NONE),
        ([Light.NONE, Light.GREEN], Light.GREEN),
        ([Light.GREEN, Light.BLUE], Light.BLUE),
        ([Light.BLUE, Light.YELLOW, Light.GREEN], Light.YELLOW),
        ([Light.GREEN, Light.RED, Light.YELLOW, Light.BLUE], Light.RED),
        (["green", "yellow"], Light.YELLOW),
    ],
)
def test_target_light_is_the_worst_indicator(given, expected):
    """Issue 5 (DOMAIN.md monitoring lights, *practice*): a subject's target light is its worst indicator's; blue
    (target too low) ranks above green, below yellow; "no data" only when nothing else is known."""
    assert lights.worst(given) == expected


# --- thresholds per region, inheritance and versions ----------------------------------------------------------------


@pytest.fixture
def regions(db):
    from organisations.models import Region

    county = Region.objects.filter(level=3).order_by("code").first()
    return county.parent.parent, county.parent, county  # province, city, county


def _version(region, version, effective, red="0.60", yellow="0.80"):
    from monitoring.models import LightThresholds

    return LightThresholds.objects.create(
        region=region,
        version=version,
        effective_from=effective,
        execution_red_below=D(red),
        execution_yellow_below=D(yellow),
    )


def test_code_defaults_when_no_row_exists(regions):
    """DOMAIN.md monitoring lights, *practice*: 60 % / 80 % (indicator also 120 %) when nothing is configured."""
    from monitoring.models import LightThresholds

    LightThresholds.objects.all().delete()
    assert thresholds.thresholds_for(regions[2], date(2027, 5, 1)) == lights.DEFAULT
    assert lights.DEFAULT == Thresholds(D("0.60"), D("0.80"), D("0.60"), D("0.80"), D("1.20"))


def test_region_inherits_from_the_nearest_ancestor_then_the_default_row(regions):
    """Issue 5: thresholds configurable per region; a region without its own uses its nearest ancestor's, then the
    province-wide default row (region empty)."""
    from monitoring.models import LightThresholds

    LightThresholds.objects.all().delete()
    province, city, county = regions
    _version(None, 1, date(2027, 1, 1), "0.55", "0.75")
    on = date(2027, 5, 1)
    assert thresholds.thresholds_for(county, on).execution_red_below == D("0.55")
    _version(city, 1, date(2027, 1, 1), "0.65", "0.85")
    assert thresholds.thresholds_for(county, on).execution_red_below == D("0.65")  # the city's, inherited
    assert thresholds.thresholds_for(province, on).execution_red_below == D("0.55")  # above the city: the default
    _version(county, 1, date(2027, 1, 1), "0.70", "0.90")
    assert thresholds.thresholds_for(county, on).execution_yellow_below == D("0.90")
    assert thresholds.thresholds_for(city, on).execution_yellow_below == D("0.85")
    assert thresholds.thresholds_for(None, on).execution_yellow_below == D("0.75")


def test_versions_apply_by_effective_date(regions):
    """Issue 5 / ADR 0015: editing thresholds creates a new version with an effective date; on a date the version
    with the latest effective date on or before it applies (the higher version when two share a date), so a
    past date keeps the numbers that were in force then."""
    from monitoring.models import LightThresholds

    LightThresholds.objects.all().delete()
    county = regions[2]
    _version(county, 1, date(2027, 1, 1), "0.60")
    _version(county, 2, date(2027, 7, 1), "0.70")
    _version(county, 3, date(2027, 3, 1), "0.65")  # entered later, effective earlier
    assert thresholds.thresholds_for(county, date(2026, 12, 31)) == lights.DEFAULT  # nothing in force yet
    assert thresholds.thresholds_for(county, date(2027, 2, 28)).execution_red_below == D("0.60")
    assert thresholds.thresholds_for(county, date(2027, 3, 1)).execution_red_below == D("0.65")
    assert thresholds.thresholds_for(county, date(2027, 6, 30)).execution_red_below == D("0.65")
    assert thresholds.thresholds_for(county, date(2027, 7, 1)).execution_red_below == D("0.70")
    _version(county, 4, date(2027, 7, 1), "0.75")  # same date, higher version: a correction
    assert thresholds.thresholds_for(county, date(2027, 8, 1)).execution_red_below == D("0.75")

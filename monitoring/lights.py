"""The monitoring lights as pure functions (DOMAIN.md "Rules with numbers", *practice*): no query here. Their numbers
come as a ``Thresholds`` value; the one in force for a region and a date is read by ``monitoring.thresholds.
thresholds_for`` (versioned per region). Everything else in monitoring — figures refresh, monitoring
tables, warnings, reports — asks these functions, so a light means the same on every page.

Execution light: execution rate ÷ time progress < 60 % red, 60–80 % yellow, ≥ 80 % green.
Indicator light: expected-to-date = annual target × months ÷ 12 for cumulative indicators (the whole annual
target otherwise); actual < 60 % of it red, 60–80 % yellow, 80–120 % green, ≥ 120 % blue. Negative (≤)
indicators: green within the limit, red beyond. Qualitative: 达成预期 green, 部分达成 yellow, 未达成 red.
A subject's target light is its worst indicator's (``worst``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from monitoring.choices import LIGHT_SEVERITY, Light, QualitativeLevel, TimeProgressBasis

FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Thresholds:
    execution_red_below: Decimal = Decimal("0.60")
    execution_yellow_below: Decimal = Decimal("0.80")
    indicator_red_below: Decimal = Decimal("0.60")
    indicator_yellow_below: Decimal = Decimal("0.80")
    indicator_blue_from: Decimal = Decimal("1.20")
    time_progress_basis: str = TimeProgressBasis.MONTHS
    # Which stored version these numbers are (``LightThresholds``): recorded with every stored figure and shown next
    # to each light, so "the same numbers" is also "the same version". Not part of equality: two versions with the
    # same numbers judge alike. None: the built-in defaults (no version stored anywhere).
    version_id: int | None = field(default=None, compare=False)
    version: int | None = field(default=None, compare=False)
    region_name: str = field(default="", compare=False)
    effective_from: date | None = field(default=None, compare=False)

    @classmethod
    def of(cls, row) -> Thresholds:
        return cls(
            row.execution_red_below,
            row.execution_yellow_below,
            row.indicator_red_below,
            row.indicator_yellow_below,
            row.indicator_blue_from,
            row.time_progress_basis,
            version_id=row.pk,
            version=row.version,
            region_name=row.region.name if row.region_id else "全省默认",
            effective_from=row.effective_from,
        )

    @property
    def basis_label(self) -> str:
        return TimeProgressBasis(self.time_progress_basis).label

    @property
    def label(self) -> str:
        """The version in words: "示范市中区 第 2 版（2026年7月1日起）", or the built-in defaults."""
        if self.version_id is None:
            return "系统默认值"
        since = self.effective_from
        return f"{self.region_name} 第 {self.version} 版（{since.year}年{since.month}月{since.day}日起）"


DEFAULT = Thresholds()


def _q(value: Decimal) -> Decimal:
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def time_progress(fiscal_year: int, as_of: date, basis: str = TimeProgressBasis.MONTHS) -> Decimal:
    """序时进度: the elapsed share of the fiscal year (calendar year) at the end of ``as_of``; 0 before the year,
    1 after it. By months (the default, national practice: at a month end the months passed ÷ 12, so 30 June is
    exactly 50 %; within a month its passed days count as that share of the month), or by days (a region's choice:
    days passed ÷ days of the year, 30 June 49.59 %)."""
    if as_of < date(fiscal_year, 1, 1):
        return _q(Decimal(0))
    if as_of > date(fiscal_year, 12, 31):
        return _q(Decimal(1))
    if basis == TimeProgressBasis.DAYS:
        days = 366 if calendar.isleap(fiscal_year) else 365
        return _q(Decimal((as_of - date(fiscal_year, 1, 1)).days + 1) / Decimal(days))
    month_days = calendar.monthrange(fiscal_year, as_of.month)[1]
    return _q((Decimal(as_of.month - 1) + Decimal(as_of.day) / Decimal(month_days)) / Decimal(12))


def elapsed_months(fiscal_year: int, as_of: date) -> int:
    """Whole months of the fiscal year covered by data to ``as_of`` (data to 31 July → 7); a month counts once
    its last day is reached."""
    if as_of.year < fiscal_year:
        return 0
    if as_of.year > fiscal_year:
        return 12
    last_day = calendar.monthrange(as_of.year, as_of.month)[1]
    return as_of.month if as_of.day == last_day else as_of.month - 1


def execution_rate(paid: Decimal, available: Decimal) -> Decimal | None:
    """预算执行率 = paid ÷ available budget; None when nothing is available."""
    if not available:
        return None
    return _q(Decimal(paid) / Decimal(available))


def progress_ratio(rate: Decimal | None, progress: Decimal) -> Decimal | None:
    """执行率÷序时进度, to four places (the number shown next to the light); None without a rate or before the
    fiscal year starts."""
    if rate is None or not progress:
        return None
    return _q(Decimal(rate) / Decimal(progress))


def execution_light(rate: Decimal | None, progress: Decimal, thresholds: Thresholds = DEFAULT) -> str:
    """The execution light judged on ``progress_ratio`` as shown (four places), so the number and the colour
    on a page never disagree: ratio < red_below red, < yellow_below yellow, else green."""
    if rate is None:
        return Light.NONE
    if not progress:
        return Light.GREEN  # nothing is due yet
    ratio = progress_ratio(rate, progress)
    if ratio < thresholds.execution_red_below:
        return Light.RED
    if ratio < thresholds.execution_yellow_below:
        return Light.YELLOW
    return Light.GREEN


def expected_to_date(annual_target: Decimal, months: int, cumulative: bool = True) -> Decimal:
    """序时目标: annual target × months ÷ 12 for cumulative indicators; the annual target itself otherwise."""
    if not cumulative:
        return Decimal(annual_target)
    return Decimal(annual_target) * Decimal(months) / Decimal(12)


def ratio_light(actual: Decimal, expected: Decimal, thresholds: Thresholds = DEFAULT) -> str:
    """A positive quantitative indicator: actual against its expected-to-date value."""
    if expected <= 0:
        return Light.GREEN if actual >= expected else Light.RED
    share = Decimal(actual) / Decimal(expected)
    if share < thresholds.indicator_red_below:
        return Light.RED
    if share < thresholds.indicator_yellow_below:
        return Light.YELLOW
    if share < thresholds.indicator_blue_from:
        return Light.GREEN
    return Light.BLUE


def indicator_light(
    comparator: str,
    annual_target: Decimal | None,
    actual: Decimal | None,
    months: int,
    *,
    cumulative: bool = True,
    qualitative_level: str = "",
    thresholds: Thresholds = DEFAULT,
) -> str:
    """The light of one indicator row. ``comparator`` is targets.choices.Comparator ("ge", "le", "eq",
    "qualitative"); ``cumulative`` False for quality/time/cost indicators, judged against the whole target."""
    if comparator == "qualitative":
        return {
            QualitativeLevel.ACHIEVED: Light.GREEN,
            QualitativeLevel.PARTLY: Light.YELLOW,
            QualitativeLevel.NOT_ACHIEVED: Light.RED,
        }.get(qualitative_level, Light.NONE)
    if annual_target is None or actual is None:
        return Light.NONE
    if comparator == "le":  # a negative indicator: within the limit or not
        return Light.GREEN if actual <= annual_target else Light.RED
    if not cumulative:
        # quality / time / cost: green within range, red outside.
        if comparator == "eq":
            return Light.GREEN if actual == annual_target else Light.RED
        return Light.GREEN if actual >= annual_target else Light.RED
    return ratio_light(Decimal(actual), expected_to_date(Decimal(annual_target), months), thresholds)


def worst(lights) -> str:
    """A subject's target light: its worst indicator light (no data counts only when nothing else is known)."""
    result = Light.NONE
    for light in lights:
        if LIGHT_SEVERITY[Light(light)] > LIGHT_SEVERITY[Light(result)]:
            result = light
    return result

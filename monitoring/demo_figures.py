"""Demo execution figures (issue 5): the stored figures of the demo's fiscal year (``core.fiscal.default_year()``)
at each month end up to the demo's "today" and at today itself, so the 运行监控总览 and its charts open on data;
and a regional threshold version for the first county (its performance section is stricter than the default),
so the thresholds page shows inheritance and a version history.

Runs after the execution seeder (payments and allocations) and before the rounds and warnings (``monitoring.demo``).
Idempotent: a date whose figures are stored is not recomputed, and the county's version is made once.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from accounts.models import User
from audit.context import acting_as
from core import clock, fiscal
from demo.seed import register
from monitoring import figures, rollups, thresholds
from monitoring.models import ExecutionFigure, LightThresholds

COUNTY_KEY = "county0:section:performance"


def demo_dates(year: int, today: datetime.date) -> list[datetime.date]:
    until = min(today, datetime.date(year, 12, 31))
    dates = rollups.month_ends(year, until)
    if until not in dates and until.year == year:
        dates.append(until)
    return dates


@register
def seed_execution_figures(seeder) -> None:
    year = fiscal.default_year()
    perf = User.objects.filter(username="perf").first()
    with acting_as(user=perf, name=str(perf) if perf else "系统（演示数据）"):
        stored = set(ExecutionFigure.objects.filter(fiscal_year=year).values_list("as_of", flat=True).distinct())
        for as_of in demo_dates(year, clock.today()):
            if as_of not in stored:
                seeder.created += figures.refresh(year, as_of, reason=f"演示数据：计算截至 {as_of} 的预算执行情况")
    _seed_county_thresholds(seeder, year)


def _seed_county_thresholds(seeder, year: int) -> None:
    section = seeder.index.get(COUNTY_KEY)
    county_perf = User.objects.filter(username="county_perf").first()
    if section is None or county_perf is None:
        return
    county = section.region
    if LightThresholds.objects.filter(region=county).exists():
        return
    with acting_as(user=county_perf, name=str(county_perf)):
        thresholds.save_version(
            county_perf,
            LightThresholds(
                region=county,
                effective_from=datetime.date(year, 1, 1),
                execution_red_below=Decimal("0.65"),
                execution_yellow_below=Decimal("0.85"),
                note="本县重点民生项目较多，执行进度预警从严",
            ),
        )
        thresholds.save_version(
            county_perf,
            LightThresholds(
                region=county,
                effective_from=datetime.date(year, 7, 1),
                execution_red_below=Decimal("0.70"),
                execution_yellow_below=Decimal("0.90"),
                note="下半年加快支出进度，进一步从严",
            ),
        )
    seeder.created += 2

"""The fiscal year: the year a user works in (the switcher, kept in the session), and a date kept within a fiscal
year (the business date seen from a past or a coming year)."""

from __future__ import annotations

import datetime

from core import clock

SESSION_KEY = "fiscal_year"


def default_year() -> int:
    return clock.year()


def year_choices() -> list[int]:
    year = default_year()
    return list(range(year + 1, year - 5, -1))


def current_year(request) -> int:
    value = request.session.get(SESSION_KEY)
    return value if value in year_choices() else default_year()


def set_year(request, year: int) -> bool:
    if year not in year_choices():
        return False
    request.session[SESSION_KEY] = year
    return True


def clamp_to_year(day: datetime.date, fiscal_year: int) -> datetime.date:
    """``day`` kept within ``fiscal_year`` (a calendar year): 1 January before it, 31 December after it."""
    return min(max(day, datetime.date(fiscal_year, 1, 1)), datetime.date(fiscal_year, 12, 31))


def business_date_in_year(fiscal_year: int) -> datetime.date:
    """The business date (``clock.today()``) seen from ``fiscal_year``: itself within the year, the year's last day
    for a past year, its first day for a coming one."""
    return clamp_to_year(clock.today(), fiscal_year)

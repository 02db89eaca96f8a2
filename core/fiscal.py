"""The fiscal-year switcher: the year a user works in, kept in the session."""

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

"""The business clock: the "today" and "now" of every rule that depends on a date.

Deadlines, overdue checks, the default fiscal year, the rule version in force, the date a warning is raised or a
document submitted all read ``clock.today()`` / ``clock.now()``. Three things may set the business date, the first
that applies winning:

1. ``pinned(day)``: a context (a context variable) used by the demo seeder, by tests that need a date, and by
   anything that replays the past with an explicit ``as_of``;
2. the setting ``JIXIAO_BUSINESS_DATE`` (an ISO date, or ``demo`` for ``DEMO_TODAY``): a demo or training
   installation whose data was made for one day, and the test suite (conftest.py);
3. otherwise the wall clock, in ``settings.TIME_ZONE``.

What is *not* business time stays on Django's ``timezone.now()``: the audit trail, sign-in security (lockout,
password age, idle timeout, token lifetime), the timing of background jobs and the ``created_at`` of records.
Those must tell the real time even in a demo. docs/decisions/0017-business-clock.md.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

# The one day the demo city is made for: mid-September of the demo year, after the July monitoring round
# closed (data to 31 July, due 20 August) and before the year ends. Every demo date is relative to it.
DEMO_TODAY = datetime.date(2026, 9, 15)

_pinned: ContextVar[datetime.date | None] = ContextVar("jixiao_business_date", default=None)


def parse_business_date(value: str | None) -> datetime.date | None:
    """The setting's value: empty → None (the wall clock), ``demo`` → DEMO_TODAY, else an ISO date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value
    if value.strip().lower() == "demo":
        return DEMO_TODAY
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise ImproperlyConfigured(
            f"配置错误：JIXIAO_BUSINESS_DATE={value!r} 不是日期（应为 2026-09-15 这样的日期，或 demo）"
        ) from None


def business_date() -> datetime.date | None:
    """The fixed business date, or None when the business clock follows the wall clock."""
    return _pinned.get() or parse_business_date(getattr(settings, "JIXIAO_BUSINESS_DATE", None))


def today() -> datetime.date:
    return business_date() or timezone.localdate()


def now() -> datetime.datetime:
    """An aware datetime. On a fixed business date it is that date at the wall clock's time of day, so two
    events of one session keep their order and a 10-day deadline is 10 business days away."""
    fixed = business_date()
    real = timezone.localtime()
    if fixed is None:
        return real
    return real.replace(year=fixed.year, month=fixed.month, day=fixed.day)


def year() -> int:
    return today().year


@contextmanager
def pinned(day: datetime.date) -> Iterator[datetime.date]:
    """Run a block on the business date ``day`` (the demo seeder, a test, a replay ``as_of``)."""
    token = _pinned.set(day)
    try:
        yield day
    finally:
        _pinned.reset(token)

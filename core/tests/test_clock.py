"""The business clock (core/clock.py): a pinned date wins over the setting, the setting over the wall clock."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from core import clock, fiscal


def test_the_suite_runs_on_the_demo_today():
    assert clock.today() == clock.DEMO_TODAY
    assert fiscal.default_year() == clock.DEMO_TODAY.year


def test_a_pinned_date_wins_and_is_undone_after_the_block(settings):
    settings.JIXIAO_BUSINESS_DATE = "2027-03-01"
    assert clock.today() == datetime.date(2027, 3, 1)
    with clock.pinned(datetime.date(2028, 1, 4)):
        assert clock.today() == datetime.date(2028, 1, 4)
        assert clock.now().date() == datetime.date(2028, 1, 4)
        assert fiscal.default_year() == 2028
    assert clock.today() == datetime.date(2027, 3, 1)


def test_now_keeps_the_time_of_day_and_is_aware():
    before = timezone.localtime()
    now = clock.now()
    assert timezone.is_aware(now)
    assert now.date() == clock.DEMO_TODAY
    assert abs(now.hour * 60 + now.minute - (before.hour * 60 + before.minute)) <= 1


def test_without_a_business_date_the_wall_clock_in_the_bureaus_time_zone(settings):
    settings.JIXIAO_BUSINESS_DATE = ""
    assert clock.business_date() is None
    assert clock.today() == timezone.localdate()


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "15/09/2026"])
def test_a_malformed_business_date_is_refused_with_the_variable_named(settings, value):
    settings.JIXIAO_BUSINESS_DATE = value
    with pytest.raises(ImproperlyConfigured, match="JIXIAO_BUSINESS_DATE"):
        clock.today()

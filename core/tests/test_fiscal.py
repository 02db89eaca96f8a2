"""A date kept within a fiscal year (core/fiscal.py): one function for the dashboard's default date, the 驾驶舱's
date and the date a treasury load is followed as of. CI also runs the suite under a faked clock on 4 January and on
31 December (README, bash .ci/run): these are the two edges."""

import datetime

from core import clock, fiscal


def test_clamp_to_year_on_4_january_and_31_december():
    jan4, dec31 = datetime.date(2027, 1, 4), datetime.date(2026, 12, 31)
    assert fiscal.clamp_to_year(jan4, 2027) == jan4  # within the year: itself
    assert fiscal.clamp_to_year(jan4, 2026) == dec31  # a past year: its last day
    assert fiscal.clamp_to_year(jan4, 2028) == datetime.date(2028, 1, 1)  # a coming year: its first day
    assert fiscal.clamp_to_year(dec31, 2026) == dec31
    assert fiscal.clamp_to_year(dec31, 2027) == datetime.date(2027, 1, 1)
    assert fiscal.clamp_to_year(dec31, 2025) == datetime.date(2025, 12, 31)


def test_business_date_in_year_follows_the_business_clock():
    with clock.pinned(datetime.date(2027, 1, 4)):
        assert fiscal.business_date_in_year(2027) == datetime.date(2027, 1, 4)
        assert fiscal.business_date_in_year(2026) == datetime.date(2026, 12, 31)  # last year's load, seen at its end
    with clock.pinned(datetime.date(2026, 12, 31)):
        assert fiscal.business_date_in_year(2026) == datetime.date(2026, 12, 31)
        assert fiscal.business_date_in_year(2027) == datetime.date(2027, 1, 1)


def test_the_wall_clock_is_enough(settings):
    """Without a fixed business date (production) the date still comes from the clock, never None."""
    settings.JIXIAO_BUSINESS_DATE = ""
    from monitoring import follow_treasury

    year = clock.today().year
    assert follow_treasury.data_date(year) == clock.today()
    assert follow_treasury.data_date(year - 1) == datetime.date(year - 1, 12, 31)

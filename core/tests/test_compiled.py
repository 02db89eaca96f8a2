"""core/compiled.py: a statement compiled once per question gives the same rows as the ORM, typed as the ORM types
them (decimals stay Decimal on SQLite), never another question's rows, and nothing for an empty reach."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from core import compiled
from organisations.models import Organisation
from subjects.models import SubjectYearAmount

pytestmark = pytest.mark.django_db


def _by_year(qs):
    return (
        qs.order_by()
        .values("fiscal_year")
        .annotate(n=Count("pk"), total=Sum("arranged_amount"))
        .order_by("fiscal_year")
    )


def test_rows_equal_the_orm_and_keep_their_types():
    base = SubjectYearAmount.objects.all()
    expected = list(_by_year(base))
    assert expected, "the demo has budget rows"
    got = compiled.rows("test.by_year", base, _by_year)
    assert got == expected
    assert all(isinstance(r["total"], Decimal) or r["total"] is None for r in got)
    assert compiled.rows("test.by_year", base, _by_year) == expected  # the second time from the compiled statement


def test_another_question_never_gets_earlier_rows():
    every = compiled.rows("test.by_year", SubjectYearAmount.objects.all(), _by_year)
    one = Organisation.objects.filter(subjects__year_amounts__isnull=False).first()
    some = SubjectYearAmount.objects.filter(subject__organisation=one)
    mine = compiled.rows("test.by_year", some, _by_year)
    assert mine == list(_by_year(some)) and mine != every
    year = every[0]["fiscal_year"]
    only = compiled.rows(
        "test.by_year", SubjectYearAmount.objects.all(), lambda qs: _by_year(qs.filter(fiscal_year=year)), extra=(year,)
    )
    assert [r["fiscal_year"] for r in only] == [year]


def test_an_empty_reach_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert compiled.rows("test.by_year", SubjectYearAmount.objects.none(), _by_year) == []

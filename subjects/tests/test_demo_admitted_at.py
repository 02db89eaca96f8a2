"""The bulk demo library (seed_demo --scale …, subjects/demo.py) gives every subject past the application its
admission time (项目立项, ``Subject.admitted_at``), relative to the demo's today (core/clock.py ``DEMO_TODAY``): the
10-day target deadline runs from it (seed 004 三（五）2). Subjects the other demo modules make through the real
actions are admitted by those actions."""

import datetime

import pytest

from core import clock
from subjects import demo
from subjects.choices import LibraryStage
from subjects.models import Subject

pytestmark = pytest.mark.django_db
# Made outside the bulk library, directly in the targets demo (targets/demo.py, targets/demo_history.py).
NOT_BULK = {"示范市教育局部门整体支出", "示范市义务教育薄弱环节改善转移支付资金"}


def bulk():
    from targets.demo_history import HISTORY

    return Subject.objects.exclude(name__in=NOT_BULK | {h[1] for h in HISTORY}).exclude(
        organisation__name="示范市第一中学"
    )


def test_every_admitted_bulk_subject_has_its_admission_time_before_the_demo_today():
    admitted = bulk().exclude(stage=LibraryStage.PENDING)
    assert admitted.count() > 20
    assert not admitted.filter(admitted_at__isnull=True).exists()
    assert not bulk().filter(stage=LibraryStage.PENDING, admitted_at__isnull=False).exists()
    assert all(s.admitted_at.date() <= clock.DEMO_TODAY for s in admitted)


def test_subjects_of_the_year_are_admitted_before_funding_and_the_newly_admitted_recently():
    year = clock.DEMO_TODAY.year
    funded = bulk().filter(stage__in=[LibraryStage.FUNDED, LibraryStage.EXECUTING], fiscal_year=year)
    assert funded.exists()
    assert all(s.admitted_at.date() < datetime.date(year, 1, 1) for s in funded)  # the autumn before (一上)
    waiting = bulk().filter(stage=LibraryStage.ADMITTED, fiscal_year=year)
    assert waiting.exists()
    ages = {(clock.DEMO_TODAY - s.admitted_at.date()).days for s in waiting}
    assert max(ages) <= 21 and min(ages) >= 1
    with clock.pinned(clock.DEMO_TODAY):
        assert demo._admitted_at(LibraryStage.PENDING, 3) is None
        assert demo._admitted_at(LibraryStage.ADMITTED, 0).date() == clock.DEMO_TODAY - datetime.timedelta(days=1)

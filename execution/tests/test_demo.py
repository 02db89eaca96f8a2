"""The demo's execution data: deterministic, idempotent, consistent with each funded subject's budget."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from core import clock
from execution.choices import MatchStatus, RecordSource
from execution.models import BudgetAllocation, Payment
from execution.tests.helpers import year
from monitoring.lights import time_progress
from subjects.models import SubjectYearAmount

pytestmark = pytest.mark.django_db


def test_every_funded_subject_has_its_allocation_and_payments_up_to_today():
    funded = SubjectYearAmount.objects.filter(fiscal_year=year(), arranged_amount__gt=0)
    assert funded.exists()
    allocated = dict(
        BudgetAllocation.objects.filter(source=RecordSource.DEMO, fiscal_year=year()).values_list(
            "subject_id", "amount"
        )
    )
    today = min(clock.today(), datetime.date(year(), 12, 31))
    paid = dict(
        Payment.objects.filter(source=RecordSource.DEMO, fiscal_year=year(), subject__isnull=False)
        .values("subject_id")
        .annotate(total=Sum("amount"))
        .values_list("subject_id", "total")
    )
    progress = time_progress(year(), today)
    ratios = []
    for row in funded:
        assert allocated[row.subject_id] == row.arranged_amount
        assert paid.get(row.subject_id, Decimal("0")) <= row.arranged_amount
        ratios.append(paid.get(row.subject_id, Decimal("0")) / row.arranged_amount / progress)
    assert not Payment.objects.filter(source=RecordSource.DEMO, paid_on__gt=today).exists()
    # Most subjects on track, some lagging below 40 % of time progress.
    assert sum(r >= Decimal("0.8") for r in ratios) > len(ratios) / 2
    assert any(r < Decimal("0.4") for r in ratios)


def test_a_few_vouchers_wait_in_the_queue():
    queued = Payment.objects.filter(source=RecordSource.DEMO, match_status=MatchStatus.UNMATCHED)
    assert 1 <= queued.values("project_code").distinct().count() <= 10
    assert not queued.filter(subject__isnull=False).exists()


def test_seeding_again_creates_nothing():
    from demo.seed import SCALES, Seeder
    from execution.demo import seed_execution
    from organisations.models import Organisation

    seeder = Seeder(SCALES["small"], out=lambda *a: None)
    seeder.index["city:bureau"] = Organisation.objects.get(name="示范市财政局")
    before = Payment.objects.count(), BudgetAllocation.objects.count()
    seed_execution(seeder)
    assert (Payment.objects.count(), BudgetAllocation.objects.count()) == before and seeder.created == 0

"""Helpers for the figures tests: subjects of a fiscal year no demo data uses, with payments and allocations
created directly with bulk_create (the loader of execution data is not needed for figures)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from audit.context import acting_as
from core import services
from execution.choices import MatchStatus
from execution.models import BudgetAllocation, Payment
from subjects.models import SubjectYearAmount
from subjects.tests.helpers import make_subject, user

YEAR = 2031  # no demo record lives in this fiscal year
_seq = itertools.count(1)


def funded_subject(arranged: str | None = "1000000.00", name: str = "测试监控项目", organisation=None, **fields):
    """A subject of YEAR with a year amount; ``arranged`` is finance's arranged amount (None: not funded)."""
    extra = {"organisation": organisation} if organisation is not None else {}
    subject = make_subject(
        name=name,
        fiscal_year=YEAR,
        start_year=YEAR,
        end_year=YEAR,
        start_date=datetime.date(YEAR, 1, 1),
        end_date=datetime.date(YEAR, 12, 31),
        requested=None,
        **extra,
        **fields,
    )
    with acting_as(user("edu_preparer")):
        services.create_record(
            SubjectYearAmount(
                subject=subject,
                fiscal_year=YEAR,
                previous_amount=Decimal("0"),
                requested_amount=Decimal(arranged or "1000000.00"),
                arranged_amount=Decimal(arranged) if arranged is not None else None,
            )
        )
    return subject


def pay(subject, amount, on: datetime.date, status: str = MatchStatus.MATCHED, year: int = YEAR) -> Payment:
    n = next(_seq)
    return Payment.objects.bulk_create(
        [
            Payment(
                fiscal_year=year,
                payer_code="T001",
                organisation=subject.organisation,
                project_code=subject.code,
                subject=subject if status != MatchStatus.UNMATCHED else None,
                match_status=status,
                amount=Decimal(amount),
                voucher_number=f"TEST-PAY-{n:08d}",
                paid_on=on,
            )
        ]
    )[0]


def allocate(
    subject, amount, on: datetime.date, status: str = MatchStatus.MATCHED, year: int = YEAR
) -> BudgetAllocation:
    n = next(_seq)
    return BudgetAllocation.objects.bulk_create(
        [
            BudgetAllocation(
                fiscal_year=year,
                payer_code="T001",
                organisation=subject.organisation,
                project_code=subject.code,
                subject=subject if status != MatchStatus.UNMATCHED else None,
                match_status=status,
                amount=Decimal(amount),
                document_number=f"TEST-ALLOC-{n:08d}",
                issued_on=on,
            )
        ]
    )[0]


def clone_subjects(template, count: int, arranged: list) -> list:
    """``count`` copies of ``template`` (bulk, for the grids), each with its arranged amount (None: unfunded)."""
    from subjects.models import Subject

    base = next(_seq)
    copies = []
    for i in range(count):
        s = Subject.objects.get(pk=template.pk)
        s.pk = s.id = None
        s.code = f"XM{YEAR}-G{base:03d}{i:04d}"
        copies.append(s)
    created = Subject.objects.bulk_create(copies)
    SubjectYearAmount.objects.bulk_create(
        [
            SubjectYearAmount(
                subject=s,
                fiscal_year=YEAR,
                previous_amount=Decimal("0"),
                requested_amount=Decimal(a or "1"),
                arranged_amount=Decimal(a) if a is not None else None,
            )
            for s, a in zip(created, arranged, strict=True)
        ]
    )
    return created

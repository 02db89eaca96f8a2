"""Demo payments and allocations (issue 5): for every funded subject of the demo's fiscal year (a
``SubjectYearAmount`` with ``arranged_amount``) one allocation of the arranged amount and a year of treasury
payments up to the demo's "today" (the fiscal year is ``core.fiscal.default_year()``, as for the other seeders;
payments stop at today, or at 31 December once the year is over, so a monitoring round with data to 31 July finds
seven months of payments). Most subjects spend in step with time progress, some lag (below 40 % of it), some are
in between; a few vouchers carry project codes the library does not know and wait in the 待匹配 queue.

Deterministic (its own fixed seed, independent of the other seeders' draws) and idempotent (a second run finds
the demo records and creates nothing). Written with bulk_create: the province scale has tens of thousands of
subjects.
"""

from __future__ import annotations

import calendar
import datetime
import random
from decimal import Decimal

from django.db import transaction

from audit import trail
from audit.models import AuditAction
from core import clock, fiscal
from demo.seed import register
from execution.choices import MatchStatus, RecordSource
from execution.models import BudgetAllocation, Payment
from monitoring.lights import time_progress
from subjects.choices import FundSource
from subjects.models import SubjectYearAmount

SEED = 20260731
CENT = Decimal("0.01")
# (share of subjects, pace range): pace = execution rate ÷ time progress the subject keeps all year.
PROFILES = [
    (0.15, (0.15, 0.35)),  # lagging: red, and < 40 % of time progress
    (0.15, (0.62, 0.78)),  # yellow
    (0.70, (0.85, 1.05)),
]  # on track
UNMATCHED_CODES = 4  # project codes unknown to the library, each with a few vouchers
ECONOMIC = ["30201", "30205", "30211", "30213", "30226", "31002", "31003", "30905"]
PAYEES = [
    "示范建设工程有限公司",
    "示范办公用品商贸有限公司",
    "示范信息技术股份有限公司",
    "示范物业服务有限公司",
    "示范医疗器械有限公司",
    "示范印务有限公司",
    "示范市政工程有限公司",
]
USES = {
    "30201": "办公用品采购",
    "30205": "水电费",
    "30211": "差旅费",
    "30213": "维修（护）费",
    "30226": "劳务费",
    "31002": "设备购置",
    "31003": "专用设备购置",
    "30905": "补助资金拨付",
}


def _pace(rng: random.Random) -> Decimal:
    draw, total = rng.random(), 0.0
    for share, (low, high) in PROFILES:
        total += share
        if draw < total:
            return Decimal(str(round(rng.uniform(low, high), 3)))
    return Decimal("1")


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


@register
def seed_execution(seeder) -> None:
    year = fiscal.default_year()
    if (
        Payment.objects.filter(source=RecordSource.DEMO, fiscal_year=year).exists()
        or BudgetAllocation.objects.filter(source=RecordSource.DEMO, fiscal_year=year).exists()
    ):
        return
    today = min(clock.today(), datetime.date(year, 12, 31))
    funded = list(
        SubjectYearAmount.objects.filter(fiscal_year=year, arranged_amount__gt=0)
        .select_related("subject__organisation")
        .order_by("subject__code")
    )
    bureau = seeder.index.get("city:bureau")
    if not funded or bureau is None:
        return
    rng = random.Random(SEED)
    allocations, payments = [], []
    voucher = 0
    for n, row in enumerate(funded, start=1):
        subject, arranged = row.subject, row.arranged_amount
        org = subject.organisation
        common = {
            "fiscal_year": year,
            "payer_code": org.budget_code,
            "organisation": org,
            "project_code": subject.code,
            "subject": subject,
            "match_status": MatchStatus.MATCHED,
            "budget_kind": subject.budget_kind,
            "fund_source": (subject.fund_sources or [FundSource.LOCAL])[0],
            "source": RecordSource.DEMO,
        }
        allocations.append(
            BudgetAllocation(
                document_number=f"示财预指〔{year}〕{n:05d}号",
                issued_on=datetime.date(year, 1, rng.randint(8, 28)),
                amount=arranged,
                summary="年初预算批复",
                **common,
            )
        )
        pace = _pace(rng)
        paid = Decimal("0")
        for month in range(1, today.month + 1 if today.year == year else 1):
            end = min(_month_end(year, month), today)
            target = min(arranged, (arranged * pace * time_progress(year, end)).quantize(CENT))
            due = target - paid
            if due <= 0:
                continue
            parts = rng.randint(1, 3)
            for p in range(parts):
                amount = (
                    (due / parts).quantize(CENT) if p < parts - 1 else due - (due / parts).quantize(CENT) * (parts - 1)
                )
                if amount <= 0:
                    continue
                voucher += 1
                economic = rng.choice(ECONOMIC)
                payments.append(
                    Payment(
                        voucher_number=f"ZF{year}{voucher:08d}",
                        paid_on=end.replace(day=rng.randint(1, end.day)),
                        amount=amount,
                        economic_code=economic,
                        payee=rng.choice(PAYEES),
                        summary=USES[economic],
                        **common,
                    )
                )
            paid = target
    # A few vouchers whose project code the library does not know: the 待匹配 queue.
    units = [row.subject.organisation for row in funded[:UNMATCHED_CODES]]
    for u, org in enumerate(units):
        for k in range(2 + u):
            voucher += 1
            payments.append(
                Payment(
                    voucher_number=f"ZF{year}{voucher:08d}",
                    paid_on=datetime.date(year, min(today.month, 3 + k), 10),
                    fiscal_year=year,
                    payer_code=org.budget_code,
                    organisation=org,
                    project_code=f"ZX{year}-9{u:04d}",
                    match_status=MatchStatus.UNMATCHED,
                    amount=Decimal(rng.randint(5_000, 80_000)).quantize(CENT),
                    economic_code="30226",
                    payee=rng.choice(PAYEES),
                    summary="项目编码待核实",
                    source=RecordSource.DEMO,
                )
            )
    with transaction.atomic():
        BudgetAllocation.objects.bulk_create(allocations, batch_size=2000)
        Payment.objects.bulk_create(payments, batch_size=2000)
        trail.record(
            AuditAction.IMPORT,
            object_type="execution.payment",
            object_repr="演示预算执行数据",
            actor_name="系统（演示数据）",
            reason=f"seed_demo --scale {seeder.scale.name}：{len(allocations)} 条预算指标、{len(payments)} "
            f"条国库支付明细（截至 {today:%Y-%m-%d}）",
        )
    seeder.created += len(allocations) + len(payments)

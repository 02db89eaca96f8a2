"""Benchmark: recomputing every subject's execution figures and lights (``monitoring.figures.refresh``) against a
single bare ``SELECT subject_id, SUM(amount) FROM execution_payment GROUP BY subject_id`` over the same payments.

Usage: DATABASE_URL=postgres://…/jixiao_bench .venv/bin/python bench/monitoring_refresh.py [--seed]
       [--subjects 30000] [--payments 1000000] [--repeat 5]
(--seed migrates and loads `seed_demo --scale small` first: the subjects are spread over its departments and units).

Builds province-scale data once, deterministically (fixed random seed), with bulk inserts (COPY on PostgreSQL,
executemany on SQLite): ``--subjects`` funded subjects of the bench fiscal year (2030) with their arranged amounts,
budget allocations for about 60 % of them, and ``--payments`` treasury payments (3 % unmatched, some after the
date). A later run with the same numbers reuses the data; other numbers rebuild it.

Then times, alternately and ``--repeat`` times each (after one warm-up), the bare GROUP BY (all rows fetched) and
``refresh(2030, 2030-09-30)`` (the date's figures are deleted before each, untimed, so every timed refresh inserts
every figure — the costlier case), once more a refresh of the same date with nothing changed (every figure
recomputed, none rewritten), and prints the medians and their ratio on the last line. Issue 5 sets the target: at most 3×.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
os.environ.setdefault("JIXIAO_SECURE_COOKIES", "0")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from execution.models import BudgetAllocation, Payment  # noqa: E402
from monitoring import figures  # noqa: E402
from monitoring.models import ExecutionFigure  # noqa: E402
from organisations.choices import BUDGETED_KINDS  # noqa: E402
from organisations.models import Organisation  # noqa: E402
from subjects.models import Subject, SubjectYearAmount  # noqa: E402

YEAR = 2030
AS_OF = date(YEAR, 9, 30)
PREFIX = f"BM{YEAR}-"  # subject codes of the bench data
SEED = 5


def bench_subjects():
    return Subject.objects.filter(code__startswith=PREFIX)


def present(subjects: int, payments: int) -> bool:
    return (
        bench_subjects().count() == subjects
        and Payment.objects.filter(voucher_number__startswith=PREFIX).count() == payments
    )


def clear() -> None:
    with transaction.atomic():
        ids = bench_subjects().values("pk")
        Payment.objects.filter(voucher_number__startswith=PREFIX).delete()
        BudgetAllocation.objects.filter(document_number__startswith=PREFIX).delete()
        ExecutionFigure.objects.filter(subject__in=ids).delete()
        SubjectYearAmount.objects.filter(subject__in=ids).delete()
        bench_subjects().delete()


def build(n_subjects: int, n_payments: int) -> None:
    rng = random.Random(SEED)
    orgs = list(Organisation.objects.filter(kind__in=BUDGETED_KINDS, is_active=True).order_by("pk"))
    if not orgs:
        raise SystemExit("没有预算单位：请先加 --seed 载入演示数据")
    template = dict(
        kind="project",
        fiscal_year=YEAR,
        start_year=YEAR,
        end_year=YEAR,
        duration="one_off",
        is_new=False,
        budget_kind="general",
        fund_sources=["local"],
        function_subject_code="2050203",
        category="administrative",
        sub_category="maintenance",
        start_date=date(YEAR, 1, 1),
        end_date=date(YEAR, 12, 31),
        basis="基准测试",
        status="approved",
        stage="executing",
    )
    start = time.perf_counter()
    subjects = []
    for i in range(n_subjects):
        org = orgs[i % len(orgs)]
        subjects.append(
            Subject(
                code=f"{PREFIX}{i:06d}",
                name=f"基准测试项目{i}",
                organisation=org,
                department_id=org.department_id or org.pk,
                **template,
            )
        )
    with transaction.atomic():
        created = Subject.objects.bulk_create(subjects, batch_size=2000)
        budgets = [Decimal(rng.randrange(50_000_00, 5_000_000_00)) / 100 for _ in created]
        SubjectYearAmount.objects.bulk_create(
            [
                SubjectYearAmount(subject=s, fiscal_year=YEAR, requested_amount=b, arranged_amount=b)
                for s, b in zip(created, budgets, strict=True)
            ],
            batch_size=2000,
        )
        allocations = []
        for s, budget in zip(created, budgets, strict=True):
            if rng.random() < 0.6:
                for k in range(rng.randint(1, 3)):
                    allocations.append(
                        BudgetAllocation(
                            fiscal_year=YEAR,
                            payer_code=s.organisation.budget_code or "0",
                            organisation=s.organisation,
                            project_code=s.code,
                            subject=s,
                            match_status="matched",
                            amount=(budget / 3).quantize(Decimal("0.01")),
                            document_number=f"{PREFIX}A{s.pk}-{k}",
                            issued_on=date(YEAR, 1, 15) + timedelta(days=120 * k),
                        )
                    )
        BudgetAllocation.objects.bulk_create(allocations, batch_size=2000)
    print(f"建立 {len(created)} 个项目、{len(allocations)} 条指标：{time.perf_counter() - start:.1f} 秒", flush=True)
    start = time.perf_counter()
    _payments(rng, created, budgets, n_payments)
    print(f"建立 {n_payments} 条支付明细：{time.perf_counter() - start:.1f} 秒", flush=True)


def _payment_rows(rng, subjects, budgets, count):
    now = timezone.now()
    per_subject = max(count // len(subjects), 1)
    for i in range(count):
        k = rng.randrange(len(subjects))
        s = subjects[k]
        unmatched = rng.random() < 0.03
        amount = (budgets[k] / per_subject * Decimal(rng.uniform(0.2, 1.4))).quantize(Decimal("0.01"))
        paid_on = date(YEAR, 1, 1) + timedelta(days=rng.randrange(365))
        yield (
            YEAR,
            s.organisation.budget_code or "0",
            s.organisation_id,
            s.code,
            None if unmatched else s.pk,
            "unmatched" if unmatched else "matched",
            amount,
            "general",
            "local",
            "demo",
            now,
            now,
            f"{PREFIX}{i:08d}",
            paid_on,
            "30201",
            "",
            "",
        )


PAYMENT_COLUMNS = (
    "fiscal_year",
    "payer_code",
    "organisation_id",
    "project_code",
    "subject_id",
    "match_status",
    "amount",
    "budget_kind",
    "fund_source",
    "source",
    "created_at",
    "updated_at",
    "voucher_number",
    "paid_on",
    "economic_code",
    "payee",
    "summary",
)


def _payments(rng, subjects, budgets, count) -> None:
    table = Payment._meta.db_table
    rows = _payment_rows(rng, subjects, budgets, count)
    columns = ", ".join(PAYMENT_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(PAYMENT_COLUMNS))
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == 50_000:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
                batch = []
        if batch:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)


def baseline() -> float:
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT subject_id, SUM(amount) FROM {Payment._meta.db_table} GROUP BY subject_id")
        cursor.fetchall()
    return time.perf_counter() - start


def ours() -> tuple[float, int]:
    start = time.perf_counter()
    count = figures.refresh(YEAR, AS_OF, reason="基准测试")
    return time.perf_counter() - start, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", action="store_true", help="migrate and load the small demo city first")
    parser.add_argument("--subjects", type=int, default=30_000)
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.seed:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", scale="small", quiet=True, verbosity=0)
    if not present(args.subjects, args.payments):
        clear()
        build(args.subjects, args.payments)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total = Payment.objects.count()
    baseline()  # warm the cache
    base, mine, count = [], [], 0
    for _ in range(args.repeat):
        ExecutionFigure.objects.filter(fiscal_year=YEAR, as_of=AS_OF).delete()  # every timed refresh inserts
        base.append(baseline())
        seconds, count = ours()
        mine.append(seconds)
    update, _ = ours()  # the same date again, nothing changed: every figure recomputed, none rewritten
    b, r = statistics.median(base), statistics.median(mine)
    print(
        f"数据库 {connection.vendor}；支付明细 {total} 条（本基准 {args.payments} 条），项目 {count} 个，截至 {AS_OF}"
    )
    print("基线 GROUP BY 各次（秒）：" + "、".join(f"{s:.3f}" for s in base))
    print("refresh 各次（秒，每次新插入全部项目）：" + "、".join(f"{s:.3f}" for s in mine))
    print(f"同一日期再次 refresh（数据未变：全部重算，无需改写）：{update:.3f} 秒 = 基线的 {update / b:.2f}×")
    print(f"基线 {b:.3f} 秒；refresh {r:.3f} 秒；refresh / 基线 = {r / b:.2f}×（目标 ≤ 3×）")


if __name__ == "__main__":
    main()

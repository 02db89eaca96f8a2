"""Benchmark: exporting N treasury payments to .xlsx (the background export job, core/exports.py) against a bare
``COPY (SELECT …) TO STDOUT`` of the same rows, and the peak memory of the exporting process (issue 17 §2).

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/jixiao_bench .venv/bin/python bench/export_payments.py
       [--rows 1000000] [--seed]
(--seed migrates and loads ``seed_demo --scale small`` first: the payments belong to its 示范市第一中学, exported as its
treasury account.) PostgreSQL only: the baseline is COPY.

1. Setup (not timed): N payments with the project code ``EXPBENCH`` built in the database by one
   ``INSERT … SELECT … FROM generate_series`` (deterministic; reused by a later run with the same N, rebuilt
   otherwise). Nothing of them passes through Python.
2. Baseline, timed: ``COPY (SELECT`` the export's columns — the payment's fields, the unit's and the project's names
   through their joins — ``ORDER BY`` the list's order ``) TO STDOUT (FORMAT csv)``, every byte read by the client
   and thrown away.
3. Ours, timed: an export job (``imports.ImportJob`` of kind ``export``) for ``/execution/payments/?project_code=
   EXPBENCH`` as treasury, run by ``imports.jobs.run_task(job, ExportRunner)`` in this process — what the
   ``db_worker`` runs: the gate, the filter, the table's columns, the streamed workbook, storing the file.
4. Peak memory: the process's peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) after the run — it includes
   Django and every module loaded — and Python's own peak (tracemalloc) in a second, smaller run (tracemalloc slows
   the allocation-heavy work about tenfold). Issue 17's target: under 300 MB for 1,000,000 rows.

The last line: ``baseline …s ours …s ratio … peak_rss …MB``.
"""

import argparse
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
os.environ.setdefault("JIXIAO_SECURE_COOKIES", "0")

import django

django.setup()

from django.core.files.storage import default_storage  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from core import exports  # noqa: E402
from execution.choices import MatchStatus  # noqa: E402
from imports.jobs import run_task  # noqa: E402
from imports.models import ImportJob, ImportStatus  # noqa: E402
from organisations.models import Organisation  # noqa: E402
from subjects.choices import BudgetKind, FundSource  # noqa: E402

CODE = "EXPBENCH"
UNIT = "示范市第一中学"
EXPORTER = "treasury"
YEAR = 2026


def present(rows: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM execution_payment WHERE project_code = %s", [CODE])
        return cursor.fetchone()[0] == rows


def build(rows: int) -> None:
    unit = Organisation.objects.get(name=UNIT)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM execution_payment WHERE project_code = %s", [CODE])
        cursor.execute(
            """
            INSERT INTO execution_payment (fiscal_year, payer_code, organisation_id, project_code, subject_id,
                match_status, amount, budget_kind, fund_source, source, import_job_id, created_at, updated_at,
                voucher_number, paid_on, economic_code, payee, summary)
            SELECT %s, %s, %s, %s, NULL, %s, (i %% 100000) / 100.0 + 1, %s, %s, 'file', NULL, now(), now(),
                'EXPB' || lpad(i::text, 10, '0'), DATE '2026-01-01' + (i %% 300), '30201',
                '收款单位' || (i %% 5000), CASE WHEN i %% 1000 = 0 THEN '=cmd|'' /C calc''!A0' ELSE '办公设备采购' END
            FROM generate_series(1, %s) AS i
            """,
            [
                YEAR,
                unit.budget_code or "101",
                unit.pk,
                CODE,
                MatchStatus.UNMATCHED,
                BudgetKind.GENERAL,
                FundSource.LOCAL,
                rows,
            ],
        )
        cursor.execute("ANALYZE execution_payment")


BASELINE_SQL = """
COPY (
    SELECT p.voucher_number, p.paid_on, p.fiscal_year, p.payer_code, o.name, p.project_code, s.name, p.amount,
           p.budget_kind, p.fund_source, p.economic_code, p.payee, p.summary, p.match_status, p.source
    FROM execution_payment p
    JOIN organisations_organisation o ON o.id = p.organisation_id
    LEFT JOIN subjects_subject s ON s.id = p.subject_id
    WHERE p.project_code = 'EXPBENCH'
    ORDER BY p.paid_on DESC, p.voucher_number
) TO STDOUT (FORMAT csv)
"""


def baseline() -> tuple[float, int]:
    start = time.perf_counter()
    size = 0
    with connection.cursor() as cursor:
        with cursor.copy(BASELINE_SQL) as copy:
            for chunk in copy:
                size += len(chunk)
    return time.perf_counter() - start, size


def ours() -> tuple[float, ImportJob]:
    user = User.objects.get(username=EXPORTER)
    job = ImportJob.objects.create(
        kind=exports.EXPORT_KIND,
        original_name="国库支付明细-bench.xlsx",
        uploaded_by=user,
        organisation_id=user.organisation_id,
        summary={
            "view": "execution.views.PaymentListView",
            "path": "/execution/payments/",
            "query": f"project_code={CODE}&export=xlsx",
            "kwargs": {},
            "title": "国库支付明细",
            "stage": "monitoring",
        },
    )
    start = time.perf_counter()
    run_task(job.pk, exports.ExportRunner)
    elapsed = time.perf_counter() - start
    job.refresh_from_db()
    if job.status != ImportStatus.SUCCEEDED:
        raise SystemExit(f"export job failed: {job.errors}")
    return elapsed, job


def discard(job: ImportJob) -> int:
    size = default_storage.size(job.file.name)
    default_storage.delete(job.file.name)
    ImportJob.objects.filter(pk=job.pk).update(file="")
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", action="store_true", help="migrate and load the demo city first")
    parser.add_argument("--trace-rows", type=int, default=20_000, help="rows of the tracemalloc run (0: none)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only (the baseline is COPY): set DATABASE_URL")
    if args.seed:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", scale="small", verbosity=0)
    if not present(args.rows):
        print(f"building {args.rows} payments …", flush=True)
        build(args.rows)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base, copied = baseline()
    print(f"baseline COPY {base:.1f}s ({copied / 1e6:.0f} MB of CSV)", flush=True)
    took, job = ours()
    size = discard(job)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ours {took:.1f}s ({job.total_rows} rows, {size / 1e6:.0f} MB of xlsx)", flush=True)
    if args.trace_rows:
        ImportJob.objects.filter(kind=exports.EXPORT_KIND, original_name="国库支付明细-bench.xlsx").delete()
        with connection.cursor() as cursor:  # a smaller run of the same export under tracemalloc
            cursor.execute(
                "UPDATE execution_payment SET project_code = 'EXPBENCH-T' WHERE id IN (SELECT id FROM "
                "execution_payment WHERE project_code = %s ORDER BY id LIMIT %s)",
                [CODE, args.trace_rows],
            )
        tracemalloc.start()
        try:
            _, small = _traced(args.trace_rows)
            _, heap = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE execution_payment SET project_code = %s WHERE project_code = 'EXPBENCH-T'", [CODE]
                )
        print(f"python heap peak (tracemalloc, {small} rows): {heap / 1e6:.1f} MB")
    ImportJob.objects.filter(kind=exports.EXPORT_KIND, original_name="国库支付明细-bench.xlsx").delete()
    print(f"peak RSS before the runs {rss_before:.0f} MB (Django loaded)")
    print(f"baseline {base:.1f}s ours {took:.1f}s ratio {took / base:.1f} peak_rss {rss:.0f}MB")


def _traced(rows: int) -> tuple[float, int]:
    user = User.objects.get(username=EXPORTER)
    job = ImportJob.objects.create(
        kind=exports.EXPORT_KIND,
        original_name="国库支付明细-bench.xlsx",
        uploaded_by=user,
        summary={
            "view": "execution.views.PaymentListView",
            "path": "/execution/payments/",
            "query": "project_code=EXPBENCH-T",
            "kwargs": {},
            "title": "国库支付明细",
        },
    )
    start = time.perf_counter()
    run_task(job.pk, exports.ExportRunner)
    job.refresh_from_db()
    discard(job)
    return time.perf_counter() - start, job.total_rows


if __name__ == "__main__":
    main()

"""Benchmark: loading treasury payments (execution.loading) against the physical limit for that table.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/jixiao_bench .venv/bin/python bench/import_payments.py
       [--rows 1000000] [--migrate]

1. Setup (not timed): a bench region with its finance bureau, treasury section and user, 300 budget units and
   3,000 subjects (bulk_create), so that the payer and project codes of the file match (1 % of the rows carry
   an unknown project code and go to the 待匹配 queue).
2. The file (not timed): N payment rows as CSV, generated deterministically (fixed seed) under var/bench/.
3. Baseline, timed: a bare table with the same columns, types and indexes as ``execution_payment`` (its unique
   voucher number included; the foreign keys become plain indexed columns, the columns the file does not carry
   get database defaults) is created, then the file goes into it with ``COPY … FROM STDIN (FORMAT csv)`` on
   PostgreSQL / ``csv.reader`` + one ``executemany`` in one transaction on SQLite.
4. Ours, timed: ``execution.loading`` loads the same file into the real table (staging, validation and mapping
   in SQL, one INSERT … SELECT … ON CONFLICT, audit row, foreign keys checked), committed.
5. Cleanup (not timed): the bare table is dropped and the loaded rows deleted.

The last line prints both times and the ratio, e.g. ``baseline 12.3s ours 20.1s ratio 1.63``.
Targets (issue 5): PostgreSQL ≤ 2×, SQLite ≤ 3×.
"""

import argparse
import csv
import datetime
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
os.environ.setdefault("JIXIAO_SECURE_COOKIES", "0")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.db.models.functions import Now  # noqa: E402

from accounts.models import RoleAssignment, User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from audit.context import acting_as  # noqa: E402
from execution import loading  # noqa: E402
from execution.models import Payment  # noqa: E402
from organisations.choices import OrgKind, RegionLevel, SectionKind  # noqa: E402
from organisations.models import Organisation, Region  # noqa: E402
from subjects.models import Subject  # noqa: E402

SEED = 20260501
YEAR = 2026
REGION_CODE, REGION_NAME = "970000", "基准测试省"
UNITS, SUBJECTS = 300, 3000
VOUCHER_PREFIX = "BENCH-"
BARE_TABLE = "bench_payment_bare"
FILE_COLUMNS = ["voucher_number", "paid_on", "payer_code", "project_code", "amount", "budget_kind", "fund_source",
                "economic_code", "payee", "summary"]
KINDS = ["一般公共预算"] * 17 + ["政府性基金预算"] * 2 + ["国有资本经营预算"]
SOURCES = ["本级"] * 6 + ["上级转移支付"] * 2 + ["专项资金", "政府债券"]
ECONOMIC = ["30201", "30202", "30205", "30211", "30213", "30226", "31002", "31003", "30905", "39999"]
PAYEES = ["示范建设工程有限公司", "示范办公用品商贸有限公司", "示范信息技术股份有限公司", "示范物业服务有限公司",
          "示范医疗器械有限公司", "示范印务有限公司"]
USES = ["办公用品采购", "设备购置", "工程进度款", "物业服务费", "培训费", "信息化运维", "专项补助资金拨付"]


def setup() -> tuple[User, Organisation]:
    """The bench region, bureau, treasury user, units and subjects (idempotent; bulk_create)."""
    region = Region.objects.filter(code=REGION_CODE).first()
    if region is None:
        region = Region(code=REGION_CODE, name=REGION_NAME, level=RegionLevel.PROVINCE)
        region.save()
    bureau = Organisation.objects.filter(region=region, kind=OrgKind.FINANCE_BUREAU).first()
    if bureau is None:
        bureau = Organisation(name=f"{REGION_NAME}财政厅", kind=OrgKind.FINANCE_BUREAU, region=region)
        bureau.save()
        treasury = Organisation(name=f"{REGION_NAME}财政厅国库处", kind=OrgKind.FINANCE_SECTION, region=region,
                                parent=bureau, section_kind=SectionKind.TREASURY)
        treasury.save()
        department = Organisation(name="基准测试厅", kind=OrgKind.DEPARTMENT, region=region, budget_code="900")
        department.save()
        Organisation.objects.bulk_create([
            Organisation(name=f"基准测试单位{u}", kind=OrgKind.UNIT, region=region, parent=department,
                         department=department, budget_code=f"900{u:04d}", path=f"{department.path}u{u}/")
            for u in range(UNITS)])
    treasury = Organisation.objects.get(region=region, kind=OrgKind.FINANCE_SECTION)
    user = User.objects.filter(username="bench_treasury").first()
    if user is None:
        user = User.objects.create(username="bench_treasury", name="基准国库", organisation=treasury)
        RoleAssignment.objects.create(user=user, role=Role.TREASURY, organisation=treasury)
    units = list(Organisation.objects.filter(region=region, kind=OrgKind.UNIT).order_by("budget_code"))
    if not Subject.objects.filter(code__startswith=f"XMB{YEAR}-").exists():
        Subject.objects.bulk_create([
            Subject(code=f"XMB{YEAR}-{i:05d}", name=f"基准测试项目{i}", organisation=units[i % len(units)],
                    department_id=units[i % len(units)].department_id, fiscal_year=YEAR, start_year=YEAR,
                    end_year=YEAR, category="administrative", sub_category="purchase",
                    start_date=datetime.date(YEAR, 1, 1), end_date=datetime.date(YEAR, 12, 31), basis="基准测试")
            for i in range(SUBJECTS)], batch_size=1000)
    return user, bureau


def generate(path: Path, rows: int) -> None:
    """N payment rows, deterministic: 99 % with a known project code (payer = its unit), 1 % unknown."""
    rng = random.Random(SEED)
    start = datetime.date(YEAR, 1, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([loading.PAYMENTS.field(k).header for k in FILE_COLUMNS])
        for n in range(rows):
            s = rng.randrange(SUBJECTS)
            code = f"XMB{YEAR}-{s:05d}" if rng.random() >= 0.01 else f"ZZ{YEAR}{rng.randrange(500):04d}"
            amount = Decimal(rng.randrange(100, 50_000_000)) / 100
            writer.writerow([f"{VOUCHER_PREFIX}{n:09d}", (start + datetime.timedelta(days=rng.randrange(365))).isoformat(),
                             f"900{s % UNITS:04d}", code, f"{amount:.2f}", rng.choice(KINDS), rng.choice(SOURCES),
                             rng.choice(ECONOMIC), rng.choice(PAYEES), rng.choice(USES)])
    tmp.replace(path)


def bare_model():
    """execution_payment's columns, types and indexes as a model created and dropped here (FKs → indexed integer columns)."""
    fields = {"__module__": __name__}
    for f in Payment._meta.concrete_fields:
        if f.primary_key:
            fields[f.name] = models.BigAutoField(primary_key=True)
            continue
        if f.is_relation:
            fields[f.attname] = models.BigIntegerField(null=True, db_index=True)
            continue
        clone = f.clone()
        if f.name not in FILE_COLUMNS:
            clone = f.clone()
            if isinstance(f, models.DateTimeField):
                clone.auto_now = clone.auto_now_add = False
                clone.db_default = Now()
            elif f.name == "fiscal_year":
                clone.db_default = YEAR
            elif f.has_default():
                clone.db_default = f.get_default()
        fields[f.name] = clone

    class Meta:
        db_table = BARE_TABLE
        app_label = "execution"
        managed = True  # (never migrated: created and dropped by this script; managed for its indexes)
        indexes = [models.Index(fields=["subject_id", "paid_on"], name="bench_bare_subject_date")]

    fields["Meta"] = Meta
    return type("BenchPaymentBare", (models.Model,), fields)


def baseline(path: Path, model) -> float:
    with connection.schema_editor() as editor:
        editor.create_model(model)
    columns = ", ".join(model._meta.get_field(c).column for c in FILE_COLUMNS)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {BARE_TABLE} ({columns}) FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, \
                    path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
        else:
            with path.open(encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                next(reader)
                marks = ", ".join(["?"] * len(FILE_COLUMNS))
                connection.connection.executemany(f"INSERT INTO {BARE_TABLE} ({columns}) VALUES ({marks})", reader)
    return time.perf_counter() - start


def ours(path: Path, user: User, bureau: Organisation) -> tuple[float, loading.LoadResult]:
    start = time.perf_counter()
    with acting_as(user=user, name="基准测试"):
        result = loading.load_path(loading.PAYMENTS, path, bureau=bureau, fiscal_year=YEAR, user=user,
                                   reason="基准测试")
    elapsed = time.perf_counter() - start
    if not result.ok:
        raise SystemExit("导入失败：" + "；".join(f"{e.line} {e.message}" for e in result.errors[:5]))
    return elapsed, result


def cleanup(model) -> None:
    with connection.schema_editor() as editor:
        editor.delete_model(model)
    if Payment.objects.exclude(voucher_number__startswith=VOUCHER_PREFIX).exists():
        Payment.objects.filter(voucher_number__startswith=VOUCHER_PREFIX).delete()
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Payment._meta.db_table}" if connection.vendor == "sqlite"
                           else f"TRUNCATE {Payment._meta.db_table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--migrate", action="store_true", help="migrate the database first")
    args = parser.parse_args()
    if args.migrate:
        call_command("migrate", verbosity=0)
    user, bureau = setup()
    path = Path(__file__).resolve().parent.parent / "var" / "bench" / f"payments-{args.rows}.csv"
    if not path.exists():
        generate(path, args.rows)
    model = bare_model()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BARE_TABLE}")
    cleanup_needed = Payment.objects.filter(voucher_number__startswith=VOUCHER_PREFIX).exists()
    if cleanup_needed:
        Payment.objects.filter(voucher_number__startswith=VOUCHER_PREFIX).delete()
    try:
        base = baseline(path, model)
        mine, result = ours(path, user, bureau)
    finally:
        cleanup(model)
    size = path.stat().st_size / 1024 / 1024
    print(f"{args.rows} 行支付明细（{size:.0f} MB CSV），数据库 {connection.vendor}")
    print(f"载入结果：{result.summary_text()}")
    print(f"baseline {base:.1f}s ours {mine:.1f}s ratio {mine / base:.2f}")


if __name__ == "__main__":
    main()

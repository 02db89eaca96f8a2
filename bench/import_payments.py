"""Benchmark: loading treasury payments (execution.loading) against the physical limit for that table.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/jixiao_bench .venv/bin/python bench/import_payments.py
       [--rows 1000000] [--repeat 3] [--migrate]

1. Setup (not timed): a bench region with its finance bureau, treasury section and user, 300 budget units and
   3,000 subjects (bulk_create), so that the payer and project codes of the file match (1 % of the rows carry
   an unknown project code and go to the 待匹配 queue).
2. The file (not timed): N payment rows as CSV, generated deterministically (fixed seed) under var/bench/.
3. Baseline, timed: a bare table built from ``Payment._meta`` — the same columns, types, indexes and constraints
   (checked before timing; the foreign keys become plain integer columns indexed as the real ones are; the columns
   the file does not carry get database defaults, the match status 已匹配 like 99 % of the loaded rows) — then the
   file goes into it with ``COPY … FROM STDIN (FORMAT csv)`` on PostgreSQL / ``csv.reader`` + one ``executemany``
   in one transaction on SQLite.
4. Ours, timed: ``execution.loading`` loads the same file into the real table (staging, mapping and validation in
   SQL, the write, the audit rows), committed.
5. Cleanup (not timed): the bare table is dropped and the loaded rows deleted.

Records already in ``execution_payment`` (another bench's data in a shared bench database) are copied into the bare
table before its timing, so that both sides load into a table of the same size.

Each side starts after a ``CHECKPOINT`` (PostgreSQL, when the role may), so that neither pays for the other's. The
rounds (``--repeat``) alternate baseline and ours; single rounds move by ±20 % on a shared machine, so the last
line compares the medians, e.g. ``baseline 10.1s ours 17.6s ratio 1.74``.
Targets (issue 5): PostgreSQL ≤ 2×, SQLite ≤ 3×.
"""

import argparse
import csv
import datetime
import os
import random
import statistics
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
from django.db import DatabaseError, connection, models, transaction  # noqa: E402
from django.db.models.functions import Now  # noqa: E402

from accounts.models import RoleAssignment, User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from audit.context import acting_as  # noqa: E402
from execution import loading  # noqa: E402
from execution.choices import MatchStatus  # noqa: E402
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
FILE_COLUMNS = [
    "voucher_number",
    "paid_on",
    "payer_code",
    "project_code",
    "amount",
    "budget_kind",
    "fund_source",
    "economic_code",
    "payee",
    "summary",
]
KINDS = ["一般公共预算"] * 17 + ["政府性基金预算"] * 2 + ["国有资本经营预算"]
SOURCES = ["本级"] * 6 + ["上级转移支付"] * 2 + ["专项资金", "政府债券"]
ECONOMIC = ["30201", "30202", "30205", "30211", "30213", "30226", "31002", "31003", "30905", "39999"]
PAYEES = [
    "示范建设工程有限公司",
    "示范办公用品商贸有限公司",
    "示范信息技术股份有限公司",
    "示范物业服务有限公司",
    "示范医疗器械有限公司",
    "示范印务有限公司",
]
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
        treasury = Organisation(
            name=f"{REGION_NAME}财政厅国库处",
            kind=OrgKind.FINANCE_SECTION,
            region=region,
            parent=bureau,
            section_kind=SectionKind.TREASURY,
        )
        treasury.save()
        department = Organisation(name="基准测试厅", kind=OrgKind.DEPARTMENT, region=region, budget_code="900")
        department.save()
        Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"基准测试单位{u}",
                    kind=OrgKind.UNIT,
                    region=region,
                    parent=department,
                    department=department,
                    budget_code=f"900{u:04d}",
                    path=f"{department.path}u{u}/",
                )
                for u in range(UNITS)
            ]
        )
    treasury = Organisation.objects.get(region=region, kind=OrgKind.FINANCE_SECTION)
    user = User.objects.filter(username="bench_treasury").first()
    if user is None:
        user = User.objects.create(username="bench_treasury", name="基准国库", organisation=treasury)
        RoleAssignment.objects.create(user=user, role=Role.TREASURY, organisation=treasury)
    units = list(Organisation.objects.filter(region=region, kind=OrgKind.UNIT).order_by("budget_code"))
    if not Subject.objects.filter(code__startswith=f"XMB{YEAR}-").exists():
        Subject.objects.bulk_create(
            [
                Subject(
                    code=f"XMB{YEAR}-{i:05d}",
                    name=f"基准测试项目{i}",
                    organisation=units[i % len(units)],
                    department_id=units[i % len(units)].department_id,
                    fiscal_year=YEAR,
                    start_year=YEAR,
                    end_year=YEAR,
                    category="administrative",
                    sub_category="purchase",
                    start_date=datetime.date(YEAR, 1, 1),
                    end_date=datetime.date(YEAR, 12, 31),
                    basis="基准测试",
                )
                for i in range(SUBJECTS)
            ],
            batch_size=1000,
        )
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
            writer.writerow(
                [
                    f"{VOUCHER_PREFIX}{n:09d}",
                    (start + datetime.timedelta(days=rng.randrange(365))).isoformat(),
                    f"900{s % UNITS:04d}",
                    code,
                    f"{amount:.2f}",
                    rng.choice(KINDS),
                    rng.choice(SOURCES),
                    rng.choice(ECONOMIC),
                    rng.choice(PAYEES),
                    rng.choice(USES),
                ]
            )
    tmp.replace(path)


def bare_model():
    """execution_payment's columns, types, indexes and constraints as a model created and dropped here (foreign keys
    → integer columns indexed as the real ones are). Columns the file does not carry get database defaults; the
    match status defaults to 已匹配, what 99 % of the rows get, so that the partial index of unmatched records holds
    as many rows on both sides."""
    fields = {"__module__": __name__}
    for f in Payment._meta.concrete_fields:
        if f.primary_key:
            fields[f.name] = models.BigAutoField(primary_key=True)
            continue
        if f.is_relation:
            fields[f.name] = models.BigIntegerField(null=True, db_index=f.db_index, db_column=f.column)
            continue
        clone = f.clone()
        if f.name not in FILE_COLUMNS:
            if isinstance(f, models.DateTimeField):
                clone.auto_now = clone.auto_now_add = False
                clone.db_default = Now()
            elif f.name == "fiscal_year":
                clone.db_default = YEAR
            elif f.name == "match_status":
                clone.db_default = MatchStatus.MATCHED
            elif f.has_default():
                clone.db_default = f.get_default()
        fields[f.name] = clone

    class Meta:
        db_table = BARE_TABLE
        app_label = "execution"
        managed = True  # (never migrated: created and dropped by this script; managed for its indexes)
        indexes = [_renamed(i) for i in Payment._meta.indexes]
        constraints = [_renamed(c) for c in Payment._meta.constraints]

    fields["Meta"] = Meta
    return type("BenchPaymentBare", (models.Model,), fields)


def _renamed(index):
    clone = index.clone()
    clone.name = f"bench_bare_{index.name}"[:30]
    return clone


def index_shapes(table: str) -> list[tuple]:
    """(columns, unique, primary key) of every index and unique constraint of a table, to show both sides equal."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return sorted(
        (tuple(c["columns"]), bool(c["unique"]), bool(c["primary_key"]))
        for c in found.values()
        if c["index"] or c["unique"] or c["primary_key"]
    )


def settle() -> None:
    """PostgreSQL: write out what the previous step left in shared buffers and the WAL (CHECKPOINT, when this role may),
    so that neither side pays for the other's checkpoint; both sides start alike."""
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:
        pass


def baseline(path: Path, model) -> float:
    with connection.schema_editor() as editor:
        editor.create_model(model)
    if index_shapes(BARE_TABLE) != index_shapes(Payment._meta.db_table):
        raise SystemExit(f"基准表的索引与 {Payment._meta.db_table} 不同：{index_shapes(BARE_TABLE)}")
    # Records already in the real table (another bench's, a demo's) go into the bare one too, untimed: both sides
    # then load into a table of the same size.
    existing = ", ".join(f.column for f in Payment._meta.concrete_fields)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {BARE_TABLE} ({existing}) SELECT {existing} FROM {Payment._meta.db_table}")
    columns = ", ".join(model._meta.get_field(c).column for c in FILE_COLUMNS)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with (
                cursor.copy(f"COPY {BARE_TABLE} ({columns}) FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
                path.open("rb") as fh,
            ):
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
        result = loading.load_path(
            loading.PAYMENTS, path, bureau=bureau, fiscal_year=YEAR, user=user, reason="基准测试"
        )
    elapsed = time.perf_counter() - start
    if not result.ok:
        raise SystemExit("导入失败：" + "；".join(f"{e.line} {e.message}" for e in result.errors[:5]))
    return elapsed, result


def cleanup(model) -> None:
    if model is not None:
        with connection.schema_editor() as editor:
            editor.delete_model(model)
    if Payment.objects.exclude(voucher_number__startswith=VOUCHER_PREFIX).exists():
        Payment.objects.filter(voucher_number__startswith=VOUCHER_PREFIX).delete()
        if connection.vendor == "postgresql":  # (else autovacuum reclaims the million dead rows during the next round)
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM (ANALYZE) {Payment._meta.db_table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {Payment._meta.db_table}"
                if connection.vendor == "sqlite"
                else f"TRUNCATE {Payment._meta.db_table}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--migrate", action="store_true", help="migrate the database first")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds of baseline then ours; the last line compares the medians (the machine's noise "
        "moves single runs by ±20 %%)",
    )
    args = parser.parse_args()
    if args.migrate:
        call_command("migrate", verbosity=0)
    user, bureau = setup()
    path = Path(__file__).resolve().parent.parent / "var" / "bench" / f"payments-{args.rows}.csv"
    if not path.exists():
        generate(path, args.rows)
    model = bare_model()
    bases, mine, result = [], [], None
    for round_ in range(1, args.repeat + 1):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {BARE_TABLE}")
        if Payment.objects.filter(voucher_number__startswith=VOUCHER_PREFIX).exists():
            cleanup(None)
        try:
            settle()
            bases.append(baseline(path, model))
            settle()
            elapsed, result = ours(path, user, bureau)
            mine.append(elapsed)
        finally:
            cleanup(model)
        print(
            f"第 {round_} 轮：baseline {bases[-1]:.1f}s ours {mine[-1]:.1f}s ratio {mine[-1] / bases[-1]:.2f}",
            flush=True,
        )
    size = path.stat().st_size / 1024 / 1024
    print(f"{args.rows} 行支付明细（{size:.0f} MB CSV），数据库 {connection.vendor}，{args.repeat} 轮取中位数")
    print(f"载入结果：{result.summary_text()}")
    base, ours_ = statistics.median(bases), statistics.median(mine)
    print(f"baseline {base:.1f}s ours {ours_:.1f}s ratio {ours_ / base:.2f}")


if __name__ == "__main__":
    main()

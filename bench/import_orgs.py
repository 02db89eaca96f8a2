"""Benchmark: the Excel import of organisations against a ``bulk_create`` of the same rows.

Usage: DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/import_orgs.py [--seed] [--rows 3000]
(--seed migrates and loads `seed_demo --scale small` first; any demo scale will do, the rows are
imported by the demo system administrator into the demo city). The file has departments and their
units in shuffled order, so parents often come after their children. Each run happens inside a
transaction that is rolled back, so the database is unchanged and runs can be repeated.

Prints the time of each phase of our import (reading with python-calamine, checking row by row,
writing in one transaction with full_clean() and an audit row per record) next to the time of
bulk_create for the same organisations (no validation, no audit, no paths), and the ratio. No
thresholds: compare ratios between commits.
"""

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
os.environ.setdefault("JIXIAO_SECURE_COOKIES", "0")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from accounts.models import User  # noqa: E402
from audit.context import acting_as  # noqa: E402
from imports import framework  # noqa: E402
from imports.testing import xlsx_bytes  # noqa: E402
from organisations.choices import OrgKind  # noqa: E402
from organisations.importers import OrganisationImporter  # noqa: E402
from organisations.models import Organisation, Region  # noqa: E402

CITY = "990100"
UNITS_PER_DEPARTMENT = 19


def generate(count: int) -> list[dict]:
    """Departments with budget codes 9000…, each followed (somewhere in the file) by its units."""
    rows = []
    for d in range(count // (UNITS_PER_DEPARTMENT + 1) + 1):
        code = str(9000 + d)
        rows.append(
            {
                "机构名称": f"基准测试局{d}",
                "机构类型": "主管部门",
                "行政区划代码": CITY,
                "预算编码": code,
                "联系人": "张三",
                "联系电话": "0531-12345678",
                "启用": "是",
            }
        )
        for u in range(UNITS_PER_DEPARTMENT):
            rows.append(
                {
                    "机构名称": f"基准测试局{d}所属单位{u}",
                    "机构类型": "预算单位",
                    "行政区划代码": CITY,
                    "上级预算编码": code,
                    "预算编码": f"{code}{u + 1:03d}",
                    "启用": "是",
                }
            )
    rows = rows[:count]  # cut before shuffling: every unit keeps its department
    random.Random(2026).shuffle(rows)
    return rows


class Rollback(Exception):
    pass


def rolled_back(fn):
    """Run ``fn`` in a transaction and undo it; returns what fn returned."""
    box = {}
    try:
        with transaction.atomic():
            box["value"] = fn()
            raise Rollback
    except Rollback:
        pass
    return box["value"]


def ours(content: bytes, admin: User) -> dict:
    marks = {"start": time.perf_counter()}

    def progress(phase, processed, total):
        marks.setdefault(phase, time.perf_counter())

    with acting_as(user=admin, name=str(admin)):
        importer = OrganisationImporter(admin, reason="基准测试")
        result = framework.run(
            importer,
            io.BytesIO(content),
            progress=progress,
            on_success=lambda r: marks.setdefault("end", time.perf_counter()),
        )
    if not result.ok:
        raise SystemExit("导入失败：" + "；".join(str(i) for i in result.issues[:5]))
    return {
        "read": marks["validate"] - marks["start"],
        "check": marks["apply"] - marks["validate"],
        "write": marks["end"] - marks["apply"],
        "total": marks["end"] - marks["start"],
        "created": result.counts["created"],
    }


def baseline(rows: list[dict]) -> float:
    start = time.perf_counter()
    region = Region.objects.get(code=CITY)
    departments = Organisation.objects.bulk_create(
        [
            Organisation(
                name=r["机构名称"],
                kind=OrgKind.DEPARTMENT,
                region=region,
                budget_code=r["预算编码"],
                contact=r.get("联系人", ""),
                phone=r.get("联系电话", ""),
            )
            for r in rows
            if r["机构类型"] == "主管部门"
        ]
    )
    by_code = {d.budget_code: d for d in departments}
    Organisation.objects.bulk_create(
        [
            Organisation(
                name=r["机构名称"],
                kind=OrgKind.UNIT,
                region=region,
                budget_code=r["预算编码"],
                parent=by_code.get(r["上级预算编码"]),
            )
            for r in rows
            if r["机构类型"] == "预算单位"
        ]
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--seed", action="store_true", help="migrate and load the small demo city first")
    args = parser.parse_args()
    if args.seed:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", scale="small", quiet=True, verbosity=0)
    admin = User.objects.get(username="sysadmin")
    rows = generate(args.rows)
    headers = [c.header for c in OrganisationImporter.columns]
    content = xlsx_bytes(headers, rows, sheet="机构")

    start = time.perf_counter()
    with CalamineWorkbook.from_filelike(io.BytesIO(content)) as book:
        book.get_sheet_by_name("机构").to_python(skip_empty_area=False)
    calamine = time.perf_counter() - start

    base = rolled_back(lambda: baseline(rows))
    timing = rolled_back(lambda: ours(content, admin))
    n = len(rows)
    print(f"{n} 行机构（{len(content) / 1024:.0f} KB xlsx），数据库 {django.db.connection.vendor}")
    print(f"{'':24}{'秒':>8}{'每行毫秒':>10}")
    for label, seconds in [
        ("calamine 读取工作表", calamine),
        ("导入：读取与表头", timing["read"]),
        ("导入：校验（逐行+规则）", timing["check"]),
        ("导入：单事务写入+审计", timing["write"]),
        ("导入：合计", timing["total"]),
        ("基线：bulk_create", base),
    ]:
        print(f"{label:<24}{seconds:>8.2f}{seconds * 1000 / n:>10.2f}")
    print(
        f"导入 / bulk_create = {timing['total'] / base:.0f}×（新建 {timing['created']} 个机构，每个都经 full_clean() 并写审计）"
    )


if __name__ == "__main__":
    main()

"""Benchmark: list pages and API lists at province scale, as ratios against a raw SQL baseline.

Usage: DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/list_pages.py [--seed]
(--seed migrates and loads `seed_demo --scale province` first). Prints, for each page, the median
time of our page next to the median time of the raw SQL that fetches the same page of rows, and the
ratio. No thresholds: compare ratios between commits.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
os.environ.setdefault("JIXIAO_SECURE_COOKIES", "0")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402


def median_ms(fn, repeat=15):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def raw_page():
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM organisations_organisation")
        cursor.fetchone()
        cursor.execute(
            "SELECT o.id, o.name, o.kind, o.budget_code, r.name, p.name FROM organisations_organisation o "
            "JOIN organisations_region r ON r.id = o.region_id LEFT JOIN organisations_organisation p "
            "ON p.id = o.parent_id ORDER BY r.code, o.budget_code LIMIT 25 OFFSET 500"
        )
        cursor.fetchall()


def main():
    if "--seed" in sys.argv:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", scale="province", quiet=True)
    client = Client()
    client.force_login(User.objects.get(username="perf"))
    cases = {
        "机构列表页 /organisations/?page=21": lambda: client.get("/organisations/?page=21"),
        "机构列表 htmx 片段": lambda: client.get("/organisations/?page=21", HTTP_HX_REQUEST="true"),
        "API /api/organisations/?page=21&page_size=25": lambda: client.get("/api/organisations/?page=21&page_size=25"),
    }
    baseline = median_ms(raw_page)
    print(f"基线（原始 SQL 取同一页 25 行 + 计数）：{baseline:.1f} ms")
    for name, fn in cases.items():
        fn()  # warm up
        ours = median_ms(fn)
        print(f"{name}: {ours:.1f} ms，是基线的 {ours / baseline:.1f} 倍")


if __name__ == "__main__":
    main()

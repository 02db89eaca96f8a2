"""Benchmark: 指标推荐 (targets/recommend.py) against a plain SQL ``LIKE`` search over subject names.

Usage: DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/recommend.py [--seed] [--sheets 5000]
(--seed migrates and loads `seed_demo --scale small` first). Builds N approved earlier-year target sheets
(2025) of generated school, hospital and road subjects in one sector, six indicators each, plus the 2026
sheet being filled, with ``bulk_create`` inside a transaction that is rolled back (the database is
unchanged; runs can be repeated).

Times, for the sheet being filled:
- the recommendation, cold (the sector's TF-IDF index is built) and warm (the index is cached);
- the baseline: subjects whose name contains the sheet's key word (``name LIKE '%维修%'``) and their
  indicators, one SQL query — what a user gets by searching the list for a word.
The last line prints both and the ratios. No thresholds: compare ratios between commits.
"""

import argparse
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
from django.db import transaction  # noqa: E402

from organisations.models import Organisation  # noqa: E402
from subjects.models import Subject  # noqa: E402
from targets import recommend  # noqa: E402
from targets.models import TargetIndicator, TargetSheet  # noqa: E402
from workflow.models import ReviewStatus  # noqa: E402

PLACES = [
    "第一中学",
    "第二中学",
    "实验小学",
    "城关小学",
    "人民医院",
    "中医院",
    "妇幼保健院",
    "职业学校",
    "幼儿园",
    "图书馆",
    "文化馆",
    "体育中心",
    "疾控中心",
    "养老院",
    "福利院",
    "档案馆",
]
OBJECTS = [
    "校舍",
    "教学楼",
    "屋面",
    "外墙",
    "食堂",
    "宿舍",
    "操场",
    "门诊楼",
    "病房",
    "供暖管网",
    "消防设施",
    "电梯",
    "道路",
    "围墙",
    "实验室",
    "信息机房",
]
WORKS = ["维修", "改造", "加固", "更新", "维护", "修缮", "提升改造", "安全整治"]
INDICATORS = [
    ("output", "quantity", "维修面积", "ge", "平方米", (500, 5000)),
    ("output", "quality", "工程验收合格率", "ge", "%", (95, 100)),
    ("output", "timeliness", "按期完工率", "ge", "%", (85, 100)),
    ("cost", "economic_cost", "维修改造成本", "le", "万元", (20, 300)),
    ("output", "quantity", "更新设备数量", "ge", "台", (5, 80)),
    ("effect", "social_benefit", "消除安全隐患", "qualitative", "", None),
    ("satisfaction", "service_satisfaction", "服务对象满意度", "ge", "%", (80, 98)),
    ("effect", "sustainable", "设施使用年限延长", "ge", "年", (5, 20)),
]


class Rollback(Exception):
    pass


def build(count: int, rng: random.Random) -> TargetSheet:
    school = (
        Organisation.objects.filter(name="示范市第一中学").first() or Organisation.objects.filter(kind="unit").first()
    )
    common = {
        "kind": "project",
        "organisation": school,
        "duration": "one_off",
        "is_new": False,
        "budget_kind": "general",
        "fund_sources": ["local"],
        "function_subject_code": "2050203",
        "category": "administrative",
        "status": ReviewStatus.APPROVED,
        "stage": "completed",
        "current_role": "",
    }
    subjects = []
    for n in range(count):
        name = f"{rng.choice(PLACES)}{rng.choice(OBJECTS)}{rng.choice(WORKS)}项目{n}"
        subjects.append(
            Subject(
                code=f"BENCH{n:06d}",
                name=name,
                fiscal_year=2025,
                start_year=2025,
                end_year=2025,
                sub_category=rng.choice(["maintenance", "purchase", "maintenance"]),
                start_date=datetime.date(2025, 3, 1),
                end_date=datetime.date(2025, 11, 30),
                basis=f"《示范市{rng.choice(OBJECTS)}管理办法》",
                necessity=f"{rng.choice(OBJECTS)}老化",
                **common,
            )
        )
    Subject.objects.bulk_create(subjects, batch_size=1000)
    subjects = list(Subject.objects.filter(code__startswith="BENCH"))
    sheets = [
        TargetSheet(
            subject=s, fiscal_year=2025, annual_goal=f"完成{s.name}", status=ReviewStatus.APPROVED, is_current=True
        )
        for s in subjects
    ]
    TargetSheet.objects.bulk_create(sheets, batch_size=1000)
    sheets = TargetSheet.objects.filter(subject__code__startswith="BENCH")
    rows = []
    for sheet in sheets:
        for order, (l1, l2, name, comparator, unit, bounds) in enumerate(rng.sample(INDICATORS, 6), start=1):
            value = "达到预期" if bounds is None else str(rng.randint(*bounds))
            rows.append(
                TargetIndicator(
                    sheet=sheet,
                    horizon="annual",
                    level1=l1,
                    level2=l2,
                    name=name,
                    comparator=comparator,
                    target_value=value,
                    unit=unit,
                    weight=Decimal("10"),
                    order=order,
                )
            )
    TargetIndicator.objects.bulk_create(rows, batch_size=2000)
    subject = Subject.objects.create(
        code="BENCHNOW",
        name="第三中学教学楼屋面维修项目",
        fiscal_year=2026,
        start_year=2026,
        end_year=2026,
        sub_category="maintenance",
        start_date=datetime.date(2026, 3, 1),
        end_date=datetime.date(2026, 11, 30),
        basis="《示范市中小学校舍维修管理办法》",
        necessity="屋面渗漏",
        **{**common, "stage": "funded"},
    )
    return TargetSheet.objects.create(subject=subject, fiscal_year=2026, annual_goal="完成教学楼屋面维修 3000 平方米")


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def baseline(sheet) -> list:
    return list(
        TargetIndicator.objects.filter(
            sheet__fiscal_year__lt=sheet.fiscal_year,
            sheet__status=ReviewStatus.APPROVED,
            sheet__is_current=True,
            sheet__subject__category=sheet.subject.category,
            sheet__subject__name__contains="维修",
        ).values_list("sheet__subject__name", "name", "target_value", "unit")
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--sheets", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.seed:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", scale="small", verbosity=0)
    rng = random.Random(2026)
    result = {}
    try:
        with transaction.atomic():
            start = time.perf_counter()
            sheet = build(args.sheets, rng)
            print(f"built {args.sheets} earlier-year sheets in {time.perf_counter() - start:.1f} s")
            recommend._INDEXES.clear()
            start = time.perf_counter()
            suggestions = recommend.suggest(sheet)
            result["cold"] = time.perf_counter() - start
            result["warm"], suggestions = timed(lambda: recommend.suggest(sheet), args.repeat)
            result["base"], rows = timed(lambda: baseline(sheet), args.repeat)
            top = suggestions[0] if suggestions else None
            print(
                f"suggestions: {len(suggestions)}; top: {top.label if top else '—'} "
                f"({top.value_range if top else ''}, from {top.best.subject if top else ''})"
            )
            print(f"baseline rows (name LIKE '%维修%'): {len(rows)}")
            raise Rollback
    except Rollback:
        pass
    cold, warm, base = result["cold"], result["warm"], result["base"]
    print(
        f"recommend cold {cold * 1000:.0f} ms, warm {warm * 1000:.0f} ms; baseline LIKE {base * 1000:.1f} ms; "
        f"ratio cold {cold / base:.0f}×, warm {warm / base:.0f}×"
    )


if __name__ == "__main__":
    main()

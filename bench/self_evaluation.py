"""Benchmark: the self-evaluation at province scale (issue 13 "Scale"): ratios in one run, never timed tests.

Usage (PostgreSQL, the province demo; ``bench/pages.py --seed`` loads it)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jixiao_bench .venv/bin/python bench/self_evaluation.py

(a) **Opening.** A round covers its own region only (evaluations/roster.py), so the script opens the round of the
region and year with the most funded subjects that has no round yet (``--year`` / ``--region`` choose another) and times
``evaluations.opening.create_forms`` — every prefilled form and its indicator rows, chunk by chunk, each insert
skipping what exists — against a bare ``INSERT … SELECT`` of the same rows into the same tables: the same columns and
prefill expressions, one statement for the forms and one for the rows, no chunking, no ``NOT EXISTS``. Each run is in
a savepoint rolled back afterwards; the two alternate; medians of ``--repeat``. Goal: within 3×.

(b) **Status board.** With the forms of (a) in place (statuses, submission dates and scores spread by one UPDATE),
``evaluations.board.build`` as the province's performance section ``prov_perf`` (reach: the whole province) against
the bare GROUP BY queries of the same figures written by hand (one conditional aggregate, by region, by department),
and against the board's own three queries run bare through a cursor. Goal: within 2×.

Nothing is left behind: everything happens in one transaction that is rolled back.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
os.environ.setdefault("JIXIAO_BUSINESS_DATE", "demo")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from core import clock  # noqa: E402
from evaluations import board, opening, roster, self_actions  # noqa: E402
from evaluations.models import SelfEvaluation, SelfEvaluationIndicator, SelfEvaluationRound  # noqa: E402

GOALS = {"opening": 3.0, "board": 2.0}


class Rollback(Exception):
    pass


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def pick(year: int | None, region_code: str | None):
    """(year, region, funded subjects) of the largest region's round (or the one asked for)."""
    from organisations.models import Region

    years = [year] if year else [clock.today().year - 1, clock.today().year]
    best = None
    for y in years:
        taken = SelfEvaluationRound.objects.filter(fiscal_year=y).values("region_id")  # a round is opened once
        rows = (
            roster.funded(y)
            .exclude(organisation__region_id__in=taken)
            .values("organisation__region_id")
            .annotate(n=Count("pk"))
            .order_by("-n")
        )
        if region_code:
            rows = rows.filter(organisation__region__code=region_code)
        top = rows.first()
        if top and (best is None or top["n"] > best[2]):
            best = (y, top["organisation__region_id"], top["n"])
    if best is None:
        raise SystemExit("没有已安排预算的项目：先用 bench/pages.py --seed 载入省级演示数据")
    return best[0], Region.objects.get(pk=best[1]), best[2]


def make_round(year: int, region):
    """The round as ``open_round`` makes it (its organisation, scheme, due date), without queueing the task."""
    from organisations.choices import OrgKind, SectionKind
    from organisations.models import Organisation

    organisation = Organisation.objects.get(
        region=region, kind=OrgKind.FINANCE_SECTION, section_kind=SectionKind.PERFORMANCE
    )
    with clock.pinned(datetime.date(year + 1, 1, 6)):
        scheme = self_actions.scheme_for(region, clock.today())
    return SelfEvaluationRound.objects.create(
        organisation=organisation,
        region=region,
        fiscal_year=year,
        name=f"bench {region.name} {year}",
        due_date=datetime.date(year + 1, 3, 31),
        scheme=scheme,
    )


def bare_opening(evaluation_round, ids: list[int]) -> int:
    """The same rows, one INSERT … SELECT each for forms and rows over every listed subject: the prefill SQL of
    ``opening`` with its NOT EXISTS guards taken out and no chunks (town forms of integrated funds, if any, left
    out on both sides' counts: the demo has none at this scale)."""
    t = opening._tables()
    forms, form_params = opening.forms_select(evaluation_round, ids[0], ids[-1])
    guard = re.compile(r" AND NOT EXISTS \(SELECT 1 FROM \S+ e WHERE e\.round_id = %s AND e\.subject_id = s\.id[^)]*\)")
    assert len(guard.findall(forms)) == 1, "opening.forms_select changed: update the bare baseline"
    forms = guard.sub("", forms)
    form_params = form_params[:-1]  # the round id of NOT EXISTS is the last parameter
    rows, row_params = opening.rows_select(evaluation_round, ids[0], ids[-1])
    row_guard = re.compile(r" AND NOT EXISTS \(SELECT 1 FROM \S+ x WHERE x\.evaluation_id = e\.id\)")
    assert len(row_guard.findall(rows)) == 1, "opening.rows_select changed: update the bare baseline"
    rows = row_guard.sub("", rows)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {t['form']} ({opening._columns(opening.FORM_COLUMNS)}) {forms}", form_params)
        created = cursor.rowcount
        cursor.execute(f"INSERT INTO {t['row']} ({opening._columns(opening.ROW_COLUMNS)}) {rows}", row_params)
    return created


def timed_in_savepoint(fn) -> tuple[float, object]:
    sid = transaction.savepoint()
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    transaction.savepoint_rollback(sid)
    return elapsed, result


def spread_states(evaluation_round) -> None:
    """Statuses, first submission dates and scores across the round's forms, deterministically by id."""
    t = opening._tables()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {t['form']} SET"
            " status = CASE id %% 6 WHEN 0 THEN 'draft' WHEN 1 THEN 'returned' WHEN 2 THEN 'approved' ELSE 'in_review' END,"
            " submitted_at = CASE WHEN id %% 6 = 0 THEN NULL ELSE %s + (id %% 40) * INTERVAL '1 day' END,"
            " total_score = CASE WHEN id %% 6 = 0 THEN NULL ELSE 40 + (id * 37) %% 61 END,"
            " grade = CASE WHEN id %% 6 = 0 THEN '' WHEN 40 + (id * 37) %% 61 >= 90 THEN '优'"
            " WHEN 40 + (id * 37) %% 61 >= 80 THEN '良' WHEN 40 + (id * 37) %% 61 >= 60 THEN '中' ELSE '差' END"
            " WHERE round_id = %s",
            [datetime.datetime(evaluation_round.fiscal_year + 1, 3, 5, tzinfo=datetime.UTC), evaluation_round.pk],
        )


def bare_board_sql(year: int) -> list[tuple[str, list]]:
    """The board's figures by hand: one conditional aggregate with the distributions, by region, by department."""
    t = opening._tables()
    from organisations.models import Organisation, Region

    org, reg = Organisation._meta.db_table, Region._meta.db_table
    today = clock.today()
    counts = (
        "COUNT(*), COUNT(*) FILTER (WHERE f.submitted_at IS NOT NULL OR f.status IN ('in_review', 'approved')),"
        " COUNT(*) FILTER (WHERE f.submitted_at IS NULL AND f.status IN ('draft', 'returned') AND r.due_date < %s),"
        " COUNT(*) FILTER (WHERE (f.submitted_at AT TIME ZONE 'Asia/Shanghai')::date > r.due_date),"
        " COUNT(*) FILTER (WHERE f.status = 'in_review'), COUNT(*) FILTER (WHERE f.status = 'returned'),"
        " COUNT(*) FILTER (WHERE f.status = 'approved')"
    )
    bins = ", ".join(
        f"COUNT(*) FILTER (WHERE f.total_score >= {lo} AND f.total_score < {hi})"
        for lo, hi in [(0, 60), (60, 70), (70, 80), (80, 90), (90, 101)]
    )
    grades = ", ".join(f"COUNT(*) FILTER (WHERE f.grade = '{g}')" for g in board.GRADES)
    base = f" FROM {t['form']} f JOIN evaluations_selfevaluationround r ON r.id = f.round_id"
    return [
        (f"SELECT {counts}, {bins}, {grades}{base} WHERE f.fiscal_year = %s", [today, year]),
        (
            f"SELECT o.region_id, g.name, g.path, {counts}{base} JOIN {org} o ON o.id = f.organisation_id"
            f" JOIN {reg} g ON g.id = o.region_id WHERE f.fiscal_year = %s GROUP BY o.region_id, g.name, g.path"
            " ORDER BY g.path",
            [today, year],
        ),
        (
            f"SELECT f.department_id, d.name, d.path, {counts}{base} LEFT JOIN {org} d ON d.id = f.department_id"
            " WHERE f.fiscal_year = %s GROUP BY f.department_id, d.name, d.path ORDER BY d.path",
            [today, year],
        ),
    ]


def run_bare(statements) -> None:
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--year", type=int)
    parser.add_argument("--region", help="区划代码")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--board-repeat", type=int, default=15)
    parser.add_argument("--as", dest="username", default="prov_perf")
    parser.add_argument("--all-regions", action="store_true", help="每个有已安排预算项目的区划各开一轮（全省）")
    args = parser.parse_args()
    from core.testing import user
    from organisations.models import Region

    year, region, funded = pick(args.year, args.region)
    regions = [region]
    if args.all_regions:
        taken = SelfEvaluationRound.objects.filter(fiscal_year=year).values("region_id")
        ids = (
            roster.funded(year)
            .exclude(organisation__region_id__in=taken)
            .values_list("organisation__region_id", flat=True)
            .distinct()
        )
        regions = list(Region.objects.filter(pk__in=list(ids)).order_by("path"))
        funded = roster.funded(year).filter(organisation__region__in=regions).count()
        print(
            f"数据库 {connection.vendor}；{year} 年度 {len(regions)} 个区划各开一轮，已安排预算的项目共 {funded:,} 个"
        )
    else:
        print(f"数据库 {connection.vendor}；{region.name}（{region.code}）{year} 年度已安排预算的项目 {funded:,} 个")
    try:
        with transaction.atomic():
            rounds = [make_round(year, r) for r in regions]
            listed = {r.pk: list(roster.listed(r).order_by("pk").values_list("pk", flat=True)) for r in rounds}
            rounds = [r for r in rounds if listed[r.pk]]
            ours, bare = [], []
            for _ in range(args.repeat):
                bare.append(0.0)
                ours.append(0.0)
                created = 0
                for r in rounds:
                    elapsed, bare_created = timed_in_savepoint(lambda r=r: bare_opening(r, listed[r.pk]))
                    bare[-1] += elapsed
                    assert bare_created > 0
                    elapsed, n = timed_in_savepoint(lambda r=r: opening.create_forms(r))
                    ours[-1] += elapsed
                    created += n
            for r in rounds:
                opening.create_forms(r)
            rows = SelfEvaluationIndicator.objects.filter(evaluation__round__in=rounds).count()
            ratio = statistics.median(ours) / statistics.median(bare)
            mark = "✓" if ratio <= GOALS["opening"] else "✗"
            print(
                f"(a) {len(rounds)} 轮生成自评表 {created:,} 份、指标行 {rows:,} 行：create_forms {median_ms(ours)} ms，"
                f"裸 INSERT … SELECT {median_ms(bare)} ms，比值 {ratio:.2f}× {mark}（目标 ≤ {GOALS['opening']}×）"
            )

            for evaluation_round in rounds:
                spread_states(evaluation_round)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE evaluations_selfevaluation" if connection.vendor == "postgresql" else "ANALYZE")
            account = user(args.username)
            board.build(account, year)  # roles read once and kept on the user, as within a request
            total = SelfEvaluation.objects.filter(fiscal_year=year).count()
            with CaptureQueriesContext(connection) as captured:
                result = board.build(account, year)
            own = [(q["sql"], None) for q in captured.captured_queries]
            hand = bare_board_sql(year)
            run_bare(hand)
            run_bare(own)
            ours_b, hand_b, own_b = [], [], []
            for _ in range(args.board_repeat):
                start = time.perf_counter()
                board.build(account, year)
                ours_b.append(time.perf_counter() - start)
                start = time.perf_counter()
                run_bare(hand)
                hand_b.append(time.perf_counter() - start)
                start = time.perf_counter()
                run_bare(own)
                own_b.append(time.perf_counter() - start)
            ratio_hand = statistics.median(ours_b) / statistics.median(hand_b)
            ratio_own = statistics.median(ours_b) / statistics.median(own_b)
            mark = "✓" if ratio_hand <= GOALS["board"] else "✗"
            print(
                f"(b) 看板（{args.username}，{year} 年度自评表 {total:,} 份、可见 {result.total.total:,} 份，"
                f"{len(result.regions)} 个区划、{len(result.departments)} 个部门，{len(own)} 条查询）："
                f"board.build {median_ms(ours_b)} ms，手写 GROUP BY {median_ms(hand_b)} ms，比值 {ratio_hand:.2f}× {mark}"
                f"（目标 ≤ {GOALS['board']}×）；看板自身 SQL 直接执行 {median_ms(own_b)} ms，比值 {ratio_own:.2f}×"
            )
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()

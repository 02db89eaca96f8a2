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
from evaluations.models import (  # noqa: E402
    RecheckItem,
    SelfEvaluation,
    SelfEvaluationIndicator,
    SelfEvaluationRound,
)

GOALS = {"opening": 3.0, "board": 2.0, "discrepancy": 2.0}


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
            discrepancy_bench(account, max(rounds, key=lambda r: len(listed[r.pk])), args.board_repeat)
            raise Rollback
    except Rollback:
        pass


def make_sample(evaluation_round):
    """A re-check sample of a fifth of the round's submitted forms, every re-check submitted, the re-check score
    0–14 points under the unit's (so that some gaps reach the threshold and some grades differ) — by one INSERT."""
    from evaluations.models import RecheckSample

    sample = RecheckSample.objects.create(round=evaluation_round, seed=2026, candidates=0)
    item = RecheckItem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {item} (sample_id, evaluation_id, department_id, reason, status, self_score, self_grade,"
            " execution_score, indicator_score, total_score, grade, opinion, submitted_at, version)"
            " SELECT %s, f.id, f.department_id, 'stratified', 'submitted', f.total_score, f.grade, f.execution_score,"
            " f.indicator_score, f.total_score - (f.id %% 15),"
            " CASE WHEN f.total_score - (f.id %% 15) >= 90 THEN '优' WHEN f.total_score - (f.id %% 15) >= 80 THEN '良'"
            " WHEN f.total_score - (f.id %% 15) >= 60 THEN '中' ELSE '差' END, '', %s, 1"
            f" FROM {opening._tables()['form']} f"
            " WHERE f.round_id = %s AND f.submitted_at IS NOT NULL AND f.total_score IS NOT NULL AND f.id %% 5 = 0",
            [
                sample.pk,
                datetime.datetime(evaluation_round.fiscal_year + 1, 5, 1, tzinfo=datetime.UTC),
                evaluation_round.pk,
            ],
        )
    return sample


def bare_discrepancy_sql(sample) -> list[tuple[str, list]]:
    """The discrepancy report's five lists written by hand: large gaps, departments with unsubmitted forms, re-checks
    graded 差, forms graded 差 by the unit and not re-checked, and the flag of indicator share far above execution."""
    from organisations.models import Organisation
    from subjects.models import Subject

    t = opening._tables()
    item, org, subject = RecheckItem._meta.db_table, Organisation._meta.db_table, Subject._meta.db_table
    evaluation_round, scheme = sample.round, sample.round.scheme
    joins = (
        f" JOIN {t['form']} f ON f.id = i.evaluation_id JOIN {subject} s ON s.id = f.subject_id"
        f" JOIN {org} o ON o.id = f.organisation_id"
    )
    i_pts, e_pts = scheme.indicator_points, scheme.execution_points
    return [
        (
            f"SELECT i.*, s.name, o.name, ABS(i.self_score - i.total_score) gap FROM {item} i{joins}"
            " WHERE i.sample_id = %s AND i.status = 'submitted' AND i.self_score IS NOT NULL"
            " AND i.total_score IS NOT NULL AND (ABS(i.self_score - i.total_score) >= %s OR i.grade <> i.self_grade)"
            " ORDER BY gap DESC, i.id",
            [sample.pk, sample.threshold_points],
        ),
        (
            f"SELECT f.department_id, d.name, COUNT(*) n FROM {t['form']} f LEFT JOIN {org} d ON d.id = f.department_id"
            " WHERE f.round_id = %s AND f.submitted_at IS NULL GROUP BY f.department_id, d.name ORDER BY n DESC, d.name",
            [evaluation_round.pk],
        ),
        (
            f"SELECT i.*, s.name, o.name FROM {item} i{joins} WHERE i.sample_id = %s AND i.status = 'submitted'"
            " AND i.grade = '差'",
            [sample.pk],
        ),
        (
            f"SELECT f.*, s.name, o.name FROM {t['form']} f JOIN {subject} s ON s.id = f.subject_id"
            f" JOIN {org} o ON o.id = f.organisation_id WHERE f.round_id = %s AND f.grade = '差'"
            f" AND f.submitted_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {item} i WHERE i.evaluation_id = f.id"
            " AND i.sample_id = %s AND i.status = 'submitted')",
            [evaluation_round.pk, sample.pk],
        ),
        (
            f"SELECT f.*, s.name, o.name, f.indicator_score * %s - f.execution_score * %s g FROM {t['form']} f"
            f" JOIN {subject} s ON s.id = f.subject_id JOIN {org} o ON o.id = f.organisation_id"
            " WHERE f.round_id = %s AND f.submitted_at IS NOT NULL AND f.indicator_score IS NOT NULL"
            " AND f.execution_score IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
            f" {item} i WHERE i.evaluation_id = f.id AND i.status = 'submitted')"
            " AND f.indicator_score * %s - f.execution_score * %s >= %s ORDER BY g DESC, f.id",
            [e_pts, i_pts, evaluation_round.pk, e_pts, i_pts, sample.flag_gap * i_pts * e_pts],
        ),
    ]


def discrepancy_bench(account, evaluation_round, repeat: int) -> None:
    """(c) the discrepancy report of a sample of the largest round, as ``account``, against its lists by hand."""
    from evaluations import discrepancy

    sample = make_sample(evaluation_round)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE evaluations_recheckitem" if connection.vendor == "postgresql" else "ANALYZE")
    report = discrepancy.report(sample, account)
    with CaptureQueriesContext(connection) as captured:
        discrepancy.report(sample, account)
    own = [(q["sql"], None) for q in captured.captured_queries]
    hand = bare_discrepancy_sql(sample)
    run_bare(hand)
    ours, hand_t, own_t = [], [], []
    for _ in range(repeat):
        start = time.perf_counter()
        discrepancy.report(sample, account)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        run_bare(hand)
        hand_t.append(time.perf_counter() - start)
        start = time.perf_counter()
        run_bare(own)
        own_t.append(time.perf_counter() - start)
    ratio = statistics.median(ours) / statistics.median(hand_t)
    mark = "✓" if ratio <= GOALS["discrepancy"] else "✗"
    items = RecheckItem.objects.filter(sample=sample).count()
    print(
        f"(c) 差异通报（{evaluation_round.region.name}，复核 {items:,} 项；差异较大 {len(report.large_gaps)}、"
        f"未自评部门 {len(report.not_self_evaluated)}、结果为差 {len(report.graded_poor[0]) + len(report.graded_poor[1])}、"
        f"提示 {len(report.flagged)}；{len(own)} 条查询）：discrepancy.report {median_ms(ours)} ms，"
        f"手写 SQL {median_ms(hand_t)} ms，比值 {ratio:.2f}× {mark}（目标 ≤ {GOALS['discrepancy']}×）；"
        f"自身 SQL 直接执行 {median_ms(own_t)} ms，比值 {statistics.median(ours) / statistics.median(own_t):.2f}×"
    )


if __name__ == "__main__":
    main()

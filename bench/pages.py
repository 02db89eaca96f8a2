"""Benchmark: every list page of the navigation, the home page and the monitoring dashboard, each against the bare
SQL of what it shows (issue 16 "Benchmarks"): ratios in one run, never timed tests.

Usage (PostgreSQL, the province demo)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jixiao_bench .venv/bin/python bench/pages.py --seed

``--seed`` migrates and loads ``seed_demo --scale province`` when the database holds no province yet (a few
minutes). For each persona (``--as``; by default the demo city's performance section ``perf`` — the top bureau with
an account in the province demo —, the education department's reviewer ``edu_reviewer``, and the two administrators
for the users and the audit log) and each page the navigation offers that persona, it prints:

- the server time: median of ``--repeat`` GETs through Django's test client (the whole middleware stack, the shell,
  the template), after two warm-up requests (the first fills the per-user 待办 cache);
- the number of queries of one such request;
- the bare SQL of what the page shows, run side by side through a cursor (median): for a list page
  (``core.views.GatedListView``) the SQL of the first page's rows and of its count, built from the view's own
  queryset (its filters, the gate, its ``select_related``/annotations and the table's default order, or the keyset
  order and capped count of a keyset list); for a page with a ``BASELINES`` entry, what that function returns
  (the dashboard: its aggregate queries, as the page ran them);
- the ratio, flagged ``✗`` above the page's goal (``GOALS``: 5× for a list, 2× for the dashboard).

New pages join without touching this script when their list is a ``GatedListView`` linked from the navigation
(``core/navigation.py``); a page outside the navigation joins with one line in ``EXTRA_PAGES``, a page whose
baseline is not "rows + count" with one line in ``BASELINES``. ``--json FILE`` writes the figures;
``--before FILE`` prints an earlier run's time, ratio and queries beside each page.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
os.environ.setdefault("JIXIAO_SECURE_COOKIES", "0")
os.environ.setdefault("JIXIAO_BUSINESS_DATE", "demo")  # the demo's data is dated around its business date

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import resolve  # noqa: E402

from core.testing import client_for, offered, user  # noqa: E402
from core.views import GatedListView  # noqa: E402

PERSONAS = ["prov_perf", "perf", "edu_reviewer", "sysadmin", "auditadmin"]

# Pages measured besides the navigation's list pages (shown when the navigation offers them, or always for "/").
EXTRA_PAGES = ["/", "/monitoring/dashboard/"]


def aggregates(captured: list[str], view, table) -> list[str]:
    """The dashboard's baseline: the aggregate queries it ran (the figures' sums per department, in total, per
    region), executed bare."""
    return [sql for sql in captured if "SUM(" in sql]


def raw_aggregates(client) -> list[str]:
    """What the dashboard ran before it read roll-ups (issue 16: 238 ms): the sums over every execution figure in
    reach — per department, in total, per region —, as ``monitoring.rollups`` computes them, captured to run bare."""
    from core import access, fiscal
    from monitoring import rollup_store, rollups
    from monitoring.views_dashboard import region_roots
    from subjects.models import Subject

    account = client.session_user
    year = fiscal.default_year()
    dates = rollup_store.stored_dates(year)
    as_of = dates[-1]
    subjects = access.restrict(Subject.objects.all(), account)

    def old():
        rollups.department_rollup(year, as_of, subjects)
        rollups.total(year, as_of, subjects)
        for root in region_roots(account):
            rollups.region_rollup(year, as_of, subjects, parent=root)

    return [sql for sql in _captured_sql(old) if "SUM(" in sql]


# url → function(client) → the SQL of what the page replaced, run bare beside it (the "≤ 0.2× raw" goal).
RAW = {"/monitoring/dashboard/": (raw_aggregates, 0.2)}

# url → function(captured SQL of the measured request, list view or None, its table or None) → statements.
BASELINES = {"/monitoring/dashboard/": aggregates}

# url → the ratio a page should stay within; list pages default to LIST_GOAL.
LIST_GOAL = 5.0
GOALS = {"/monitoring/dashboard/": 2.0, "/": None}


def median_ms(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


@contextmanager
def listed_views():
    """Records (view, table) of every GatedListView that renders while inside."""
    seen = []
    original = GatedListView.get_context_data

    def spy(self, **kwargs):
        context = original(self, **kwargs)
        seen.append((self, context.get("table")))
        return context

    GatedListView.get_context_data = spy
    try:
        yield seen
    finally:
        GatedListView.get_context_data = original


def _captured_sql(fn) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return [q["sql"] for q in captured.captured_queries]


def rows_and_count(view, table) -> list[tuple[str, list]]:
    """The SQL of the rows the page shows and of its count, from the view's own queryset: (sql, params) pairs."""
    from core.keyset import KeysetPaginationMixin, capped_count, order_fields

    statements = []
    if isinstance(view, KeysetPaginationMixin):
        page, queryset = table.keyset_page, view.get_table_data()
        rows = queryset.order_by(*order_fields(view.keyset_keys()))[: view.paginate_by + 1]
        statements.append(rows.query.sql_with_params())
        if not (page.number == 1 and not page.has_next):
            statements += [(sql, None) for sql in _captured_sql(lambda: capped_count(queryset, page.limit))]
        return statements
    ordered = table.data.data  # the filtered, gated queryset in the table's order
    if getattr(table, "page", None) is None:  # an unpaginated table shows every row
        return [(ordered.query.sql_with_params())]
    number, per_page = table.page.number, table.paginator.per_page
    statements.append(ordered[(number - 1) * per_page : number * per_page].query.sql_with_params())
    statements += [(sql, None) for sql in _captured_sql(lambda: ordered.all().count())]
    return statements


def run_bare(statements) -> None:
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()


def pages_for(username: str) -> list[str]:
    """The pages of ``username``: every navigation link that is a GatedListView, then EXTRA_PAGES it may open."""
    account = user(username)
    urls = [url for _stage, links in offered(account) for url in links]
    lists = [url for url in urls if issubclass(getattr(resolve(url).func, "view_class", object), GatedListView)]
    extra = [url for url in EXTRA_PAGES if url == "/" or url in urls]
    if account.is_admin_role:
        extra = []  # the administrators are here for their lists
    return list(dict.fromkeys(extra[:1] + lists + extra[1:]))


# The fixed cost of any signed-in request, whatever its data: the smallest htmx request there is (a picker search
# that finds nothing: the middleware stack, session, user, roles, the gate, one indexed query, a one-line template).
FLOOR_URL = "/pick/region/?q=%E6%97%A0%E6%AD%A4%E5%8C%BA%E5%88%92"


def floor_ms(client, repeat: int) -> float:
    client.get(FLOOR_URL, HTTP_HX_REQUEST="true")
    return median_ms(lambda: client.get(FLOOR_URL, HTTP_HX_REQUEST="true"), repeat)


def measure(client, url: str, repeat: int, floor: float | None = None) -> dict:
    client.get(url)
    client.get(url)
    with listed_views() as seen, CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    if response.status_code != 200:
        return {"url": url, "status": response.status_code}
    sql = [q["sql"] for q in captured.captured_queries]
    view, table = seen[-1] if seen else (None, None)
    statements = None
    if url in BASELINES:
        statements = [(s, None) for s in BASELINES[url](sql, view, table)]
    elif view is not None and table is not None:
        statements = rows_and_count(view, table)
    ours = median_ms(lambda: client.get(url), repeat)
    result = {"url": url, "status": 200, "ms": round(ours, 1), "queries": len(sql)}
    fragment = None
    if view is not None:  # the list's htmx fragment (filter, sort, page): the same list without the page shell
        client.get(url, HTTP_HX_REQUEST="true")
        fragment = median_ms(lambda: client.get(url, HTTP_HX_REQUEST="true"), repeat)
        result["fragment_ms"] = round(fragment, 1)
    if statements:
        run_bare(statements)  # warm
        bare = median_ms(lambda: run_bare(statements), repeat)
        result.update(bare_ms=round(bare, 2), ratio=round(ours / bare, 1), bare_statements=len(statements))
        if fragment is not None:
            result["fragment_ratio"] = round(fragment / bare, 1)
            if floor is not None:  # what the list adds to the fixed cost of a request, against its own SQL
                result["above_floor_ratio"] = round(max(fragment - floor, 0) / bare, 1)
    if url in RAW:
        function, raw_goal = RAW[url]
        raw = [(sql, None) for sql in function(client)]
        run_bare(raw)
        raw_ms = median_ms(lambda: run_bare(raw), repeat)
        result.update(raw_ms=round(raw_ms, 1), raw_ratio=round(ours / raw_ms, 2), raw_goal=raw_goal)
    goal = GOALS.get(url, LIST_GOAL if view is not None else None)
    result["goal"] = goal
    result["over"] = bool(goal and "ratio" in result and result["ratio"] > goal)
    return result


def seed_if_empty() -> None:
    from organisations.models import Organisation

    call_command("migrate", verbosity=0)
    if not Organisation.objects.filter(name="示范省财政局").exists():
        print("载入省级演示数据（seed_demo --scale province），需要几分钟 …", flush=True)
        call_command("seed_demo", scale="province", quiet=True)
    # VACUUM as well as ANALYZE: a freshly loaded table has no visibility map, so PostgreSQL cannot answer a list's
    # COUNT from an index alone (subjects at city reach: 14 ms → 4 ms); autovacuum does the same on a live server.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _cell(value, fmt="{}") -> str:
    return "—" if value is None else fmt.format(value)


def print_table(username: str, rows: list[dict], before: dict) -> None:
    name = user(username).name
    print(f"\n{username}（{name}）")
    head = (
        "| page | ms | queries | fragment ms | bare SQL ms | ratio | fragment ratio | (fragment − floor) / SQL | goal |"
    )
    if before:
        head = "| page | before ms | ms | before queries | queries | bare SQL ms | before ratio | ratio | goal |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for row in rows:
        if row.get("status") != 200:
            print(f"| `{row['url']}` | HTTP {row.get('status')} |")
            continue
        flag = "" if row["goal"] is None else ("✗" if row["over"] else "✓")
        goal = "" if row["goal"] is None else f"≤ {row['goal']:g}× {flag}"
        ratio = _cell(row.get("ratio"), "{:.1f}×")
        bare = _cell(row.get("bare_ms"), "{:.2f}")
        old = before.get(f"{username} {row['url']}")
        if before:
            old = old or {}
            print(
                f"| `{row['url']}` | {_cell(old.get('ms'), '{:.1f}')} | {row['ms']:.1f} | {_cell(old.get('queries'))} "
                f"| {row['queries']} | {bare} | {_cell(old.get('ratio'), '{:.1f}×')} | {ratio} | {goal} |"
            )
        else:
            fragment = _cell(row.get("fragment_ms"), "{:.1f}")
            fragment_ratio = _cell(row.get("fragment_ratio"), "{:.1f}×")
            above = _cell(row.get("above_floor_ratio"), "{:.1f}×")
            print(
                f"| `{row['url']}` | {row['ms']:.1f} | {row['queries']} | {fragment} | {bare} | {ratio} "
                f"| {fragment_ratio} | {above} | {goal} |"
            )


def print_raw(rows: list[dict]) -> None:
    for row in rows:
        if "raw_ms" in row:
            flag = "✓" if row["raw_ratio"] <= row["raw_goal"] else "✗"
            print(
                f"`{row['url']}` 对比被替代的原始聚合（裸 SQL {row['raw_ms']:.1f} ms）：{row['raw_ratio']:.2f}×"
                f"（目标 ≤ {row['raw_goal']:g}× {flag}）"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", action="store_true", help="migrate and load the province demo if it is missing")
    parser.add_argument("--as", dest="personas", nargs="+", default=PERSONAS, help="usernames to sign in as")
    parser.add_argument("--repeat", type=int, default=15, help="requests per page (and bare runs) for the median")
    parser.add_argument("--only", default="", help="measure only pages whose URL contains this text")
    parser.add_argument("--json", default="", help="write the figures to this file")
    parser.add_argument("--before", default="", help="an earlier --json file, printed beside this run")
    args = parser.parse_args()
    if args.seed:
        seed_if_empty()
    before = {}
    if args.before:
        before = {f"{r['as']} {r['url']}": r for r in json.loads(Path(args.before).read_text(encoding="utf-8"))}
    print(f"数据库：{connection.vendor} {connection.settings_dict['NAME']}；每页 {args.repeat} 次取中位数")
    print(
        f"负载（/proc/loadavg）：{Path('/proc/loadavg').read_text().split()[:3]}"
        if Path("/proc/loadavg").exists()
        else ""
    )
    results = []
    for username in args.personas:
        client = client_for(username)
        client.session_user = user(username)
        floor = floor_ms(client, args.repeat)
        rows = [measure(client, url, args.repeat, floor) for url in pages_for(username) if args.only in url]
        for row in rows:
            row["as"] = username
            row["floor_ms"] = round(floor, 1)
        results += rows
        print_table(username, rows, before)
        print(f"固定开销（最小的已登录 htmx 请求 {FLOOR_URL}）：{floor:.1f} ms")
        print_raw(rows)
    over = [f"{r['as']} {r['url']}" for r in results if r.get("over")]
    print(f"\n超出目标的页面：{len(over)}" + ("（" + "，".join(over) + "）" if over else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

"""Execution figures (预算执行情况) of the dual monitoring, as of any date (issue 5 "Dual monitoring").

* ``subject_figures(subject, as_of)`` — one subject, computed on the spot with the pure functions of
  ``monitoring.lights`` (monitoring tables, warnings and reports call it).
* ``refresh(fiscal_year, as_of, region=None)`` — every subject's figures in one set-based statement,
  ``INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE`` into ``ExecutionFigure``: sums, rate, ratio and light
  are computed in SQL, in whole fen and basis points (1/10000) so PostgreSQL and SQLite give exactly what the
  pure functions give (tested on a grid of values). In the same transaction it rebuilds the date's roll-ups per
  organisation and department (``monitoring.rollup_store``, ADR 0031), which the dashboard reads. This is the
  only writer of figures. ``refresh_task`` runs it in the background.
* ``monitoring.rollups``: ``department_rollup`` / ``unit_rollup`` / ``region_rollup`` / ``subject_rows`` — aggregates for the dashboard and
  the monitoring reports: paid ÷ available summed over the subjects the caller passes (already gated), with the
  light of the sums. They read the stored figures of the date when a refresh stored them, otherwise the same
  SELECT computes them live (nothing is written on a read).

Available budget = the matched budget allocations (指标下达) of the subject and fiscal year issued on or before
the date; when none was issued by then, the amount finance arranged (``SubjectYearAmount.arranged_amount``).
Paid = the matched treasury payments (国库集中支付) of the fiscal year paid on or before the date. Records still
waiting to be matched (or marked as not belonging to a subject) count nowhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Sum
from django_tasks import task

from core import clock
from execution.choices import MatchStatus
from monitoring import lights
from monitoring.choices import Light
from monitoring.thresholds import thresholds_for

# Payments and allocations that count: matched automatically or by a person (execution.choices).
COUNTED = (MatchStatus.MATCHED, MatchStatus.MANUAL)
# ExecutionFigure keeps ratios in numeric(9, 4): anything beyond is stored as this (the light is unaffected).
RATIO_CAP = Decimal("99999.9999")
CAP_BP = 999999999
ZERO = Decimal("0")
CENT = Decimal("0.01")
REFRESH_WORK_MEM = "64MB"


class BudgetBasis:
    ALLOCATIONS = "allocations"  # 指标下达
    ARRANGED = "arranged"  # 财政实际安排 (no allocation issued yet)
    NONE = "none"


BASIS_LABELS = {
    BudgetBasis.ALLOCATIONS: "已下达指标",
    BudgetBasis.ARRANGED: "财政安排数（尚未下达指标）",
    BudgetBasis.NONE: "无预算",
}


@dataclass(frozen=True)
class Figures:
    """A subject's execution figures as of a date."""

    subject_id: int
    fiscal_year: int
    as_of: date
    available: Decimal
    paid: Decimal
    execution_rate: Decimal | None
    time_progress: Decimal
    progress_ratio: Decimal | None
    light: str
    basis: str = field(default=BudgetBasis.NONE, compare=False)  # known to subject_figures only
    thresholds_id: int | None = field(default=None, compare=False)  # the LightThresholds version judged with

    @property
    def light_label(self) -> str:
        return Light(self.light).label

    @property
    def basis_label(self) -> str:
        return BASIS_LABELS[self.basis]


def _cap(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return max(min(value, RATIO_CAP), -RATIO_CAP)


def subject_figures(
    subject, as_of: date, fiscal_year: int | None = None, thresholds: lights.Thresholds | None = None
) -> Figures:
    """One subject's figures as of ``as_of`` (fiscal year = the year of ``as_of`` unless given)."""
    from execution.models import BudgetAllocation, Payment
    from subjects.models import SubjectYearAmount

    year = fiscal_year or as_of.year
    allocated = BudgetAllocation.objects.filter(
        subject=subject, fiscal_year=year, issued_on__lte=as_of, match_status__in=COUNTED
    ).aggregate(n=Count("pk"), total=Sum("amount"))
    if allocated["n"]:
        available, basis = allocated["total"] or ZERO, BudgetBasis.ALLOCATIONS
    else:
        arranged = (
            SubjectYearAmount.objects.filter(subject=subject, fiscal_year=year)
            .values_list("arranged_amount", flat=True)
            .first()
        )
        available, basis = (arranged, BudgetBasis.ARRANGED) if arranged is not None else (ZERO, BudgetBasis.NONE)
    paid = (
        Payment.objects.filter(
            subject=subject, fiscal_year=year, paid_on__lte=as_of, match_status__in=COUNTED
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    available, paid = Decimal(available).quantize(CENT), Decimal(paid).quantize(CENT)  # whole fen, as in SQL
    if thresholds is None:
        thresholds = thresholds_for(subject.organisation.region, as_of)
    progress = lights.time_progress(year, as_of, thresholds.time_progress_basis)
    rate = lights.execution_rate(paid, available)
    return Figures(
        subject_id=subject.pk,
        fiscal_year=year,
        as_of=as_of,
        available=available,
        paid=paid,
        execution_rate=_cap(rate),
        time_progress=progress,
        progress_ratio=_cap(lights.progress_ratio(rate, progress)),
        light=lights.execution_light(rate, progress, thresholds),
        basis=basis,
        thresholds_id=thresholds.version_id,
    )


def stored_figures(subject, as_of: date, fiscal_year: int | None = None) -> Figures | None:
    """The figures a refresh stored for the subject and date, or None."""
    from monitoring.models import ExecutionFigure

    row = ExecutionFigure.objects.filter(subject=subject, fiscal_year=fiscal_year or as_of.year, as_of=as_of).first()
    return None if row is None else from_stored(row)


def from_stored(row) -> Figures:
    """``Figures`` of a stored ``ExecutionFigure``."""
    return Figures(
        subject_id=row.subject_id,
        fiscal_year=row.fiscal_year,
        as_of=row.as_of,
        available=row.available,
        paid=row.paid,
        execution_rate=row.execution_rate,
        time_progress=row.time_progress,
        progress_ratio=row.progress_ratio,
        light=row.light,
        thresholds_id=row.thresholds_id,
    )


def figures_on(subject, as_of: date, fiscal_year: int | None = None) -> Figures:
    """THE figures of a subject on a date (issue 12 §3: one region, one date, one threshold version — one light): the
    stored ones when a refresh stored the date, else computed now exactly as a refresh would store them. The
    dashboard's rows and roll-ups, the subject's header and history, the figures API, the monitoring tables and
    their reports all read a subject's light through here or through the same stored rows."""
    stored = stored_figures(subject, as_of, fiscal_year)
    if stored is None:
        return subject_figures(subject, as_of, fiscal_year)
    return replace(stored, basis=_basis(subject, stored.fiscal_year, as_of, stored.available))


def _basis(subject, year: int, as_of: date, available: Decimal) -> str:
    """What a stored figure's available budget rests on (as ``subject_figures`` tells it)."""
    from execution.models import BudgetAllocation

    if BudgetAllocation.objects.filter(
        subject=subject, fiscal_year=year, issued_on__lte=as_of, match_status__in=COUNTED
    ).exists():
        return BudgetBasis.ALLOCATIONS
    return BudgetBasis.ARRANGED if available else BudgetBasis.NONE


# --- thresholds per region --------------------------------------------------------------------------------


def thresholds_by_region(on: date) -> tuple[lights.Thresholds, dict[int, lights.Thresholds]]:
    """(the default, {region id: thresholds} for every region whose thresholds in force on ``on`` differ from the
    default) — the same answer as ``thresholds.thresholds_for`` per region, in two queries."""
    from core.versioning import in_force_by_region
    from monitoring.models import LightThresholds
    from organisations.models import Region

    default_row, by_region = in_force_by_region(LightThresholds, on)
    rows = {row.pk: row for row in [default_row, *by_region.values()] if row is not None}
    names = Region.objects.in_bulk({row.region_id for row in rows.values() if row.region_id})
    for row in rows.values():
        if row.region_id:
            row.region = names[row.region_id]
    versions = {pk: lights.Thresholds.of(row) for pk, row in rows.items()}
    default = versions[default_row.pk] if default_row is not None else lights.DEFAULT
    result = {}
    for region_id, row in by_region.items():
        thresholds = versions[row.pk]
        if thresholds != default or thresholds.version_id != default.version_id:
            result[region_id] = thresholds
    return default, result


def _bp(value: Decimal) -> int:
    """A four-place share as whole basis points (0.6 → 6000)."""
    return int((Decimal(value) * 10000).to_integral_value())


# --- the set-based statement ------------------------------------------------------------------------------


def _tables() -> dict:
    from execution.models import BudgetAllocation, Payment
    from monitoring.models import ExecutionFigure
    from organisations.models import Organisation, Region
    from subjects.models import Subject, SubjectYearAmount

    return {
        "figure": ExecutionFigure._meta.db_table,
        "payment": Payment._meta.db_table,
        "allocation": BudgetAllocation._meta.db_table,
        "subject": Subject._meta.db_table,
        "amount": SubjectYearAmount._meta.db_table,
        "org": Organisation._meta.db_table,
        "region": Region._meta.db_table,
    }


def _half_up_div(numerator: str, denominator: str, scale: int) -> str:
    """SQL for round-half-up(numerator × scale ÷ denominator) in integers (away from zero, like ROUND_HALF_UP);
    both operands are whole numbers, the denominator is not zero."""
    return (
        f"(CASE WHEN ({numerator} < 0) <> ({denominator} < 0) THEN -1 ELSE 1 END"
        f" * ((2 * ABS({numerator}) * {scale} + ABS({denominator})) / (2 * ABS({denominator}))))"
    )


def _figures_select(
    fiscal_year: int,
    as_of: date,
    *,
    subject_filter: tuple[str, list] | None = None,
    region=None,
    stored: bool = False,
) -> tuple[str, list]:
    """(SELECT, params) of every subject's figures: (subject_id, fiscal_year, as_of, available, paid,
    execution_rate, time_progress, progress_ratio, light, thresholds_id, refreshed_at). The derived table ``rt`` holds
    the thresholds of the regions whose own differ from the default (a handful of rows). ``stored``: the sums are the
    stored figures' of the date (re-judged with the thresholds in force, ``rejudge``), not the treasury data's."""
    t = _tables()
    default, regional = thresholds_by_region(as_of)
    # 序时进度 per region: its thresholds say whether it is counted by months or by days (issue 12 §3).
    tp_bp = _bp(lights.time_progress(fiscal_year, as_of, default.time_progress_basis))
    counted = ", ".join(f"'{s}'" for s in COUNTED)  # fixed vocabulary values, not user input
    params: list = []
    rows = [
        (
            region_id,
            _bp(th.execution_red_below),
            _bp(th.execution_yellow_below),
            _bp(lights.time_progress(fiscal_year, as_of, th.time_progress_basis)),
            th.version_id,
        )
        for region_id, th in sorted(regional.items())
    ] or [(0, 0, 0, 0, None)]  # a row that matches no region
    regional_sql = " UNION ALL ".join(
        "SELECT CAST(%s AS BIGINT) AS region_id, CAST(%s AS BIGINT) AS red_bp, CAST(%s AS BIGINT) AS yellow_bp,"
        " CAST(%s AS BIGINT) AS tp_bp, CAST(%s AS BIGINT) AS tid"
        for _ in rows
    )
    for row in rows:
        params.extend(row)
    where, where_params = [], []
    if region is not None:
        where.append(f"o.region_id IN (SELECT id FROM {t['region']} WHERE path LIKE %s)")
        where_params.append(region.path + "%")
    if subject_filter is not None:
        where.append(f"s.id IN ({subject_filter[0]})")
        where_params.extend(subject_filter[1])
    judged = (
        " COALESCE(rt.red_bp, CAST(%s AS BIGINT)) AS red_bp, COALESCE(rt.yellow_bp, CAST(%s AS BIGINT)) AS yellow_bp,"
        " COALESCE(rt.tp_bp, CAST(%s AS BIGINT)) AS tp_bp,"
        " CASE WHEN rt.region_id IS NULL THEN CAST(%s AS BIGINT) ELSE rt.tid END AS tid"
    )
    judged_params = [
        _bp(default.execution_red_below),
        _bp(default.execution_yellow_below),
        tp_bp,
        default.version_id,
    ]
    regional_join = f" LEFT JOIN ({regional_sql}) rt ON rt.region_id = o.region_id"
    if stored:
        where = ["f.fiscal_year = %s", "f.as_of = %s", *where]
        base = (
            f"SELECT s.id AS subject_id, CAST(ROUND(f.available * 100) AS BIGINT) AS avail_fen,"
            f" CAST(ROUND(f.paid * 100) AS BIGINT) AS paid_fen,{judged}"
            f" FROM {t['figure']} f JOIN {t['subject']} s ON s.id = f.subject_id"
            f" JOIN {t['org']} o ON o.id = s.organisation_id{regional_join}"
            f" WHERE {' AND '.join(where)}"
        )
        params_base = [*judged_params, *params, fiscal_year, as_of, *where_params]
    else:
        where = ["(al.subject_id IS NOT NULL OR ya.arranged_amount IS NOT NULL OR pa.subject_id IS NOT NULL)", *where]
        base = (
            f"SELECT s.id AS subject_id,"
            f" CAST(ROUND(COALESCE(al.total, ya.arranged_amount, 0) * 100) AS BIGINT) AS avail_fen,"
            f" CAST(ROUND(COALESCE(pa.total, 0) * 100) AS BIGINT) AS paid_fen,{judged}"
            f" FROM {t['subject']} s"
            f" JOIN {t['org']} o ON o.id = s.organisation_id"
            f" LEFT JOIN (SELECT subject_id, SUM(amount) AS total FROM {t['allocation']}"
            f"  WHERE fiscal_year = %s AND issued_on <= %s AND match_status IN ({counted}) AND subject_id IS NOT NULL"
            f"  GROUP BY subject_id) al ON al.subject_id = s.id"
            f" LEFT JOIN {t['amount']} ya ON ya.subject_id = s.id AND ya.fiscal_year = %s"
            f" LEFT JOIN (SELECT subject_id, SUM(amount) AS total FROM {t['payment']}"
            f"  WHERE fiscal_year = %s AND paid_on <= %s AND match_status IN ({counted}) AND subject_id IS NOT NULL"
            f"  GROUP BY subject_id) pa ON pa.subject_id = s.id"
            f"{regional_join}"
            f" WHERE {' AND '.join(where)}"
        )
        params_base = [
            *judged_params,
            fiscal_year,
            as_of,
            fiscal_year,
            fiscal_year,
            as_of,
            *params,
            *where_params,
        ]
    # Each level is fenced so that the planner does not inline a column's expression into every use of it
    # above (PostgreSQL and SQLite both flatten subqueries; here that multiplies the arithmetic per row).
    fence = " OFFSET 0" if connection.vendor == "postgresql" else " LIMIT -1 OFFSET 0"
    rate = (
        f"SELECT b.*, CASE WHEN avail_fen = 0 THEN NULL ELSE {_half_up_div('paid_fen', 'avail_fen', 10000)} END"
        f" AS rate_bp FROM ({base}{fence}) b"
    )
    ratio_expr = f"CASE WHEN rate_bp IS NULL OR tp_bp = 0 THEN NULL ELSE {_half_up_div('rate_bp', 'tp_bp', 10000)} END"
    ratio = f"SELECT r.*, {ratio_expr} AS ratio_bp FROM ({rate}{fence}) r"
    # Before the fiscal year starts (time progress 0) nothing is due yet: green.
    light = (
        f"CASE WHEN rate_bp IS NULL THEN '{Light.NONE}' WHEN tp_bp = 0 THEN '{Light.GREEN}'"
        f" WHEN ratio_bp < red_bp THEN '{Light.RED}'"
        f" WHEN ratio_bp < yellow_bp THEN '{Light.YELLOW}' ELSE '{Light.GREEN}' END"
    )

    def capped(column):
        return (
            f"(CASE WHEN {column} > {CAP_BP} THEN {CAP_BP} WHEN {column} < -{CAP_BP} THEN -{CAP_BP}"
            f" ELSE {column} END) / 10000.0"
        )

    select = (
        f"SELECT subject_id, CAST(%s AS INTEGER) AS fiscal_year, %s AS as_of, avail_fen / 100.0 AS available,"
        f" paid_fen / 100.0 AS paid, {capped('rate_bp')} AS execution_rate, tp_bp / 10000.0 AS time_progress,"
        f" {capped('ratio_bp')} AS progress_ratio, {light} AS light, tid AS thresholds_id, %s AS refreshed_at"
        f" FROM ({ratio}{fence}) c WHERE 1 = 1"
    )
    return select, [fiscal_year, as_of, clock.now(), *params_base]


FIGURE_COLUMNS = (
    "subject_id",
    "fiscal_year",
    "as_of",
    "available",
    "paid",
    "execution_rate",
    "time_progress",
    "progress_ratio",
    "light",
    "thresholds_id",
    "refreshed_at",
)


def _write(select: str, params: list) -> int:
    """INSERT the figures ``select`` gives, updating the stored ones whose values changed; the number written."""
    columns = ", ".join(FIGURE_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in FIGURE_COLUMNS[3:])
    table = _tables()["figure"]
    # A figure whose numbers did not change is left alone (no new row version, no index entries): re-running a
    # refresh after a small load writes only the subjects it touched. ``refreshed_at`` is when the numbers last
    # changed; the time of each run is in the audit trail.
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    changed = " OR ".join(f"{table}.{c} {distinct} excluded.{c}" for c in FIGURE_COLUMNS[3:-1])
    statement = (
        f"INSERT INTO {table} ({columns}) {select}"
        f" ON CONFLICT (subject_id, fiscal_year, as_of) DO UPDATE SET {updates} WHERE {changed}"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The payment and allocation sums are hash aggregates over every subject: let them stay in memory
            # for this transaction instead of spilling to disk in batches (PostgreSQL's default is 4 MB).
            cursor.execute(f"SET LOCAL work_mem = '{REFRESH_WORK_MEM}'")
        cursor.execute(statement, params)
        return cursor.rowcount


def refresh(fiscal_year: int, as_of: date, region=None, *, reason: str = "") -> int:
    """Recompute every subject's execution figures of ``fiscal_year`` as of ``as_of`` (in ``region`` and below when
    given) into ``ExecutionFigure`` with one statement, and write one audit row. Returns the number of subjects with
    figures for the date. The year's other stored dates are re-judged with the thresholds in force on each
    (``rejudge``): after 重新计算并保存 every history row names the version it was judged with (issue 12 §3)."""
    from audit import trail
    from audit.models import AuditAction
    from monitoring import rollup_store
    from monitoring.models import ExecutionFigure

    select, params = _figures_select(fiscal_year, as_of, region=region)
    started = time.perf_counter()
    with transaction.atomic():
        written = _write(select, params)
        rollup_store.rebuild(fiscal_year, as_of, region)  # the dashboard's sums follow, in this transaction
        stored = ExecutionFigure.objects.filter(fiscal_year=fiscal_year, as_of=as_of)
        if region is not None:
            stored = stored.filter(subject__organisation__region__path__startswith=region.path)
        count = stored.count()
        others = [d for d in rollup_store.stored_dates(fiscal_year) if d != as_of]
        rejudged = sum(rejudge(fiscal_year, day, region) for day in others)
        changes = {"数据截止日期": [None, as_of.isoformat()], "项目数": [None, count], "新增或变化": [None, written]}
        if rejudged:
            changes["其他日期按现行阈值重新判定"] = [None, rejudged]
        trail.record(
            AuditAction.UPDATE,
            object_type="monitoring.executionfigure",
            object_repr="预算执行情况",
            changes=changes,
            reason=reason
            or (
                f"重新计算 {fiscal_year} 年度截至 {as_of} 的预算执行情况"
                f"{'（' + region.name + '）' if region is not None else ''}，"
                f"用时 {time.perf_counter() - started:.2f} 秒"
            ),
        )
    return count


def rejudge(fiscal_year: int, as_of: date, region=None) -> int:
    """Judge the stored figures of one date (in ``region`` and below when given) again with the thresholds in force
    on it — time progress, ratio, light and the version — from their stored sums, in one statement, and rebuild the
    date's roll-ups when any changed. Returns the number of figures changed. Called by ``refresh`` for the year's
    other dates and by ``monitoring.thresholds.save_version`` for the dates a new version applies to; the caller
    holds the transaction and writes the audit row."""
    from monitoring import rollup_store

    select, params = _figures_select(fiscal_year, as_of, region=region, stored=True)
    written = _write(select, params)
    if written:
        rollup_store.rebuild(fiscal_year, as_of, region)
    return written


def _subquery(subjects) -> tuple[str, tuple]:
    """The SQL of the subjects' ids (a queryset the caller already passed through the gate)."""
    from django.core.exceptions import EmptyResultSet

    try:
        return subjects.values("pk").query.sql_with_params()
    except EmptyResultSet:  # .none(): nothing in reach
        return "SELECT -1", ()


def live_figures(fiscal_year: int, as_of: date, subjects) -> list[Figures]:
    """The figures of the subjects in a queryset computed by the set-based SELECT, without storing them."""
    sub_sql, sub_params = _subquery(subjects)
    select, params = _figures_select(fiscal_year, as_of, subject_filter=(sub_sql, list(sub_params)))
    with connection.cursor() as cursor:
        cursor.execute(select, params)
        rows = cursor.fetchall()
    return [
        Figures(
            subject_id=r[0],
            fiscal_year=fiscal_year,
            as_of=as_of,
            available=_money(r[3]),
            paid=_money(r[4]),
            execution_rate=_share(r[5]),
            time_progress=_share(r[6]),
            progress_ratio=_share(r[7]),
            light=r[8],
            thresholds_id=r[9],
        )
        for r in rows
    ]


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def _share(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(lights.FOUR_PLACES)


# --- the background task ----------------------------------------------------------------------------------


@task()
def refresh_task(fiscal_year: int, as_of: str, region_id: int | None = None, user_id: int | None = None) -> dict:
    """``refresh`` as a background task (django-tasks), acting as the user who started it, then the warning scan
    of the refreshed figures (``monitoring.alerts.scan``): started from the dashboard, or after every load of
    treasury data (``monitoring.follow_treasury``)."""
    from accounts.models import User
    from audit.context import acting_as
    from monitoring import alerts
    from organisations.models import Region

    region = Region.objects.filter(pk=region_id).first() if region_id else None
    user = User.objects.filter(pk=user_id).first() if user_id else None
    started = time.perf_counter()
    with acting_as(user=user, name=str(user) if user else "系统"):
        count = refresh(fiscal_year, date.fromisoformat(as_of), region)
        # The warnings follow the treasury data itself, outside any monitoring round (seed 003 第十九条（二）).
        scanned = alerts.scan(fiscal_year, date.fromisoformat(as_of), user=user, region=region)
    return {
        "subjects": count,
        "warnings": scanned.raised,
        "seconds": round(time.perf_counter() - started, 2),
        "as_of": as_of,
        "fiscal_year": fiscal_year,
        "region": region.name if region else "",
    }

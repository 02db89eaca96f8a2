"""Rollups of the execution figures (monitoring/figures.py) for the dashboard and the monitoring reports: a
department's, a unit's or a region's paid ÷ available over the subjects the caller passes (already gated), the
subject rows, and one subject's history by month end. They read the stored figures of the date when a refresh stored
them; otherwise the same SELECT computes them live (nothing is written on a read). These are the raw aggregates: the
dashboard and the API read the stored roll-ups of a refreshed date instead (``monitoring.rollup_store``, ADR 0031),
and come here for a date never refreshed or a reach that names subjects one by one; ``build``, ``regions_from`` and
``total_from`` turn either source's sums into ``Rollup`` rows, so both give the same numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection

from monitoring import lights
from monitoring.choices import Light
from monitoring.figures import (
    ZERO,
    Figures,
    _figures_select,
    _money,
    _subquery,
    _tables,
    from_stored,
    live_figures,
    subject_figures,
    thresholds_by_region,
)

# --- rollups ----------------------------------------------------------------------------------------------


@dataclass
class Rollup:
    """Execution of a group of subjects (a department, a unit, a region): sums, their rate and light."""

    key: int | None
    name: str
    available: Decimal = ZERO
    paid: Decimal = ZERO
    subjects: int = 0
    counts: dict = field(default_factory=dict)  # light → number of subjects
    execution_rate: Decimal | None = None
    time_progress: Decimal = ZERO
    progress_ratio: Decimal | None = None
    light: str = Light.NONE
    thresholds: lights.Thresholds | None = None  # the version the light was judged with (the group's region's)

    def finish(self, fiscal_year: int, as_of: date, thresholds: lights.Thresholds) -> Rollup:
        self.thresholds = thresholds
        self.time_progress = lights.time_progress(fiscal_year, as_of, thresholds.time_progress_basis)
        self.execution_rate = lights.execution_rate(self.paid, self.available)
        self.progress_ratio = lights.progress_ratio(self.execution_rate, self.time_progress)
        self.light = lights.execution_light(self.execution_rate, self.time_progress, thresholds)
        return self

    def count(self, light: str) -> int:
        return self.counts.get(light, 0)

    @property
    def red(self) -> int:
        return self.count(Light.RED)

    @property
    def yellow(self) -> int:
        return self.count(Light.YELLOW)

    @property
    def green(self) -> int:
        return self.count(Light.GREEN)


def stored_dates(fiscal_year: int) -> list[date]:
    from monitoring.models import ExecutionFigure

    return list(
        ExecutionFigure.objects.filter(fiscal_year=fiscal_year)
        .order_by("as_of")
        .values_list("as_of", flat=True)
        .distinct()
    )


def is_stored(fiscal_year: int, as_of: date) -> bool:
    from monitoring.models import ExecutionFigure

    return ExecutionFigure.objects.filter(fiscal_year=fiscal_year, as_of=as_of).exists()


def _source(fiscal_year: int, as_of: date, subjects) -> tuple[str, list]:
    """(SELECT, params) of (subject_id, available, paid, light) of the subjects: the stored figures of the date,
    else computed live."""
    sub_sql, sub_params = _subquery(subjects)
    if is_stored(fiscal_year, as_of):
        table = _tables()["figure"]
        return (
            f"SELECT subject_id, available, paid, light FROM {table}"
            f" WHERE fiscal_year = %s AND as_of = %s AND subject_id IN ({sub_sql})",
            [fiscal_year, as_of, *sub_params],
        )
    select, params = _figures_select(fiscal_year, as_of, subject_filter=(sub_sql, list(sub_params)))
    return f"SELECT subject_id, available, paid, light FROM ({select}) lf", params


def _grouped(fiscal_year: int, as_of: date, subjects, group_sql: str) -> list[tuple]:
    """(group key, available, paid, subjects, red, yellow, green, none) per group."""
    source, params = _source(fiscal_year, as_of, subjects)
    t = _tables()
    light_sums = ", ".join(
        f"SUM(CASE WHEN f.light = '{light}' THEN 1 ELSE 0 END)"
        for light in (Light.RED, Light.YELLOW, Light.GREEN, Light.NONE)
    )
    sql = (
        f"SELECT {group_sql} AS grp, SUM(f.available), SUM(f.paid), COUNT(*), {light_sums}"
        f" FROM ({source}) f JOIN {t['subject']} s ON s.id = f.subject_id"
        f" JOIN {t['org']} o ON o.id = s.organisation_id GROUP BY {group_sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def build(fiscal_year, as_of, grouped, names: dict, region_of: dict, thresholds=None) -> list[Rollup]:
    """Rollups from grouped sums — (key, available, paid, subjects, red, yellow, green, none) per group, from the
    figures here or from the stored roll-ups (``monitoring.rollup_store``) —, worst ratio first. ``thresholds`` is
    ``thresholds_by_region(as_of)`` when the caller already has it."""
    default, regional = thresholds or thresholds_by_region(as_of)
    result = []
    for key, available, paid, n, red, yellow, green, none in grouped:
        row = Rollup(
            key=key,
            name=names.get(key, "（未归属）"),
            available=_money(available),
            paid=_money(paid),
            subjects=n,
            counts={Light.RED: red or 0, Light.YELLOW: yellow or 0, Light.GREEN: green or 0, Light.NONE: none or 0},
        )
        result.append(row.finish(fiscal_year, as_of, regional.get(region_of.get(key), default)))
    # The key last: rows alike in ratio and name keep one order whatever order the sums came in.
    return sorted(
        result, key=lambda r: (r.progress_ratio is None, r.progress_ratio or ZERO, r.name, r.key is None, r.key or 0)
    )


def department_names(ids) -> tuple[dict, dict]:
    """({department id: short name}, {department id: region id}) of the 主管部门 ``ids`` (ids or a subquery)."""
    from organisations.models import Organisation

    orgs = Organisation.objects.filter(pk__in=ids)
    return {o.pk: o.short_name or o.name for o in orgs}, {o.pk: o.region_id for o in orgs}


def unit_names(ids) -> tuple[dict, dict]:
    """({organisation id: name}, {organisation id: region id}) of the implementing organisations ``ids``."""
    from organisations.models import Organisation

    orgs = Organisation.objects.filter(pk__in=ids)
    return {o.pk: o.name for o in orgs}, {o.pk: o.region_id for o in orgs}


def department_rollup(fiscal_year: int, as_of: date, subjects) -> list[Rollup]:
    """Per 主管部门 (``Subject.department``) of the given subjects, worst ratio first."""
    names, region_of = department_names(subjects.values("department_id"))
    return build(fiscal_year, as_of, _grouped(fiscal_year, as_of, subjects, "s.department_id"), names, region_of)


def unit_rollup(fiscal_year: int, as_of: date, subjects) -> list[Rollup]:
    """Per implementing organisation (unit, or the department itself) of the given subjects."""
    names, region_of = unit_names(subjects.values("organisation_id"))
    return build(fiscal_year, as_of, _grouped(fiscal_year, as_of, subjects, "s.organisation_id"), names, region_of)


def region_rollup(fiscal_year: int, as_of: date, subjects, parent=None) -> list[Rollup]:
    """Level by level (seed 003 第二十条(三)): with ``parent`` a region, one row for the region's own level
    (本级) and one per child region summing its whole subtree; without, one row per region of the organisations."""
    grouped = _grouped(fiscal_year, as_of, subjects, "o.region_id")
    return regions_from(fiscal_year, as_of, grouped, parent)


def regions_from(fiscal_year: int, as_of: date, grouped, parent=None, thresholds=None) -> list[Rollup]:
    """``region_rollup`` from the sums per organisation region."""
    from organisations.models import Region

    per_region = build(fiscal_year, as_of, grouped, {}, {}, thresholds)
    regions = {r.pk: r for r in Region.objects.filter(pk__in=[row.key for row in per_region])}
    default, regional = thresholds or thresholds_by_region(as_of)
    if parent is None:
        for row in per_region:
            row.name = regions[row.key].name if row.key in regions else row.name
        return per_region
    children = list(Region.objects.filter(parent=parent).order_by("code"))
    groups = {parent.pk: Rollup(key=parent.pk, name=f"{parent.name}本级")}
    groups.update({c.pk: Rollup(key=c.pk, name=c.name) for c in children})
    for row in per_region:
        region = regions.get(row.key)
        if region is None or not region.path.startswith(parent.path):
            continue
        target = next((c.pk for c in children if region.path.startswith(c.path)), parent.pk)
        group = groups[target]
        group.available += row.available
        group.paid += row.paid
        group.subjects += row.subjects
        for light, n in row.counts.items():
            group.counts[light] = group.counts.get(light, 0) + n
    return [g.finish(fiscal_year, as_of, regional.get(g.key, default)) for g in groups.values() if g.subjects]


def total(fiscal_year: int, as_of: date, subjects, thresholds=None, region_id: int | None = None) -> Rollup:
    """All the given subjects together (the KPI cards), judged with the thresholds of ``region_id`` (the region the
    page is about: the department's, the unit's, or the user's own)."""
    return total_from(fiscal_year, as_of, _grouped(fiscal_year, as_of, subjects, "1"), thresholds, region_id)


def total_from(fiscal_year: int, as_of: date, grouped, thresholds=None, region_id: int | None = None) -> Rollup:
    """``total`` from grouped sums (one group, or none when nothing is in reach)."""
    row = Rollup(key=None, name="合计")
    for _, available, paid, n, red, yellow, green, none in grouped:
        row.available, row.paid, row.subjects = _money(available), _money(paid), n
        row.counts = {Light.RED: red or 0, Light.YELLOW: yellow or 0, Light.GREEN: green or 0, Light.NONE: none or 0}
    default, regional = thresholds or thresholds_by_region(as_of)
    return row.finish(fiscal_year, as_of, regional.get(region_id, default))


@dataclass(frozen=True)
class SubjectRow:
    subject_id: int
    code: str
    name: str
    organisation: str
    figures: Figures


def subject_rows(
    fiscal_year: int, as_of: date, subjects, limit: int = 200, *, stored: bool | None = None
) -> list[SubjectRow]:
    """Per subject, worst ratio first (at most ``limit``); ``stored`` when the caller knows whether the date's
    figures are stored."""
    from monitoring.models import ExecutionFigure

    if is_stored(fiscal_year, as_of) if stored is None else stored:
        figures = [
            from_stored(f)
            for f in ExecutionFigure.objects.filter(
                fiscal_year=fiscal_year, as_of=as_of, subject__in=subjects.values("pk")
            )
        ]
    else:
        figures = live_figures(fiscal_year, as_of, subjects)
    figures.sort(key=lambda f: (f.progress_ratio is None, f.progress_ratio or ZERO, f.subject_id))
    figures = figures[:limit]
    info = {
        s.pk: s
        for s in subjects.model.objects.filter(pk__in=[f.subject_id for f in figures]).select_related("organisation")
    }
    return [
        SubjectRow(
            f.subject_id, info[f.subject_id].code, info[f.subject_id].name, info[f.subject_id].organisation.name, f
        )
        for f in figures
        if f.subject_id in info
    ]


def history(subject, fiscal_year: int, until: date) -> list[Figures]:
    """A subject's figures over the year: every stored date up to ``until``, else each month end, plus ``until`` —
    each date judged with the thresholds in force on it (a stored row names its version)."""
    from monitoring.models import ExecutionFigure

    stored = [
        from_stored(f)
        for f in ExecutionFigure.objects.filter(subject=subject, fiscal_year=fiscal_year, as_of__lte=until).order_by(
            "as_of"
        )
    ]
    if not stored:
        stored = [subject_figures(subject, d, fiscal_year) for d in month_ends(fiscal_year, until)]
    if not stored or stored[-1].as_of != until:
        stored.append(subject_figures(subject, until, fiscal_year))
    return stored


def month_ends(fiscal_year: int, until: date) -> list[date]:
    import calendar

    result = []
    for month in range(1, 13):
        day = date(fiscal_year, month, calendar.monthrange(fiscal_year, month)[1])
        if day <= until:
            result.append(day)
    return result

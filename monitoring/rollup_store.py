"""Stored roll-ups of the execution figures (``FigureRollup``, ADR 0031): what the dashboard and the figures API read
for a refreshed date, instead of summing every subject's figures on each view (issue 16 "Dashboards from
pre-aggregated figures").

**Shape.** One row per (fiscal year, as-of date, implementing organisation, 主管部门) — the finest grouping any reach
or drill-down needs. The gate's reach over subjects (``core.access.scope_filter``) is a predicate on the subject's
implementing organisation (its id, path, department or region), so the same predicate selects exactly the roll-up
rows of the subjects in reach (``reach_filter``); the drill-down narrows to a department or a unit; regions are the
organisations' regions. Every total shown (per department, unit, region, all) is a GROUP BY over those rows — a few
hundred to a few thousand a date at province scale, against tens of thousands of figures.

**Measures** (``MEASURES``): additive only — sums and counts, so a total of totals is the total. Rates, ratios and
lights of a group are computed from its sums when read, with the thresholds in force on the date
(``monitoring.rollups.build``), exactly as from the raw figures. A new measure is a column on ``FigureRollup`` and a
line here; a later board (the results-use 驾驶舱: grades, rectification, linkage) keeps its own roll-up table of the
same shape (keys, additive measures, rebuilt by the job that writes its source), read through the same gate.

**Maintenance, one place each.**
* Figures are written only by ``monitoring.figures.refresh``; it calls ``rebuild`` in its transaction (the date,
  and its region when the refresh is limited to one): a set-based ``DELETE`` + ``INSERT … SELECT … GROUP BY`` from
  the stored figures.
* A subject that changes organisation or department (``Subject.save`` follows the organisation's department)
  moves its figures between groups: ``regroup`` of the old and the new organisation, from ``post_save``.
* Nothing in the application deletes a subject or a figure; a manual deletion is followed by ``rebuild_all()``.

**Reads** go through ``Selection``: the stored roll-ups when the date's figures are stored and the reach is
organisation-shaped, else the raw aggregates of ``monitoring.rollups`` (a date never refreshed is computed live; an
agency's or expert's assigned subjects are few).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.db import connection
from django.db.models import Q, Sum
from django.db.models.signals import post_init, post_save

from core import access
from monitoring import rollups
from monitoring.choices import Light
from monitoring.figures import _tables, thresholds_by_region


@dataclass(frozen=True)
class Measure:
    column: str  # a field of FigureRollup
    source: str  # an additive aggregate over the stored figures ``f`` of one group
    label: str


def _light_count(light: str) -> str:
    return f"SUM(CASE WHEN f.light = '{light}' THEN 1 ELSE 0 END)"  # a fixed vocabulary value, not user input


# The order of the grouped tuples of ``monitoring.rollups.build``: key, available, paid, subjects, then the lights.
MEASURES: tuple[Measure, ...] = (
    Measure("available", "SUM(f.available)", "可用预算（元）"),
    Measure("paid", "SUM(f.paid)", "累计支付（元）"),
    Measure("subjects", "COUNT(*)", "项目数"),
    Measure("red", _light_count(Light.RED), "红灯项目数"),
    Measure("yellow", _light_count(Light.YELLOW), "黄灯项目数"),
    Measure("green", _light_count(Light.GREEN), "绿灯项目数"),
    Measure("no_light", _light_count(Light.NONE), "无数据项目数"),
)
KEYS = ("fiscal_year", "as_of", "organisation_id", "department_id")


# --- maintenance ------------------------------------------------------------------------------------------


def _rebuild(where: str, params: list, delete_where: str, delete_params: list) -> int:
    """Delete the roll-up rows ``delete_where`` selects and insert them again from the stored figures ``where``
    selects (the two select the same groups). Returns the number of rows inserted."""
    from monitoring.models import FigureRollup

    t = _tables()
    table = FigureRollup._meta.db_table
    columns = ", ".join((*KEYS, *(m.column for m in MEASURES)))
    sources = ", ".join(m.source for m in MEASURES)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {delete_where}", delete_params)
        cursor.execute(
            f"INSERT INTO {table} ({columns})"
            f" SELECT f.fiscal_year, f.as_of, s.organisation_id, s.department_id, {sources}"
            f" FROM {t['figure']} f JOIN {t['subject']} s ON s.id = f.subject_id WHERE {where}"
            f" GROUP BY f.fiscal_year, f.as_of, s.organisation_id, s.department_id",
            params,
        )
        return cursor.rowcount


def rebuild(fiscal_year: int, as_of: date, region=None) -> int:
    """The roll-ups of one date (of the organisations in ``region`` and below when given) from its stored figures;
    ``monitoring.figures.refresh`` calls it in its transaction."""
    where, params = "f.fiscal_year = %s AND f.as_of = %s", [fiscal_year, as_of]
    delete_where, delete_params = "fiscal_year = %s AND as_of = %s", [fiscal_year, as_of]
    if region is not None:
        t = _tables()
        orgs = f"SELECT o.id FROM {t['org']} o WHERE o.region_id IN (SELECT id FROM {t['region']} WHERE path LIKE %s)"
        where += f" AND s.organisation_id IN ({orgs})"
        delete_where += f" AND organisation_id IN ({orgs})"
        params.append(region.path + "%")
        delete_params.append(region.path + "%")
    return _rebuild(where, params, delete_where, delete_params)


def regroup(organisation_ids) -> int:
    """Every date's roll-ups of these implementing organisations, after a subject moved between them."""
    ids = sorted({int(pk) for pk in organisation_ids if pk is not None})
    if not ids:
        return 0
    marks = ", ".join(["%s"] * len(ids))
    return _rebuild(f"s.organisation_id IN ({marks})", ids, f"organisation_id IN ({marks})", ids)


def rebuild_all() -> int:
    """Every roll-up from the stored figures (after a manual deletion of subjects or figures)."""
    return _rebuild("1 = 1", [], "1 = 1", [])


GROUP_FIELDS = {"organisation", "organisation_id", "department", "department_id"}


def _remember_group(sender, instance, **kwargs) -> None:
    # From __dict__: a deferred field is not loaded here (that would be a query per subject of a list).
    instance._rollup_group = (instance.__dict__.get("organisation_id"), instance.__dict__.get("department_id"))


def _follow_subject(sender, instance, created=False, update_fields=None, raw=False, **kwargs) -> None:
    """A saved subject whose implementing organisation or department changed moves its figures' group."""
    before = getattr(instance, "_rollup_group", None)
    after = (instance.organisation_id, instance.department_id)
    instance._rollup_group = after
    if raw or created or before == after:
        return
    if update_fields is not None and not GROUP_FIELDS & set(update_fields):
        return
    regroup({before[0] if before else None, after[0]})


post_init.connect(_remember_group, sender="subjects.Subject", dispatch_uid="monitoring_rollup_remember")
post_save.connect(_follow_subject, sender="subjects.Subject", dispatch_uid="monitoring_rollup_follow")


# --- reads ------------------------------------------------------------------------------------------------


def stored_dates(fiscal_year: int) -> list[date]:
    """The dates of the fiscal year whose figures a refresh stored (and so whose roll-ups exist)."""
    from monitoring.models import FigureRollup

    return list(
        FigureRollup.objects.filter(fiscal_year=fiscal_year)
        .order_by("as_of")
        .values_list("as_of", flat=True)
        .distinct()
    )


def _leaves(q: Q):
    for child in q.children:
        if isinstance(child, Q):
            yield from _leaves(child)
        else:
            yield child


def reach_filter(user) -> Q | None:
    """The roll-up rows of the subjects ``user`` reaches: the gate's own filter over subjects, which names only the
    subject's implementing organisation — the path ``FigureRollup`` shares. ``None`` when part of the reach names
    subjects one by one (an assignment scope: an agency, an expert), which no organisation's roll-up can answer."""
    from monitoring.models import FigureRollup
    from subjects.models import Subject

    assert FigureRollup.access_org_field == Subject.access_org_field
    q = access.scope_filter(user, Subject)
    if q is access.NOTHING:
        return q
    prefix = f"{Subject.access_org_field}__"
    for key, value in _leaves(q):
        nothing = key == "pk__in" and isinstance(value, list | tuple) and not value  # access.NOTHING, OR-ed in
        if not key.startswith(prefix) and not nothing:
            return None
    return q


def region_roots(user) -> list:
    """The regions of the user's region-wide roles (finance sections, bureau leaders, the audit office)."""
    from accounts.roles import ROLE_SPECS, Scope

    roots = []
    for assignment in user.role_assignments():
        if ROLE_SPECS[assignment.role].scope is Scope.REGION_SUBTREE:
            region = assignment.organisation.region
            if region not in roots:
                roots.append(region)
    return roots


def home_region(user):
    """The region a user's pages are about: their first region-wide role's, else their organisation's."""
    roots = region_roots(user)
    if roots:
        return roots[0]
    return user.organisation.region if getattr(user, "organisation_id", None) else None


class Selection:
    """The subjects a page sums — the user's reach, narrowed to a department or a unit — and their figures of a
    date summed: from the stored roll-ups when the date's figures are stored and the reach is organisation-shaped,
    else by ``monitoring.rollups`` over the subjects (live for a date never refreshed). Either way the rows are
    ``monitoring.rollups.Rollup`` built by the same functions, so the numbers agree to the fen."""

    def __init__(self, user, fiscal_year: int, as_of: date, dates: list[date] | None = None):
        from monitoring.models import FigureRollup
        from subjects.models import Subject

        self.fiscal_year, self.as_of = fiscal_year, as_of
        # The region the page is about, whose thresholds judge its total: the user's own, then the department's or
        # the unit's once narrowed (a department row and the drill-down into it show one light, issue 12 §3).
        home = home_region(user)
        self.region_id = home.pk if home is not None else None
        self.dates = stored_dates(fiscal_year) if dates is None else dates
        self.stored = as_of in self.dates
        self.subjects = access.restrict(Subject.objects.all(), user)
        reach = reach_filter(user) if self.stored else None
        self.rows = None
        if reach is not None:
            self.rows = FigureRollup.objects.filter(reach, fiscal_year=fiscal_year, as_of=as_of)

    @property
    def uses_rollups(self) -> bool:
        return self.rows is not None

    def narrow(self, **lookups) -> Selection:
        """The same selection within a department (``department_id=``) or a unit (``organisation_id=``)."""
        from organisations.models import Organisation

        narrowed = object.__new__(Selection)
        narrowed.__dict__.update(self.__dict__)
        narrowed.subjects = self.subjects.filter(**lookups)
        narrowed.rows = None if self.rows is None else self.rows.filter(**lookups)
        org_id = lookups.get("organisation_id", lookups.get("department_id"))
        region_id = Organisation.objects.filter(pk=org_id).values_list("region_id", flat=True).first()
        narrowed.region_id = region_id if region_id is not None else self.region_id
        return narrowed

    @cached_property
    def thresholds(self):
        return thresholds_by_region(self.as_of)

    def _grouped(self, key: str | None) -> list[tuple]:
        sums = {f"sum_{m.column}": Sum(m.column) for m in MEASURES}
        if key is None:
            row = self.rows.aggregate(**sums)
            return [(None, *(row[name] for name in sums))] if row["sum_subjects"] else []
        return [(row[key], *(row[name] for name in sums)) for row in self.rows.order_by().values(key).annotate(**sums)]

    def departments(self) -> list[rollups.Rollup]:
        """Per 主管部门, worst ratio first."""
        if self.rows is None:
            return rollups.department_rollup(self.fiscal_year, self.as_of, self.subjects)
        grouped = self._grouped("department_id")
        names, region_of = rollups.department_names([g[0] for g in grouped if g[0] is not None])
        return rollups.build(self.fiscal_year, self.as_of, grouped, names, region_of, self.thresholds)

    def units(self) -> list[rollups.Rollup]:
        """Per implementing organisation, worst ratio first."""
        if self.rows is None:
            return rollups.unit_rollup(self.fiscal_year, self.as_of, self.subjects)
        grouped = self._grouped("organisation_id")
        names, region_of = rollups.unit_names([g[0] for g in grouped])
        return rollups.build(self.fiscal_year, self.as_of, grouped, names, region_of, self.thresholds)

    def regions(self, parent=None) -> list[rollups.Rollup]:
        """Level by level under ``parent`` (``monitoring.rollups.region_rollup``)."""
        if self.rows is None:
            return rollups.region_rollup(self.fiscal_year, self.as_of, self.subjects, parent=parent)
        grouped = self._grouped("organisation__region_id")
        return rollups.regions_from(self.fiscal_year, self.as_of, grouped, parent, self.thresholds)

    @property
    def applied(self):
        """The thresholds (and their version) that judge the selection's total: those of its region."""
        default, regional = self.thresholds
        return regional.get(self.region_id, default)

    def total(self) -> rollups.Rollup:
        """All of the selection together (the KPI cards), judged with the thresholds of its region."""
        if self.rows is None:
            return rollups.total(self.fiscal_year, self.as_of, self.subjects, self.thresholds, self.region_id)
        return rollups.total_from(self.fiscal_year, self.as_of, self._grouped(None), self.thresholds, self.region_id)

    def subject_rows(self, limit: int = 200) -> list[rollups.SubjectRow]:
        """Per subject, worst ratio first: the figures themselves (a unit's subjects), no roll-up."""
        return rollups.subject_rows(self.fiscal_year, self.as_of, self.subjects, limit, stored=self.stored)

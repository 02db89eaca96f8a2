"""Rules as versioned data: the one mechanism for "the version in force for a region on a date".

Review chains, assessment templates, quality rule sets, common indicator sets, light thresholds and warning rules are
all rules that change by publishing a new version, never by editing one in use; a region may have its own line of
versions or inherit the nearest ancestor's (else the default line, region empty). The self-evaluation,
key-evaluation and annual-assessment schemes start here too (docs/decisions/0019-versioned-rules.md).

A model takes part by declaring ``versioning = Versioning(...)``: which fields hold the region, the version number,
the effective date, the switch that withdraws a version, and the keys that split independent lines (a document type,
a fiscal year, a rule code). New schemes inherit ``VersionedRule``, whose fields are the defaults.

    in_force(Model, region, on, **keys)          the version that applies to ``region`` on ``on`` (or None)
    in_force_by_region(Model, on, **keys)        (the default line's version, {region id: version}) for every
                                                 region at once, inheritance applied (set-based)
    next_version(Model, region, **keys)          the number the next saved version takes
    save_new_version(instance, user, reason=…,   saves ``instance`` as that next version with its own rows, retires
                     children=…)                 the earlier versions (``retire``), and audits it all in one go

The choice is the same everywhere: the region itself, else the nearest ancestor with a version of its own, else the
default line; within that line the latest effective date on or before ``on``, then the highest version number.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction

from core import clock


@dataclass(frozen=True)
class Versioning:
    region: str | None = "region"  # FK to organisations.Region (empty = the default for every region); None: no regions
    version: str = "version"
    effective: str | None = "effective_from"  # DateField or DateTimeField; None: in force once saved
    active: str | None = None  # a boolean field; a version switched off never applies
    keys: tuple[str, ...] = ()  # fields that split independent lines of versions
    retire: str | None = None  # a boolean field cleared on the line's earlier versions (default: ``active``)

    @property
    def retired_by(self) -> str | None:
        return self.retire or self.active


def _spec(model) -> Versioning:
    spec = getattr(model, "versioning", None)
    if not isinstance(spec, Versioning):
        raise TypeError(f"{model.__name__} does not declare core.versioning.Versioning")
    return spec


def _region_codes(region) -> list[str]:
    """The region and its ancestors, top first (from the materialised path of codes)."""
    if region is None:
        return []
    return [code for code in region.path.split("/") if code]


def _on(model, spec: Versioning, on):
    """The moment to compare the effective field with: a date for a DateField, an aware datetime for a
    DateTimeField (the end of that day when a date is given)."""
    field = model._meta.get_field(spec.effective)
    if isinstance(field, models.DateTimeField):
        if on is None:
            return clock.now()
        if isinstance(on, datetime.datetime):
            return on
        end = datetime.datetime.combine(on, datetime.time.max)
        return end.replace(tzinfo=clock.now().tzinfo)
    if on is None:
        return clock.today()
    return on.date() if isinstance(on, datetime.datetime) else on


def candidates(model, on=None, queryset=None, **keys) -> models.QuerySet:
    """Every version that could apply on ``on`` (effective by then, not switched off), of the lines ``keys``;
    ``queryset`` to start from (e.g. with ``prefetch_related``)."""
    spec = _spec(model)
    qs = (queryset if queryset is not None else model._default_manager.all()).filter(**keys)
    if spec.active:
        qs = qs.filter(**{spec.active: True})
    if spec.effective:
        qs = qs.filter(**{f"{spec.effective}__lte": _on(model, spec, on)})
    return qs


def _rank(spec: Versioning, row) -> tuple:
    effective = getattr(row, spec.effective) if spec.effective else None
    return (effective or datetime.date.min, getattr(row, spec.version))


def _newest(spec: Versioning, rows):
    return max(rows, key=lambda r: _rank(spec, r), default=None)


def in_force(model, region=None, on=None, queryset=None, **keys):
    """The version of ``model`` in force for ``region`` on ``on`` (default: the business today), or None."""
    spec = _spec(model)
    qs = candidates(model, on, queryset, **keys)
    if spec.region is None:
        return _newest(spec, qs)
    codes = _region_codes(region)
    return _nearest(spec, list(_in_regions(spec, qs, codes)), codes)


def in_force_each(model, field: str, values, region=None, on=None, queryset=None) -> dict:
    """``in_force`` for several lines at once, told apart by ``field`` (e.g. the chains of several document types),
    in one query: {value: the version in force for ``region`` on ``on``, or None}."""
    spec = _spec(model)
    values = list(dict.fromkeys(values))
    qs = candidates(model, on, queryset, **{f"{field}__in": values})
    codes = _region_codes(region) if spec.region is not None else []
    rows = list(_in_regions(spec, qs, codes)) if spec.region is not None else list(qs)
    result = {}
    for value in values:
        mine = [row for row in rows if getattr(row, field) == value]
        result[value] = _nearest(spec, mine, codes) if spec.region is not None else _newest(spec, mine)
    return result


def _in_regions(spec: Versioning, qs, codes: list[str]):
    region_q = models.Q(**{f"{spec.region}__code__in": codes}) | models.Q(**{f"{spec.region}__isnull": True})
    return qs.filter(region_q).select_related(spec.region)


def _nearest(spec: Versioning, rows: list, codes: list[str]):
    by_line: dict[str | None, list] = {}
    for row in rows:
        line = getattr(row, spec.region)
        by_line.setdefault(line.code if line is not None else None, []).append(row)
    for code in [*reversed(codes), None]:  # nearest region first, the default line last
        if code in by_line:
            return _newest(spec, by_line[code])
    return None


def in_force_by_region(model, on=None, **keys) -> tuple[object | None, dict[int, object]]:
    """(the default line's version, {region id: version in force there}) for every region that has or inherits a
    version of its own: the same answer as ``in_force`` per region, in two queries."""
    from organisations.models import Region

    spec = _spec(model)
    if spec.region is None:
        raise TypeError(f"{model.__name__} has no regional lines")
    lines: dict[int | None, list] = {}
    for row in candidates(model, on, None, **keys):
        lines.setdefault(getattr(row, f"{spec.region}_id"), []).append(row)
    own = {region_id: _newest(spec, rows) for region_id, rows in lines.items()}
    default = own.pop(None, None)
    if not own:
        return default, {}
    parents = dict(Region.objects.values_list("pk", "parent_id"))
    result = {}
    for region_id in parents:
        node = region_id
        while node is not None and node not in own:
            node = parents.get(node)
        if node is not None:
            result[region_id] = own[node]
    return default, result


def next_version(model, region=None, **keys) -> int:
    """The number the next version of the line (``region``, ``keys``) takes."""
    spec = _spec(model)
    qs = model._default_manager.filter(**keys)
    if spec.region is not None:
        qs = qs.filter(**{spec.region: region})
    top = qs.aggregate(top=models.Max(spec.version))["top"]
    return (top or 0) + 1


def save_new_version(
    instance, user=None, *, reason: str = "", changes: dict | None = None, children: Callable | None = None
):
    """Save the unsaved ``instance`` as the next version of its line, validated and audited, in one transaction that
    locks the line while numbering. ``children(version)`` saves the version's own rows (a chain's steps, a template's
    points, a rule set's settings) and returns ``{label: value}`` for the audit row; the earlier versions' ``retire``
    flag is cleared, each with an audit row. The CREATE row carries every field (as ``core.services.create_record``
    does), the version number, ``changes`` and the children's summary. A saved version is never edited in place."""
    from audit import trail
    from audit.models import AuditAction

    model = type(instance)
    spec = _spec(model)
    if instance.pk is not None:
        raise ValidationError("已保存的版本不能修改，请另存为新版本")
    keys = {k: getattr(instance, k) for k in spec.keys}
    region = getattr(instance, spec.region) if spec.region else None
    line = model._default_manager.filter(**keys)
    if spec.region is not None:
        line = line.filter(**{spec.region: region})
    with transaction.atomic():
        # two publishers never take one number (no ordering: a default ordering's outer join cannot be locked)
        list(line.order_by().select_for_update(of=("self",)).values_list("pk", flat=True))
        number = next_version(model, region, **keys)
        setattr(instance, spec.version, number)
        if user is not None and any(f.name == "created_by" for f in model._meta.fields):
            instance.created_by = user
        if spec.retired_by:
            setattr(instance, spec.retired_by, True)
        instance.full_clean()
        instance.save()
        recorded = trail.diff({}, trail.snapshot(instance), model)
        recorded["版本"] = [None, number]
        made = (children(instance) or {}) if children else {}
        if spec.retired_by:
            flag = model._meta.get_field(spec.retired_by).verbose_name
            earlier = list(line.exclude(pk=instance.pk).filter(**{spec.retired_by: True}))
            model._default_manager.filter(pk__in=[row.pk for row in earlier]).update(**{spec.retired_by: False})
            for row in earlier:
                trail.record(
                    AuditAction.UPDATE,
                    row,
                    changes={str(flag): ["是", "否"]},
                    actor=user,
                    reason=f"被第 {number} 版取代",
                )
        trail.record(
            AuditAction.CREATE, instance, changes={**recorded, **(changes or {}), **made}, actor=user, reason=reason
        )
    return instance


class VersionedRule(models.Model):
    """Base of a new rule scheme: a region's line of versions (empty region: the default for every region), each
    in force from its date. Subclasses add their content fields and, where lines split further, ``versioning`` with
    ``keys``. Versions are saved only by ``save_new_version``; an existing one refuses ``save()``."""

    region = models.ForeignKey(
        "organisations.Region",
        verbose_name="行政区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空为所有区划的默认版本；区划自己的版本优先，其次最近的上级区划",
    )
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    effective_from = models.DateField("生效日期", default=clock.today)
    note = models.CharField("修改说明", max_length=500, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name="设置人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    versioning = Versioning()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("allow_update", False):
            raise ValidationError("已保存的版本不能修改，请另存为新版本")
        super().save(*args, **kwargs)

    @classmethod
    def in_force(cls, region=None, on=None, **keys):
        return in_force(cls, region, on, **keys)

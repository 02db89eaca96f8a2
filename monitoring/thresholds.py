"""Managing the light thresholds (``LightThresholds``): who may, and saving a new version (audited).

Thresholds are versioned data per region (issue 5; DOMAIN.md *practice* gives the defaults). Nobody edits a
version in place: a change is a new version with its effective date and a note, so a past date keeps the numbers
that were in force then (``thresholds_for`` below). The performance section (预算绩效管理科) of a
finance bureau sets them for its region and the regions below; the province-wide default (region empty) only the
performance section of the top-level bureau.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.roles import Capability
from audit import trail
from audit.models import AuditAction
from core import access, clock, versioning
from monitoring import lights


def managed_regions(user):
    """Regions whose thresholds ``user`` may set (their bureau's region and below); empty for everyone else."""
    from django.db.models import Q

    from organisations.models import Region

    if not (user and user.is_authenticated and user.is_active):
        return Region.objects.none()
    q = Q(pk__in=[])
    for assignment in access.capable_assignments(user, Capability.SET_LIGHT_THRESHOLDS):
        q |= Q(path__startswith=assignment.organisation.region.path)
    return Region.objects.filter(q).order_by("path")


def can_manage(user) -> bool:
    return managed_regions(user).exists()


def can_manage_default(user) -> bool:
    """The default for every region: only the top bureau's performance section."""
    return access.holds_at_top(user, Capability.SET_LIGHT_THRESHOLDS)


def can_manage_region(user, region) -> bool:
    if region is None:
        return can_manage_default(user)
    return managed_regions(user).filter(pk=region.pk).exists()


def save_version(user, instance, *, reason: str = ""):
    """Save ``instance`` (unsaved ``LightThresholds``) as the next version of its region, audited."""

    if not can_manage_region(user, instance.region):
        trail.record(
            AuditAction.PERMISSION_DENIED,
            object_type="monitoring.lightthresholds",
            object_repr=str(instance.region or "全省默认"),
            actor=user,
            reason="只有本级或上级财政部门预算绩效管理科可以设置监控预警阈值",
        )
        raise PermissionDenied("只有本级或上级财政部门预算绩效管理科可以设置监控预警阈值")
    from django.db import transaction

    with transaction.atomic():
        row = versioning.save_new_version(instance, user, reason=reason or instance.note)
        rejudge_from(row)
    return row


def rejudge_from(row) -> int:
    """The stored figures a new version applies to — its region and below, every stored date from its effective date
    — judged again with the thresholds now in force (``monitoring.figures.rejudge``), in the caller's transaction:
    a stored light never outlives the version it was judged with (issue 12 §3). Audited as one row."""
    from audit import trail
    from monitoring import figures
    from monitoring.models import FigureRollup

    dates = (
        FigureRollup.objects.filter(as_of__gte=row.effective_from)
        .order_by("fiscal_year", "as_of")
        .values_list("fiscal_year", "as_of")
        .distinct()
    )
    changed = sum(figures.rejudge(year, day, row.region) for year, day in dates)
    if changed:
        trail.record(
            AuditAction.UPDATE,
            object_type="monitoring.executionfigure",
            object_repr="预算执行情况",
            changes={"按新阈值重新判定的执行灯": [None, changed]},
            reason=f"监控预警阈值 {row} 生效：已计算的预算执行情况按新阈值重新判定",
        )
    return changed


def versions_by_region(on=None):
    """[(region or None, in force on ``on`` or None, [versions newest first])], the default first."""

    from monitoring.models import LightThresholds

    on = on or clock.today()
    groups: dict = {}
    for row in LightThresholds.objects.select_related("region", "created_by").order_by("region__path", "-version"):
        groups.setdefault(row.region_id, []).append(row)
    result = []
    for rows in sorted(
        groups.values(), key=lambda r: (r[0].region is not None, r[0].region.path if r[0].region else "")
    ):
        in_force = max(
            (r for r in rows if r.effective_from <= on), key=lambda r: (r.effective_from, r.version), default=None
        )
        result.append((rows[0].region, in_force, rows))
    return result


def thresholds_for(region=None, on=None) -> lights.Thresholds:
    """The thresholds in force on ``on`` for ``region``: the version with the latest effective date on or before
    ``on`` (the higher version number when two share a date) of the region itself, else of the nearest ancestor
    region that has its own, else the default row (region empty), else the code defaults above."""
    from monitoring.models import LightThresholds

    row = versioning.in_force(LightThresholds, region, on)
    return lights.Thresholds.of(row) if row is not None else lights.DEFAULT


def labels(version_ids) -> dict:
    """{version id: "示范市中区 第 2 版（2026年7月1日起）"} of stored threshold versions (None: the built-in defaults)."""
    from monitoring.models import LightThresholds

    rows = LightThresholds.objects.filter(pk__in=[pk for pk in version_ids if pk]).select_related("region")
    result = {row.pk: lights.Thresholds.of(row).label for row in rows}
    result[None] = lights.DEFAULT.label
    return result

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
    return versioning.save_new_version(instance, user, reason=reason or instance.note)


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

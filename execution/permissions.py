"""Who may load and match execution data. Reading goes through the access gate (``core.access``) like every
other record; these are the two operations that belong to particular finance sections, not to a scope."""

from __future__ import annotations

from accounts.roles import Capability
from core import access


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_upload(user) -> bool:
    """国库科 holds the treasury payment data and 预算管理科 the budget allocations; both upload."""
    return access.has_capability(user, Capability.UPLOAD_EXECUTION_DATA)


def can_match(user) -> bool:
    """Matching an unknown project code to a subject: the treasury (who knows the payments) or the performance
    section (who knows the subjects)."""
    return access.has_capability(user, Capability.MATCH_EXECUTION_DATA)


def bureau_of(user, capability: str = Capability.UPLOAD_EXECUTION_DATA):
    """The finance bureau on whose behalf the user loads data: the bureau of the section where the user holds
    ``capability`` (the nearest to the top when there are several)."""
    if not _active(user):
        return None
    assignments = sorted(
        access.capable_assignments(user, capability),
        key=lambda a: (len(a.organisation.path), a.organisation.path),
    )
    for assignment in assignments:
        bureau = assignment.organisation.bureau()
        if bureau is not None:
            return bureau
    return None

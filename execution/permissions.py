"""Who may load and match execution data. Reading goes through the access gate (``core.access``) like every
other record; these are the two operations that belong to particular finance sections, not to a scope."""

from __future__ import annotations

from accounts.roles import Role

# 国库科 holds the treasury payment data and 预算管理科 the budget allocations; both upload.
UPLOAD_ROLES = (Role.TREASURY, Role.BUDGET_SECTION)
# Matching an unknown project code to a subject: the treasury (who knows the payments) or the performance
# section (who knows the subjects).
MATCH_ROLES = (Role.TREASURY, Role.PERFORMANCE_SECTION)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_upload(user) -> bool:
    return _active(user) and user.has_role(*UPLOAD_ROLES)


def can_match(user) -> bool:
    return _active(user) and user.has_role(*MATCH_ROLES)


def bureau_of(user, roles=UPLOAD_ROLES):
    """The finance bureau on whose behalf the user loads data: the bureau of the section where the user holds
    one of ``roles`` (the nearest to the top when there are several)."""
    if not _active(user):
        return None
    assignments = sorted(
        (a for a in user.role_assignments() if a.role in roles),
        key=lambda a: (len(a.organisation.path), a.organisation.path),
    )
    for assignment in assignments:
        bureau = assignment.organisation.bureau()
        if bureau is not None:
            return bureau
    return None

"""Warning rules as versioned data (``WarningRule``): each save is a new version and the old one stays, so a
warning always names the version that raised it. The kinds of check are code (``monitoring.alerts.KINDS``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import Capability
from audit import trail
from audit.models import AuditAction
from core import access, versioning
from monitoring.models import WarningRule


def can_configure_rules(user) -> bool:
    """The top bureau's performance section (the rules apply everywhere)."""
    return access.holds_at_top(user, Capability.CONFIGURE_WARNING_RULES)


def set_rule(
    user,
    code: str,
    *,
    name: str | None = None,
    params: dict | None = None,
    is_active: bool | None = None,
    reason: str = "",
) -> WarningRule:
    """Save a new version of a warning rule (the old one stays, named by the warnings it raised)."""
    from monitoring import alerts

    if not can_configure_rules(user):
        trail.record(
            AuditAction.PERMISSION_DENIED,
            object_type="monitoring.warningrule",
            object_repr=code,
            actor=user,
            reason="无权修改预警规则",
        )
        raise PermissionDenied("只有预算绩效管理科可以修改预警规则")
    current = WarningRule.objects.filter(code=code, is_current=True).first()
    if current is None:
        raise ValidationError("未知的预警规则")
    params = current.params if params is None else params
    alerts.validate_params(current.kind, params)
    rule = WarningRule(
        code=code,
        name=name or current.name,
        kind=current.kind,
        params=params,
        is_active=current.is_active if is_active is None else is_active,
        basis=current.basis,
    )
    versioning.save_new_version(rule, user, reason=reason or f"修改预警规则，替代第 {current.version} 版")
    return rule

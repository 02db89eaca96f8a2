"""The automatic review's rule settings: the performance section saves a new version of the rule set
(``QualityRuleSet`` / ``QualityRuleSetting``); the code defaults stay in ``targets.quality``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import Capability
from audit import trail
from audit.models import AuditAction
from core import access, versioning
from targets import quality, review


def can_configure_rules(user) -> bool:
    return access.has_capability(user, Capability.CONFIGURE_QUALITY_RULES)


def set_rule(user, code: str, *, severity: str, is_active: bool = True, params: dict | None = None, reason: str = ""):
    """The performance section switches a rule on or off, makes it blocking or a warning, or changes its
    parameters (e.g. the weight scheme). Saves a new version of the rule set (all rows copied, this one
    changed); the older versions stay readable. Audited; the code defaults stay in targets.quality."""
    from targets.models import QualityRuleSet, QualityRuleSetting

    if not can_configure_rules(user):
        trail.record(
            AuditAction.PERMISSION_DENIED,
            object_type="targets.qualityruleset",
            object_repr=code,
            actor=user,
            reason="只有预算绩效管理科可以设置智能审核规则",
        )
        raise PermissionDenied("只有预算绩效管理科可以设置智能审核规则")
    if code not in quality.RULES:
        raise ValidationError({"code": "未知的规则代码"})
    current = review.current_rule_set()
    before = review.stored_configuration(current)[code]
    saved = []

    def copy_settings(rule_set) -> dict:
        # every setting of the version in force, this one changed
        rows = {
            r.code: QualityRuleSetting(
                rule_set=rule_set, code=r.code, severity=r.severity, is_active=r.is_active, params=r.params
            )
            for r in (QualityRuleSetting.objects.filter(rule_set=current) if current else ())
        }
        row = rows.get(code) or QualityRuleSetting(rule_set=rule_set, code=code, params={})
        row.severity, row.is_active = severity, is_active
        if params is not None:
            row.params = params
        row.full_clean()
        rows[code] = row
        QualityRuleSetting.objects.bulk_create(rows.values())
        saved.append(row)
        after = review.stored_configuration(rule_set)[code]
        return {"版本号": [current.number if current else None, rule_set.number]} | {
            f"{quality.RULES[code].name}·{label}": [str(a), str(b)]
            for label, a, b in (
                ("严重程度", before.severity, after.severity),
                ("启用", before.is_active, after.is_active),
                ("参数", before.params, after.params),
            )
            if a != b
        }

    versioning.save_new_version(
        QualityRuleSet(note=(reason or "")[:500] or f"修改规则：{quality.RULES[code].name}"),
        user,
        reason=reason,
        children=copy_settings,
    )
    return saved[0]

"""Create, update and delete any record with validation and the audit row in one transaction.

Pages, API endpoints, imports and background jobs all call these; none saves a model directly.
"""

from __future__ import annotations

from django.db import transaction

from audit import trail
from audit.models import AuditAction


def create_record(instance, *, reason: str = "", audit: bool = True):
    with transaction.atomic():
        instance.full_clean()
        instance.save()
        if audit:
            changes = trail.diff({}, trail.snapshot(instance), type(instance))
            trail.record(AuditAction.CREATE, instance, changes=changes, reason=reason)
    return instance


def update_record(instance, data: dict | None = None, *, reason: str = "", before: dict | None = None):
    """Apply ``data`` (field → value) to ``instance``, validate, save and audit the difference.

    Pass ``before`` when the caller already changed the instance (a bound ModelForm does).
    """
    with transaction.atomic():
        if before is None:
            fresh = type(instance)._default_manager.get(pk=instance.pk)
            before = trail.snapshot(fresh)
        for key, value in (data or {}).items():
            setattr(instance, key, value)
        instance.full_clean()
        instance.save()
        changes = trail.diff(before, trail.snapshot(instance), type(instance))
        if changes:
            trail.record(AuditAction.UPDATE, instance, changes=changes, reason=reason)
    return instance, changes


def delete_record(instance, *, reason: str = ""):
    with transaction.atomic():
        before = trail.snapshot(instance)
        changes = {k: [v[0], None] for k, v in trail.diff(before, {}, type(instance)).items()}
        trail.record(AuditAction.DELETE, instance, changes=changes, reason=reason)
        instance.delete()

"""The one way to write the audit trail.

``record()`` must be called inside the transaction of the change it describes; it takes a
database-wide lock on the chain head so rows are chained in commit order.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import uuid

from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from audit.context import current_actor
from audit.models import AuditAction, AuditEntry

GENESIS = "0" * 64
_LOCK_KEY = 7_204_311  # pg_advisory_xact_lock key for the chain head


def _plain(value):
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, FieldFile):  # hasattr(empty_file, "url") raises ValueError, not AttributeError
        return value.name or ""
    return value


def audit_fields(instance) -> list[str]:
    names = getattr(instance, "audit_fields", None)
    if names is not None:
        return list(names)
    return [f.name for f in instance._meta.concrete_fields if f.editable and not f.primary_key]


def snapshot(instance) -> dict:
    """Field values of ``instance`` as the audit trail shows them (FK → its text)."""
    data = {}
    for name in audit_fields(instance):
        field = instance._meta.get_field(name)
        custom = getattr(instance, f"audit_display_{name}", None)
        if custom is not None:
            # A model shows a field its own way (e.g. a JSON list of choice codes as their labels).
            data[name] = _plain(custom())
            continue
        if isinstance(field, models.BooleanField):
            value = getattr(instance, name)
            data[name] = None if value is None else ("是" if value else "否")
            continue
        if field.is_relation and field.many_to_one:
            value = getattr(instance, name) if getattr(instance, field.attname) is not None else None
        else:
            value = getattr(instance, name)
            if field.choices and value not in (None, ""):
                value = getattr(instance, f"get_{name}_display")()
        data[name] = _plain(value)
    return data


def diff(before: dict, after: dict, model=None) -> dict:
    """{field label: [before, after]} for the fields that differ."""
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new and not (old in (None, "", []) and new in (None, "", [])):
            label = key
            if model is not None:
                try:
                    label = str(model._meta.get_field(key).verbose_name)
                except Exception:
                    label = key
            changes[label] = [old, new]
    return changes


def _canonical(entry: AuditEntry) -> str:
    return json.dumps(
        {
            "created_at": entry.created_at.isoformat(),
            "actor": entry.actor_id,
            "actor_name": entry.actor_name,
            "ip": entry.ip,
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "object_repr": entry.object_repr,
            "changes": entry.changes,
            "reason": entry.reason,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def compute_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + _canonical(entry)).encode("utf-8")).hexdigest()


def _chain_head() -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    return last or GENESIS


def record(
    action: str,
    obj=None,
    *,
    changes: dict | None = None,
    reason: str = "",
    object_type: str = "",
    object_repr: str = "",
    actor=None,
    ip: str | None = None,
    actor_name: str = "",
) -> AuditEntry:
    """Append one row. ``obj`` is the record concerned (a model instance) or None."""
    current = current_actor()
    user = actor if actor is not None else current.user
    if user is not None and not getattr(user, "pk", None):
        user = None
    with transaction.atomic():
        entry = AuditEntry(
            created_at=timezone.now(),
            actor=user,
            actor_name=actor_name or (str(user) if user else current.name),
            ip=ip if ip is not None else current.ip,
            action=action,
            changes=_plain(changes or {}),
            reason=reason or "",
        )
        if obj is not None:
            entry.object_type = obj._meta.label_lower
            entry.object_type_label = str(obj._meta.verbose_name)
            entry.object_id = str(obj.pk)
            entry.object_repr = str(obj)[:255]
        else:
            entry.object_type = object_type
            entry.object_repr = object_repr[:255]
        entry.prev_hash = _chain_head()
        entry.hash = compute_hash(entry.prev_hash, entry)
        entry.save()
    return entry


def verify_chain(batch: int = 5000, from_id: int | None = None):
    """Yield (entry_id, problem) for every row whose hash or link is wrong.

    ``from_id`` starts at that row and trusts its ``prev_hash`` as the anchor: after a DBA purged
    rows past the retention period, verification resumes from the first row kept.
    """
    prev = GENESIS
    last_id = 0
    if from_id is not None:
        anchor = AuditEntry.objects.filter(id__gte=from_id).order_by("id").first()
        if anchor is None:
            return
        prev, last_id = anchor.prev_hash, anchor.id - 1
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return
        for entry in rows:
            if entry.prev_hash != prev:
                yield entry.id, "与上一条记录的链接不符（记录被删除或插入）"
            elif compute_hash(entry.prev_hash, entry) != entry.hash:
                yield entry.id, "内容与哈希不符（记录被篡改）"
            prev = entry.hash
            last_id = entry.id


__all__ = ["AuditAction", "diff", "record", "snapshot", "verify_chain"]

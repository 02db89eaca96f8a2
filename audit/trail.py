"""The one way to write the audit trail.

``record()`` must be called inside the transaction of the change it describes; it takes a
database-wide lock on the chain head so rows are chained in commit order. The hash is computed by
``audit/hashing.py``; ``audit/verify.py`` checks the chain and ``audit/checkpoints.py`` anchors it
outside the database.
"""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from audit import hashing
from audit.context import current_actor
from audit.hashing import GENESIS, compute_hash
from audit.models import AuditAction, AuditEntry

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


def _chain_head() -> tuple[str, int]:
    """Lock the chain head; return the last row's hash and the id the next row will take.

    The id is allocated here, before the row is saved, because it is inside the row's hash.
    """
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
        else:
            # SQLite serialises writers; AUTOINCREMENT never reuses an id (sqlite_sequence), nor do we.
            cursor.execute(
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                f"coalesce((SELECT max(id) FROM {connection.ops.quote_name(table)}), 0)) + 1",
                [table],
            )
        next_id = cursor.fetchone()[0]
    last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    return last or GENESIS, next_id


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
        # Stored as the database will return it, so the hash is over what verification reads back.
        entry.ip = AuditEntry._meta.get_field("ip").get_prep_value(entry.ip)
        entry.algorithm = hashing.CURRENT
        entry.key_id = hashing.key_id()
        entry.prev_hash, entry.id = _chain_head()
        entry.hash = compute_hash(entry.prev_hash, entry)
        entry.save(force_insert=True)
    return entry


__all__ = ["GENESIS", "AuditAction", "compute_hash", "diff", "record", "snapshot"]

"""How an audit row's hash is computed: a small registry of named algorithms.

Every row stores the name of the algorithm that hashed it (``AuditEntry.algorithm``) and the id of
the key (``AuditEntry.key_id``), so rows written before an upgrade keep verifying with their own
function and a later algorithm (HMAC-SM3, say) is one more entry in ``ALGORITHMS``
(docs/decisions/0021-keyed-audit-chain.md).

- ``sha256`` (legacy, rows written before migration 0003): unkeyed SHA-256 over the previous hash and
  the canonical JSON of ten fields. Verified, never written.
- ``hmac-sha256`` (current): HMAC-SHA256 with ``settings.JIXIAO_AUDIT_KEY`` — a key the database does
  not hold — over the canonical JSON of *every* stored field except ``hash`` itself, ``id`` and
  ``prev_hash`` included, so the chain still links each row to the one before it.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

GENESIS = "0" * 64
LEGACY = "sha256"
CURRENT = "hmac-sha256"


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _legacy_message(prev_hash: str, entry) -> bytes:
    """The pre-0003 canonical form, byte for byte: old rows must keep verifying."""
    content = _json(
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
        }
    )
    return (prev_hash + content).encode("utf-8")


# Every stored field of AuditEntry except ``hash``. A new model field must be added here *and* get a
# new algorithm name (rows already written keep the old field list): audit/tests/test_tamper.py fails
# while a stored field is left out.
FIELDS_V2 = (
    "id",
    "created_at",
    "actor",
    "actor_name",
    "ip",
    "action",
    "object_type",
    "object_type_label",
    "object_id",
    "object_repr",
    "changes",
    "reason",
    "prev_hash",
    "algorithm",
    "key_id",
)


def _fields_message(fields: tuple[str, ...]) -> Callable[[str, object], bytes]:
    def message(prev_hash: str, entry) -> bytes:
        data = {}
        for name in fields:
            value = getattr(entry, entry._meta.get_field(name).attname)
            if isinstance(value, datetime.datetime):
                value = value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
            data[name] = value
        data["prev_hash"] = prev_hash
        return _json(data).encode("utf-8")

    return message


@dataclass(frozen=True)
class Algorithm:
    name: str
    keyed: bool
    fields: tuple[str, ...]
    message: Callable[[str, object], bytes]
    digest: Callable[[bytes, bytes], str]  # (key, message) -> 64 hex digits


ALGORITHMS: dict[str, Algorithm] = {
    LEGACY: Algorithm(
        name=LEGACY,
        keyed=False,
        fields=(
            "created_at",
            "actor",
            "actor_name",
            "ip",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "reason",
            "prev_hash",
        ),
        message=_legacy_message,
        digest=lambda key, message: hashlib.sha256(message).hexdigest(),
    ),
    CURRENT: Algorithm(
        name=CURRENT,
        keyed=True,
        fields=FIELDS_V2,
        message=_fields_message(FIELDS_V2),
        digest=lambda key, message: hmac.new(key, message, hashlib.sha256).hexdigest(),
    ),
}


def current_key() -> bytes:
    """The chain key (settings.JIXIAO_AUDIT_KEY). Read on every call, so a test can override it."""
    return settings.JIXIAO_AUDIT_KEY.encode("utf-8")


def key_id(key: bytes | None = None) -> str:
    """A short public name of a key: reveals nothing about it, tells which key wrote a row."""
    key = current_key() if key is None else key
    return hmac.new(key, b"jixiao audit key id", hashlib.sha256).hexdigest()[:16]


def compute_hash(prev_hash: str, entry, key: bytes | None = None) -> str:
    """The hash ``entry`` must carry after ``prev_hash``, by the algorithm the row names."""
    algorithm = ALGORITHMS[entry.algorithm]
    key = (current_key() if key is None else key) if algorithm.keyed else b""
    return algorithm.digest(key, algorithm.message(prev_hash, entry))


def mac(text: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 of a checkpoint line, so a forged line in the checkpoints file is recognised."""
    return hmac.new(current_key() if key is None else key, text.encode("utf-8"), hashlib.sha256).hexdigest()

"""Checkpoints: the audit chain anchored outside the database.

A checkpoint is the row count, the last id and the last hash at a moment, signed with the chain key.
``manage.py audit_checkpoint`` (run hourly by a timer) appends one as a JSON line to
``settings.JIXIAO_AUDIT_CHECKPOINT_FILE`` and to the log ``jixiao.audit.checkpoint``; the audit
admin's export carries one too. Whoever rewrites or truncates the table cannot reach these copies,
so ``verify_audit`` finds the damage by comparing them with the table (``audit/verify.py``).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import os
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from audit import hashing
from audit.models import AuditEntry

logger = logging.getLogger("jixiao.audit.checkpoint")


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    taken_at: datetime.datetime
    count: int
    last_id: int
    last_hash: str
    key_id: str
    mac: str = ""
    line: int = 0  # line number in the file it was read from

    def _body(self) -> dict:
        return {
            "taken_at": self.taken_at.astimezone(datetime.UTC).isoformat(timespec="seconds"),
            "count": self.count,
            "last_id": self.last_id,
            "last_hash": self.last_hash,
            "key_id": self.key_id,
        }

    def _signed_text(self) -> str:
        return json.dumps(self._body(), sort_keys=True, separators=(",", ":"))

    def authentic(self, key: bytes | None = None) -> bool:
        return hashing.mac(self._signed_text(), key) == self.mac

    def as_line(self) -> str:
        return json.dumps({**self._body(), "mac": self.mac}, sort_keys=True, separators=(",", ":"))


def take() -> Checkpoint:
    """The chain's state now (the audit trail is append-only, so the last row's hash cannot move)."""
    totals = AuditEntry.objects.aggregate(count=Count("id"), last_id=Max("id"))  # one statement: consistent
    last_id = totals["last_id"] or 0
    last_hash = AuditEntry.objects.filter(id=last_id).values_list("hash", flat=True).first() or hashing.GENESIS
    checkpoint = Checkpoint(
        taken_at=timezone.now().replace(microsecond=0),
        count=totals["count"],
        last_id=last_id,
        last_hash=last_hash,
        key_id=hashing.key_id(),
    )
    return dataclasses.replace(checkpoint, mac=hashing.mac(checkpoint._signed_text()))


def log(checkpoint: Checkpoint) -> None:
    logger.info("审计日志检查点 %s", checkpoint.as_line())


def append(checkpoint: Checkpoint, path: Path | str | None = None) -> Path:
    """Append ``checkpoint`` to the checkpoints file (created 0640 if missing) and flush it to disk."""
    path = Path(path or settings.JIXIAO_AUDIT_CHECKPOINT_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (checkpoint.as_line() + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def write() -> tuple[Checkpoint, Path]:
    """Take a checkpoint and put it everywhere outside the database: the file and the log."""
    checkpoint = take()
    path = append(checkpoint)
    log(checkpoint)
    return checkpoint, path


def parse(text: str, line: int = 0) -> Checkpoint:
    """One checkpoint line; ValueError with a Chinese message when it is not one."""
    try:
        data = json.loads(text)
        return Checkpoint(
            taken_at=datetime.datetime.fromisoformat(data["taken_at"]),
            count=int(data["count"]),
            last_id=int(data["last_id"]),
            last_hash=str(data["last_hash"]),
            key_id=str(data["key_id"]),
            mac=str(data["mac"]),
            line=line,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"第 {line} 行不是检查点（{exc.__class__.__name__}）") from None


def read(path: Path | str) -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints in a file and a message for each line that is not one. Log lines are accepted too
    (the JSON after “审计日志检查点”), so checkpoints copied from the log or an export can be checked as they are."""
    checkpoints, errors = [], []
    with open(path, encoding="utf-8") as fh:
        for number, raw in enumerate(fh, start=1):
            text = raw.strip()
            if not text or text.startswith("#"):
                continue
            if "{" in text:
                text = text[text.index("{") :]
            try:
                checkpoints.append(parse(text, number))
            except ValueError as exc:
                errors.append(str(exc))
    return checkpoints, errors

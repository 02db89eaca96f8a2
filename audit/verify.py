"""Checking the audit trail: the chain row by row, then the checkpoints kept outside the database.

Each problem names the row (id and time, where a row exists) and the kind of damage, so the report
of ``manage.py verify_audit`` says what happened, not only that something did.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Max, Min

from audit import hashing
from audit.checkpoints import Checkpoint
from audit.models import AuditEntry


class Damage:
    EDITED = "记录被改动"
    BROKEN_LINK = "链接断开"
    MISSING_NEWEST = "末尾记录缺失"
    REWRITTEN = "哈希链被重写"
    WRONG_KEY = "密钥不符"
    BAD_CHECKPOINT = "检查点无效"


@dataclass(frozen=True)
class Problem:
    kind: str
    message: str
    entry_id: int | None = None
    created_at: datetime.datetime | None = None


def _problem(kind: str, message: str, entry: AuditEntry | None = None) -> Problem:
    return Problem(kind, message, entry.id if entry else None, entry.created_at if entry else None)


def verify_chain(batch: int = 5000, from_id: int | None = None) -> Iterator[Problem]:
    """Every row whose link, hash, algorithm or key is wrong, in id order.

    ``from_id`` starts at that row and trusts its ``prev_hash`` as the anchor: after a DBA purged
    rows past the retention period, verification resumes from the first row kept.
    """
    key_id = hashing.key_id()
    prev, last_id = hashing.GENESIS, 0
    keyed_seen = False
    foreign_keys: set[str] = set()
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
            problem = _check_row(entry, prev, key_id, keyed_seen, foreign_keys)
            if problem is not None:
                yield problem
            algorithm = hashing.ALGORITHMS.get(entry.algorithm)
            keyed_seen = keyed_seen or bool(algorithm and algorithm.keyed)
            prev, last_id = entry.hash, entry.id


def _check_row(entry: AuditEntry, prev: str, key_id: str, keyed_seen: bool, foreign_keys: set[str]) -> Problem | None:
    if entry.prev_hash != prev:
        return _problem(
            Damage.BROKEN_LINK,
            "“上一条哈希”与前一条记录不符：其间的记录被删除、插入或调换了顺序",
            entry,
        )
    algorithm = hashing.ALGORITHMS.get(entry.algorithm)
    if algorithm is None:
        return _problem(Damage.EDITED, f"哈希算法“{entry.algorithm}”未知：记录被改动", entry)
    if keyed_seen and not algorithm.keyed:
        return _problem(
            Damage.EDITED, "带密钥的记录之后出现不带密钥的旧算法记录：记录被改写为旧算法（降级篡改）", entry
        )
    if algorithm.keyed and entry.key_id != key_id:
        if entry.key_id in foreign_keys:
            return None  # reported once at the first row of that key; its content cannot be checked here
        foreign_keys.add(entry.key_id)
        return _problem(
            Damage.WRONG_KEY,
            f"本条起的记录由另一把密钥（标识 {entry.key_id or '空'}）写入，当前配置的密钥标识为 {key_id}："
            "请核对 JIXIAO_AUDIT_KEY；密钥无误时即为篡改",
            entry,
        )
    if hashing.compute_hash(entry.prev_hash, entry) != entry.hash:
        return _problem(Damage.EDITED, "内容与哈希不符：记录被篡改", entry)
    return None


def verify_checkpoints(checkpoints: list[Checkpoint], from_id: int | None = None) -> Iterator[Problem]:
    """Compare the table with each checkpoint taken earlier.

    Detects what the chain alone cannot: the newest rows deleted (the chain that is left is intact) and a
    chain rewritten from some row on (every hash recomputed, with or without the key).
    """
    bounds = AuditEntry.objects.aggregate(first=Min("id"), last=Max("id"))
    first_id, max_id = bounds["first"] or 0, bounds["last"] or 0
    first = AuditEntry.objects.filter(id=first_id).values_list("prev_hash", flat=True).first()
    # After a retention purge the row count legitimately shrinks; the chain reports the purge at its first row.
    purged = from_id is not None or (first is not None and first != hashing.GENESIS)
    good_until = 0  # the last id a checkpoint confirmed
    key, key_id = hashing.current_key(), hashing.key_id()
    foreign_keys: set[str] = set()  # reported once each
    checkpoints = sorted(checkpoints, key=lambda c: (c.last_id, c.taken_at))
    rows = _rows_by_id({c.last_id for c in checkpoints})
    newest = checkpoints[-1] if checkpoints else None
    for checkpoint in checkpoints:
        where = f"检查点（{_local(checkpoint.taken_at)}，第 {checkpoint.line} 行）"
        if checkpoint.key_id != key_id:
            if checkpoint.key_id in foreign_keys:
                continue
            foreign_keys.add(checkpoint.key_id)
            yield Problem(
                Damage.WRONG_KEY,
                f"{where}起的检查点由另一把密钥（标识 {checkpoint.key_id}）签署，当前配置的密钥标识为 {key_id}："
                "请核对 JIXIAO_AUDIT_KEY",
            )
            continue
        if not checkpoint.authentic(key):
            yield Problem(Damage.BAD_CHECKPOINT, f"{where}的校验码不符：检查点文件被改动，或密钥不符")
            continue
        if checkpoint.last_id < max(from_id or 0, first_id if purged else 0):
            continue  # before a retention purge: those rows are gone, as the chain's first row says
        if checkpoint.last_id == 0:
            continue
        row = rows.get(checkpoint.last_id)
        if row is None and max_id < checkpoint.last_id:
            yield Problem(
                Damage.MISSING_NEWEST,
                f"{where}时共 {checkpoint.count} 条、最后一条为第 {checkpoint.last_id} 条；现在最后一条为第 {max_id} 条："
                f"第 {max_id + 1} 至 {checkpoint.last_id} 条被删除",
                entry_id=max_id + 1,
            )
            continue
        if row is None:
            yield Problem(
                Damage.BROKEN_LINK,
                f"{where}记录的第 {checkpoint.last_id} 条不存在：记录被删除",
                entry_id=checkpoint.last_id,
            )
            continue
        if row.hash != checkpoint.last_hash:
            yield _problem(
                Damage.REWRITTEN,
                f"{where}记录的第 {checkpoint.last_id} 条哈希为 {checkpoint.last_hash[:16]}…，现为 {row.hash[:16]}…："
                f"第 {good_until + 1} 至 {checkpoint.last_id} 条之间有记录被改写，其后的哈希被重新计算",
                row,
            )
            continue
        if not purged and checkpoint is newest:  # the hashes already vouch for the earlier ones
            count = AuditEntry.objects.filter(id__lte=checkpoint.last_id).count()
            if count != checkpoint.count:
                yield _problem(
                    Damage.BROKEN_LINK,
                    f"{where}时至第 {checkpoint.last_id} 条共 {checkpoint.count} 条，现为 {count} 条：记录被删除或插入",
                    row,
                )
                continue
        good_until = checkpoint.last_id


def _rows_by_id(ids: set[int], chunk: int = 1000) -> dict[int, AuditEntry]:
    """The rows that checkpoints name, fetched in a few queries (an hourly timer makes thousands a year)."""
    ids, found = sorted(ids), {}
    for start in range(0, len(ids), chunk):
        batch = AuditEntry.objects.filter(id__in=ids[start : start + chunk]).only("id", "hash", "created_at")
        found.update((row.id, row) for row in batch)
    return found


def _local(moment: datetime.datetime | None) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def describe(problem: Problem) -> str:
    """One line of the report: the row (id, time) and the kind of damage."""
    if problem.entry_id is None:
        return f"[{problem.kind}] {problem.message}"
    when = f"（{_local(problem.created_at)}）" if problem.created_at else ""
    return f"第 {problem.entry_id} 条{when} [{problem.kind}] {problem.message}"

"""Issue 17 §4: every kind of tampering with the audit trail is found by ``verify_audit``, which names the
first bad row and the kind of damage. The attacker here has the database owner's power: the tests bypass the
append-only triggers as a DBA would (PostgreSQL: the maintenance switch; SQLite: drop the triggers), inside
the test's transaction, which rolls it all back."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from audit import checkpoints, hashing, trail
from audit.models import AuditAction, AuditEntry
from audit.verify import Damage

pytestmark = pytest.mark.django_db

ATTACKER_KEY = b"a key the attacker guessed"


def _bypass_guard() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jixiao.audit_maintenance = 'on'")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")


def _edit(entry_id: int, **fields) -> None:
    _bypass_guard()
    AuditEntry.objects.filter(pk=entry_id).update(**fields)


def _delete(**lookup) -> None:
    _bypass_guard()
    AuditEntry.objects.filter(**lookup).delete()


def _rehash_from(entry_id: int, key: bytes | None = None, **fields) -> None:
    """Rewrite the chain from ``entry_id`` on with the module's own hash function, as an attacker would."""
    _bypass_guard()
    prev = AuditEntry.objects.filter(id__lt=entry_id).order_by("-id").values_list("hash", flat=True).first()
    for entry in AuditEntry.objects.filter(id__gte=entry_id).order_by("id"):
        for name, value in fields.items():
            setattr(entry, name, value)
        entry.prev_hash = prev or hashing.GENESIS
        entry.hash = trail.compute_hash(entry.prev_hash, entry, key)
        AuditEntry.objects.filter(pk=entry.pk).update(
            prev_hash=entry.prev_hash, hash=entry.hash, **{name: getattr(entry, name) for name in fields}
        )
        prev = entry.hash


def _rows(n: int) -> list[AuditEntry]:
    return [
        trail.record(AuditAction.UPDATE, object_type="x", object_repr=f"记录{i}", reason=f"理由{i}") for i in range(n)
    ]


def _verify(capsys, **options) -> tuple[bool, str]:
    try:
        call_command("verify_audit", **options)
        ok = True
    except CommandError as exc:
        ok = False
        print(exc)
    return ok, capsys.readouterr().out


def _first_problem(output: str) -> str:
    return output.rsplit("第一处：", 1)[1]


def _another_value(field, value):
    if field.get_internal_type() == "DateTimeField":
        return value + datetime.timedelta(microseconds=1)
    if field.get_internal_type() in ("BigAutoField", "ForeignKey"):
        return 999_999
    if field.get_internal_type() == "JSONField":
        return {"篡改": 1}
    if field.get_internal_type() == "GenericIPAddressField":
        return "192.0.2.1"
    if field.name == "algorithm":
        return hashing.LEGACY
    return "篡改"


def test_every_stored_field_is_inside_the_hash():
    # A stored field outside the hash could be edited unseen, as object_type_label could before issue 17.
    stored = {field.name for field in AuditEntry._meta.concrete_fields} - {"hash"}
    assert set(hashing.ALGORITHMS[hashing.CURRENT].fields) == stored, "AuditEntry 的新字段须纳入哈希（并用新的算法名）"
    entry = AuditEntry.objects.get(pk=_rows(1)[0].pk)
    before = trail.compute_hash(entry.prev_hash, entry)
    for field in AuditEntry._meta.concrete_fields:
        if field.name == "hash":
            continue
        original = getattr(entry, field.attname)
        setattr(entry, field.attname, _another_value(field, original))
        assert trail.compute_hash(entry.prev_hash, entry) != before, field.name
        setattr(entry, field.attname, original)
    assert trail.compute_hash(entry.prev_hash, entry) == before


def test_intact_trail_and_checkpoints_pass(capsys):
    _rows(2)
    call_command("audit_checkpoint")
    _rows(1)
    ok, output = _verify(capsys)
    assert ok, output
    assert "与检查点一致" in output


def test_a_field_outside_the_old_hash_edited_is_found(capsys):
    # (a) object_type_label is shown as 对象 on the entry page; the old hash left it out.
    rows = _rows(3)
    _edit(rows[1].pk, object_type_label="伪造的对象类型")
    ok, output = _verify(capsys)
    assert not ok
    assert f"第 {rows[1].pk} 条" in _first_problem(output) and Damage.EDITED in _first_problem(output)


def test_edited_reason_is_found(capsys):
    rows = _rows(3)
    _edit(rows[0].pk, reason="篡改后的理由")
    ok, output = _verify(capsys)
    assert not ok and f"第 {rows[0].pk} 条" in _first_problem(output) and Damage.EDITED in output


def test_newest_rows_deleted_are_found_by_the_checkpoint(capsys):
    # (b) What is left is a valid chain: only a checkpoint taken outside the database shows the loss.
    rows = _rows(4)
    call_command("audit_checkpoint")
    _delete(id__gte=rows[2].pk)
    ok, output = _verify(capsys)
    assert not ok
    assert Damage.MISSING_NEWEST in output and f"第 {rows[2].pk} 至 {rows[3].pk} 条被删除" in output


def test_without_a_checkpoint_truncation_is_only_warned_about(capsys, checkpoint_file):
    rows = _rows(2)
    _delete(id__gte=rows[1].pk)
    ok, output = _verify(capsys)
    assert ok and "未找到检查点文件" in output
    assert not checkpoint_file.exists()


def test_rewritten_chain_without_the_key_is_found_at_the_edited_row(capsys):
    # (c) Row N edited and every later hash recomputed with audit.trail.compute_hash, but not the key.
    rows = _rows(4)
    _edit(rows[1].pk, reason="篡改")
    _rehash_from(rows[1].pk, key=ATTACKER_KEY)
    ok, output = _verify(capsys)
    assert not ok
    assert f"第 {rows[1].pk} 条" in _first_problem(output) and Damage.EDITED in _first_problem(output)


def test_rewritten_chain_under_a_key_id_of_the_attackers_own_is_found(capsys):
    rows = _rows(3)
    _edit(rows[1].pk, reason="篡改")
    _rehash_from(rows[1].pk, key=ATTACKER_KEY, key_id=hashing.key_id(ATTACKER_KEY))
    ok, output = _verify(capsys)
    assert not ok
    assert f"第 {rows[1].pk} 条" in _first_problem(output) and Damage.WRONG_KEY in _first_problem(output)


def test_rewritten_chain_downgraded_to_the_unkeyed_legacy_hash_is_found(capsys):
    rows = _rows(3)
    _edit(rows[1].pk, reason="篡改")
    _rehash_from(rows[1].pk, algorithm=hashing.LEGACY, key_id="")
    ok, output = _verify(capsys)
    assert not ok
    assert f"第 {rows[1].pk} 条" in _first_problem(output) and "降级" in _first_problem(output)


def test_rewritten_chain_with_the_key_is_found_by_the_checkpoint(capsys):
    # (c) Even an attacker holding the key cannot rewrite what the checkpoints file already holds.
    rows = _rows(4)
    call_command("audit_checkpoint")
    _edit(rows[1].pk, reason="篡改")
    _rehash_from(rows[1].pk)
    ok, output = _verify(capsys)
    assert not ok
    assert Damage.REWRITTEN in output and f"至 {rows[3].pk} 条之间有记录被改写" in output
    assert Damage.EDITED not in output  # the chain itself verifies: only the anchor outside tells


def test_deleted_middle_row_is_a_broken_link(capsys):
    rows = _rows(3)
    _delete(pk=rows[1].pk)
    ok, output = _verify(capsys)
    assert not ok
    assert f"第 {rows[2].pk} 条" in _first_problem(output) and Damage.BROKEN_LINK in _first_problem(output)


def test_reordered_rows_are_a_broken_link(capsys):
    rows = _rows(3)
    # Swap the ids of two rows (through a free id), as if their order had been changed.
    _edit(rows[0].pk, id=rows[2].pk + 100)
    _edit(rows[1].pk, id=rows[0].pk)
    _edit(rows[2].pk + 100, id=rows[1].pk)
    ok, output = _verify(capsys)
    assert not ok and Damage.BROKEN_LINK in _first_problem(output)


def test_wrong_key_is_named(capsys, settings):
    _rows(2)
    call_command("audit_checkpoint")
    settings.JIXIAO_AUDIT_KEY = "not the key the trail was written with"
    ok, output = _verify(capsys)
    assert not ok and Damage.WRONG_KEY in output and "JIXIAO_AUDIT_KEY" in output
    assert "2 处异常" in output  # reported once for the rows and once for the checkpoints, not row by row


def test_forged_checkpoint_line_is_found(capsys, checkpoint_file):
    _rows(2)
    call_command("audit_checkpoint")
    forged = checkpoints.parse(checkpoint_file.read_text().splitlines()[0])
    line = forged.as_line().replace(f'"count":{forged.count}', f'"count":{forged.count + 5}')
    checkpoint_file.write_text(checkpoint_file.read_text() + line + "\n这一行不是检查点\n")
    ok, output = _verify(capsys)
    assert not ok and Damage.BAD_CHECKPOINT in output and "第 3 行不是检查点" in output


def test_explicit_checkpoints_file_must_exist(capsys, tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        call_command("verify_audit", checkpoints=str(tmp_path / "missing.jsonl"))


def test_legacy_rows_keep_verifying_before_keyed_rows(capsys):
    # A database upgraded through migration 0003: its old rows were hashed by the unkeyed function.
    _delete(id__gt=0)
    prev = hashing.GENESIS
    for i in range(3):
        entry = AuditEntry(
            id=i + 1,
            created_at=timezone.now(),
            actor_name="旧版本",
            action=AuditAction.EXPORT,
            object_type="x",
            object_repr=f"旧记录{i}",
            changes={"a": [1, 2]},
            prev_hash=prev,
            algorithm=hashing.LEGACY,
        )
        entry.hash = trail.compute_hash(prev, entry)
        entry.save(force_insert=True)
        prev = entry.hash
    trail.record(AuditAction.EXPORT, object_type="x", object_repr="新记录")
    ok, output = _verify(capsys)
    assert ok, output
    # The keyed row after them covers their hashes: rewriting an old row breaks the keyed one.
    old = AuditEntry.objects.filter(algorithm=hashing.LEGACY).order_by("id").first()
    _edit(old.pk, reason="篡改")
    _rehash_from(old.pk, key=ATTACKER_KEY)
    ok, output = _verify(capsys)
    assert not ok and Damage.EDITED in _first_problem(output)


def test_checkpoint_command_writes_the_file_and_the_log(capsys, caplog, checkpoint_file):
    rows = _rows(2)
    with caplog.at_level("INFO", logger="jixiao.audit.checkpoint"):
        call_command("audit_checkpoint")
    saved, errors = checkpoints.read(checkpoint_file)
    assert not errors and len(saved) == 1
    assert saved[0].last_id == rows[-1].pk and saved[0].last_hash == rows[-1].hash
    assert saved[0].count == AuditEntry.objects.count() and saved[0].authentic()
    logged = [r.getMessage() for r in caplog.records if r.name == "jixiao.audit.checkpoint"]
    assert logged and saved[0].as_line() in logged[0]


def test_audit_export_carries_a_checkpoint(client_as, tmp_path, capsys):
    _rows(2)
    response = client_as("auditadmin").get("/audit/?export=xlsx&q=记录1")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.getvalue()))["检查点"]
    line = sheet.cell(row=2, column=5).value
    checkpoint = checkpoints.parse(line)
    last = AuditEntry.objects.order_by("-id").first()  # the export's own row included
    assert (checkpoint.last_id, checkpoint.last_hash, checkpoint.count) == (
        last.pk,
        last.hash,
        AuditEntry.objects.count(),
    )
    # Kept by the audit admin outside the database, it anchors the chain like the checkpoints file.
    copy = tmp_path / "from-export.txt"
    copy.write_text(f"审计日志检查点 {line}\n")
    _delete(id__gte=last.pk)
    ok, output = _verify(capsys, checkpoints=str(copy))
    assert not ok and Damage.MISSING_NEWEST in output


def test_retention_purge_is_one_visible_break_and_checkpoints_add_no_noise(capsys):
    # Admin guide §11: a DBA purges the oldest rows; earlier checkpoints then name rows that are gone.
    call_command("audit_checkpoint")  # before the rows below: names a row the purge removes
    rows = _rows(3)
    call_command("audit_checkpoint")
    _rows(1)
    call_command("audit_checkpoint")
    _delete(id__lte=rows[0].pk)
    ok, output = _verify(capsys)
    assert not ok and "1 处异常" in output and Damage.BROKEN_LINK in output
    ok, output = _verify(capsys, from_id=rows[1].pk)
    assert ok, output

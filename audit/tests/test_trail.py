"""Audit trail (issue 2 §4): explicit rows in the change's transaction, field-level diffs,
append-only at the database level, hash chain that reveals tampering."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit import trail
from audit.context import acting_as
from audit.models import AuditAction, AuditEntry
from core import services
from organisations.models import Organisation

pytestmark = pytest.mark.django_db


def school():
    return Organisation.objects.get(name="示范市第一中学")


def test_update_records_who_when_where_what_and_why(persona):
    sysadmin = persona("sysadmin")
    org = school()
    with acting_as(user=sysadmin, ip="10.1.2.3"):
        services.update_record(org, {"phone": "0999-1234567"}, reason="电话号码变更")
    entry = AuditEntry.objects.filter(object_type="organisations.organisation", object_id=str(org.pk)).first()
    assert entry.action == AuditAction.UPDATE
    assert entry.actor == sysadmin
    assert entry.ip == "10.1.2.3"
    assert entry.reason == "电话号码变更"
    assert entry.changes == {"联系电话": ["", "0999-1234567"]}


def test_bulk_changes_outside_requests_are_audited_too():
    # A background job has no request: the explicit call still writes a row per record.
    orgs = list(Organisation.objects.filter(kind="unit")[:3])
    before = AuditEntry.objects.count()
    with acting_as(name="后台任务"):
        for org in orgs:
            services.update_record(org, {"contact": "批量联系人"}, reason="批量更新")
    assert AuditEntry.objects.count() == before + 3
    assert set(AuditEntry.objects.order_by("-id")[:3].values_list("actor_name", flat=True)) == {"后台任务"}


def test_failed_change_leaves_no_audit_row():
    org = school()
    before = AuditEntry.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - any validation error
        services.update_record(org, {"budget_code": "ABC"}, reason="非法编码")
    assert AuditEntry.objects.count() == before


def test_audit_rows_cannot_be_changed_or_deleted_through_the_app():
    entry = trail.record(AuditAction.EXPORT, object_type="x", object_repr="测试")
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


def test_database_refuses_update_and_delete():
    entry = trail.record(AuditAction.EXPORT, object_type="x", object_repr="测试")
    for statement in (
        "UPDATE audit_auditentry SET reason = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, reason="").exists()
    # The queryset path hits the same wall.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="x")


def _tamper(entry_id: int, reason: str) -> None:
    """What an attacker with database access would do: bypass the append-only guard."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jixiao.audit_maintenance = 'on'")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
        cursor.execute("UPDATE audit_auditentry SET reason = %s WHERE id = %s", [reason, entry_id])


def test_verify_audit_passes_on_an_intact_chain(capsys):
    trail.record(AuditAction.EXPORT, object_type="x", object_repr="一")
    trail.record(AuditAction.EXPORT, object_type="x", object_repr="二")
    call_command("verify_audit")
    assert "哈希链完整" in capsys.readouterr().out


def test_verify_audit_reports_a_deliberately_altered_row(capsys):
    first = trail.record(AuditAction.EXPORT, object_type="x", object_repr="一", reason="原始理由")
    trail.record(AuditAction.EXPORT, object_type="x", object_repr="二")
    _tamper(first.pk, "篡改后的理由")
    with pytest.raises(CommandError, match="审计日志校验失败"):
        call_command("verify_audit")
    assert f"第 {first.pk} 条" in capsys.readouterr().out


def test_hash_links_each_row_to_the_previous():
    a = trail.record(AuditAction.EXPORT, object_type="x", object_repr="一")
    b = trail.record(AuditAction.EXPORT, object_type="x", object_repr="二")
    assert b.prev_hash == a.hash
    assert a.hash == trail.compute_hash(a.prev_hash, AuditEntry.objects.get(pk=a.pk))


def test_only_the_audit_admin_reads_and_exports_the_trail(client_as):
    trail.record(AuditAction.EXPORT, object_type="x", object_repr="可见的日志")
    for username in ("sysadmin", "secadmin", "perf", "leader", "auditor"):
        assert client_as(username).get("/audit/").status_code == 404, username
    client = client_as("auditadmin")
    page = client.get("/audit/?q=可见的日志")
    assert page.status_code == 200
    assert "可见的日志" in page.content.decode()
    export = client.get("/audit/?export=xlsx")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, actor__username="auditadmin").exists()


def test_permission_denied_is_logged(client_as):
    client_as("perf").get("/audit/")
    assert AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED, actor__username="perf").exists()


def test_ui_edit_shows_field_change_in_audit_admins_view(client_as):
    org = school()
    response = client_as("sysadmin").post(
        f"/organisations/{org.pk}/edit/",
        {
            "name": org.name,
            "short_name": org.short_name,
            "kind": org.kind,
            "section_kind": "",
            "region": org.region_id,
            "parent": org.parent_id,
            "budget_code": org.budget_code,
            "credit_code": "",
            "contact": "张老师",
            "phone": "",
            "is_active": "on",
            "sort_order": 0,
            "reason": "更换联系人",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.filter(object_id=str(org.pk), action=AuditAction.UPDATE).first()
    page = client_as("auditadmin").get(f"/audit/{entry.pk}/").content.decode()
    assert "联系人" in page and "张老师" in page and "更换联系人" in page


def test_verify_audit_can_resume_after_a_retention_purge(capsys):
    first = trail.record(AuditAction.EXPORT, object_type="x", object_repr="一")
    second = trail.record(AuditAction.EXPORT, object_type="x", object_repr="二")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jixiao.audit_maintenance = 'on'")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_delete")
        cursor.execute("DELETE FROM audit_auditentry WHERE id <= %s", [first.pk])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    call_command("verify_audit", from_id=second.pk)
    assert "哈希链完整" in capsys.readouterr().out


def test_security_events_filter(client_as):
    trail.record(AuditAction.LOCKOUT, object_type="x", object_repr="锁定事件")
    trail.record(AuditAction.CREATE, object_type="x", object_repr="普通新增")
    page = client_as("auditadmin").get("/audit/?security=true").content.decode()
    assert "锁定事件" in page and "普通新增" not in page


def test_the_export_shows_changes_as_people_read_them():
    """Issue 12 §6: the 变更内容 column of the audit export is 字段：修改前 → 修改后, not a dict."""
    from audit.tables import AuditEntryTable

    table = AuditEntryTable([])
    text = table.value_changes({"年度目标": ["", "完成维修"], "指标": [["甲", "乙"], ["甲"]], "状态": "已办结"})
    assert text.splitlines() == ["年度目标：（空） → 完成维修", "指标：甲、乙 → 甲", "状态：（空） → 已办结"]
    assert "{" not in text and "[" not in text

"""Approved records are immutable in the database itself (issue 17 §5): raw SQL as the database owner cannot change an
approved target sheet, its indicator rows, an approved monitoring table or an ex-ante assessment, nor update or delete
a review log; a draft still changes; the audited maintenance switch is the one exception, for its own transaction."""

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from assessments.models import Assessment, AssessmentScore
from audit.models import AuditEntry
from core import immutability
from core.models import MaintenanceWindow
from monitoring.models import MonitoringIndicator, MonitoringTable
from targets.models import ScheduleStage, TargetIndicator, TargetSheet
from workflow.models import ReviewLog, ReviewStatus

pytestmark = pytest.mark.django_db


def sql(statement: str, params=()) -> int:
    """Run ``statement`` in a savepoint, as a DBA would in psql; the refused ones leave the test's transaction usable."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def refused(statement: str, params=()) -> str:
    with pytest.raises(DatabaseError) as info:
        sql(statement, params)
    message = str(info.value)
    assert "已审核通过的记录和审核记录不能修改或删除" in message or "不能清空" in message, message
    return message


def approved(model):
    row = model.objects.filter(status=ReviewStatus.APPROVED).order_by("pk").first()
    assert row is not None, f"the demo has an approved {model._meta.verbose_name}"
    return row


def draft(model):
    row = model.objects.filter(status=ReviewStatus.DRAFT).order_by("pk").first()
    assert row is not None, f"the demo has a draft {model._meta.verbose_name}"
    return row


def test_every_guard_has_its_trigger_after_migrate():
    assert immutability.missing_triggers() == []
    assert set(immutability.guarded_tables()) >= {
        "targets_targetsheet",
        "targets_targetindicator",
        "targets_schedulestage",
        "monitoring_monitoringtable",
        "monitoring_monitoringindicator",
        "assessments_assessment",
        "assessments_assessmentscore",
        "workflow_reviewlog",
    }


def test_an_approved_target_sheet_cannot_be_updated_or_deleted_with_raw_sql():
    sheet = approved(TargetSheet)
    message = refused("UPDATE targets_targetsheet SET annual_goal = 'changed' WHERE id = %s", [sheet.pk])
    assert "绩效目标申报表" in message
    refused("UPDATE targets_targetsheet SET status = 'draft' WHERE id = %s", [sheet.pk])
    refused("DELETE FROM targets_targetsheet WHERE id = %s", [sheet.pk])
    sheet.refresh_from_db()
    assert sheet.status == ReviewStatus.APPROVED and sheet.annual_goal != "changed"


def test_what_the_lifecycle_still_moves_on_an_approved_sheet_is_allowed():
    """Not content: the current-revision flag and the quality review's derived findings."""
    sheet = approved(TargetSheet)
    assert sql("UPDATE targets_targetsheet SET is_current = %s WHERE id = %s", [False, sheet.pk]) == 1
    assert sql("UPDATE targets_targetsheet SET blocking_count = 7 WHERE id = %s", [sheet.pk]) == 1


def test_the_rows_of_an_approved_sheet_cannot_be_changed_added_or_removed():
    sheet = approved(TargetSheet)
    row = TargetIndicator.objects.filter(sheet=sheet).first()
    refused("UPDATE targets_targetindicator SET target_value = '0' WHERE id = %s", [row.pk])
    refused("DELETE FROM targets_targetindicator WHERE id = %s", [row.pk])
    refused("DELETE FROM targets_targetindicator WHERE sheet_id = %s", [sheet.pk])
    other = draft(TargetSheet)
    other_row = TargetIndicator.objects.filter(sheet=other).first()
    if other_row is not None:  # moving a draft's row into the approved sheet
        refused("UPDATE targets_targetindicator SET sheet_id = %s WHERE id = %s", [sheet.pk, other_row.pk])
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            TargetIndicator.objects.create(sheet=sheet, level1=row.level1, level2=row.level2, name="追加的指标")
    stage = ScheduleStage.objects.filter(sheet=sheet).first()
    if stage is not None:
        refused("UPDATE targets_schedulestage SET stage = 'x' WHERE id = %s", [stage.pk])


def test_a_draft_and_its_rows_still_change():
    sheet = draft(TargetSheet)
    assert sql("UPDATE targets_targetsheet SET annual_goal = 'draft goal' WHERE id = %s", [sheet.pk]) == 1
    row = TargetIndicator.objects.filter(sheet=sheet).first()
    if row is not None:
        assert sql("UPDATE targets_targetindicator SET target_value = '5' WHERE id = %s", [row.pk]) == 1


def test_an_approved_monitoring_table_and_its_rows_are_refused():
    table = approved(MonitoringTable)
    refused("UPDATE monitoring_monitoringtable SET overall_judgement = 'x' WHERE id = %s", [table.pk])
    refused("DELETE FROM monitoring_monitoringtable WHERE id = %s", [table.pk])
    row = MonitoringIndicator.objects.filter(table=table).first()
    assert row is not None
    refused("UPDATE monitoring_monitoringindicator SET actual_to_date = '100' WHERE id = %s", [row.pk])
    refused("DELETE FROM monitoring_monitoringindicator WHERE id = %s", [row.pk])


def test_an_approved_assessment_and_its_scores_are_refused():
    assessment = Assessment.objects.filter(status=ReviewStatus.APPROVED).first()
    if assessment is None:
        pytest.skip("no approved assessment in the demo")
    refused("UPDATE assessments_assessment SET status = 'returned' WHERE id = %s", [assessment.pk])
    score = AssessmentScore.objects.filter(assessment=assessment).first()
    if score is not None:
        refused("UPDATE assessments_assessmentscore SET score = 0 WHERE id = %s", [score.pk])


def test_review_logs_can_be_neither_updated_nor_deleted():
    log = ReviewLog.objects.order_by("pk").first()
    assert log is not None
    refused("UPDATE workflow_reviewlog SET opinion = 'rewritten' WHERE id = %s", [log.pk])
    refused("DELETE FROM workflow_reviewlog WHERE id = %s", [log.pk])
    refused("DELETE FROM workflow_reviewlog")
    assert ReviewLog.objects.filter(pk=log.pk, opinion=log.opinion).exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_truncate_is_refused_on_postgresql():
    refused("TRUNCATE workflow_reviewlog CASCADE")


def test_the_maintenance_switch_lets_its_own_transaction_through_and_is_recorded(tmp_path):
    sheet = approved(TargetSheet)
    script = tmp_path / "fix.sql"
    script.write_text(f"UPDATE targets_targetsheet SET annual_goal = '更正后的年度目标' WHERE id = {sheet.pk};\n")
    out = io.StringIO()
    # A dry run changes nothing.
    call_command("maintenance", operator="张三", reason="工单 118：更正笔误", sql=str(script), stdout=out)
    sheet.refresh_from_db()
    assert sheet.annual_goal != "更正后的年度目标" and "试运行" in out.getvalue()
    call_command("maintenance", operator="张三", reason="工单 118：更正笔误", sql=str(script), yes=True, stdout=out)
    sheet.refresh_from_db()
    assert sheet.annual_goal == "更正后的年度目标"
    window = MaintenanceWindow.objects.latest("pk")
    assert window.closed_at is not None and window.operator == "张三"
    entry = AuditEntry.objects.filter(object_type="core.maintenancewindow", object_id=str(window.pk)).get()
    assert entry.reason == "工单 118：更正笔误" and "张三" in entry.actor_name
    assert "（1 行）" in entry.changes["维护开关"][0]
    # Closed again: the same change is refused once more.
    refused("UPDATE targets_targetsheet SET annual_goal = 'again' WHERE id = %s", [sheet.pk])


def test_the_switch_needs_a_reason_and_a_failed_statement_changes_nothing(tmp_path):
    sheet = approved(TargetSheet)
    script = tmp_path / "fix.sql"
    script.write_text(
        f"UPDATE targets_targetsheet SET annual_goal = 'x' WHERE id = {sheet.pk};\nUPDATE no_such_table SET a = 1;\n"
    )
    with pytest.raises(CommandError, match="理由"):
        call_command("maintenance", operator="张三", reason=" ", sql=str(script), yes=True)
    with pytest.raises(CommandError, match="未做任何修改"):
        call_command("maintenance", operator="张三", reason="工单 119", sql=str(script), yes=True)
    sheet.refresh_from_db()
    assert sheet.annual_goal != "x"


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_a_window_left_open_helps_no_other_transaction():
    """A window row committed without being closed (a DBA's mistake) names its own transaction only."""
    sheet = approved(TargetSheet)
    MaintenanceWindow.objects.create(reason="忘记关闭", operator="李四", txid=1)
    refused("UPDATE targets_targetsheet SET annual_goal = 'x' WHERE id = %s", [sheet.pk])


def test_a_thread_outside_the_window_is_not_let_through():
    """Only the statements inside the switch's transaction pass (another connection waits or is refused)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer: another connection cannot write while the window is open")
    sheet = approved(TargetSheet)
    errors = []

    def other():
        from django.db import connection as other_connection

        try:
            with other_connection.cursor() as cursor:
                cursor.execute("UPDATE targets_targetsheet SET measure_plan = 'other' WHERE id = %s", [sheet.pk])
        except DatabaseError as exc:
            errors.append(str(exc))
        finally:
            other_connection.close()

    with immutability.maintenance("测试维护开关的范围", "测试"):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=10)
    assert errors and "不能修改" in errors[0]

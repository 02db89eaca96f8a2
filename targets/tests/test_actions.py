"""Creating, saving, submitting, reviewing and adjusting target sheets through the real actions."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEntry
from core import clock
from subjects.tests.helpers import user
from targets import actions
from targets.models import TargetSheet
from targets.tests.helpers import GOOD_INDICATORS, WALK, fresh, good_sheet, library_subject, walk
from workflow import actions as workflow

pytestmark = pytest.mark.django_db


def test_only_the_units_preparer_creates_and_from_the_application_on():
    subject = library_subject()
    with pytest.raises(PermissionDenied):
        actions.create_sheet(subject, user("edu_reviewer"), 2026)
    with pytest.raises(PermissionDenied):
        actions.create_sheet(subject, user("health_preparer") if _exists("health_preparer") else user("desk_edu"), 2026)
    # The sheet is filled with the application, before admission (seed 001 第十二条（一）: 绩效目标……作为申请预算和项目入库的
    # 前置条件); a subject that is over takes none.
    pending = library_subject("未入库项目", stage="pending")
    assert actions.create_sheet(pending, user("edu_preparer"), 2026).status == "draft"
    finished = library_subject("已完成项目", stage="completed")
    with pytest.raises(ValidationError, match="不能再编制"):
        actions.create_sheet(finished, user("edu_preparer"), 2026)
    sheet = actions.create_sheet(subject, user("edu_preparer"), 2026)
    assert sheet.status == "draft" and sheet.revision == 1 and sheet.current_role == "unit_preparer"
    with pytest.raises(ValidationError, match="已存在"):
        actions.create_sheet(subject, user("edu_preparer"), 2026)


def _exists(username):
    from accounts.models import User

    return User.objects.filter(username=username).exists()


def test_due_ten_days_after_admission_and_flagged_overdue():
    # seed 004 三(五)2: 10 日内报送
    subject = library_subject()
    sheet = actions.create_sheet(subject, user("edu_preparer"), 2026)
    assert sheet.step_due_at is not None
    delta = sheet.step_due_at - clock.now()
    assert datetime.timedelta(days=9) < delta <= datetime.timedelta(days=10)
    TargetSheet.objects.filter(pk=sheet.pk).update(step_due_at=sheet.step_due_at - datetime.timedelta(days=11))
    assert fresh(sheet).overdue
    # The deadline runs from 项目立项 (issue 12 §1): an admitted subject not yet funded already has one; a subject
    # still being applied for (its sheet filled with the application) has none of its own.
    admitted = actions.create_sheet(library_subject("已入库未安排", stage="admitted"), user("edu_preparer"), 2026)
    assert admitted.step_due_at is not None
    pending = actions.create_sheet(library_subject("申报中项目", stage="pending"), user("edu_preparer"), 2026)
    assert pending.step_due_at is None


def test_findings_are_stored_on_every_save():
    sheet = actions.create_sheet(library_subject(), user("edu_preparer"), 2026)
    assert sheet.blocking_count > 0  # nothing filled in yet
    sheet = good_sheet()
    assert (sheet.blocking_count, sheet.warning_count, sheet.findings) == (0, 0, [])


def test_submission_is_refused_while_a_blocking_finding_remains():
    vague = [
        *GOOD_INDICATORS,
        {
            "horizon": "annual",
            "level1": "effect",
            "level2": "social_benefit",
            "name": "教学条件明显改善",
            "comparator": "ge",
            "target_value": "95",
            "unit": "%",
            "weight": Decimal("0"),
        },
    ]
    sheet = good_sheet(indicators=vague)
    assert sheet.blocking_count == 1 and sheet.findings[0]["rule"] == "vague_wording"
    with pytest.raises(ValidationError, match="量化表述"):
        workflow.submit(sheet, user("edu_preparer"), sheet.version)
    assert fresh(sheet).status == "draft"


def test_the_chain_role_by_role_with_a_return_and_resubmission():
    sheet = good_sheet()
    workflow.submit(sheet, user("edu_preparer"), sheet.version)
    assert (sheet.current_step, sheet.current_role) == (1, "unit_head")
    with pytest.raises(PermissionDenied):
        workflow.approve(sheet, user("edu_reviewer"), sheet.version)
    workflow.approve(sheet, user("edu_head"), sheet.version, "同意")
    assert sheet.current_role == "dept_reviewer"
    workflow.approve(sheet, user("edu_reviewer"), sheet.version, "同意")
    assert sheet.current_role == "finance_desk"
    with pytest.raises(ValidationError):
        workflow.return_to(sheet, user("desk_edu"), sheet.version, 0, "")
    workflow.return_to(sheet, user("desk_edu"), sheet.version, 0, "成本指标依据不足，请补充测算")
    sheet = fresh(sheet)
    assert sheet.status == "returned" and sheet.reviews.last().opinion == "成本指标依据不足，请补充测算"
    sheet = actions.save_sheet(sheet, user("edu_preparer"), sheet.version, data={"measure_plan": "补充了成本测算"})
    sheet = walk(sheet)
    assert sheet.status == "approved" and sheet.is_current


def test_return_to_any_earlier_step():
    sheet = good_sheet()
    workflow.submit(sheet, user("edu_preparer"), sheet.version)
    for username in WALK[:3]:
        workflow.approve(sheet, user(username), sheet.version)
    workflow.return_to(sheet, user("perf"), sheet.version, 2, "请主管部门复核指标值")
    assert (sheet.current_step, sheet.current_role, sheet.status) == (2, "dept_reviewer", "in_review")


def test_approved_sheet_is_immutable():
    sheet = walk(good_sheet())
    with pytest.raises(PermissionDenied):
        actions.save_sheet(sheet, user("edu_preparer"), sheet.version, data={"annual_goal": "改了"})
    assert fresh(sheet).annual_goal != "改了"
    assert AuditEntry.objects.filter(object_id=str(sheet.pk), action="permission_denied").exists()


def test_adjustment_is_a_new_version_through_the_same_chain_and_can_be_compared():
    v1 = walk(good_sheet())
    with pytest.raises(ValidationError):
        actions.adjust(v1, user("edu_preparer"), "")
    v2 = actions.adjust(v1, user("edu_preparer"), "上级追加任务，维修面积增加")
    assert (v2.revision, v2.status, v2.previous_id, v2.is_current) == (2, "draft", v1.pk, False)
    assert v2.indicators.count() == v1.indicators.count() and v2.stages.count() == 2
    with pytest.raises(ValidationError):
        actions.adjust(v1, user("edu_preparer"), "再次调整")
    rows = [dict(r) for r in GOOD_INDICATORS]
    rows[0]["target_value"] = "3600"
    v2 = actions.save_sheet(v2, user("edu_preparer"), v2.version, indicators=rows)
    diff = actions.compare(v1, v2)
    assert [(c["kind"], c["fields"]) for c in diff["changes"]] == [("changed", ["指标值"])]
    v2 = walk(v2)
    v1 = fresh(v1)
    assert v2.is_current and not v1.is_current and v1.status == "approved"
    assert v1.indicators.get(name="维修校舍面积").target_value == "3000"


def test_next_year_starts_from_last_years_indicators():
    subject = library_subject("延续目标项目", duration="continuing", end_year=2027)
    walk(good_sheet(subject, long_term_goal="三年内完成全部校舍改造"))
    next_year = actions.create_sheet(subject, user("edu_preparer"), 2027)
    assert next_year.indicators.count() == len(GOOD_INDICATORS)

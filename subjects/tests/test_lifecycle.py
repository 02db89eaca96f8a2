"""The library lifecycle through its action functions, walked by the demo personas."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditAction, AuditEntry
from core.todo import todos_for
from subjects import actions as lifecycle
from subjects.choices import Duration, LibraryStage, SubjectKind
from subjects.models import SubjectYearAmount
from subjects.tests.helpers import WALK, add_purchased_service, fresh, make_subject, user, walk_to_admission
from workflow import actions
from workflow.actions import StaleDocument
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db


def transitions_of(subject):
    return AuditEntry.objects.filter(
        object_type="subjects.subject", object_id=str(subject.pk), action=AuditAction.TRANSITION
    ).order_by("id")


def test_chain_walk_admits_the_subject(gate_open):
    subject = make_subject()
    assert subject.code.startswith("XM2026-") and subject.department.name == "示范市教育局"
    assert [s.role for s in subject.chain.ordered_steps()] == ["unit_preparer", "dept_reviewer", "finance_desk"]
    actions.submit(subject, user("edu_preparer"), subject.version)
    for step, username in enumerate(WALK[1:], start=1):
        assert fresh(subject).current_step == step
        assert any(
            item.url == subject.get_absolute_url() and item.stage == "assessment" for item in todos_for(user(username))
        )
        actions.approve(subject, user(username), subject.version, "同意")
    stored = fresh(subject)
    assert stored.status == ReviewStatus.APPROVED and stored.stage == LibraryStage.ADMITTED
    last = transitions_of(subject).last()  # one audit row: approval and admission together
    assert last.changes["库内阶段"] == ["申报中", "已入库"] and last.changes["状态"] == ["审核中", "审核通过"]


def test_return_with_comments_to_the_preparer(gate_open):
    subject = make_subject()
    actions.submit(subject, user("edu_preparer"), subject.version)
    actions.approve(subject, user("edu_reviewer"), subject.version)
    with pytest.raises(ValidationError):
        actions.return_to(subject, user("desk_edu"), subject.version, 0, "")
    actions.return_to(subject, user("desk_edu"), subject.version, 0, "绩效目标不够细化，请补充")
    stored = fresh(subject)
    assert stored.status == ReviewStatus.RETURNED and stored.stage == LibraryStage.PENDING
    assert stored.reviews.last().opinion == "绩效目标不够细化，请补充"


# seed 000 第九条 / 第十条: 评估结果作为项目入库和申请预算的必备条件
def test_seed000_art9_new_subject_needs_assessment_and_cannot_be_admitted(fallback_gate):
    subject = make_subject(is_new=True)
    assert subject.needs_assessment
    actions.submit(subject, user("edu_preparer"), subject.version)
    actions.approve(subject, user("edu_reviewer"), subject.version)
    with pytest.raises(ValidationError, match="事前绩效评估"):
        actions.approve(subject, user("desk_edu"), subject.version)
    stored = fresh(subject)
    assert stored.status == ReviewStatus.IN_REVIEW and stored.stage == LibraryStage.PENDING


@pytest.mark.parametrize(
    "flag", ["is_new", "substantial_change", "new_task_in_fund", "extension_at_expiry", "finance_marked"]
)
def test_seed000_art9_each_flag_means_an_assessment_is_needed(flag):
    subject = make_subject(requested=None)
    assert not subject.needs_assessment
    setattr(subject, flag, True)
    assert subject.needs_assessment


def test_seed000_art9_funding_refused_until_assessment_clears(gate_open, monkeypatch):
    subject = walk_to_admission(make_subject())
    from subjects import assessment_gate

    monkeypatch.setattr(assessment_gate, "assessment_clears", lambda s: (False, "尚未完成事前绩效评估"))
    with pytest.raises(ValidationError, match="尚未完成事前绩效评估"):
        lifecycle.fund(subject, user("budget"), subject.version, "450000")
    assert fresh(subject).stage == LibraryStage.ADMITTED
    assert SubjectYearAmount.objects.get(subject=subject).arranged_amount is None


def test_fund_only_by_the_budget_section_and_sets_only_the_arranged_amount(gate_open):
    subject = walk_to_admission(make_subject())
    for username in ("edu_preparer", "edu_reviewer", "desk_edu", "perf", "leader"):
        with pytest.raises(PermissionDenied):
            lifecycle.fund(subject, user(username), subject.version, "1")
    assert (
        AuditEntry.objects.filter(
            object_id=str(subject.pk), object_type="subjects.subject", action=AuditAction.PERMISSION_DENIED
        ).count()
        == 5
    )
    lifecycle.fund(subject, user("budget"), subject.version, "450000.5", reason="按财力安排")
    row = SubjectYearAmount.objects.get(subject=subject)
    assert row.arranged_amount == Decimal("450000.50") and row.requested_amount == Decimal("500000.00")
    assert fresh(subject).stage == LibraryStage.FUNDED
    entry = transitions_of(subject).last()
    assert entry.changes["2026年度财政实际安排"] == [None, "450000.50"] and "按财力安排" in entry.reason


def test_lifecycle_start_complete_and_wrong_stage(gate_open):
    subject = walk_to_admission(make_subject())
    with pytest.raises(ValidationError, match="已入库"):
        lifecycle.start_execution(subject, user("edu_preparer"), subject.version)
    lifecycle.fund(subject, user("budget"), subject.version, "500000")
    lifecycle.start_execution(subject, user("edu_head"), subject.version)
    assert lifecycle.allowed_lifecycle(user("edu_preparer"), subject) == ["complete"]
    lifecycle.complete(subject, user("edu_preparer"), subject.version)
    assert fresh(subject).stage == LibraryStage.COMPLETED
    assert lifecycle.allowed_lifecycle(user("budget"), subject) == []


def test_terminate_by_finance_with_a_reason(gate_open):
    subject = walk_to_admission(make_subject())
    with pytest.raises(PermissionDenied):
        lifecycle.terminate(subject, user("edu_preparer"), subject.version, "不再需要")
    with pytest.raises(ValidationError):
        lifecycle.terminate(subject, user("budget"), subject.version, "")
    lifecycle.terminate(subject, user("perf"), subject.version, "政策调整，项目取消")
    assert fresh(subject).stage == LibraryStage.TERMINATED


def test_stale_version_is_refused(gate_open):
    subject = walk_to_admission(make_subject())
    with pytest.raises(StaleDocument):
        lifecycle.fund(subject, user("budget"), subject.version - 1, "1")


def test_roll_over_keeps_the_subject_and_its_history(gate_open):
    # Given a continuing subject of 2026–2028, funded for 2026
    subject = walk_to_admission(make_subject(duration=Duration.CONTINUING, end_year=2028))
    assert "roll_over" not in lifecycle.allowed_lifecycle(user("edu_preparer"), subject)
    lifecycle.fund(subject, user("budget"), subject.version, "480000")
    code = subject.code
    # When the unit rolls it over
    lifecycle.roll_over(subject, user("edu_preparer"), subject.version)
    # Then the same subject is in 2027, admitted, waiting for money; 2026 stays on record
    stored = fresh(subject)
    assert (stored.code, stored.fiscal_year, stored.stage) == (code, 2027, LibraryStage.ADMITTED)
    rows = list(SubjectYearAmount.objects.filter(subject=subject).order_by("fiscal_year"))
    assert [(r.fiscal_year, r.previous_amount, r.requested_amount, r.arranged_amount) for r in rows] == [
        (2026, Decimal("0.00"), Decimal("500000.00"), Decimal("480000.00")),
        (2027, Decimal("480000.00"), Decimal("500000.00"), None),
    ]
    lifecycle.fund(subject, user("budget"), subject.version, "500000")
    lifecycle.roll_over(subject, user("budget"), subject.version, requested_amount="520000")
    assert fresh(subject).fiscal_year == 2028
    lifecycle.fund(subject, user("budget"), subject.version, "1")
    assert "roll_over" not in lifecycle.allowed_lifecycle(user("budget"), subject)
    with pytest.raises(ValidationError, match="延续性"):
        lifecycle.roll_over(subject, user("budget"), subject.version)


def test_one_off_subject_cannot_roll_over(gate_open):
    subject = walk_to_admission(make_subject())
    lifecycle.fund(subject, user("budget"), subject.version, "1")
    with pytest.raises(ValidationError):
        lifecycle.roll_over(subject, user("budget"), subject.version)


# seed 000 第十条(一): 以政府购买服务指导性目录为依据……在部门职责范围、负面清单外
def test_seed000_art10_purchased_service_needs_catalogue_and_outside_negative_list(gate_open):
    subject = make_subject(kind=SubjectKind.PURCHASED_SERVICE, name="校园物业管理服务")
    detail = add_purchased_service(subject, on_guidance_catalogue=True, outside_negative_list=False)
    actions.submit(subject, user("edu_preparer"), subject.version)
    actions.approve(subject, user("edu_reviewer"), subject.version)
    with pytest.raises(ValidationError, match="负面清单"):
        actions.approve(subject, user("desk_edu"), subject.version)
    detail.outside_negative_list = True
    detail.save()
    actions.approve(subject, user("desk_edu"), subject.version)
    assert fresh(subject).stage == LibraryStage.ADMITTED


def test_purchased_service_without_detail_is_not_admitted(gate_open):
    subject = make_subject(kind=SubjectKind.PURCHASED_SERVICE)
    actions.submit(subject, user("edu_preparer"), subject.version)
    actions.approve(subject, user("edu_reviewer"), subject.version)
    with pytest.raises(ValidationError, match="购买服务信息"):
        actions.approve(subject, user("desk_edu"), subject.version)


def test_finance_marks_a_subject_for_assessment(gate_open):
    subject = make_subject()
    with pytest.raises(PermissionDenied):
        lifecycle.mark_for_assessment(subject, user("edu_reviewer"), subject.version, True)
    lifecycle.mark_for_assessment(subject, user("perf"), subject.version, True, "涉及重大民生")
    assert fresh(subject).finance_marked and fresh(subject).needs_assessment


def test_the_funding_date_is_stored_and_the_target_sheet_is_due_10_days_after_admission(gate_open):
    """seed 004 三(五)2 (项目批复后 10 日内报送绩效目标): the deadline runs from 项目立项 — the stored admission date, on
    the business clock — not from the funding (issue 12 §1); the funding date is stored too, the first one kept."""
    import datetime

    from django.utils import timezone

    from core import clock
    from targets import actions as target_actions

    with clock.pinned(datetime.date(2026, 4, 1)):
        subject = walk_to_admission(make_subject())
    assert timezone.localtime(fresh(subject).admitted_at).date() == datetime.date(2026, 4, 1)
    with clock.pinned(datetime.date(2026, 5, 6)):
        lifecycle.fund(subject, user("budget"), subject.version, "450000")
    row = SubjectYearAmount.objects.get(subject=subject)
    assert timezone.localtime(row.arranged_at).date() == datetime.date(2026, 5, 6)
    subject = fresh(subject)
    with clock.pinned(datetime.date(2026, 5, 20)):
        lifecycle.fund(subject, user("budget"), subject.version, "460000")  # re-arranged: the first date stays
    assert SubjectYearAmount.objects.get(subject=subject).arranged_at == row.arranged_at
    assert target_actions.due_date(fresh(subject)).date() == datetime.date(2026, 4, 11)

"""The review chain through its action functions (issue §9), walked by the demo personas."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F

from audit.models import AuditAction, AuditEntry
from core import clock
from core.todo import todos_for
from workflow import actions, guards
from workflow.models import ReviewAction, ReviewLog, ReviewStatus
from workflow.tests.helpers import WALK, fresh, make_report, user

pytestmark = pytest.mark.django_db


def transitions_of(doc):
    return AuditEntry.objects.filter(
        object_type="reports.workreport", object_id=str(doc.pk), action=AuditAction.TRANSITION
    ).order_by("id")


def todo_urls(username):
    return {item.url for item in todos_for(user(username))}


def test_new_report_is_a_draft_at_step_0_of_the_default_chain():
    report = make_report()
    assert report.status == ReviewStatus.DRAFT
    assert report.current_step == 0 and report.current_role == "unit_preparer"
    assert report.chain.region is None and [s.role for s in report.chain.ordered_steps()] == [
        "unit_preparer",
        "unit_head",
        "dept_reviewer",
        "finance_desk",
        "performance_section",
    ]


def test_full_chain_walk_with_history_audit_and_deadlines():
    # Given a draft written by the school's preparer
    report = make_report()
    before = clock.now()
    # When each step's persona acts in turn
    actions.submit(report, user("edu_preparer"), report.version, "请审核")
    expected = [("unit_head", 3), ("dept_reviewer", 5), ("finance_desk", 5), ("performance_section", 5)]
    for step, (role, days) in enumerate(expected, start=1):
        stored = fresh(report)
        assert (stored.status, stored.current_step, stored.current_role) == (ReviewStatus.IN_REVIEW, step, role)
        assert before + timedelta(days=days) <= stored.step_due_at <= clock.now() + timedelta(days=days)
        assert report.get_absolute_url() in todo_urls(WALK[step])
        actions.approve(report, user(WALK[step]), report.version, f"第{step}环节同意")
    # Then the report is approved, waits for nobody, and every step is on record
    stored = fresh(report)
    assert stored.status == ReviewStatus.APPROVED and stored.current_role == "" and stored.step_due_at is None
    assert stored.version == 6
    logs = list(ReviewLog.objects.filter(object_id=report.pk, content_type__model="workreport"))
    assert [(log.action, log.from_step, log.to_step, log.actor.username) for log in logs] == [
        (ReviewAction.SUBMIT, 0, 1, "edu_preparer"),
        (ReviewAction.APPROVE, 1, 2, "edu_head"),
        (ReviewAction.APPROVE, 2, 3, "edu_reviewer"),
        (ReviewAction.APPROVE, 3, 4, "desk_edu"),
        (ReviewAction.APPROVE, 4, 5, "perf"),
    ]
    assert logs[0].opinion == "请审核" and logs[-1].to_step_name == "已办结"
    audit = list(transitions_of(report))
    assert len(audit) == 5
    assert audit[0].changes == {"状态": ["草稿", "审核中"], "环节": ["填报", "单位负责人审核"]}
    assert audit[-1].changes["状态"] == ["审核中", "审核通过"] and audit[-1].actor.username == "perf"
    assert audit[1].reason == "审核通过：第1环节同意"
    for username in WALK:
        assert report.get_absolute_url() not in todo_urls(username)


def test_return_to_an_earlier_step_lands_in_that_actors_todo():
    report = make_report()
    for step, username in enumerate(WALK[:3]):
        action = actions.submit if step == 0 else actions.approve
        action(report, user(username), report.version)
    assert fresh(report).current_step == 3  # waiting for the finance desk
    # The desk sends it back to the unit head with its reason
    actions.return_to(report, user("desk_edu"), report.version, 1, "请补充预算执行数据")
    stored = fresh(report)
    assert (stored.status, stored.current_step, stored.current_role) == (ReviewStatus.IN_REVIEW, 1, "unit_head")
    assert report.get_absolute_url() in todo_urls("edu_head")
    assert report.get_absolute_url() not in todo_urls("desk_edu")
    log = ReviewLog.objects.filter(object_id=report.pk, content_type__model="workreport").last()
    assert (log.action, log.from_step, log.to_step, log.opinion) == ("return", 3, 1, "请补充预算执行数据")
    # The head returns it on to the preparer: it is returned, editable, in the preparer's 待办
    actions.return_to(report, user("edu_head"), report.version, 0, "请修改")
    stored = fresh(report)
    assert stored.status == ReviewStatus.RETURNED and stored.is_editable
    item = next(i for i in todos_for(user("edu_preparer")) if i.url == report.get_absolute_url())
    assert item.kind == "退回修改" and item.stage == "evaluation"
    # Resubmission starts again at step 1, in the same chain version
    actions.submit(report, user("edu_preparer"), report.version, "已修改")
    assert fresh(report).current_step == 1 and fresh(report).chain_id == stored.chain_id


def test_return_needs_an_opinion_and_an_earlier_step():
    report = make_report()
    actions.submit(report, user("edu_preparer"), report.version)
    actions.approve(report, user("edu_head"), report.version)
    with pytest.raises(ValidationError):
        actions.return_to(report, user("edu_reviewer"), report.version, 0, "  ")
    for target in (2, 3, 9):
        with pytest.raises(ValidationError):
            actions.return_to(report, user("edu_reviewer"), report.version, target, "意见")
    assert fresh(report).version == 3 and fresh(report).current_step == 2


@pytest.mark.parametrize(
    "username",
    ["health_reviewer", "desk_social", "auditor", "edu_reviewer", "perf", "county_reviewer", "agency", "edu_preparer"],
)
def test_someone_not_acting_at_the_current_step_is_refused(username):
    report = make_report()
    actions.submit(report, user("edu_preparer"), report.version)  # now waiting for edu_head
    denied_before = AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED).count()
    with pytest.raises(PermissionDenied):
        actions.approve(report, user(username), report.version, "越权")
    stored = fresh(report)
    assert (stored.version, stored.current_step) == (2, 1)
    assert ReviewLog.objects.filter(object_id=report.pk, content_type__model="workreport").count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED).count() == denied_before + 1


def test_only_the_preparer_of_the_organisation_submits():
    report = make_report()
    for username in ("edu_head", "health_preparer", "edu_reviewer"):
        with pytest.raises(PermissionDenied):
            actions.submit(report, user(username), report.version)
    assert fresh(report).status == ReviewStatus.DRAFT


def test_wrong_status_is_refused():
    report = make_report()
    with pytest.raises(ValidationError):
        actions.approve(report, user("edu_preparer"), report.version)


def test_two_reviewers_on_the_same_version_one_is_told_it_changed():
    # Given the report waits for the department, and two people loaded version 3
    report = make_report()
    actions.submit(report, user("edu_preparer"), report.version)
    actions.approve(report, user("edu_head"), report.version)
    first, second = fresh(report), fresh(report)
    # When the first approves, the second (same version) returns it
    actions.approve(first, user("edu_reviewer"), 3, "同意")
    with pytest.raises(actions.StaleDocument) as caught:
        actions.return_to(second, user("edu_reviewer"), 3, 0, "退回")
    # Then the second is told, and nothing of its action is recorded
    assert str(caught.value) == "该文档已被他人处理（版本已变化），请刷新后重试"
    stored = fresh(report)
    assert (stored.version, stored.current_step, stored.status) == (4, 3, ReviewStatus.IN_REVIEW)
    assert ReviewLog.objects.filter(object_id=report.pk, content_type__model="workreport").count() == 3
    assert transitions_of(report).count() == 3


def test_the_conditional_update_catches_a_change_after_the_guard(monkeypatch):
    # Another transaction commits between this one's guard and its UPDATE: the UPDATE matches no
    # row, the action is refused as stale and writes neither history nor audit.
    report = make_report()
    real_can_act = guards.can_act

    def racing_can_act(actor, doc):
        type(report).objects.filter(pk=report.pk).update(version=F("version") + 1)  # the other one wins
        return real_can_act(actor, doc)

    monkeypatch.setattr(guards, "can_act", racing_can_act)
    with pytest.raises(actions.StaleDocument):
        actions.submit(report, user("edu_preparer"), 1, "我也提交")
    assert fresh(report).status == ReviewStatus.DRAFT
    assert not ReviewLog.objects.filter(object_id=report.pk, content_type__model="workreport").exists()
    assert not transitions_of(report).exists()


def test_overdue_flag_on_document_and_todo():
    report = make_report()
    actions.submit(report, user("edu_preparer"), report.version)
    assert not fresh(report).overdue
    type(report).objects.filter(pk=report.pk).update(step_due_at=clock.now() - timedelta(hours=1))
    assert fresh(report).overdue
    item = next(i for i in todos_for(user("edu_head")) if i.url == report.get_absolute_url())
    assert item.overdue and item.kind == "审核"
    assert todos_for(user("edu_head"))[0].overdue  # overdue items come first


def test_approved_report_cannot_be_edited():
    report = make_report()
    for step, username in enumerate(WALK):
        (actions.submit if step == 0 else actions.approve)(report, user(username), report.version)
    stored = fresh(report)
    assert stored.status == ReviewStatus.APPROVED and not guards.can_edit(user("edu_preparer"), stored)
    stored.title = "改"
    with pytest.raises(PermissionDenied):
        actions.save_edit(stored, user("edu_preparer"), stored.version)
    assert fresh(report).title == "测试工作总结"


def test_edit_only_by_the_preparer_in_draft_and_version_checked():
    report = make_report()
    report.title = "新标题"
    with pytest.raises(PermissionDenied):
        actions.save_edit(report, user("edu_head"), report.version)
    with pytest.raises(actions.StaleDocument):
        actions.save_edit(report, user("edu_preparer"), report.version + 1)
    _, changes = actions.save_edit(report, user("edu_preparer"), 1, reason="改标题")
    assert changes == {"标题": ["测试工作总结", "新标题"]}
    assert fresh(report).version == 2 and fresh(report).title == "新标题"
    # A submission made on the version before the edit is stale: it would send what the preparer did not see
    with pytest.raises(actions.StaleDocument):
        actions.submit(report, user("edu_preparer"), 1)
    actions.submit(report, user("edu_preparer"), 2)
    report.title = "审核中再改"
    with pytest.raises(PermissionDenied):
        actions.save_edit(report, user("edu_preparer"), 3)


def test_allowed_actions_and_return_targets():
    report = make_report()
    assert actions.allowed_actions(user("edu_preparer"), report) == ["submit"]
    assert actions.allowed_actions(user("edu_head"), report) == []
    actions.submit(report, user("edu_preparer"), report.version)
    actions.approve(report, user("edu_head"), report.version)
    stored = fresh(report)
    assert actions.allowed_actions(user("edu_reviewer"), stored) == ["approve", "return"]
    assert [s.order for s in actions.return_targets(stored)] == [0, 1]

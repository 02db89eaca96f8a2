"""Disposal of warnings (《张掖市市级政府购买服务预算绩效管理暂行办法》第二十一条: 可暂缓或停止预算拨款，并督促购买
主体整改；整改不到位或无法继续实施的，应及时收回资金; 张店区《区级部门单位预算绩效管理办法》第十八条: 对问题严重或
整改不到位的暂缓或停止预算拨款): each decision, the hold shown to the treasury and lifted, the unit's reply, who may
do what (the unit cannot dispose; the audit office reads only)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEntry
from core import clock
from core.testing import SURFACES, Reach, check_reach
from monitoring import actions, alerts
from monitoring.choices import DisposalDecision, Light, RoundScope, WarningStatus
from monitoring.models import DisbursementHold, MonitoringTable, PerformanceWarning
from monitoring.tests.helpers import CANTEEN, SECURITY, SPORTS, open_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def warnings(persona):
    year = clock.year()
    monitoring_round = open_round(
        persona("perf"),
        scope=RoundScope.KEY,
        key=[SECURITY, CANTEEN, SPORTS],
        as_of=datetime.date(year, 9, 30),
        due=datetime.date(year, 10, 20),
        name="处置测试",
    )
    MonitoringTable.objects.filter(round=monitoring_round).update(
        execution_light=Light.RED, execution_rate=Decimal("0.05")
    )
    alerts.scan(monitoring_round)
    return list(
        PerformanceWarning.objects.filter(round=monitoring_round)
        .select_related("subject")
        .order_by("subject__code", "rule__code")
    )


def _audited(obj, action="update"):
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action).exists()


@pytest.mark.parametrize("decision", DisposalDecision.values)
def test_each_decision_recorded_with_reason_and_audited(persona, warnings, decision):
    """第二十一条: every decision is recorded with its reason (and amount where money moves)."""
    warning = warnings[0]
    amount = Decimal("1000.00") if decision in actions.AMOUNT_DECISIONS else None
    disposal = actions.dispose(warning, persona("desk_edu"), decision, "理由", amount)
    warning.refresh_from_db()
    assert warning.status == WarningStatus.DISPOSED
    assert disposal.amount == amount and disposal.decided_by.username == "desk_edu"
    assert _audited(disposal, "create") and _audited(warning, "transition")
    holds = DisbursementHold.objects.filter(disposal=disposal)
    if decision in (DisposalDecision.SUSPENDED, DisposalDecision.STOPPED):
        assert holds.get().kind == decision
    else:
        assert not holds.exists()
    with pytest.raises(ValidationError):
        actions.dispose(warning, persona("desk_edu"), decision, "再次", amount)


def test_amount_required_for_budget_adjustment_and_recovery(persona, warnings):
    for decision in (DisposalDecision.BUDGET_ADJUSTED, DisposalDecision.RECOVERED):
        with pytest.raises(ValidationError):
            actions.dispose(warnings[0], persona("perf"), decision, "理由", None)
    with pytest.raises(ValidationError):
        actions.dispose(warnings[0], persona("perf"), DisposalDecision.CORRECTED, "  ")


def test_suspension_shows_to_the_treasury_and_is_lifted(client_as, persona, warnings):
    """第二十一条 暂缓拨款: the treasury sees the badge on the subject and the 拨款控制 list; lifting is audited."""
    warning = warnings[0]
    disposal = actions.dispose(warning, persona("perf"), DisposalDecision.SUSPENDED, "支付严重滞后")
    hold = DisbursementHold.objects.get(disposal=disposal)
    treasury = client_as("treasury")
    page = treasury.get(reverse("subjects:detail", args=[warning.subject_id])).content.decode()
    assert 'id="disbursement-holds"' in page and "暂缓拨款" in page and "支付严重滞后" in page
    listing = treasury.get(reverse("monitoring:holds"), {"in_force": "true"}).content.decode()
    assert warning.subject.name in listing
    api = treasury.get("/api/disbursement-holds/?in_force=true").json()
    assert any(h["id"] == hold.pk and h["kind"] == "suspended" for h in api["results"])
    # The treasury only reads: lifting is finance's (desk / performance section).
    assert treasury.post(reverse("monitoring:hold_lift", args=[hold.pk]), {"reason": "x"}).status_code == 404
    response = client_as("desk_edu").post(reverse("monitoring:hold_lift", args=[hold.pk]), {"reason": "已整改"})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_at is not None and hold.lift_reason == "已整改" and _audited(hold)
    page = treasury.get(reverse("subjects:detail", args=[warning.subject_id])).content.decode()
    assert 'id="disbursement-holds"' not in page


def test_unit_replies_before_finance_decides_and_cannot_dispose(client_as, persona, warnings):
    warning = warnings[0]
    unit = client_as("edu_preparer")
    assert unit.get(reverse("monitoring:warning", args=[warning.pk])).status_code == 200
    unit.post(reverse("monitoring:warning_reply", args=[warning.pk]), {"note": "已加快支付"})
    warning.refresh_from_db()
    assert (
        warning.unit_reply == "已加快支付"
        and warning.replied_by.username == "edu_preparer"
        and _audited(warning, "transition")
    )
    response = unit.post(
        reverse("monitoring:warning_dispose", args=[warning.pk]), {"decision": "suspended", "reason": "x"}
    )
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        actions.dispose(warning, persona("edu_preparer"), DisposalDecision.CORRECTED, "x")
    assert AuditEntry.objects.filter(
        action="permission_denied", object_type="monitoring.performancewarning", object_id=str(warning.pk)
    ).exists()
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN


def test_audit_office_reads_only(client_as, persona, warnings):
    """The audit office (审计部门) reads every warning of its region and changes nothing."""
    warning = warnings[0]
    auditor = client_as("auditor")
    assert auditor.get(reverse("monitoring:warning", args=[warning.pk])).status_code == 200
    assert warning.message[:20] in auditor.get(reverse("monitoring:warnings")).content.decode()
    for name, data in (
        ("warning_dispose", {"decision": "corrected", "reason": "x"}),
        ("warning_dismiss", {"reason": "x"}),
        ("warning_reply", {"note": "x"}),
    ):
        assert auditor.post(reverse(f"monitoring:{name}", args=[warning.pk]), data).status_code == 404
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN and not warning.unit_reply


def test_warnings_visible_to_unit_department_and_desk_not_to_others(warnings):
    # Pages, export and API; of those who see it, only the unit replies (an empty reply: a message, not a 404).
    reach = Reach(view={"edu_preparer", "edu_reviewer", "desk_edu", "perf", "treasury"}, change={"edu_preparer"})
    personas = [*sorted(reach.view), "health_preparer", "desk_social", "county_perf"]
    check_reach(warnings[0], SURFACES["monitoring.performancewarning"], reach, personas=personas)


def test_dismiss_and_todo(client_as, persona, warnings):
    from core.todo import todos_for

    warning = warnings[0]
    assert any(i.url == warning.get_absolute_url() and i.kind == "预警处置" for i in todos_for(persona("desk_edu")))
    assert any(i.url == warning.get_absolute_url() and i.kind == "预警整改" for i in todos_for(persona("edu_preparer")))
    assert not any(i.url == warning.get_absolute_url() for i in todos_for(persona("auditor")))
    client_as("desk_edu").post(reverse("monitoring:warning_dismiss", args=[warning.pk]), {"reason": "数据延迟入账"})
    warning.refresh_from_db()
    assert warning.status == WarningStatus.DISMISSED and warning.dismiss_reason == "数据延迟入账"
    assert not any(i.url == warning.get_absolute_url() for i in todos_for(persona("desk_edu")))


def test_page_disposal_creates_hold_stopped(client_as, warnings):
    warning = warnings[0]
    response = client_as("perf").post(
        reverse("monitoring:warning_dispose", args=[warning.pk]), {"decision": "stopped", "reason": "无法继续实施"}
    )
    assert response.status_code == 302
    assert DisbursementHold.objects.filter(subject=warning.subject, kind="stopped", lifted_at__isnull=True).exists()
    listing = client_as("perf").get(reverse("monitoring:warnings"), {"status": "disposed"}).content.decode()
    assert warning.subject.name in listing


def test_the_warning_pages_reply_dispose_dismiss_and_lift(client_as, warnings):
    """The same decisions through the pages: the unit replies, the desk suspends (第二十一条) and the treasury's
    list shows the hold until it is lifted; refusals answer 404, invalid input a message and no change."""
    reply, suspend, dismiss = warnings[0], warnings[1], warnings[2]
    unit = client_as("edu_preparer")
    response = unit.post(reverse("monitoring:warning_reply", args=[reply.pk]), {"note": "已加快支付进度"}, follow=True)
    assert "已提交整改说明" in response.content.decode()
    reply.refresh_from_db()
    assert reply.unit_reply == "已加快支付进度"
    assert (
        unit.post(
            reverse("monitoring:warning_dispose", args=[suspend.pk]),
            {"decision": DisposalDecision.SUSPENDED, "reason": "x"},
        ).status_code
        == 404
    )

    desk = client_as("desk_edu")
    response = desk.post(
        reverse("monitoring:warning_dispose", args=[suspend.pk]), {"decision": "", "reason": ""}, follow=True
    )
    assert "请填写处置决定和理由" in response.content.decode()
    suspend.refresh_from_db()
    assert suspend.status == WarningStatus.OPEN
    response = desk.post(
        reverse("monitoring:warning_dispose", args=[suspend.pk]),
        {"decision": DisposalDecision.SUSPENDED, "reason": "执行率过低，暂缓拨款"},
        follow=True,
    )
    assert "已处置：暂缓拨款" in response.content.decode()
    hold = DisbursementHold.objects.get(disposal__warning=suspend)
    assert hold.subject.name in client_as("treasury").get(reverse("monitoring:holds")).content.decode()

    response = desk.post(reverse("monitoring:warning_dismiss", args=[dismiss.pk]), {"reason": ""}, follow=True)
    dismiss.refresh_from_db()
    assert dismiss.status == WarningStatus.OPEN  # a dismissal needs its reason
    desk.post(reverse("monitoring:warning_dismiss", args=[dismiss.pk]), {"reason": "数据口径误差"})
    dismiss.refresh_from_db()
    assert dismiss.status == WarningStatus.DISMISSED

    assert (
        client_as("auditor").post(reverse("monitoring:hold_lift", args=[hold.pk]), {"reason": "x"}).status_code == 404
    )
    response = desk.post(reverse("monitoring:hold_lift", args=[hold.pk]), {"reason": "已整改到位"}, follow=True)
    hold.refresh_from_db()
    assert hold.lifted_at is not None and "已解除" in response.content.decode()

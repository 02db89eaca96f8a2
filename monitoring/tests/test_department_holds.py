"""The 主管部门 suspends or stops the disbursement of its own units' subjects (seed 000 第二十一条: 财政部门和主管部门
不定期整理、分析绩效运行监控结果，对存在问题的项目，可暂缓或停止预算拨款，并督促购买主体整改;
docs/decisions/0035-department-disbursement-holds.md): within its reach only, with a reason, in force at once, applied
by the treasury from its 待办 as finance's holds are, lifted by the side that decided it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from core.testing import user
from core.todo import todos_for
from monitoring import actions
from monitoring.models import DisbursementHold
from monitoring.tests.helpers import CANTEEN, SPORTS, subject
from subjects.models import Subject

pytestmark = pytest.mark.django_db
EDU = "示范市教育局"
DEMO_HOLD = "示范市第三中学信息化建设"


def health_subject() -> Subject:
    """A funded subject of another department (示范市卫生健康委员会's units)."""
    return (
        Subject.objects.filter(stage__in=actions.MONITORED_STAGES, department__name="示范市卫生健康委员会")
        .order_by("code")
        .first()
    )


def test_seed000_art21_the_department_holds_its_units_subject_and_the_treasury_applies_it(client_as):
    canteen = subject(CANTEEN)
    reviewer = user("edu_reviewer")
    # Given the department reviewer on the holds page, with its own button and a picker of its units' subjects,
    page = client_as("edu_reviewer").get(reverse("monitoring:holds")).content.decode()
    assert reverse("monitoring:hold_create") in page
    form = client_as("edu_reviewer").get(reverse("monitoring:hold_create")).content.decode()
    assert "/pick/hold_subject/" in form and "第二十一条" in form
    # when it stops the canteen's disbursement with a reason,
    response = client_as("edu_reviewer").post(
        reverse("monitoring:hold_create"),
        {"subject": canteen.pk, "kind": "stopped", "reason": "监控发现改造工程停工，停止拨款"},
        follow=True,
    )
    assert "已决定：停止拨款：" in response.content.decode()
    # then the hold is in force at once, named as the department's, with its reason and decider,
    hold = DisbursementHold.objects.get(subject=canteen, kind="stopped", department__name=EDU, lifted_at__isnull=True)
    assert hold.reason == "监控发现改造工程停工，停止拨款" and hold.decided_by == reviewer and hold.disposal is None
    entry = AuditEntry.objects.filter(
        object_type="monitoring.disbursementhold", object_id=str(hold.pk), action=AuditAction.CREATE
    ).get()
    assert entry.actor == reviewer and "停止拨款" in entry.reason
    # it waits in the treasury's 待办 (no finance confirmation: the seed gives the power to both),
    treasury = user("treasury")
    assert f"执行拨款控制：{hold}" in [i.title for i in todos_for(treasury)]
    page = client_as("treasury").get(reverse("monitoring:holds")).content.decode()
    assert f"{EDU}决定" in page and "监控发现改造工程停工" in page
    actions.apply_hold(hold, treasury)
    # and the subject page shows it to the unit.
    page = client_as("edu_preparer").get(canteen.get_absolute_url()).content.decode()
    assert 'id="disbursement-holds"' in page and f"{EDU}决定" in page
    # A second identical decision is refused in Chinese.
    with pytest.raises(ValidationError, match="已在执行中"):
        actions.hold(canteen, reviewer, "stopped", "重复")


def test_seed000_art21_another_departments_subject_is_out_of_reach_page_api_and_action(client_as):
    other = health_subject()
    reviewer = user("edu_reviewer")
    assert other is not None
    assert other.pk not in set(actions.hold_subject_choices(reviewer).values_list("pk", flat=True))
    found = client_as("edu_reviewer").get("/pick/hold_subject/", {"q": other.code, "format": "json"}).json()
    assert found["results"] == []
    # The page refuses it as not selectable, never a 500.
    response = client_as("edu_reviewer").post(
        reverse("monitoring:hold_create"), {"subject": other.pk, "kind": "suspended", "reason": "越权"}
    )
    assert response.status_code == 200 and "不是本部门所属单位" in response.content.decode()
    # The API: the subject does not exist for this user (400 on the field), never a 500.
    api = client_as("edu_reviewer").post(
        "/api/disbursement-holds/", {"subject": other.pk, "kind": "suspended", "reason": "越权"}, "application/json"
    )
    assert api.status_code == 400 and "subject" in api.json()
    # The action itself refuses, audited.
    with pytest.raises(PermissionDenied):
        actions.hold(other, reviewer, "suspended", "越权")
    assert AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=reviewer).exists()
    assert not DisbursementHold.objects.filter(subject=other, department__isnull=False).exists()


@pytest.mark.parametrize("username", ["perf", "desk_edu", "treasury", "edu_preparer", "edu_head", "leader"])
def test_only_the_department_reviewer_holds_as_a_department(client_as, username):
    sports = subject(SPORTS)
    assert client_as(username).get(reverse("monitoring:hold_create")).status_code == 404
    api = client_as(username).post(
        "/api/disbursement-holds/", {"subject": sports.pk, "kind": "suspended", "reason": "x"}, "application/json"
    )
    assert api.status_code == 403
    with pytest.raises(PermissionDenied):
        actions.hold(sports, user(username), "suspended", "x")


def test_through_the_api_as_on_the_page(client_as):
    canteen = subject(CANTEEN)
    response = client_as("edu_reviewer").post(
        "/api/disbursement-holds/",
        {"subject": canteen.pk, "kind": "suspended", "reason": "支付进度滞后"},
        "application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["department_name"] == EDU and body["reason"] == "支付进度滞后" and body["kind"] == "suspended"
    missing = client_as("edu_reviewer").post(
        "/api/disbursement-holds/", {"subject": canteen.pk, "kind": "stopped", "reason": ""}, "application/json"
    )
    assert missing.status_code == 400


def test_each_side_lifts_its_own_hold(client_as):
    reviewer, perf = user("edu_reviewer"), user("perf")
    # The demo: the department's hold on 第三中学's IT project; finance's suspension from a disposal.
    department_hold = DisbursementHold.objects.get(
        subject__name=DEMO_HOLD, department__name=EDU, lifted_at__isnull=True
    )
    finance_hold = DisbursementHold.objects.filter(department__isnull=True, lifted_at__isnull=True).first()
    assert finance_hold is not None and finance_hold.disposal_id
    assert not actions.can_lift(perf, department_hold) and not actions.can_lift(user("desk_edu"), department_hold)
    with pytest.raises(PermissionDenied, match="作出决定的主管部门"):
        actions.lift_hold(department_hold, perf, "财政越权解除")
    if finance_hold.subject.department and finance_hold.subject.department.name == EDU:
        assert not actions.can_lift(reviewer, finance_hold)
        with pytest.raises(PermissionDenied):
            actions.lift_hold(finance_hold, reviewer, "部门越权解除")
    assert not actions.can_lift(user("health_reviewer"), department_hold)
    # The department lifts its own from the page.
    assert actions.can_lift(reviewer, department_hold)
    client_as("edu_reviewer").post(
        reverse("monitoring:hold_lift", args=[department_hold.pk]), {"reason": "学校已完成采购，恢复拨款"}
    )
    department_hold.refresh_from_db()
    assert department_hold.lifted_at is not None and department_hold.lifted_by == reviewer


def test_a_department_never_lifts_finances_hold(persona):
    """A finance hold on a subject of the department's own units stays finance's (docs/decisions/0035)."""
    canteen = subject(CANTEEN)
    perf = persona("perf")
    from monitoring.tests.test_round_scope import _warning

    warning = _warning(canteen)
    actions.dispose(warning, perf, "suspended", "财政决定暂缓拨款")
    hold = DisbursementHold.objects.get(subject=canteen, department__isnull=True, lifted_at__isnull=True)
    reviewer = persona("edu_reviewer")
    assert not actions.can_lift(reviewer, hold)
    with pytest.raises(PermissionDenied):
        actions.lift_hold(hold, reviewer, "部门越权解除")
    # The department's own hold of the same kind stands beside finance's: each side answers for its decision.
    own = actions.hold(canteen, reviewer, "suspended", "部门也决定暂缓")
    assert own.department.name == EDU and hold.pk != own.pk

"""The treasury applies the holds finance decided (issue 12 §6; seed 000 第二十一条 暂缓或停止预算拨款, seed 003 第十九条
（二） the treasury watches the payments): a hold in force waits in the treasury's 待办 until it confirms that it
stopped paying; only the treasury confirms, once, audited; a lifted hold needs nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEntry
from core.testing import user
from core.todo import counts_for, todos_for
from monitoring import actions
from monitoring.models import DisbursementHold

pytestmark = pytest.mark.django_db


def _pending():
    hold = DisbursementHold.objects.filter(lifted_at__isnull=True, applied_at__isnull=True).first()
    assert hold is not None, "the demo has a subject whose disbursement is suspended"
    return hold


def test_seed000_art21_a_hold_waits_in_the_treasurys_todo_until_applied(client_as):
    hold = _pending()
    treasury = user("treasury")
    titles = [i.title for i in todos_for(treasury)]
    assert f"执行拨款控制：{hold}" in titles
    page = client_as("treasury").get("/monitoring/holds/").content.decode()
    assert 'id="apply"' in page and "确认已执行" in page and "待国库科确认" in page
    response = client_as("treasury").post(f"/monitoring/holds/{hold.pk}/apply/", follow=True)
    assert "已确认执行" in response.content.decode()
    hold.refresh_from_db()
    assert hold.applied_at is not None and hold.applied_by == treasury
    assert f"执行拨款控制：{hold}" not in [i.title for i in todos_for(treasury)]
    entry = (
        AuditEntry.objects.filter(object_type="monitoring.disbursementhold", object_id=str(hold.pk))
        .order_by("id")
        .last()
    )
    assert "国库执行时间" in entry.changes and "国库科确认" in entry.reason
    with pytest.raises(ValidationError, match="已确认执行"):
        actions.apply_hold(hold, treasury)


@pytest.mark.parametrize("username", ["perf", "desk_edu", "edu_preparer", "budget", "leader"])
def test_only_the_treasury_applies_a_hold(client_as, username):
    hold = _pending()
    with pytest.raises(PermissionDenied):
        actions.apply_hold(hold, user(username))
    assert not actions.can_apply(user(username), hold)
    client_as(username).post(f"/monitoring/holds/{hold.pk}/apply/")
    hold.refresh_from_db()
    assert hold.applied_at is None


def test_the_count_agrees_with_the_items():
    from collections import Counter

    treasury = user("treasury")
    assert counts_for(treasury) == dict(Counter(i.stage for i in todos_for(treasury)))


def test_through_the_api_as_on_the_page(client_as):
    hold = _pending()
    assert client_as("perf").post(f"/api/disbursement-holds/{hold.pk}/apply/").status_code == 403
    response = client_as("treasury").post(f"/api/disbursement-holds/{hold.pk}/apply/")
    assert response.status_code == 200 and response.json()["applied_at"]
    again = client_as("treasury").post(f"/api/disbursement-holds/{hold.pk}/apply/")
    assert again.status_code == 400 and "已确认执行" in again.content.decode()

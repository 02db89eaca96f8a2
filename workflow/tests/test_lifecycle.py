"""The lifecycle engine (workflow/lifecycle.py) on the records that use it: the subject library, warnings and
monitoring rounds (a parent of review-chain documents). Its guards, its audit rows, a stale second submit, and a
step that waits for its parent's child documents."""

import datetime
from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEntry
from core import clock
from monitoring import actions as monitoring
from monitoring.choices import RoundStatus, WarningStatus
from monitoring.models import Disposal, MonitoringRound, PerformanceWarning
from monitoring.tests.helpers import open_round
from workflow import lifecycle
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db


def test_every_lifecycle_is_registered_once_under_its_model():
    registered = lifecycle.registered()
    assert {"subjects.subject", "monitoring.performancewarning", "monitoring.monitoringround"} <= set(registered)
    for label, cycle in registered.items():
        assert cycle.label == label
        stage_field = cycle.model._meta.get_field(cycle.field)
        for step in cycle.steps.values():
            assert step.sources <= {value for value, _ in stage_field.choices}, (label, step.label)


def test_a_second_identical_disposal_finds_the_warning_closed(persona):
    """Two identical submits (the second with the page loaded before the first): one disposal, one audit row."""
    warning = PerformanceWarning.objects.filter(status=WarningStatus.OPEN, subject__name__contains="食堂").first()
    page_of_second = PerformanceWarning.objects.get(pk=warning.pk)
    monitoring.dispose(warning, persona("perf"), "corrected", "督促整改")
    with pytest.raises(ValidationError, match="已处置"):
        monitoring.dispose(page_of_second, persona("perf"), "corrected", "督促整改")
    assert Disposal.objects.filter(warning=warning).count() == 1
    rows = AuditEntry.objects.filter(
        object_type="monitoring.performancewarning", object_id=str(warning.pk), action="transition"
    )
    assert [row.changes["状态"] for row in rows] == [["待处置", "已处置"]]


def test_a_refused_role_is_audited_and_changes_nothing(persona):
    warning = PerformanceWarning.objects.filter(status=WarningStatus.OPEN, subject__name__contains="食堂").first()
    with pytest.raises(PermissionDenied):
        monitoring.dismiss(warning, persona("edu_preparer"), "不需要")
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN
    assert AuditEntry.objects.filter(
        object_type="monitoring.performancewarning", object_id=str(warning.pk), action="permission_denied"
    ).exists()


def test_a_required_reason_is_named_by_its_field(persona):
    warning = PerformanceWarning.objects.filter(status=WarningStatus.OPEN, subject__name__contains="食堂").first()
    with pytest.raises(ValidationError) as refused:
        monitoring.dismiss(warning, persona("perf"), "  ")
    assert "dismiss_reason" in refused.value.message_dict


def test_offered_steps_follow_the_stage_and_the_role(persona):
    warning = PerformanceWarning.objects.filter(status=WarningStatus.OPEN, subject__name__contains="食堂").first()
    cycle = lifecycle.of(warning)
    assert cycle.allowed(persona("edu_preparer"), warning) == ["reply"]
    assert cycle.allowed(persona("perf"), warning) == ["dispose", "dismiss"]
    assert cycle.allowed(persona("auditor"), warning) == []
    closed = PerformanceWarning.objects.exclude(status=WarningStatus.OPEN).first()
    assert cycle.allowed(persona("perf"), closed) == []


def test_a_parent_step_can_wait_for_its_child_documents(persona):
    """A parent record (a round owns its tables; a key evaluation will own its plan, scoring and report) may hold a
    step until every child review-chain document is settled."""
    year = clock.year()
    monitoring_round = open_round(
        persona("perf"), as_of=datetime.date(year, 9, 30), due=datetime.date(year, 10, 20), name="父记录测试"
    )
    cycle = monitoring.rounds.LIFECYCLE
    strict = replace(
        cycle, steps={"close": replace(cycle.steps["close"], documents_in=frozenset({ReviewStatus.APPROVED}))}
    )
    tables = list(strict.child_documents(monitoring_round))
    assert tables and all(t.round_id == monitoring_round.pk for t in tables)
    with pytest.raises(ValidationError, match=f"尚有 {len(tables)} 份文档未办结"):
        strict.run("close", monitoring_round, persona("perf"))
    assert MonitoringRound.objects.get(pk=monitoring_round.pk).status == RoundStatus.OPEN
    monitoring_round.tables.update(status=ReviewStatus.APPROVED)
    strict.run("close", monitoring_round, persona("perf"), reason="全部办结")
    assert monitoring_round.status == RoundStatus.CLOSED and monitoring_round.closed_at is None  # no apply given


def test_new_documents_start_with_their_types_initial_state(persona):
    """The initial-state hook (workflow/hooks.py) gives a table its round's due date, whether the table is saved
    one by one or created in bulk by the round."""
    year = clock.year()
    monitoring_round = open_round(
        persona("perf"), as_of=datetime.date(year, 9, 30), due=datetime.date(year, 10, 20), name="初始状态测试"
    )
    table = monitoring_round.tables.first()
    assert timezone.localtime(table.step_due_at).date() == datetime.date(year, 10, 20)
    assert table.chain_id and table.current_role == table.chain.step(0).role

"""A document type's own hook on its transitions (Reviewable.before_transition), as the project
library uses it to refuse admission: the refusal rolls everything back; the changes it reports join
the transition's audit row."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditAction, AuditEntry
from reports.models import WorkReport
from workflow import actions
from workflow.models import ReviewAction, ReviewLog, ReviewStatus
from workflow.tests.helpers import WALK, fresh, make_report, user

pytestmark = pytest.mark.django_db


def walk_to_last_step(report):
    actions.submit(report, user(WALK[0]), report.version)
    for username in WALK[1:-1]:
        actions.approve(report, user(username), report.version)
    return report


def refuse_final(self, action, to_status, actor):
    if action == ReviewAction.APPROVE and to_status == ReviewStatus.APPROVED:
        raise ValidationError("条件未满足")
    return {}


def test_refusing_the_final_approval_changes_nothing(monkeypatch):
    report = walk_to_last_step(make_report())
    monkeypatch.setattr(WorkReport, "before_transition", refuse_final)
    logs_before = ReviewLog.objects.filter(object_id=report.pk, content_type__model="workreport").count()
    with pytest.raises(ValidationError, match="条件未满足"):
        actions.approve(report, user(WALK[-1]), report.version)
    assert fresh(report).status == ReviewStatus.IN_REVIEW
    assert ReviewLog.objects.filter(object_id=report.pk, content_type__model="workreport").count() == logs_before


def test_reported_changes_join_the_audit_row(monkeypatch):
    monkeypatch.setattr(
        WorkReport,
        "before_transition",
        lambda self, action, to_status, actor: {"示例": ["前", "后"]} if to_status == "approved" else {},
    )
    report = walk_to_last_step(make_report())
    actions.approve(report, user(WALK[-1]), report.version)
    entry = (
        AuditEntry.objects.filter(
            object_type="reports.workreport", object_id=str(report.pk), action=AuditAction.TRANSITION
        )
        .order_by("id")
        .last()
    )
    assert entry.changes["示例"] == ["前", "后"] and fresh(report).status == ReviewStatus.APPROVED

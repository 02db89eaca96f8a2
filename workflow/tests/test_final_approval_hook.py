"""A document type's own hook on its transitions (workflow/hooks.py ``before_transition``), as the project
library uses it to refuse admission: the refusal rolls everything back; the changes it reports join
the transition's audit row."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditAction, AuditEntry
from workflow import actions, hooks
from workflow.models import ReviewAction, ReviewLog, ReviewStatus
from workflow.tests.helpers import WALK, fresh, make_report, user

pytestmark = pytest.mark.django_db


def walk_to_last_step(report):
    actions.submit(report, user(WALK[0]), report.version)
    for username in WALK[1:-1]:
        actions.approve(report, user(username), report.version)
    return report


def refuse_final(doc, action, to_status, actor):
    if action == ReviewAction.APPROVE and to_status == ReviewStatus.APPROVED:
        raise ValidationError("条件未满足")
    return {}


def test_refusing_the_final_approval_changes_nothing(monkeypatch):
    report = walk_to_last_step(make_report())
    monkeypatch.setitem(hooks._before, "reports.workreport", refuse_final)
    logs_before = ReviewLog.objects.filter(object_id=report.pk, content_type__model="workreport").count()
    with pytest.raises(ValidationError, match="条件未满足"):
        actions.approve(report, user(WALK[-1]), report.version)
    assert fresh(report).status == ReviewStatus.IN_REVIEW
    assert ReviewLog.objects.filter(object_id=report.pk, content_type__model="workreport").count() == logs_before


def test_reported_changes_join_the_audit_row(monkeypatch):
    monkeypatch.setitem(
        hooks._before,
        "reports.workreport",
        lambda doc, action, to_status, actor: {"示例": ["前", "后"]} if to_status == "approved" else {},
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


def test_every_document_type_with_a_rule_registers_its_hook_and_no_model_imports_actions():
    """The hooks live with each app's actions (registered at start-up); models no longer call back into them."""
    import ast
    from pathlib import Path

    assert {
        "subjects.subject",
        "assessments.assessment",
        "indicators.indicatorproposal",
        "targets.targetsheet",
        "monitoring.monitoringtable",
    } <= set(hooks._before)
    assert "targets.targetsheet" in hooks._return_opinion
    base = Path(__file__).resolve().parents[2]
    for app in ("subjects", "assessments", "indicators", "targets", "monitoring"):
        # models.py, a models/ package, or model modules beside it (targets/rule_models.py …)
        modules = [*(base / app).glob("*models.py"), *(base / app).glob("models/*.py")]
        assert modules, app
        for module in modules:
            tree = ast.parse(module.read_text())
            imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
            assert not any(m and m.startswith(f"{app}.actions") for m in imported), module

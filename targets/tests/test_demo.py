"""The demo target sheets: one in each interesting state, through the real actions; idempotent."""

import pytest

from demo.seed import seed
from targets.models import TargetSheet

pytestmark = pytest.mark.django_db


def _states():
    return sorted(
        (s.subject.name, s.revision, s.status, s.current_role, s.blocking_count > 0)
        for s in TargetSheet.objects.filter(subject__organisation__name="示范市第一中学").select_related("subject")
    )


def test_demo_sheets_in_every_state_and_a_second_run_creates_nothing():
    states = _states()
    assert ("第一中学学生资助补助", 1, "draft", "unit_preparer", True) in states
    assert ("第一中学体育场地改造项目", 1, "in_review", "unit_head", False) in states
    assert ("第一中学校园安保服务", 1, "approved", "", False) in states
    assert ("第一中学食堂设施改造项目", 1, "approved", "", False) in states
    assert ("第一中学食堂设施改造项目", 2, "in_review", "dept_reviewer", False) in states
    draft = TargetSheet.objects.get(subject__name="第一中学学生资助补助")
    assert any(f["rule"] == "vague_wording" for f in draft.findings)
    count = TargetSheet.objects.count()
    seed("small", out=lambda *a: None)
    assert TargetSheet.objects.count() == count and _states() == states


def test_demo_department_overall_returned_with_comments_and_transfer_decomposed_and_overdue():
    from targets import actions
    from targets.demo import DEPARTMENT_SUBJECT, TRANSFER_SUBJECT

    overall = TargetSheet.objects.get(subject__name=DEPARTMENT_SUBJECT)
    assert overall.status == "returned" and overall.current_role == "dept_reviewer"
    assert overall.indicators.filter(is_common_required=True).count() == 2
    assert overall.comments.count() == 2 and "指标审核意见" in overall.reviews.last().opinion
    assert overall.deadline_label == "整改期限" and overall.step_due_at and not overall.overdue
    transfer = TargetSheet.objects.get(subject__name=TRANSFER_SUBJECT)
    assert transfer.regional_targets.count() == actions.regions_below(transfer).count() >= 2
    assert transfer.overdue
    assert not [f for f in transfer.findings if f["rule"].startswith("regional_")]

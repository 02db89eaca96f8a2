"""The demo's closed year (issue 13 "Demo"): the city's 2025 self-evaluation with forms in every state, grades that
spread, late submissions, real review logs and audit rows, treasury data of the year; a second run creates nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from audit.models import AuditEntry
from evaluations import board, demo
from evaluations.models import SelfEvaluation, SelfEvaluationRound
from execution.choices import RecordSource
from execution.models import Payment
from subjects.tests.helpers import user
from workflow.models import ReviewLog, ReviewStatus

pytestmark = pytest.mark.django_db
YEAR = 2025  # the year before the demo's fiscal year 2026


def _round():
    return SelfEvaluationRound.objects.get(fiscal_year=YEAR, region__code="990100")


def test_the_closed_year_is_the_year_before_the_demo_year():
    assert demo.closed_year() == YEAR


def test_the_city_round_is_open_with_every_funded_subject():
    evaluation_round = _round()
    assert evaluation_round.status == "open"
    assert evaluation_round.due_date == datetime.date(2026, 3, 31)
    assert evaluation_round.forms_created == evaluation_round.forms.count() >= len(demo.SHOWCASE)
    assert evaluation_round.opened_by.username == "perf"


def _forms():
    return {f.subject.name: f for f in SelfEvaluation.objects.filter(round=_round()).select_related("subject")}


def test_forms_in_every_state():
    forms = _forms()
    state = {name: (f.status, f.current_step) for name, f in forms.items()}
    assert state["第一中学教学楼维修项目"] == (ReviewStatus.APPROVED, 4)
    assert state["人民医院院感防控能力提升项目"][0] == ReviewStatus.APPROVED
    assert state["第一中学图书馆藏书更新项目"] == (ReviewStatus.IN_REVIEW, 4)  # at the performance section
    assert state["第一中学学生心理健康服务项目"] == (ReviewStatus.IN_REVIEW, 3)  # at the finance desk
    assert state["第一中学校园绿化提升项目"] == (ReviewStatus.IN_REVIEW, 2)  # at the department
    assert state["人民医院急诊急救设备更新项目"] == (ReviewStatus.IN_REVIEW, 1)  # at the unit head
    assert state["第一中学课后服务项目"] == (ReviewStatus.RETURNED, 0)
    filled = forms["人民医院远程会诊平台运维项目"]
    assert filled.status == ReviewStatus.DRAFT and filled.total_score is not None  # saved, not submitted
    untouched = [f for f in forms.values() if f.status == ReviewStatus.DRAFT and f.total_score is None]
    assert untouched and all(f.is_late for f in untouched)  # 逾期未报 on the demo date


def test_grades_spread_and_some_are_late():
    forms = [f for f in _forms().values() if f.submitted_at is not None]
    assert {f.grade for f in forms} == {"优", "良", "中", "差"}
    late = {f.subject.name for f in forms if f.is_late}
    assert "人民医院院感防控能力提升项目" in late and "第一中学校园绿化提升项目" in late
    on_time = forms[0].round.due_date
    assert any(timezone.localdate(f.submitted_at) <= on_time for f in forms)


def test_the_history_is_real():
    forms = _forms()
    approved = forms["第一中学教学楼维修项目"]
    logs = ReviewLog.objects.filter(
        content_type=ContentType.objects.get_for_model(SelfEvaluation), object_id=approved.pk
    ).order_by("created_at", "id")
    assert [log.actor.username for log in logs] == ["edu_preparer", "edu_head", "edu_reviewer", "desk_edu", "perf"]
    returned = forms["第一中学课后服务项目"]
    opinion = ReviewLog.objects.filter(object_id=returned.pk, action="return").values_list("opinion", flat=True)
    assert demo.RETURN_OPINION in list(opinion)
    assert AuditEntry.objects.filter(object_type="evaluations.selfevaluation", object_id=str(approved.pk)).exists()


def test_treasury_data_of_the_closed_year():
    form = _forms()["人民医院院感防控能力提升项目"]
    assert form.budget == form.subject.year_amounts.get(fiscal_year=YEAR).arranged_amount
    assert form.execution_rate == Decimal("0.4200")
    assert Payment.objects.filter(source=RecordSource.DEMO, fiscal_year=YEAR, subject=form.subject).count() == 4


def test_the_board_of_the_demo_shows_every_column():
    result = board.build(user("perf"), YEAR)
    total = result.total
    assert total.late_unsubmitted and total.late_submitted and total.returned and total.approved and total.in_review


def test_a_second_run_creates_nothing():
    from demo.seed import seed

    before = (SelfEvaluation.objects.count(), Payment.objects.count(), AuditEntry.objects.count())
    assert seed("small", out=lambda *a: None)["created"] == 0
    assert (SelfEvaluation.objects.count(), Payment.objects.count(), AuditEntry.objects.count()) == before

"""Filling a self-evaluation form: the score recomputed on the server, the deviation rule before submission, bad
input refused naming the field, and the review chain unit → head → department → desk → performance section
(seed 000 第二十四条; seed 003 第二十四条)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations import opening, self_actions
from evaluations.models import SelfEvaluation
from evaluations.tests.self_helpers import YEAR, form_of, funded_subject, open_round
from subjects.tests.helpers import user
from workflow import actions as workflow
from workflow.actions import StaleDocument

pytestmark = pytest.mark.django_db

CHAIN = ["edu_head", "edu_reviewer", "desk_edu", "perf"]


def _form():
    subject = funded_subject()
    return form_of(open_round(), subject)


def _rows(form):
    return {r.name: r for r in form.indicators.all()}


def fill(form, **overrides):
    """Every indicator met exactly (no deviation): 90 indicator points."""
    rows = _rows(form)
    values = {
        rows["维修校舍面积"].pk: {"actual": "3000"},
        rows["工程验收合格率"].pk: {"actual": "100"},
        rows["按期完工率"].pk: {"actual": "95"},
        rows["维修改造成本"].pk: {"actual": "45"},
        rows["消除校舍安全隐患"].pk: {"band": "achieved", "share": "100"},
        rows["师生满意度"].pk: {"actual": "92"},
    }
    for name, changed in overrides.items():
        values[rows[name].pk].update(changed)
    return self_actions.save_form(
        form, user("edu_preparer"), form.version, data={"goal_completion": "全面完成年度目标"}, rows=values
    )


def test_saving_recomputes_the_score_on_the_server():
    form = fill(_form())
    assert form.execution_score == Decimal("9.00")
    assert form.indicator_score == Decimal("90.00")
    assert form.total_score == Decimal("99.00") and form.grade == "优"
    scored = {r.name: r.score for r in form.indicators.all()}
    assert scored["维修校舍面积"] == Decimal("20.00")


def test_a_deviation_above_20_percent_needs_a_reason_and_a_measure_before_submission():
    form = _form()
    rows = _rows(form)
    form = fill(form, **{"维修校舍面积": {"actual": "2000"}})  # 33 % below its target: not met
    with pytest.raises(ValidationError) as caught:
        workflow.submit(SelfEvaluation.objects.get(pk=form.pk), user("edu_preparer"), form.version)
    assert "维修校舍面积" in str(caught.value) and "偏差原因" in str(caught.value)
    form = self_actions.save_form(
        form,
        user("edu_preparer"),
        form.version,
        rows={rows["维修校舍面积"].pk: {"deviation_reason": "汛期停工", "improvement": "调整施工计划"}},
    )
    workflow.submit(SelfEvaluation.objects.get(pk=form.pk), user("edu_preparer"), form.version)
    assert SelfEvaluation.objects.get(pk=form.pk).status == "in_review"


def test_the_review_chain_walks_to_the_performance_section():
    form = fill(_form())
    form = SelfEvaluation.objects.get(pk=form.pk)
    workflow.submit(form, user("edu_preparer"), form.version)
    for username in CHAIN:
        form = SelfEvaluation.objects.get(pk=form.pk)
        workflow.approve(form, user(username), form.version, "同意")
    form = SelfEvaluation.objects.get(pk=form.pk)
    assert form.status == "approved" and form.approved_at is not None and form.submitted_at is not None


def test_the_performance_section_returns_it_for_re_evaluation():
    """seed 000 第二十四条（二）: 对自评结果不完整、不规范的……退回重新评价."""
    form = fill(_form())
    form = SelfEvaluation.objects.get(pk=form.pk)
    workflow.submit(form, user("edu_preparer"), form.version)
    for username in CHAIN[:-1]:
        form = SelfEvaluation.objects.get(pk=form.pk)
        workflow.approve(form, user(username), form.version, "同意")
    form = SelfEvaluation.objects.get(pk=form.pk)
    workflow.return_to(form, user("perf"), form.version, 0, "佐证不完整，请重新评价")
    form = SelfEvaluation.objects.get(pk=form.pk)
    assert form.status == "returned" and form.current_role == "unit_preparer"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("actual", "三千", "必须是数字"), ("share", "abc", "必须是数字"), ("band", "great", "无效")],
)
def test_bad_input_names_the_field_and_changes_nothing(field, value, message):
    form = _form()
    row = _rows(form)["维修校舍面积" if field == "actual" else "消除校舍安全隐患"]
    version = form.version
    with pytest.raises(ValidationError) as caught:
        self_actions.save_form(form, user("edu_preparer"), form.version, rows={row.pk: {field: value}})
    assert message in str(caught.value) and row.name in str(caught.value)
    row.refresh_from_db()
    assert getattr(row, field) in ("", None)
    assert SelfEvaluation.objects.get(pk=form.pk).version == version


def test_a_row_of_another_form_is_refused():
    form = _form()
    other_subject = funded_subject("另一个项目")
    opening.finish(form.round)  # run again: the new subject gets its form
    other = form_of(form.round, other_subject)
    foreign = other.indicators.first()
    with pytest.raises(ValidationError):
        self_actions.save_form(form, user("edu_preparer"), form.version, rows={foreign.pk: {"actual": "1"}})


def test_a_second_save_with_the_same_version_is_stale():
    form = _form()
    self_actions.save_form(form, user("edu_preparer"), form.version, data={"problems": "无"})
    with pytest.raises(StaleDocument):
        self_actions.save_form(form, user("edu_preparer"), form.version - 1, data={"problems": "二次"})


def test_only_the_unit_fills_it():
    """谁支出、谁自评; seed 003 第二十四条: the department may not fill it or hand it to an agency."""
    form = _form()
    for username in ("edu_reviewer", "perf", "desk_edu"):
        with pytest.raises(PermissionDenied):
            self_actions.save_form(form, user(username), form.version, data={"problems": "代填"})


def test_submission_after_the_round_is_closed_is_refused():
    from evaluations.models import SelfEvaluationRound

    form = fill(_form())
    SelfEvaluationRound.objects.filter(pk=form.round_id).update(status="closed")
    form = SelfEvaluation.objects.select_related("round").get(pk=form.pk)
    with pytest.raises(ValidationError) as caught:
        workflow.submit(form, user("edu_preparer"), form.version)
    assert "已结束" in str(caught.value)


def test_due_date_and_lateness():
    from core import clock

    form = _form()
    with clock.pinned(datetime.date(YEAR + 1, 3, 31)):
        assert not form.is_late
    with clock.pinned(datetime.date(YEAR + 1, 4, 1)):
        assert form.is_late


def test_no_agency_fills_a_self_evaluation():
    """seed 003 第二十四条: 部门不得委托第三方机构开展自评 — an agency reaches no form and cannot save one."""
    from core import access

    form = _form()
    agency = user("agency")
    assert not access.restrict(SelfEvaluation.objects.all(), agency).exists()
    with pytest.raises(PermissionDenied):
        self_actions.save_form(form, agency, form.version, data={"problems": "代为自评"})

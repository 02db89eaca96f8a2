"""Scoring a key evaluation (seed 003 第三十九条 评分; issue 14 §3 "Scoring"; "a scorer scoring twice or after the
deadline" of §"Bad input and abuse"): the sheets, saving and submitting, the refusals (nothing changed), closing
the scoring with the total and the grade (seed 000 第二十八条)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from audit.models import AuditAction, AuditEntry
from core import clock
from keyevals import scoring_actions
from keyevals.models import KeyStatus, MemberRole, Score, ScoreSheet, SheetStatus
from keyevals.tests.scoring_helpers import add_scorer, experts, make_evaluation, score, sheet_of, user
from workflow.actions import StaleDocument

pytestmark = pytest.mark.django_db
D = Decimal


def rows_for(evaluation, *points, comment="资料不全，扣分"):
    return {
        i.pk: {"points": str(p), "comment": comment}
        for i, p in zip(evaluation.indicators.order_by("order"), points, strict=True)
    }


# ---------------------------------------------------------------------------------------------- sheets


def test_each_scoring_member_with_an_account_gets_a_sheet_with_every_indicator():
    """seed 003 第三十九条: every member of the working group who scores gets the plan's indicators."""
    evaluation = make_evaluation()
    a, b = experts(evaluation, 2)
    add_scorer(evaluation, user("perf"), role=MemberRole.LEADER)
    add_scorer(evaluation, user("leader"), role=MemberRole.MEMBER, scores=False)  # does not score
    assert scoring_actions.ensure_sheets(evaluation) == 3
    assert scoring_actions.ensure_sheets(evaluation) == 0  # idempotent
    sheets = ScoreSheet.objects.filter(evaluation=evaluation)
    assert {s.scorer.username for s in sheets} == {a.username, b.username, "perf"}
    assert all(s.scores.count() == 4 and s.status == SheetStatus.DRAFT for s in sheets)
    assert AuditEntry.objects.filter(object_type="keyevals.scoresheet", action=AuditAction.CREATE).count() >= 3


def test_no_sheets_before_the_scoring_stage():
    evaluation = make_evaluation(status=KeyStatus.FIELDWORK)
    experts(evaluation, 2)
    assert scoring_actions.ensure_sheets(evaluation) == 0
    assert not ScoreSheet.objects.filter(evaluation=evaluation).exists()


def test_a_member_added_during_scoring_gets_a_sheet_on_the_next_open():
    evaluation = make_evaluation()
    experts(evaluation, 1)
    scoring_actions.ensure_sheets(evaluation)
    late = experts(evaluation, 1, prefix="late")[0]
    assert sheet_of(evaluation, late) is not None


# ---------------------------------------------------------------------------------------------- save and submit


def test_save_then_submit_and_the_submitted_sheet_is_final():
    evaluation = make_evaluation()
    (person,) = experts(evaluation, 1)
    sheet = sheet_of(evaluation, person)
    sheet = scoring_actions.save_scores(person, sheet, sheet.version, rows_for(evaluation, "18", "", "28.5", "30"))
    assert sheet.version == 2
    stored = {s.indicator.name: s.points for s in sheet.scores.select_related("indicator")}
    assert stored == {
        "立项依据充分性": D("18.00"),
        "资金使用合规性": None,
        "实际完成率": D("28.50"),
        "服务对象满意度": D("30.00"),
    }
    sheet = scoring_actions.submit_sheet(person, sheet, sheet.version, rows_for(evaluation, "18", "19", "28.5", "30"))
    assert sheet.status == SheetStatus.SUBMITTED and sheet.submitted_at is not None
    entry = AuditEntry.objects.filter(object_type="keyevals.scoresheet", object_id=str(sheet.pk)).order_by("-pk")[0]
    assert entry.action == AuditAction.TRANSITION and entry.actor == person and entry.reason == "提交评分表"
    # the database itself refuses a change to a submitted sheet's rows (keyevals/apps.py Guard)
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - the trigger's error class differs per vendor
        Score.objects.filter(sheet=sheet).update(points=D("1"))


def test_scoring_twice_is_refused_as_already_submitted_and_nothing_changes():
    """issue 14 "a scorer scoring twice": a second submission (or a save after it) gets 已提交."""
    evaluation = make_evaluation()
    (person,) = experts(evaluation, 1)
    sheet = score(evaluation, person, ["18", "19", "28", "30"])
    before = list(Score.objects.filter(sheet=sheet).values_list("points", "comment"))
    for attempt in (
        lambda: scoring_actions.submit_sheet(person, sheet, sheet.version, rows_for(evaluation, 1, 1, 1, 1)),
        lambda: scoring_actions.save_scores(person, sheet, sheet.version, rows_for(evaluation, 1, 1, 1, 1)),
    ):
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert "已提交" in refused.value.messages[0]
    assert list(Score.objects.filter(sheet=sheet).values_list("points", "comment")) == before


def test_scoring_after_the_deadline_is_refused():
    """issue 14 "after the deadline": KeyEvaluation.scoring_due on the business clock; the deadline day still counts."""
    evaluation = make_evaluation(scoring_due=datetime.date(2026, 9, 10))
    (person,) = experts(evaluation, 1)
    sheet = sheet_of(evaluation, person)
    with clock.pinned(datetime.date(2026, 9, 10)):
        sheet = scoring_actions.save_scores(person, sheet, sheet.version, rows_for(evaluation, 20, 20, 30, 30))
    with clock.pinned(datetime.date(2026, 9, 11)):
        with pytest.raises(ValidationError) as refused:
            scoring_actions.submit_sheet(person, sheet, sheet.version)
    assert refused.value.messages == ["评分已于 2026-09-10 截止，不能再评分或提交评分表"]
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.DRAFT


def test_scoring_outside_the_scoring_stage_is_refused():
    evaluation = make_evaluation()
    (person,) = experts(evaluation, 1)
    sheet = sheet_of(evaluation, person)
    type(evaluation).objects.filter(pk=evaluation.pk).update(status=KeyStatus.REPORTING)
    with pytest.raises(ValidationError) as refused:
        scoring_actions.save_scores(person, sheet, sheet.version, rows_for(evaluation, 20, 20, 30, 30))
    assert refused.value.messages == ["该评价当前处于“报告”阶段，不在评分阶段，不能评分或提交评分表"]


def test_someone_elses_sheet_is_refused_and_audited():
    evaluation = make_evaluation()
    a, b = experts(evaluation, 2)
    sheet = sheet_of(evaluation, a)
    for intruder in (b, user("perf")):
        with pytest.raises(PermissionDenied):
            scoring_actions.save_scores(intruder, sheet, sheet.version, rows_for(evaluation, 1, 1, 1, 1))
    assert (
        AuditEntry.objects.filter(
            action=AuditAction.PERMISSION_DENIED, object_type="keyevals.scoresheet", object_id=str(sheet.pk)
        ).count()
        == 2
    )
    assert not Score.objects.filter(sheet=sheet, points__isnull=False).exists()


def test_a_member_who_no_longer_scores_cannot_save():
    evaluation = make_evaluation()
    (person,) = experts(evaluation, 1)
    sheet = sheet_of(evaluation, person)
    sheet.member.__class__.objects.filter(pk=sheet.member_id).update(scores=False)
    with pytest.raises(PermissionDenied):
        scoring_actions.save_scores(person, sheet, sheet.version, rows_for(evaluation, 1, 1, 1, 1))


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("20.5", "第 1 项指标“立项依据充分性”：“得分”不能超过该指标分值 20 分，现为 20.5"),
        ("-1", "第 1 项指标“立项依据充分性”：“得分”不能为负数，现为 -1"),
        ("好", "第 1 项指标“立项依据充分性”：“得分”须为数字，现为“好”"),
        ("1.234", "第 1 项指标“立项依据充分性”：“得分”最多保留两位小数，现为 1.234"),
    ],
)
def test_bad_points_are_refused_by_name_and_nothing_is_saved(points, message):
    evaluation = make_evaluation()
    (person,) = experts(evaluation, 1)
    sheet = sheet_of(evaluation, person)
    with pytest.raises(ValidationError) as refused:
        scoring_actions.save_scores(person, sheet, sheet.version, rows_for(evaluation, points, 19, 28, 30))
    assert message.replace("“得分”", "得分") in refused.value.messages
    assert not Score.objects.filter(sheet=sheet, points__isnull=False).exists()  # the good rows are not saved either
    sheet.refresh_from_db()
    assert sheet.version == 1


def test_an_indicator_of_another_sheet_is_refused():
    evaluation = make_evaluation()
    other = make_evaluation("另一项评价")
    (person,) = experts(evaluation, 1)
    sheet = sheet_of(evaluation, person)
    foreign = other.indicators.first()
    with pytest.raises(ValidationError) as refused:
        scoring_actions.save_scores(person, sheet, sheet.version, {foreign.pk: {"points": "1"}})
    assert refused.value.messages == [f"指标 {foreign.pk} 不属于该评分表，请刷新页面后重新填写"]


def test_submit_needs_every_indicator_and_a_comment_below_full_marks():
    evaluation = make_evaluation()
    (person,) = experts(evaluation, 1)
    sheet = sheet_of(evaluation, person)
    rows = rows_for(evaluation, "18", "", "30", "25", comment="")
    with pytest.raises(ValidationError) as refused:
        scoring_actions.submit_sheet(person, sheet, sheet.version, rows)
    text = refused.value.messages[0]
    assert "第 2 项指标“资金使用合规性”尚未评分" in text
    assert "第 1 项指标“立项依据充分性”得分 18.00 低于分值 20 分，请填写评分说明" in text
    assert "第 4 项指标“服务对象满意度”得分 25.00 低于分值 30 分" in text
    assert "实际完成率" not in text  # full marks: no comment needed
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.DRAFT and sheet.version == 1
    assert not Score.objects.filter(sheet=sheet, points__isnull=False).exists()  # the submit's save rolled back


def test_a_stale_version_is_refused():
    evaluation = make_evaluation()
    (person,) = experts(evaluation, 1)
    sheet = sheet_of(evaluation, person)
    scoring_actions.save_scores(person, sheet, sheet.version, rows_for(evaluation, 1, 1, 1, 1))
    with pytest.raises(StaleDocument):
        scoring_actions.save_scores(person, sheet, 1, rows_for(evaluation, 2, 2, 2, 2))


def test_one_sheet_per_scorer_in_the_database():
    evaluation = make_evaluation()
    (person,) = experts(evaluation, 1)
    sheet = sheet_of(evaluation, person)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreSheet.objects.create(evaluation=evaluation, member=sheet.member, scorer=person)


# ---------------------------------------------------------------------------------------------- closing


def test_closing_stores_the_trimmed_total_and_the_grade():
    """seed 003 第三十九条 and 附件5: one score per indicator, the total and the grade (seed 000 第二十八条)."""
    evaluation = make_evaluation()
    people = experts(evaluation, 5)
    sheets = [
        ["18", "16", "27", "26"],
        ["19", "18", "28", "27"],
        ["20", "17", "25", "25"],
        ["12", "18", "26", "28"],  # low on 决策
        ["17", "19", "29", "30"],
    ]
    for person, points in zip(people, sheets, strict=True):
        score(evaluation, person, points)
    evaluation.refresh_from_db()
    perf = user("perf")
    assert scoring_actions.may_close(perf, evaluation)
    evaluation = scoring_actions.close_scoring(perf, evaluation, evaluation.version)
    # 决策: drop 20 and 12 → (18+19+17)/3 = 18.00; 过程: drop 19, 16 → (18+17+18)/3 = 17.67;
    # 产出: drop 29, 25 → (27+28+26)/3 = 27.00; 效益: drop 30, 25 → (26+27+28)/3 = 27.00
    assert evaluation.status == KeyStatus.REPORTING
    assert evaluation.total_score == D("89.67") and evaluation.grade == "良"
    entry = AuditEntry.objects.filter(object_type="keyevals.keyevaluation", object_id=str(evaluation.pk)).order_by(
        "-pk"
    )[0]
    assert entry.action == AuditAction.TRANSITION and entry.reason == "结束评分并汇总"
    assert entry.changes["评价得分"] == [None, "89.67"] and entry.changes["评价等级"] == [None, "良"]


def test_closing_is_refused_while_scorers_are_out_and_before_the_deadline():
    evaluation = make_evaluation(scoring_due=datetime.date(2026, 9, 20))
    a, b = experts(evaluation, 2)
    score(evaluation, a, ["20", "20", "30", "30"])
    sheet_of(evaluation, b)
    evaluation.refresh_from_db()
    perf = user("perf")
    with clock.pinned(datetime.date(2026, 9, 20)):
        with pytest.raises(ValidationError) as refused:
            scoring_actions.close_scoring(perf, evaluation, evaluation.version)
    assert refused.value.messages == ["评分人尚未全部提交评分，且评分截止日期未到"]
    with clock.pinned(datetime.date(2026, 9, 21)):  # past the deadline: the submitted sheet alone is aggregated
        evaluation = scoring_actions.close_scoring(perf, evaluation, evaluation.version)
    assert evaluation.total_score == D("100.00") and evaluation.grade == "优"


def test_only_the_organiser_closes():
    evaluation = make_evaluation()
    (person,) = experts(evaluation, 1)
    score(evaluation, person, ["20", "20", "30", "30"])
    evaluation.refresh_from_db()
    for outsider in (person, user("edu_reviewer"), user("county_perf")):
        with pytest.raises(PermissionDenied):
            scoring_actions.close_scoring(outsider, evaluation, evaluation.version)
    evaluation.refresh_from_db()
    assert evaluation.status == KeyStatus.SCORING and evaluation.total_score is None


def test_the_business_finance_framework_grades_by_annex_5_2():
    """seed 003 附件5-2 填报说明 7: 优秀 ≥ 85, 良好 ≥ 70, 合格 ≥ 60, 不合格."""
    evaluation = make_evaluation(
        framework="business_finance",
        indicators=[("业务指标", "目标完成程度", "完成率", "70"), ("财务指标", "实际支出情况", "支出合规性", "30")],
    )
    (person,) = experts(evaluation, 1)
    score(evaluation, person, ["60", "25"])
    evaluation.refresh_from_db()
    evaluation = scoring_actions.close_scoring(user("perf"), evaluation, evaluation.version)
    assert (evaluation.total_score, evaluation.grade) == (D("85.00"), "优秀")


def test_the_todo_lists_a_scorer_until_submitted():
    evaluation = make_evaluation(title="待办评分测试")
    (person,) = experts(evaluation, 1)
    items = scoring_actions.todo_provider(person)
    assert [i.title for i in items] == ["重点评价评分：待办评分测试"]
    assert scoring_actions.todo_count(person) == {"evaluation": 1}
    score(evaluation, person, ["20", "20", "30", "30"])
    assert scoring_actions.todo_provider(person) == []
    assert scoring_actions.todo_count(person) == {"evaluation": 0}

"""The demo's scoring (keyevals/demo_scoring.py): the finance evaluation scored by at least 5 (the trimmed mean shows)
with one disagreement flag, the agency one by 3, totals plausible, scoring closed (评分 → 报告); idempotent."""

from decimal import Decimal

import pytest

from agencies.models import Expert
from keyevals import demo_scoring, scoring_actions
from keyevals.models import KeyEvaluation, KeyStatus, MemberRole, SheetStatus, WorkingGroupMember
from keyevals.tests.scoring_helpers import add_scorer, make_evaluation, user

pytestmark = pytest.mark.django_db


class FakeSeeder:
    def __init__(self):
        self.created = 0
        self.lines = []

    def out(self, line):
        self.lines.append(line)


def drawn_experts(evaluation, count):
    """Members from an expert draw: register entries without an account (as the demo's draw gives)."""
    keeper = user("perf").organisation
    for n in range(count):
        expert = Expert.objects.create(keeper=keeper, name=f"抽取专家{n + 1}", employer_name="示范大学")
        WorkingGroupMember.objects.create(
            evaluation=evaluation, name=expert.name, role=MemberRole.EXPERT, expert=expert, scores=True
        )


def finance_case():
    evaluation = make_evaluation(
        "演示评分：财政工作组",
        framework="business_finance",
        indicators=[
            ("业务指标", "目标设定情况", "绩效目标合理性", "20"),
            ("业务指标", "目标完成程度", "服务数量完成率", "30"),
            ("业务指标", "目标完成程度", "服务质量", "20"),
            ("财务指标", "资金落实情况", "资金到位率", "15"),
            ("财务指标", "实际支出情况", "支出合规性", "15"),
        ],
    )
    add_scorer(evaluation, user("perf"), role=MemberRole.LEADER)
    drawn_experts(evaluation, 3)
    return evaluation


def test_the_finance_evaluation_gets_five_scorers_a_trimmed_mean_and_a_flag():
    evaluation = finance_case()
    created = demo_scoring.score_and_close(evaluation, user("perf"), "finance")
    evaluation.refresh_from_db()
    assert evaluation.status == KeyStatus.REPORTING
    assert Decimal("80") <= evaluation.total_score <= Decimal("92"), evaluation.total_score
    assert evaluation.grade in ("优秀", "良好")
    sheets = evaluation.score_sheets.all()
    assert sheets.count() >= 5 and all(s.status == SheetStatus.SUBMITTED for s in sheets)
    assert created >= 5 + 3  # sheets, expert accounts and a colleague
    summary = scoring_actions.summarise(evaluation)
    assert all(r.method == "trimmed" for r in summary.result.indicators)
    assert len(summary.result.flagged) == 1
    assert summary.result.total == evaluation.total_score
    # every drawn expert now scores with an account that reaches the evaluation
    for member in evaluation.members.filter(expert__isnull=False):
        assert member.user is not None and member.expert.user_id == member.user_id
        assert scoring_actions.own_sheet(evaluation, member.user).status == SheetStatus.SUBMITTED


def test_the_agency_evaluation_gets_three_scorers():
    evaluation = make_evaluation("演示评分：委托机构")
    add_scorer(evaluation, user("agency"), role=MemberRole.AGENCY)
    add_scorer(evaluation, user("expert"))
    demo_scoring.score_and_close(evaluation, user("perf"), "agency")
    evaluation.refresh_from_db()
    assert evaluation.status == KeyStatus.REPORTING and evaluation.score_sheets.count() == 3
    assert Decimal("80") <= evaluation.total_score <= Decimal("92")
    assert all(r.method == "mean" for r in scoring_actions.summarise(evaluation).result.indicators)


def test_the_seeder_leaves_evaluations_outside_scoring_alone_and_runs_once():
    seeder = FakeSeeder()
    demo_scoring.seed_scoring(seeder)
    again = FakeSeeder()
    demo_scoring.seed_scoring(again)
    assert again.created == 0 and again.lines == []


def test_the_demo_evaluations_if_present_are_scored():
    """After the whole demo (keyevals.demo, then this seeder), the finished evaluations have left 评分."""
    titles = demo_scoring._titles()
    finance = KeyEvaluation.objects.filter(title=titles["finance"]).first()
    agency = KeyEvaluation.objects.filter(title=titles["agency"]).first()
    if finance is None or agency is None:
        pytest.skip("演示数据中还没有两项已完成的重点评价（keyevals.demo）")
    for evaluation in (finance, agency):
        assert evaluation.status not in (KeyStatus.PREPARING, KeyStatus.FIELDWORK, KeyStatus.SCORING)
        assert evaluation.total_score is not None and evaluation.grade
    assert finance.score_sheets.filter(status=SheetStatus.SUBMITTED).count() >= 5
    assert len(scoring_actions.summarise(finance).result.flagged) >= 1
    assert agency.score_sheets.filter(status=SheetStatus.SUBMITTED).count() >= 3

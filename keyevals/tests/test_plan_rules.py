"""The indicator system's rules per framework (seed 000 第二十三条: key evaluations set indicators, weights and scoring
standards; seed 003 附件5: the 业务/财务 framework without the national 60 % share rule): pure checks, and the plan's
submission refused with nothing changed."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from keyevals import frameworks, plan
from keyevals.models import IndicatorFramework
from keyevals.tests.core_helpers import DAY, new_evaluation, plan_with, user
from workflow.models import ReviewStatus

NATIONAL = {
    "groups": [{"name": "决策"}, {"name": "过程"}, {"name": "产出"}, {"name": "效益"}],
    "share_rules": [{"label": "产出和效益", "groups": ["产出", "效益"], "min": "60"}],
}
BUSINESS_FINANCE = {"groups": [{"name": "业务指标"}, {"name": "财务指标"}], "share_rules": []}


def row(group, weight, name="指标", standard="按比例计分"):
    return frameworks.Row(name=name, group=group, weight=Decimal(weight), standard=standard)


def test_national_framework_refuses_output_and_effect_at_55_percent_seed_000_article_23():
    rows = [row("决策", "25"), row("过程", "20"), row("产出", "30"), row("效益", "25")]
    problems = frameworks.check(rows, **NATIONAL)
    assert len(problems) == 1 and "产出和效益" in problems[0] and "60%" in problems[0] and "55" in problems[0]


def test_national_framework_accepts_60_percent():
    rows = [row("决策", "20"), row("过程", "20"), row("产出", "30"), row("效益", "30")]
    assert frameworks.check(rows, **NATIONAL) == []


def test_business_finance_framework_of_seed_003_annex_5_has_no_share_rule():
    rows = [row("业务指标", "55"), row("财务指标", "45")]
    assert frameworks.check(rows, **BUSINESS_FINANCE) == []


def test_weights_not_summing_to_100_are_refused_naming_the_total():
    problems = frameworks.check([row("业务指标", "60"), row("财务指标", "30")], **BUSINESS_FINANCE)
    assert problems == ["各项指标分值合计应为 100 分，现为 90 分"]


def test_missing_standard_and_foreign_group_are_named_by_indicator():
    problems = frameworks.check(
        [row("业务指标", "60", name="完成率", standard=" "), row("产出", "40", name="覆盖率")], **BUSINESS_FINANCE
    )
    assert any("完成率" in p and "缺少评分标准" in p for p in problems)
    assert any("覆盖率" in p and "一级指标“产出”不属于所选框架" in p for p in problems)


def test_equals_rule_of_the_composite_framework():
    rules = [{"label": "共性指标", "groups": ["共性指标"], "equals": "40"}]
    problems = frameworks.check(
        [row("共性指标", "50"), row("个性指标", "50")],
        groups=[{"name": "共性指标"}, {"name": "个性指标"}],
        share_rules=rules,
    )
    assert problems == ["权重规则“共性指标”：应为 40 分，现为 50 分"]


def test_grade_lines():
    lines = [
        {"label": "优", "min": "90"},
        {"label": "良", "min": "80"},
        {"label": "中", "min": "60"},
        {"label": "差", "min": "0"},
    ]
    assert frameworks.grade(Decimal("85.5"), lines) == "良" and frameworks.grade(59, lines) == "差"


@pytest.mark.django_db
def test_the_frameworks_in_force_are_the_versioned_defaults():
    evaluation = new_evaluation(expert=False)
    codes = {f.code for f in plan.frameworks_in_force(evaluation)}
    assert codes == {"national", "business_finance", "composite"}
    national = IndicatorFramework.objects.get(code="national", region__isnull=True)
    assert national.share_rules[0]["min"] == "60"


@pytest.mark.django_db
def test_submitting_a_plan_at_55_percent_is_refused_and_nothing_changes_seed_000_article_23():
    """Seed 000 第二十三条 / national practice: 产出 + 效益 = 55 of 100 cannot go to review."""
    from core import clock

    evaluation = new_evaluation(agency=False, expert=False)
    spec = [("决策", "立项", "25"), ("过程", "管理", "20"), ("产出", "数量", "30"), ("效益", "效果", "25")]
    work_plan = plan_with(evaluation, "national", spec)
    version = work_plan.version
    with clock.pinned(DAY), pytest.raises(ValidationError) as refused:
        plan.transition(user("perf"), work_plan, "submit", version)
    assert "产出和效益" in refused.value.messages[0]
    work_plan.refresh_from_db()
    assert work_plan.status == ReviewStatus.DRAFT and work_plan.version == version
    assert not work_plan.reviews.exists()


@pytest.mark.django_db
def test_the_same_weights_pass_under_annex_5_1_seed_003():
    """Seed 003 附件5-1: 业务/财务 indicators; no 60 % rule, so a 55/45 split is submitted."""
    from core import clock

    evaluation = new_evaluation(agency=False, expert=False)
    spec = [("业务指标", "目标完成", "55"), ("财务指标", "资金管理", "45")]
    work_plan = plan_with(evaluation, "business_finance", spec)
    with clock.pinned(DAY):
        plan.transition(user("perf"), work_plan, "submit", work_plan.version)
    work_plan.refresh_from_db()
    assert work_plan.status == ReviewStatus.IN_REVIEW and work_plan.current_role == "bureau_leader"


@pytest.mark.django_db
def test_an_indicator_in_a_group_outside_the_framework_is_refused_at_entry():
    evaluation = new_evaluation(agency=False, expert=False)
    work_plan = plan_with(evaluation, "business_finance", [("业务指标", "目标完成", "100")])
    with pytest.raises(ValidationError) as refused:
        plan.add_indicator(user("perf"), work_plan, {"group": "产出", "name": "数量", "weight": "10", "standard": "x"})
    assert "一级指标应为：业务指标、财务指标" in refused.value.messages[0]
    assert work_plan.indicators.count() == 1

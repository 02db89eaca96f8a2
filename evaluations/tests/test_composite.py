"""The composite scheme of seed 003 附件2 第三部分 (指标的运用、分值、结果), built by hand, and its bad input.

综合评价得分 = 定量指标得分 + 定性指标得分 + 加分; 定量 = 共性 (40) + 个性 (30); 定性指标得分 = ∑(单项评议指标得分 ×
权数) × 30 %, 权数 30/20/20/20/10; 带动社会投入效果明显的酌情加 3–5 分; 优（A）≥ 85, 良（B）≥ 70, 中（C）≥ 60, 低（D）< 60."""

import dataclasses
from decimal import Decimal

import pytest

from evaluations.choices import IndicatorKind, Status
from evaluations.rules import COMPOSITE
from evaluations.scoring import Indicator, grade, score_bonus, score_composite, score_qualitative_items

D = Decimal
POS, NEG = IndicatorKind.POSITIVE, IndicatorKind.NEGATIVE

COMMON = [  # 共性指标, 40 points (附件2 第一部分's common indicators)
    Indicator("预算执行率（%）", POS, "10", "100", "95"),  # 9.50
    Indicator("资金到位率（%）", POS, "10", "100", "100"),  # 10.00
    Indicator("项目完成率（%）", POS, "10", "100", "90"),  # 9.00
    Indicator("公用经费（万元）", NEG, "10", "50", "55"),  # 50 ÷ 55 × 10 = 9.0909… → 9.09
]
SECTOR = [  # 个性指标 of the health family, 30 points
    Indicator("门诊就诊人次", POS, "15", "10000", "8000"),  # 12.00
    Indicator("药占比（%）", NEG, "15", "30", "30"),  # 15.00
]
QUALITATIVE = {"efficiency": "90", "service": "80", "management": "85", "innovation": "70", "impact": "60"}


def test_worked_example_seed_003_attachment_2_part_3():
    """seed 003 附件2 第三部分 二（五）, by hand:
    共性 9.50 + 10 + 9 + 9.09 = 37.59; 个性 12 + 15 = 27; 定量 64.59;
    定性 (90×30 + 80×20 + 85×20 + 70×20 + 60×10) ÷ 100 × 30 % = 80 × 30 % = 24
         (items 8.10 + 4.80 + 5.10 + 4.20 + 1.80);
    加分 3; 综合 37.59 + 27 + 24 + 3 = 91.59 → 优（A）."""
    result = score_composite(COMMON, SECTOR, QUALITATIVE, "3", COMPOSITE)
    assert result.problems == ()
    assert result.parts["common"].total == D("37.59")
    assert result.parts["sector"].total == D("27.00")
    assert [i.score for i in result.parts["qualitative"].items] == [
        D("8.10"),
        D("4.80"),
        D("5.10"),
        D("4.20"),
        D("1.80"),
    ]
    assert result.parts["qualitative"].total == D("24.00")
    assert result.parts["bonus"].score == D("3.00")
    assert (result.total, result.grade) == (D("91.59"), "优（A）")


def test_worked_example_without_bonus_and_weaker_qualitative_is_b():
    """共性 37.59 + 个性 27 + 定性 50 × 30 % = 15 (every item 50) + no bonus = 79.59 → 良（B）."""
    weak = dict.fromkeys(QUALITATIVE, "50")
    result = score_composite(COMMON, SECTOR, weak, None, COMPOSITE)
    assert result.parts["bonus"].explanation == "不加分"
    assert (result.total, result.grade) == (D("79.59"), "良（B）")


def test_a_not_applicable_common_indicator_rescales_within_the_common_forty():
    common = [*COMMON[:3], dataclasses.replace(COMMON[3], applicable=False)]  # 30 applicable → × 40/30
    part = score_composite(common, SECTOR, QUALITATIVE, 0, COMPOSITE).parts["common"]
    assert [i.score for i in part.items] == [D("12.67"), D("13.33"), D("12.00"), None]
    assert part.total == D("38.00")


@pytest.mark.parametrize(
    ("bonus", "score"), [(None, D("0")), ("", D("0")), ("0", D("0")), ("3", D("3")), ("4.5", D("4.5")), ("5", D("5"))]
)
def test_bonus_none_or_three_to_five(bonus, score):
    result = score_bonus(bonus, COMPOSITE)
    assert result.status == Status.SCORED and result.score == score


@pytest.mark.parametrize(
    ("bonus", "message"),
    [
        ("6", "“加分”只能为 0（不加分）或 3–5 分，现为 6 分"),
        ("2", "“加分”只能为 0（不加分）或 3–5 分，现为 2 分"),
        ("5.01", "“加分”只能为 0（不加分）或 3–5 分，现为 5.01 分"),
        ("-3", "“加分”只能为 0（不加分）或 3–5 分，现为 -3 分"),
        ("三分", "“加分”必须是数字，现为“三分”"),
    ],
)
def test_any_other_bonus_is_refused_naming_the_field(bonus, message):
    result = score_composite(COMMON, SECTOR, QUALITATIVE, bonus, COMPOSITE)
    assert (result.total, result.grade) == (None, "")
    assert [(p.field, p.message) for p in result.problems] == [("bonus", message)]


def test_common_weights_that_do_not_add_up_to_forty_are_refused():
    common = [*COMMON[:3], dataclasses.replace(COMMON[3], weight="5")]
    result = score_composite(common, SECTOR, QUALITATIVE, 0, COMPOSITE)
    assert result.total is None
    assert [(p.field, p.message) for p in result.problems] == [
        ("common", "共性指标：各项指标“分值”合计应为 40 分，现为 35 分")
    ]


def test_sector_weights_that_do_not_add_up_to_thirty_are_refused():
    result = score_composite(COMMON, SECTOR[:1], QUALITATIVE, 0, COMPOSITE)
    assert [(p.field, p.message) for p in result.problems] == [
        ("sector", "个性指标：各项指标“分值”合计应为 30 分，现为 15 分")
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [("101", "“基础管理水平得分”应在 0–100 之间，现为 101"), ("好", "“基础管理水平得分”必须是数字，现为“好”")],
)
def test_a_qualitative_item_outside_zero_to_hundred_is_refused(value, message):
    part = score_qualitative_items({**QUALITATIVE, "management": value}, COMPOSITE)
    assert part.total is None
    assert [(p.field, p.message) for p in part.problems] == [("qualitative.management", message)]


def test_an_unrated_qualitative_item_counts_zero_and_says_so():
    part = score_qualitative_items({k: v for k, v in QUALITATIVE.items() if k != "impact"}, COMPOSITE)
    assert part.total == D("22.20")
    assert part.items[-1].explanation == "“对社会或环境影响程度”尚未评议，暂计 0 分"


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        ("85", "优（A）"),
        ("84.99", "良（B）"),
        ("70", "良（B）"),
        ("69.99", "中（C）"),
        ("60", "中（C）"),
        ("59.99", "低（D）"),
    ],
)
def test_composite_grades_at_their_lines(total, expected):
    # seed 003 附件2 第三部分 三: 优（A）≥ 85, 良（B）70–85, 中（C）60–70, 低（D）< 60
    assert grade(D(total), COMPOSITE) == expected

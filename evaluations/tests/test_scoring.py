"""The national self-evaluation scoring rules at their boundaries, with worked examples (DOMAIN.md "Rules with
numbers": *practice* of 财预〔2020〕10号; grades seed 000 第二十八条). Pure: no database."""

import dataclasses
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

import pytest

from evaluations.choices import Band, IndicatorKind, Status
from evaluations.rules import NATIONAL
from evaluations.scoring import Indicator, grade, score_execution, score_indicators, score_national

D = Decimal
POS, NEG, EXACT, QUAL = IndicatorKind.POSITIVE, IndicatorKind.NEGATIVE, IndicatorKind.EXACT, IndicatorKind.QUALITATIVE


def one(ind: Indicator, rules=NATIONAL):
    """Score a single indicator worth all of its own weight (no rescaling)."""
    part = score_indicators([ind], rules, points=D(ind.weight))
    assert part.problems == (), part.problems
    return part.items[0]


# --- execution score: 全年执行数 ÷ 全年预算数 × 10, at most 10 ---------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "paid", "score"),
    [
        ("1000000", "925000", D("9.25")),
        ("1000000", "1000000", D("10.00")),
        ("1000000", "0", D("0.00")),
        ("300", "100", D("3.33")),  # 3.333… rounded once
        ("300", "200", D("6.67")),  # 6.666… half-up
        ("8", "1", D("1.25")),  # 1.25 exactly, no second rounding
    ],
)
def test_execution_score(budget, paid, score):
    result = score_execution(budget, paid, NATIONAL)
    assert (result.status, result.score) == (Status.SCORED, score)
    assert "执行率" in result.explanation


def test_overspending_is_capped_at_ten_and_explained():
    result = score_execution("1000000", "1125000", NATIONAL)
    assert result.score == D("10.00") and result.rate == D("1.125")
    assert result.explanation == (
        "全年执行数 1,125,000.00 元超过全年预算数 1,000,000.00 元（执行率 112.50%），执行率得分以满分 10 分为限；"
        "超预算支出须说明原因"
    )


@pytest.mark.parametrize("budget", ["0", None, ""])
def test_no_budget_leaves_the_execution_score_out(budget):
    result = score_execution(budget, "0", NATIONAL)
    assert result.status == Status.NOT_APPLICABLE and result.score is None
    assert "没有安排预算" in result.explanation and "折算为 100 分" in result.explanation


def test_missing_treasury_data_scores_zero_and_says_so():
    result = score_execution("1000", None, NATIONAL)
    assert (result.status, result.score) == (Status.MISSING, D("0"))
    assert "尚未取得全年执行数" in result.explanation


@pytest.mark.parametrize(
    ("budget", "paid", "field", "message"),
    [
        ("-1", "0", "budget", "“全年预算数”不能为负数，现为 -1.00 元"),
        ("1000", "-5", "paid", "“全年执行数”不能为负数，现为 -5.00 元"),
        ("一千", "5", "budget", "“全年预算数”必须是数字，现为“一千”"),
    ],
)
def test_bad_amounts_are_refused_naming_the_field(budget, paid, field, message):
    result = score_execution(budget, paid, NATIONAL)
    assert result.status == Status.INVALID and result.score is None
    assert [(p.field, p.message) for p in result.problems] == [(field, message)]


# --- one indicator at its boundaries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "actual", "score"),
    [
        ("10", "9", D("18.00")),  # 9 ÷ 10 × 20
        ("10", "10", D("20.00")),  # met exactly: full
        ("10", "12", D("20.00")),  # above the target: never above the weight
        ("3", "1", D("6.67")),  # 1 ÷ 3 × 20 = 6.666…
        ("10", "0", D("0.00")),
    ],
)
def test_positive_indicator(target, actual, score):
    assert one(Indicator("新建校舍", POS, "20", target, actual)).score == score


@pytest.mark.parametrize(
    ("target", "actual", "score"),
    [
        ("3000", "3200", D("9.38")),  # 3000 ÷ 3200 × 10 = 9.375, half-up
        ("3000", "3000", D("10.00")),
        ("3000", "2500", D("10.00")),  # below the limit: full, never above
        ("3000", "6000", D("5.00")),
    ],
)
def test_negative_indicator(target, actual, score):
    assert one(Indicator("生均成本", NEG, "10", target, actual)).score == score


@pytest.mark.parametrize(("actual", "score"), [("1", D("5.00")), ("0.99", D("0.00")), ("2", D("0.00"))])
def test_exact_indicator_full_only_when_met(actual, score):
    assert one(Indicator("按期完工", EXACT, "5", "1", actual)).score == score


@pytest.mark.parametrize(
    ("band", "share", "score"),
    [
        (Band.ACHIEVED, "100", D("10.00")),
        (Band.ACHIEVED, "80", D("8.00")),
        (Band.PARTLY, "80", D("8.00")),  # 80 % is printed in both bands
        (Band.PARTLY, "60", D("6.00")),
        (Band.NOT_ACHIEVED, "60", D("6.00")),
        (Band.NOT_ACHIEVED, "0", D("0.00")),
        (Band.PARTLY, "72.5", D("7.25")),
    ],
)
def test_qualitative_indicator_scores_the_chosen_share_within_its_band(band, share, score):
    assert one(Indicator("制度健全", QUAL, "10", band=band, share=share)).score == score


@pytest.mark.parametrize(
    ("band", "share", "message"),
    [
        (Band.PARTLY, "85", "“得分比例”85% 不在“部分达成并具有一定效果”档的 60%–80% 之内"),
        (Band.ACHIEVED, "79.99", "“得分比例”79.99% 不在“达成”档的 80%–100% 之内"),
        (Band.NOT_ACHIEVED, "61", "“得分比例”61% 不在“未达成且效果较差”档的 0%–60% 之内"),
        (Band.ACHIEVED, None, "“得分比例”未填写：“达成”档应在 80%–100% 之间选择"),
        ("excellent", "90", "“评价档次”无效：excellent"),
    ],
)
def test_a_share_outside_its_band_is_refused(band, share, message):
    part = score_indicators([Indicator("制度健全", QUAL, "90", band=band, share=share)], NATIONAL)
    assert part.total is None
    assert [p.message for p in part.problems] == [message]


def test_rounding_rule_is_the_schemes_and_applied_once():
    # 1000 ÷ 3200 × 10 = 3.125: half-up 3.13, half-even 3.12, down 3.12
    ind = Indicator("生均成本", NEG, "10", "1000", "3200")
    assert one(ind).score == D("3.13")
    assert one(ind, dataclasses.replace(NATIONAL, rounding=ROUND_HALF_EVEN)).score == D("3.12")
    assert one(ind, dataclasses.replace(NATIONAL, rounding=ROUND_DOWN)).score == D("3.12")


# --- edge cases, each with the explanation the user sees ----------------------------------------------------------


def test_target_zero_positive_is_met_by_any_actual_not_below_it():
    item = one(Indicator("安全事故减少数", POS, "10", "0", "3"))
    assert item.score == D("10.00")
    assert "年度指标值为 0，无法按“实际值 ÷ 指标值”计算；实际值不低于指标值，视为达成，得满分" in item.explanation


def test_target_zero_negative_with_an_occurrence_scores_nothing():
    item = one(Indicator("安全事故", NEG, "10", "0", "1"))
    assert item.score == D("0.00")
    assert "年度指标值为 0（不得发生），全年实际发生 1，超过上限，得 0 分" in item.explanation


@pytest.mark.parametrize("target", ["0", "5"])
def test_actual_zero_for_a_negative_indicator_is_full_marks_not_a_division_by_zero(target):
    item = one(Indicator("投诉次数", NEG, "10", target, "0"))
    assert item.score == D("10.00")
    assert f"全年实际值为 0，未超过上限 {target}，得满分" in item.explanation


@pytest.mark.parametrize("actual", [None, ""])
def test_a_missing_actual_scores_zero_and_asks_for_it(actual):
    item = one(Indicator("培训人次", POS, "10", "100", actual))
    assert (item.status, item.score) == (Status.MISSING, D("0.00"))
    assert "未填写全年实际值，本指标暂计 0 分" in item.explanation


def test_an_actual_that_is_not_a_number_is_refused_naming_the_field():
    part = score_indicators([Indicator("培训人次", POS, "90", "100", "约一百")], NATIONAL)
    assert part.total is None
    assert [(p.field, p.message) for p in part.problems] == [("actual", "“全年实际值”必须是数字，现为“约一百”")]


def test_a_missing_target_is_refused():
    part = score_indicators([Indicator("培训人次", POS, "90", None, "100")], NATIONAL)
    assert [(p.field, p.message) for p in part.problems] == [("target", "“年度指标值”未填写，本指标无法计分")]


def test_weights_that_do_not_add_up_are_refused_naming_the_field():
    part = score_indicators([Indicator("甲", POS, "50", "1", "1"), Indicator("乙", POS, "35", "1", "1")], NATIONAL)
    assert part.total is None
    assert [(p.field, p.message) for p in part.problems] == [("weight", "各项指标“分值”合计应为 90 分，现为 85 分")]


def test_a_weight_that_is_not_positive_is_refused():
    part = score_indicators([Indicator("甲", POS, "90", "1", "1"), Indicator("乙", POS, "0", "1", "1")], NATIONAL)
    assert [p.message for p in part.problems] == ["第 2 项指标“乙”的“分值”须大于 0"]


# --- a whole self-evaluation ----------------------------------------------------------------------------------------


def sheet(surveyed=True):
    """A school building project's approved target sheet, weights 产出 50 / 效益 30 / 满意度 10."""
    return [
        Indicator("新建校舍（间）", POS, "20", "10", "9"),  # 18.00
        Indicator("验收合格率（%）", POS, "15", "100", "100"),  # 15.00
        Indicator("按期完工", EXACT, "5", "1", "1"),  # 5.00
        Indicator("生均建设成本（元）", NEG, "10", "3000", "3200"),  # 9.375 → 9.38
        Indicator("受益学生（人）", POS, "30", "2000", "1500"),  # 22.50
        Indicator("师生满意度", QUAL, "10", satisfaction=True, surveyed=surveyed, band=Band.PARTLY, share="70"),  # 7
    ]


def test_worked_example_national_self_evaluation():
    """Execution 925,000 of 1,000,000 = 9.25; indicators 18 + 15 + 5 + 9.38 + 22.5 + 7 = 76.88; 86.13 → 良."""
    result = score_national("1000000", "925000", sheet(), NATIONAL)
    assert result.problems == ()
    assert result.parts["execution"].score == D("9.25")
    assert [i.score for i in result.parts["indicators"].items] == [
        D("18.00"),
        D("15.00"),
        D("5.00"),
        D("9.38"),
        D("22.50"),
        D("7.00"),
    ]
    assert result.parts["indicators"].total == D("76.88")
    assert (result.total, result.grade) == (D("86.13"), "良")


def test_satisfaction_without_a_survey_is_left_out_and_the_rest_rescaled_to_ninety():
    """80 applicable points rescaled to 90 (× 1.125), each indicator rounded once:
    20.25 + 16.875→16.88 + 5.625→5.63 + 10.546875→10.55 + 25.3125→25.31 = 78.62; with 9.25 → 87.87 → 良."""
    result = score_national("1000000", "925000", sheet(surveyed=False), NATIONAL)
    items = result.parts["indicators"].items
    assert [i.score for i in items] == [D("20.25"), D("16.88"), D("5.63"), D("10.55"), D("25.31"), None]
    assert items[-1].status == Status.NOT_APPLICABLE
    assert "未开展满意度调查，本满意度指标不计分，其余指标按比例折算" in items[-1].explanation
    assert "分值 20 按比例折算为 22.50 分" in items[0].explanation
    assert (result.total, result.grade) == (D("87.87"), "良")


def test_satisfaction_without_a_survey_scores_zero_when_the_scheme_says_so():
    rules = dataclasses.replace(NATIONAL, no_survey_scores_zero=True)
    result = score_national("1000000", "925000", sheet(surveyed=False), rules)
    last = result.parts["indicators"].items[-1]
    assert (last.status, last.score) == (Status.MISSING, D("0.00"))
    assert "未开展满意度调查，按评价方案本指标计 0 分" in last.explanation
    assert result.total == D("79.13")  # 9.25 + 69.88


def test_not_applicable_indicator_is_left_out():
    indicators = sheet()
    indicators[2] = dataclasses.replace(indicators[2], applicable=False)  # 按期完工 (5) does not apply: × 90/85
    result = score_national("1000000", "925000", indicators, NATIONAL)
    items = result.parts["indicators"].items
    assert items[2].status == Status.NOT_APPLICABLE and items[2].score is None
    assert items[1].score == D("15.88")  # 15 × 90 ÷ 85 = 15.882…


def test_no_budget_rescales_the_indicators_to_the_whole_hundred():
    """No execution score: 76.88 of 90 becomes 100/90 of each indicator: 20 + 16.67 + 5.56 + 10.42 + 25 + 7.78."""
    result = score_national("0", "0", sheet(), NATIONAL)
    assert result.parts["execution"].status == Status.NOT_APPLICABLE
    assert result.parts["indicators"].full == D("100")
    assert result.total == D("85.43")
    assert result.grade == "良"


def test_a_problem_anywhere_leaves_total_and_grade_empty():
    indicators = sheet()
    indicators[0] = dataclasses.replace(indicators[0], actual="九")
    result = score_national("1000000", "925000", indicators, NATIONAL)
    assert (result.total, result.grade) == (None, "")
    assert [p.field for p in result.problems] == ["actual"]


def test_full_marks():
    perfect = [Indicator("甲", POS, "50", "1", "1"), Indicator("乙", NEG, "40", "2", "1")]
    result = score_national("100", "100", perfect, NATIONAL)
    assert (result.total, result.grade) == (D("100.00"), "优")


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        ("100", "优"),
        ("90", "优"),
        ("89.99", "良"),
        ("80", "良"),
        ("79.99", "中"),
        ("60", "中"),
        ("59.99", "差"),
        ("0", "差"),
    ],
)
def test_national_grades_at_their_lines(total, expected):
    # seed 000 第二十八条: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 < 60
    assert grade(D(total), NATIONAL) == expected

"""The aggregation of a key evaluation's score sheets (keyevals/aggregation.py, pure): seed 003 第三十九条 (the working
group scores), 附件5 (one score per indicator, the total, the grade), seed 000 第二十八条 (grades); the trimmed mean
from 5 scorers, the disagreement flag and the agreement measures are *practice*, parameters with defaults."""

from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from keyevals import aggregation as agg
from keyevals.aggregation import IndicatorScores, Params

D = Decimal
NATIONAL = [
    {"label": "优", "min": "90"},
    {"label": "良", "min": "80"},
    {"label": "中", "min": "60"},
    {"label": "差", "min": "0"},
]
ANNEX_5_2 = [
    {"label": "优秀", "min": "85"},
    {"label": "良好", "min": "70"},
    {"label": "合格", "min": "60"},
    {"label": "不合格", "min": "0"},
]
COMPOSITE = [
    {"label": "A", "min": "85"},
    {"label": "B", "min": "70"},
    {"label": "C", "min": "60"},
    {"label": "D", "min": "0"},
]


def one(weight, *points):
    return IndicatorScores("i", "资金到位率", D(weight), {f"s{n}": D(p) for n, p in enumerate(points)})


# ---------------------------------------------------------------------------------------------- the mean


def test_four_scorers_take_the_plain_mean():
    """*practice*: below 5 scorers nothing is dropped."""
    result = agg.aggregate_indicator(one(10, "10", "8", "6", "9"))
    assert result.method == agg.METHOD_MEAN
    assert result.dropped == ()
    assert result.aggregate == D("8.25")
    assert "4 人评分，平均为 8.25 分" in result.explanation


def test_five_scorers_drop_the_highest_and_the_lowest():
    """*practice* of expert review: from 5 scorers, drop one highest and one lowest score."""
    result = agg.aggregate_indicator(one(10, "10", "8", "4", "9", "7"))
    assert result.method == agg.METHOD_TRIMMED
    assert set(result.dropped) == {"s0", "s2"}  # 10 and 4
    assert result.aggregate == D("8.00")  # (8 + 9 + 7) / 3
    assert "去掉最高分 10.00 和最低分 4.00 后，3 个评分平均为 8.00 分" in result.explanation


def test_ties_drop_one_of_the_tied_scores_only():
    result = agg.aggregate_indicator(one(20, "18", "18", "15", "12", "12"))
    assert result.method == agg.METHOD_TRIMMED
    assert result.dropped == ("s0", "s3")  # the first 18 and the first 12, one each
    assert result.aggregate == D("15.00")  # (18 + 15 + 12) / 3


def test_all_equal_scores_with_five_scorers():
    result = agg.aggregate_indicator(one(5, "4", "4", "4", "4", "4"))
    assert result.aggregate == D("4.00") and len(result.dropped) == 2
    assert result.spread == 0 and result.agreement == 1 and not result.flagged


def test_each_indicator_is_rounded_half_up_once():
    # (8.00 + 8.05) / 2 = 8.025 → 8.03 half-up (half-even would give 8.02)
    assert agg.aggregate_indicator(one(10, "8.00", "8.05")).aggregate == D("8.03")
    assert agg.aggregate_indicator(one(10, "8.00", "8.05"), Params(rounding=ROUND_HALF_EVEN)).aggregate == D("8.02")
    # 1/3: 1.333… → 1.33; the total adds the rounded indicators (1.33 + 1.33 = 2.66, not 2.67)
    a = IndicatorScores("a", "甲", D(5), {"x": D(1), "y": D(1), "z": D(2)})
    b = IndicatorScores("b", "乙", D(5), {"x": D(1), "y": D(1), "z": D(2)})
    result = agg.aggregate([a, b], NATIONAL)
    assert [r.aggregate for r in result.indicators] == [D("1.33"), D("1.33")]
    assert result.total == D("2.66")


def test_the_threshold_and_the_number_dropped_are_parameters():
    scores = one(10, "10", "8", "4", "9", "7", "6", "5")
    assert agg.aggregate_indicator(scores, Params(trim_from=8)).method == agg.METHOD_MEAN
    two = agg.aggregate_indicator(scores, Params(trim_from=7, trim_each=2))
    assert two.method == agg.METHOD_TRIMMED and len(two.dropped) == 4
    assert two.aggregate == D("7.00")  # (8 + 7 + 6) / 3
    assert Params(trim_from=4, trim_each=2).problems() == ["去掉最高分和最低分各 2 个时，至少须有 5 名评分人才能采用"]
    result = agg.aggregate([scores], NATIONAL, Params(trim_from=4, trim_each=2))
    assert result.total is None and result.problems


def test_an_indicator_without_submitted_scores_has_no_aggregate_and_no_total():
    result = agg.aggregate([one(10, "8"), IndicatorScores("j", "满意度", D(10), {})], NATIONAL)
    assert result.indicators[1].aggregate is None and result.indicators[1].method == agg.METHOD_NONE
    assert result.total is None and result.grade == ""
    assert result.problems == ("以下指标尚无已提交的评分：满意度",)


def test_no_indicators_is_a_problem():
    assert agg.aggregate([], NATIONAL).problems == ("工作方案没有评价指标，无法汇总",)


# ---------------------------------------------------------------------------------------------- total and grade


def sheet(**weights_and_scores):
    return [
        IndicatorScores(k, k, D(w), {f"s{n}": D(p) for n, p in enumerate(ps)})
        for k, (w, ps) in weights_and_scores.items()
    ]


def test_total_is_the_sum_of_the_indicator_aggregates_and_graded_by_the_national_lines():
    """seed 000 第二十八条: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 < 60."""
    result = agg.aggregate(
        sheet(
            decision=(20, ["18", "17", "19"]),
            process=(20, ["16", "18", "17"]),
            output=(30, ["27", "25", "26"]),
            effect=(30, ["25", "24", "26"]),
        ),
        NATIONAL,
    )
    assert [r.aggregate for r in result.indicators] == [D("18.00"), D("17.00"), D("26.00"), D("25.00")]
    assert result.total == D("86.00") and result.grade == "良"
    assert result.full == D("100")
    assert "总分为 4 项指标得分之和 86.00 分，评价等级“良”（优 ≥ 90、良 ≥ 80、中 ≥ 60、差 < 60）" in result.explanation


@pytest.mark.parametrize(
    ("total", "lines", "expected"),
    [
        (D("90"), NATIONAL, "优"),
        (D("89.99"), NATIONAL, "良"),
        (D("60"), NATIONAL, "中"),
        (D("59.99"), NATIONAL, "差"),
        (D("85"), ANNEX_5_2, "优秀"),  # seed 003 附件5-2 填报说明 7
        (D("84.99"), ANNEX_5_2, "良好"),
        (D("70"), ANNEX_5_2, "良好"),
        (D("59"), ANNEX_5_2, "不合格"),
        (D("85"), COMPOSITE, "A"),  # seed 003 附件2 第三部分
        (D("69.99"), COMPOSITE, "C"),
        (D("0"), COMPOSITE, "D"),
    ],
)
def test_grade_lines_per_framework(total, lines, expected):
    assert agg.grade(total, lines) == expected


def test_grade_lines_in_any_order_and_below_every_line():
    assert agg.grade(D("91"), list(reversed(NATIONAL))) == "优"
    assert agg.grade(D("10"), [{"label": "合格", "min": "60"}, {"label": "不合格", "min": "30"}]) == "不合格"
    assert agg.grade(D("10"), []) == ""
    assert agg.grade_text(ANNEX_5_2) == "优秀 ≥ 85、良好 ≥ 70、合格 ≥ 60、不合格 < 60"


# ---------------------------------------------------------------------------------------------- disagreement and agreement


def test_an_indicator_is_flagged_when_the_range_exceeds_30_percent_of_its_weight():
    """*practice*: max − min above 30 % of the weight (exactly 30 % is not above)."""
    at_line = agg.aggregate_indicator(one(10, "10", "7"))
    assert at_line.spread == D("3") and not at_line.flagged
    above = agg.aggregate_indicator(one(10, "10", "6.99"))
    assert above.flagged
    assert "最高分与最低分相差 3.01 分，超过分值 10 分的 30%（3.00 分），评分分歧较大" in above.explanation
    assert not agg.aggregate_indicator(one(10, "10", "6.99"), Params(flag_share=D("0.5"))).flagged


def test_the_flag_looks_at_every_score_also_the_dropped_ones():
    result = agg.aggregate_indicator(one(20, "20", "18", "18", "17", "10"))
    assert result.method == agg.METHOD_TRIMMED and result.flagged  # 20 − 10 = 10 > 6


def test_agreement_per_indicator_is_the_share_of_scorers_near_the_median():
    # median 8; within 10 % of the weight 10 (1 point): 8, 8.5, 7 → 3 of 5
    result = agg.aggregate_indicator(one(10, "8", "8.5", "7", "4", "10"))
    assert result.agreement == D("0.6")
    # even count: median of 6, 7, 9, 10 is 8; within 2 points (10 % of 20): 6, 7, 9, 10 → 4 of 4
    assert agg.aggregate_indicator(one(20, "6", "7", "9", "10")).agreement == 1


def test_agreement_per_scorer_is_the_mean_absolute_deviation_as_a_share_of_the_weight():
    indicators = [
        IndicatorScores("a", "甲", D(10), {"x": D(8), "y": D(6)}),  # aggregate 7
        IndicatorScores("b", "乙", D(20), {"x": D(20), "y": D(16)}),  # aggregate 18
    ]
    result = agg.aggregate(indicators, NATIONAL, scorers=["x", "y", "z"])
    x, y, z = result.scorers
    # x: |8−7|/10 = 0.1, |20−18|/20 = 0.1 → 0.1
    assert x.deviation == D("0.1") and x.indicators == 2
    assert "2 项指标的评分与指标得分平均相差分值的 10.0%" in x.explanation
    assert y.deviation == D("0.1")
    assert z.deviation is None and z.explanation == "没有已提交的评分"


def test_the_rule_texts_name_the_parameters():
    text = Params(trim_from=7, flag_share=D("0.25")).rule_text()
    assert "评分人达到 7 人时" in text and "25%" in text and "通行做法" in text
    assert "10%" in agg.DEFAULT.agreement_text()


# ---------------------------------------------------------------------------------------------- a scorer's points


@pytest.mark.parametrize(
    ("raw", "value", "problem"),
    [
        ("8.5", D("8.50"), ""),
        (" 10 ", D("10.00"), ""),
        (0, D("0.00"), ""),
        ("", None, ""),
        (None, None, ""),
        ("十", None, "“资金到位率”须为数字，现为“十”"),
        ("NaN", None, "“资金到位率”须为数字，现为“NaN”"),
        ("-1", None, "“资金到位率”不能为负数，现为 -1"),
        ("10.01", None, "“资金到位率”不能超过该指标分值 10 分，现为 10.01"),
        ("8.555", None, "“资金到位率”最多保留两位小数，现为 8.555"),
        (True, None, "“资金到位率”须为数字"),
    ],
)
def test_check_points(raw, value, problem):
    assert agg.check_points(raw, D(10), "资金到位率") == (value, problem)


def test_a_comment_is_required_below_full_marks():
    assert agg.comment_required(D("9.99"), D("10"))
    assert not agg.comment_required(D("10"), D("10"))
    assert not agg.comment_required(None, D("10"))

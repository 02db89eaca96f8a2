"""The 4E view of a purchased service's evaluation (seed 002 六（二）: 经济性、效率性、有效性和公平性), with worked
examples. The dimension split 20 / 25 / 35 / 20 is *practice* (seed 002 fixes no numbers); the indicators are scored
by the same rules as the self-evaluation; grades 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 < 60 (seed 000 第二十八条)."""

import dataclasses
import datetime
from decimal import Decimal

import pytest

from core.versioning import in_force
from evaluations.actions import clone_scheme
from evaluations.choices import Band, FourE, IndicatorKind, SchemeKind, Status
from evaluations.rules import FOUR_E, problems
from evaluations.scoring import Indicator, check_deviation, score_execution, score_four_e

D = Decimal
POS, NEG, QUAL = IndicatorKind.POSITIVE, IndicatorKind.NEGATIVE, IndicatorKind.QUALITATIVE
ECO, EFF, EFT, EQU = FourE.ECONOMY, FourE.EFFICIENCY, FourE.EFFECTIVENESS, FourE.EQUITY


def property_service(**changes):
    """A worked example: the 物业服务 a government office buys, its indicators in the four dimensions."""
    dimensions = {
        ECO: [  # 经济性 20
            Indicator("服务单价（元/平方米·月）", NEG, "10", "3.5", "3.2"),  # under the cap: 10
            Indicator("合同金额支付进度（%）", POS, "10", "100", "92"),  # 92 ÷ 100 × 10 = 9.2
        ],
        EFF: [  # 效率性 25
            Indicator("保洁任务按时完成率（%）", POS, "15", "100", "95"),  # 14.25
            Indicator("报修响应时长（小时）", NEG, "10", "2", "2.5"),  # 2 ÷ 2.5 × 10 = 8
        ],
        EFT: [  # 有效性 35
            Indicator("公共设施完好率（%）", POS, "20", "98", "98"),  # 20
            Indicator("服务质量", QUAL, "15", band=Band.PARTLY, share="70"),  # 70 % of 15 = 10.5
        ],
        EQU: [  # 公平性 20
            Indicator("服务覆盖楼栋比例（%）", POS, "10", "100", "100"),  # 10
            Indicator("服务对象满意度（%）", POS, "10", "90", "85", satisfaction=True),  # 85 ÷ 90 × 10 = 9.444… → 9.44
        ],
    }
    dimensions.update(changes)
    return dimensions


def test_the_worked_example_scores_each_dimension_out_of_its_points():
    # seed 002 六（二）; practice split 20 / 25 / 35 / 20
    result = score_four_e(property_service(), FOUR_E)
    assert result.problems == ()
    totals = {code: (part.total, part.full) for code, part in result.parts.items()}
    assert totals == {
        ECO: (D("19.20"), D("20.00")),
        EFF: (D("22.25"), D("25.00")),
        EFT: (D("30.50"), D("35.00")),
        EQU: (D("19.44"), D("20.00")),
    }
    assert [item.score for item in result.parts[EQU].items] == [D("10.00"), D("9.44")]
    # 19.20 + 22.25 + 30.50 + 19.44 = 91.39: 优 (seed 000 第二十八条: ≥ 90)
    assert (result.total, result.grade) == (D("91.39"), "优")
    assert result.parts[EFT].explanation == "有效性（35 分）"
    assert result.parts[EFT].items[1].explanation == "定性指标评为“部分达成并具有一定效果”，按分值的 70% 计分"


def test_the_grade_lines_are_the_purchased_services_ones():
    # seed 000 第二十八条: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 < 60
    assert [(line.label, line.minimum) for line in FOUR_E.grade_lines] == [
        ("优", D("90")),
        ("良", D("80")),
        ("中", D("60")),
        ("差", D("0")),
    ]
    slow = property_service(**{EFF: [Indicator("保洁任务按时完成率（%）", POS, "25", "100", "40")]})  # 10 of 25
    result = score_four_e(slow, FOUR_E)
    assert (result.total, result.grade) == (D("79.14"), "中")  # 19.20 + 10 + 30.50 + 19.44


def test_a_region_changes_the_split_and_the_same_answers_score_differently():
    # the split is practice, configurable: 25 each
    even = dataclasses.replace(
        FOUR_E,
        economy_points=D("25"),
        efficiency_points=D("25"),
        effectiveness_points=D("25"),
        equity_points=D("25"),
    )
    assert problems(even) == []
    answers = property_service(
        **{
            ECO: [Indicator("服务单价（元/平方米·月）", NEG, "25", "3.5", "3.2")],
            EFT: [Indicator("公共设施完好率（%）", POS, "25", "98", "49")],  # half: 12.5
            EQU: [Indicator("服务对象满意度（%）", POS, "25", "90", "90", satisfaction=True)],
        }
    )
    result = score_four_e(answers, even)
    assert (result.total, result.grade) == (D("84.75"), "良")  # 25 + 22.25 + 12.50 + 25


def test_an_indicator_that_does_not_apply_is_rescaled_within_its_dimension():
    dimensions = property_service(
        **{
            EFF: [
                Indicator("保洁任务按时完成率（%）", POS, "15", "100", "95"),
                Indicator("报修", NEG, "10", applicable=False),
            ]
        }
    )
    result = score_four_e(dimensions, FOUR_E)
    efficiency = result.parts[EFF]
    # the 15 points left are worth the whole 25: 95 % of 25 = 23.75
    assert efficiency.total == D("23.75") and efficiency.full == D("25.00")
    assert efficiency.items[1].status == Status.NOT_APPLICABLE
    assert "适用指标分值合计 15 分，按比例折算为 25 分" in efficiency.explanation
    assert result.total == D("19.20") + D("23.75") + D("30.50") + D("19.44")


def test_a_dimension_where_nothing_applies_is_left_out_and_the_others_rescaled_to_100():
    # 公平性: the coverage does not apply and no satisfaction survey was made → the other 80 points are worth 100
    dimensions = property_service(
        **{
            EQU: [
                Indicator("服务覆盖楼栋比例（%）", POS, "10", "100", applicable=False),
                Indicator("服务对象满意度（%）", POS, "10", "90", satisfaction=True, surveyed=False),
            ]
        }
    )
    result = score_four_e(dimensions, FOUR_E)
    assert result.problems == ()
    assert result.parts[EQU].total is None and result.parts[EQU].full == D("0")
    assert "本维度指标均不适用" in result.parts[EQU].explanation
    # × 100 / 80 = × 1.25: 经济性 20 → 25, 效率性 25 → 31.25, 有效性 35 → 43.75
    assert [result.parts[code].full for code in (ECO, EFF, EFT)] == [D("25.00"), D("31.25"), D("43.75")]
    assert result.parts[ECO].total == D("24.00")  # 12.50 + 11.50
    assert result.parts[EFF].total == D("27.81")  # 17.81 (14.25 × 1.25 = 17.8125) + 10.00
    assert result.parts[EFT].total == D("38.13")  # 25.00 + 13.13 (10.5 × 1.25 = 13.125, half-up)
    assert "因公平性维度的指标均不适用，本维度按比例折算为 25.00 分" in result.parts[ECO].explanation
    assert (result.total, result.grade) == (D("89.94"), "良")


def test_weights_that_do_not_add_up_to_the_dimension_are_refused_naming_it():
    dimensions = property_service(**{ECO: [Indicator("服务单价", NEG, "15", "3.5", "3.2")]})
    result = score_four_e(dimensions, FOUR_E)
    assert (result.total, result.grade) == (None, "")
    assert [(p.field, p.message) for p in result.problems] == [
        ("economy", "经济性：各项指标“分值”合计应为 20 分，现为 15 分")
    ]


def test_a_dimension_without_indicators_and_an_unknown_dimension_are_refused():
    dimensions = property_service(**{EQU: []})
    dimensions["fairness"] = [Indicator("x", POS, "1", "1", "1")]
    result = score_four_e(dimensions, FOUR_E)
    assert result.total is None
    assert [(p.field, p.message) for p in result.problems] == [
        ("dimension", "未知的评价维度“fairness”，应为经济性、效率性、有效性、公平性之一"),
        ("equity", "公平性：本方案该维度 20 分，至少需要一项指标"),
    ]


def test_bad_values_keep_their_field_and_no_total_is_given():
    dimensions = property_service(**{EFT: [Indicator("公共设施完好率（%）", POS, "35", "98", "九十八")]})
    result = score_four_e(dimensions, FOUR_E)
    assert result.total is None
    assert [(p.field, p.message) for p in result.problems] == [("actual", "“全年实际值”必须是数字，现为“九十八”")]


def test_large_numbers_in_explanations_have_thousands_separators():
    dimensions = property_service(
        **{ECO: [Indicator("服务合同金额（元）", NEG, "20", "1234567.89", "1300000")]},
    )
    item = score_four_e(dimensions, FOUR_E).parts[ECO].items[0]
    assert item.explanation == "指标值 1,234,567.89 ÷ 实际值 1,300,000 × 分值（反向指标）"
    assert item.score == D("18.99")  # 1,234,567.89 ÷ 1,300,000 × 20 = 18.9933…
    far = check_deviation(Indicator("培训人次", POS, "10", "1000", "13500"), FOUR_E)
    assert far.explanation == "实际值与指标值偏差 1,250.00%，超过 20.00%，须说明原因并提出改进措施"
    paid = score_execution("2345678.9", "1234567.891", FOUR_E)
    assert paid.explanation == "执行率 52.63%：全年执行数 1,234,567.89 元 ÷ 全年预算数 2,345,678.90 元 × 10 = 5.26 分"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"equity_points": D("25")},
            "equity_points",
            "“经济性、效率性、有效性、公平性分值”合计应为 100 分，现为 105 分",
        ),
        (
            {"equity_points": D("0"), "effectiveness_points": D("55")},
            "equity_points",
            "“公平性分值”须大于 0，现为 0 分",
        ),
    ],
)
def test_a_split_that_does_not_add_up_is_a_problem_naming_the_field(changes, field, message):
    found = problems(dataclasses.replace(FOUR_E, **changes))
    assert [(p.field, p.message) for p in found] == [(field, message)]


@pytest.mark.django_db
def test_the_default_version_is_in_force_from_the_start_and_a_region_clones_it(persona):
    from evaluations.models import EvaluationScheme
    from organisations.choices import RegionLevel
    from organisations.models import Region

    default = in_force(EvaluationScheme, None, datetime.date(2000, 1, 1), kind=SchemeKind.FOUR_E)
    assert default.version == 1 and default.region is None
    assert default.rules().dimension_points() == {ECO: D("20"), EFF: D("25"), EFT: D("35"), EQU: D("20")}
    assert "实践做法" in default.note  # the split is practice, not the seed's
    county = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
    mine = clone_scheme(
        default,
        region=county,
        effective_from=datetime.date(2026, 1, 1),
        user=persona("perf"),
        economy_points=D("30"),
        effectiveness_points=D("25"),
    )
    assert in_force(EvaluationScheme, county, datetime.date(2026, 9, 15), kind=SchemeKind.FOUR_E) == mine
    assert score_four_e(property_service(), mine.rules()).problems != ()  # the example's weights follow 20/25/35/20

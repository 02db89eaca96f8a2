"""智能审核: each rule with a failing and a passing example (pure functions, no database)."""

from decimal import Decimal

from targets import quality
from targets.quality import IndicatorData, RuleConfig, SheetData


def ind(
    level1="output",
    level2="quantity",
    name="指标",
    comparator="ge",
    value="10",
    unit="个",
    weight="0",
    horizon="annual",
    last="",
    id=None,
):
    return IndicatorData(id, horizon, level1, level2, name, comparator, value, unit, Decimal(weight), last)


def complete(**overrides) -> SheetData:
    values = {
        "annual_goal": "完成 3000 平方米维修",
        "measures": "成立领导小组",
        "stages": 2,
        "requested_amount": Decimal("500000"),
        "indicators": [
            ind(weight="40", name="维修面积"),
            ind("cost", "economic_cost", "成本", "le", "45", "万元", "10"),
            ind("effect", "social_benefit", "隐患消除", "qualitative", "达到预期", "", "30"),
            ind("satisfaction", "service_satisfaction", "满意度", "ge", "90", "%", "10"),
        ],
    }
    values.update(overrides)
    return SheetData(**values)


def codes(data, **config) -> set[str]:
    return {f.rule for f in quality.run(data, quality.configuration(config))}


def messages(data, rule) -> list[str]:
    return [f.message for f in quality.run(data) if f.rule == rule]


def test_a_complete_sheet_has_no_findings():
    assert quality.run(complete()) == []


# 完整性 — seed 003 第十三条（一）
def test_completeness_requires_output_effect_satisfaction_and_cost():
    data = complete(indicators=[ind(weight="50")])
    found = messages(data, "completeness")
    assert any("效益" in m for m in found) and any("满意度" in m for m in found) and any("成本" in m for m in found)
    assert quality.run(data)[0].severity == "blocking"


def test_completeness_satisfaction_and_cost_only_when_the_flags_say_so():
    data = complete(
        indicators=[ind(weight="50"), ind("effect", "social_benefit", "x", "qualitative", "达到预期", "", "30")],
        serves_public=False,
        buys_outputs=False,
    )
    assert messages(data, "completeness") == []


def test_completeness_continuing_subject_needs_long_term_goal():
    assert any("长期目标" in m for m in messages(complete(continuing=True), "completeness"))
    assert messages(complete(continuing=True, long_term_goal="三年完成全部校舍改造"), "completeness") == []


# 相关性 — seed 003 第十三条（二）
def test_relevance_needs_a_quantified_output_indicator():
    data = complete(
        indicators=[ind(comparator="qualitative", value="完成", unit="", weight="40"), *complete().indicators[1:]]
    )
    assert "relevance" in codes(data)
    assert "relevance" not in codes(complete())


# 量化表述 — seed 003 第十三条（二）: 进一步 / 有所提高 … with no number, in a quantitative indicator
def test_vague_wording_without_a_number_is_flagged_in_a_quantitative_indicator():
    data = complete(
        indicators=[*complete().indicators, ind("effect", "social_benefit", "教学质量", "ge", "进一步", "")]
    )
    found = [f for f in quality.run(data) if f.rule == "vague_wording"]
    assert found and "进一步" in found[0].message and found[0].severity == "blocking"
    data = complete(
        indicators=[*complete().indicators, ind("effect", "social_benefit", "有所提高的比例", "ge", "", "")]
    )
    assert "vague_wording" in codes(data)


def test_a_qualitative_value_in_words_is_not_vague():
    """Seed 003 第十三条（二） asks targets to be measurable; a 定性 indicator's value is words by nature (附件1 填报说明:
    定性指标填文字描述), so “明显改善” is how it is written, not a vague quantity (issue 12 §1)."""
    data = complete(
        indicators=[
            *complete().indicators,
            ind("effect", "social_benefit", "教学质量", "qualitative", "明显改善", ""),
            ind("effect", "social_benefit", "办学条件", "qualitative", "有所提高", ""),
        ]
    )
    assert "vague_wording" not in codes(data)


def test_vague_word_with_a_number_passes():
    data = complete(
        indicators=[
            *complete().indicators,
            ind("effect", "social_benefit", "升学率", "qualitative", "较上年提高2个百分点", ""),
        ]
    )
    assert "vague_wording" not in codes(data)


# 指标值与单位一致 — seed 003 附件1 填报说明
def test_value_unit_consistency():
    bad = [
        ind(value="很多"),
        ind(name="无单位", unit=""),
        ind(name="合格率", value="120", unit="%"),
        ind(name="定性数字", comparator="qualitative", value="95", unit=""),
    ]
    found = messages(complete(indicators=[*complete().indicators, *bad]), "value_unit")
    assert len(found) == 4
    assert messages(complete(), "value_unit") == []


# 重复指标
def test_duplicates_same_level2_and_name():
    data = complete(indicators=[*complete().indicators, ind(name="维修面积")])
    assert "duplicate" in codes(data)
    data = complete(indicators=[*complete().indicators, ind(name="维修面积", horizon="long_term")])
    assert "duplicate" not in codes(data)


# 分值 — DOMAIN.md: 产出 50 (成本 with it), 效益 30, 满意度 10 — national practice, not a seed's text
def test_weights_follow_the_scheme_and_are_configurable():
    data = complete(indicators=[ind(weight="30", name="a"), *complete().indicators[1:]])
    found = messages(data, "weights")
    assert found and "产出指标分值合计 40" in found[0]
    # A warning by default (附件1 has no 分值 column; issue 12 §1); blocking is the bureau's choice.
    assert [f.severity for f in quality.run(data) if f.rule == "weights"] == ["warning"]
    blocking = RuleConfig("blocking", True, {"weights": quality.DEFAULT_WEIGHTS})
    assert [
        f.severity for f in quality.run(data, {**quality.configuration(), "weights": blocking}) if f.rule == "weights"
    ] == ["blocking"]
    assert "weights" not in codes(complete())
    scheme = RuleConfig("warning", True, {"weights": {"output": 40, "effect": 40, "satisfaction": 10}})
    data = complete(
        indicators=[
            ind(weight="30", name="a"),
            *complete().indicators[1:3],
            ind("effect", "economic_benefit", "增收", "ge", "5", "万元", "10"),
            complete().indicators[3],
        ]
    )
    assert "weights" not in codes(data, weights=scheme)


# 目标值低于上年实际 — seed 003 第十三条（四）
def test_target_below_last_year_actual():
    low = complete(
        indicators=[ind(weight="40", name="维修面积", value="2000", last="2500"), *complete().indicators[1:]]
    )
    found = [f for f in quality.run(low) if f.rule == "below_last_year"]
    assert found and found[0].severity == "warning"
    ok = complete(indicators=[ind(weight="40", name="维修面积", value="3000", last="2500"), *complete().indicators[1:]])
    assert "below_last_year" not in codes(ok)
    negative = complete(
        indicators=[
            *complete().indicators[:1],
            ind("cost", "economic_cost", "成本", "le", "60", "万元", "10", last="50"),
            *complete().indicators[2:],
        ]
    )
    assert "below_last_year" in codes(negative)


# 适当性 — seed 003 第十三条（三）: 预算资金可供量与目标之间的匹配性
def test_cost_indicator_above_the_requested_amount():
    data = complete(
        indicators=[
            complete().indicators[0],
            ind("cost", "economic_cost", "成本", "le", "80", "万元", "10"),
            *complete().indicators[2:],
        ]
    )
    found = messages(data, "cost_amount")
    assert found and "500,000.00" in found[0]
    assert "cost_amount" not in codes(complete())


# 可行性 — seed 003 第十三条（四）: 保障措施是否可行
def test_feasibility_needs_measures_and_schedule():
    assert len(messages(complete(measures="", stages=0), "feasibility")) == 2
    assert "feasibility" not in codes(complete())


def test_rules_can_be_switched_off_or_made_warnings():
    data = complete(indicators=[ind(weight="50")])
    assert "completeness" not in codes(data, completeness=RuleConfig("blocking", False))
    found = quality.run(data, quality.configuration({"completeness": RuleConfig("warning")}))
    assert all(f.severity == "warning" for f in found if f.rule == "completeness")


# 部门整体共性指标 — 张店区《区级部门单位预算绩效管理办法》第十二条（二）
def test_common_required_indicators_present_with_a_value():
    rows = [*complete().indicators, ind(name="预算执行率", value="", id=7)]
    rows[-1].library_id = 11
    data = complete(indicators=rows, required_common=[(11, "预算执行率"), (12, "结转结余率")])
    found = messages(data, "common_required")
    assert found == ["共性指标“预算执行率”未填写指标值", "缺少财政部门规定的共性指标“结转结余率”"]
    assert quality.run(data)[0].severity == "blocking"
    rows[-1].target_value = "95"
    assert messages(complete(indicators=rows, required_common=[(11, "预算执行率")]), "common_required") == []


# 区域绩效目标 — 张店区《区对下转移支付资金预算绩效管理办法》第十五条（二）、第十七条
def test_regional_decomposition_coverage_and_sum():
    area = ind(name="维修面积", value="3000", unit="平方米", weight="40", id=1)
    rate = ind("output", "quality", "合格率", "ge", "100", "%", "0", id=2)
    base = complete(indicators=[area, rate, *complete().indicators[1:]])
    data = SheetData(**{**base.__dict__, "regions": ["甲县", "乙县"], "regional": {"甲县": {1: "1000", 2: "100"}}})
    assert any("乙县尚未分解" in m for m in messages(data, "regional_coverage"))
    data.regional["乙县"] = {1: "1500", 2: "100"}
    assert messages(data, "regional_sum") == ["“维修面积”各区域指标值合计 2500平方米，与整体指标值 3000平方米 不一致"]
    data.regional["乙县"][1] = "2000"
    assert messages(data, "regional_sum") == []  # the rate (质量指标) is not added up
    assert "regional_sum" in codes(SheetData(**{**data.__dict__, "regional": {"甲县": {1: "1"}, "乙县": {1: "1"}}}))
    assert "regional_sum" not in codes(data, regional_sum=RuleConfig("warning", False))

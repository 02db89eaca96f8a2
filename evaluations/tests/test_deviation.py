"""The deviation rule (*practice*; threshold configurable): an indicator not met, or deviating from its target by
more than 20 %, needs a reason and an improvement measure before submission; exactly 20 % is not more than 20 %."""

import dataclasses
from decimal import Decimal

import pytest

from evaluations.choices import Band, IndicatorKind
from evaluations.rules import NATIONAL
from evaluations.scoring import Indicator, check_deviation

POS, NEG, EXACT, QUAL = IndicatorKind.POSITIVE, IndicatorKind.NEGATIVE, IndicatorKind.EXACT, IndicatorKind.QUALITATIVE


@pytest.mark.parametrize(
    ("kind", "target", "actual", "needs", "deviation"),
    [
        (POS, "100", "120", False, "0.2"),  # exactly 20 % above: not more than 20 %
        (POS, "100", "120.01", True, "0.2001"),
        (POS, "100", "100", False, "0"),
        (POS, "100", "99", True, "0.01"),  # not met
        (NEG, "100", "80", False, "0.2"),  # 20 % under the limit
        (NEG, "100", "79", True, "0.21"),  # met, but deviating by more than 20 %
        (NEG, "100", "101", True, "0.01"),  # above the limit: not met
        (EXACT, "1", "1", False, "0"),
        (EXACT, "1", "0", True, "1"),
    ],
)
def test_deviation_at_the_threshold(kind, target, actual, needs, deviation):
    check = check_deviation(Indicator("甲", kind, "10", target, actual), NATIONAL)
    assert check.needs_reason is needs
    assert check.deviation == Decimal(deviation)


def test_the_explanations():
    assert check_deviation(Indicator("甲", POS, "10", "100", "130"), NATIONAL).explanation == (
        "实际值与指标值偏差 30.00%，超过 20.00%，须说明原因并提出改进措施"
    )
    assert check_deviation(Indicator("甲", POS, "10", "100", "90"), NATIONAL).explanation == (
        "指标未完成（偏差 10.00%），须说明原因并提出改进措施"
    )
    assert (
        check_deviation(Indicator("甲", POS, "10", "100", "120"), NATIONAL).explanation == "偏差 20.00%，未超过 20.00%"
    )


def test_the_threshold_is_the_schemes():
    rules = dataclasses.replace(NATIONAL, deviation_threshold=Decimal("0.30"))
    assert check_deviation(Indicator("甲", POS, "10", "100", "125"), rules).needs_reason is False
    assert check_deviation(Indicator("甲", POS, "10", "100", "131"), rules).needs_reason is True


def test_target_zero():
    assert check_deviation(Indicator("事故", NEG, "10", "0", "0"), NATIONAL).needs_reason is False
    check = check_deviation(Indicator("事故", NEG, "10", "0", "2"), NATIONAL)
    assert check.needs_reason is True and check.deviation is None
    assert "年度指标值为 0，偏差率无法计算" in check.explanation


def test_missing_actual_needs_a_reason():
    check = check_deviation(Indicator("甲", POS, "10", "100", None), NATIONAL)
    assert check.needs_reason is True
    assert check.explanation == "缺少年度指标值或全年实际值，须说明未能取得的原因"


@pytest.mark.parametrize(("band", "needs"), [(Band.ACHIEVED, False), (Band.PARTLY, True), (Band.NOT_ACHIEVED, True)])
def test_qualitative_needs_a_reason_unless_achieved(band, needs):
    assert check_deviation(Indicator("甲", QUAL, "10", band=band, share="70"), NATIONAL).needs_reason is needs


def test_not_applicable_needs_nothing():
    assert check_deviation(Indicator("甲", POS, "10", "100", "1", applicable=False), NATIONAL).needs_reason is False

"""The pure scoring rules, with worked numbers."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from assessments import scoring
from assessments.choices import Conclusion

DEFAULTS = SimpleNamespace(support_min=Decimal("80"), improve_min=Decimal("60"))


def test_total_sums_scores_to_the_hundredth_and_counts_unscored_as_zero():
    # 8 + 8.5 + 7.25 + None + 20 = 43.75
    assert scoring.total([Decimal("8"), "8.5", Decimal("7.25"), None, 20]) == Decimal("43.75")
    assert scoring.total([]) == Decimal("0.00")


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        ("100", Conclusion.SUPPORT),
        ("80", Conclusion.SUPPORT),
        ("79.99", Conclusion.IMPROVE),
        ("60", Conclusion.IMPROVE),
        ("59.99", Conclusion.REJECT),
        ("0", Conclusion.REJECT),
    ],
)
def test_conclusion_thresholds_default_80_and_60(total, expected):
    assert scoring.conclusion(Decimal(total), DEFAULTS) == expected


def test_other_thresholds_change_the_conclusion_of_the_same_total():
    stricter = SimpleNamespace(support_min=Decimal("85"), improve_min=Decimal("70"))
    assert scoring.conclusion(Decimal("82"), DEFAULTS) == Conclusion.SUPPORT
    assert scoring.conclusion(Decimal("82"), stricter) == Conclusion.IMPROVE
    assert scoring.conclusion(Decimal("65"), stricter) == Conclusion.REJECT


def test_weights_must_be_positive_and_sum_to_100():
    assert scoring.weight_problems([25, 25, 25, 25]) == []
    assert scoring.weight_problems(["33.33", "33.33", "33.34"]) == []
    assert scoring.weight_problems([25, 25, 25]) == ["各评估要点分值合计应为 100，现为 75"]
    assert scoring.weight_problems([50, 50, 0]) == ["每个评估要点的分值必须大于 0"]
    assert scoring.weight_problems([]) == ["评估模板至少需要一个评估要点"]


def test_score_between_zero_and_the_weight():
    assert scoring.score_problem("8", Decimal("8")) == ""
    assert scoring.score_problem(None, Decimal("8")) == ""
    assert scoring.score_problem("8.01", Decimal("8")) == "得分应在 0 至 8 之间"
    assert scoring.score_problem("-1", Decimal("8.5")) == "得分应在 0 至 8.5 之间"


def test_thresholds_must_be_ordered():
    assert scoring.threshold_problems(80, 60) == {}
    assert "improve_min" in scoring.threshold_problems(70, 70)
    assert "support_min" in scoring.threshold_problems(101, 60)


def test_subtotals_by_dimension_in_order():
    rows = [("必要性", 8, 7), ("必要性", 9, "8.5"), ("可行性", 8, None)]
    assert scoring.subtotals(rows) == [
        ("必要性", Decimal("17.00"), Decimal("15.50")),
        ("可行性", Decimal("8.00"), Decimal("0.00")),
    ]

"""The satisfaction rate's margin of error at 95 % (surveys/stats.py), with worked examples: seed 000 第二十三条
(服务对象满意度) and seed 003 第三十四条 (公众评判法: 公众问卷及抽样调查)."""

import math
from types import SimpleNamespace

import pytest

from surveys import stats


def test_margin_of_error_is_1_96_times_the_standard_error():
    # p = 0.85 from n = 120: 1.96 × √(0.85 × 0.15 / 120) = 0.06389…
    assert stats.margin_of_error(0.85, 120) == pytest.approx(1.96 * math.sqrt(0.85 * 0.15 / 120))
    assert stats.margin_of_error(0.85, 120) == pytest.approx(0.063888, abs=1e-6)
    # the widest margin is at p = 0.5: n = 400 gives ±4.9 %
    assert stats.margin_of_error(0.5, 400) == pytest.approx(0.049)


def test_the_finite_population_correction_narrows_the_margin():
    # N = 3200, n = 120: × √((3200 − 120) / 3199) = × 0.98123…
    plain = stats.margin_of_error(0.85, 120)
    corrected = stats.margin_of_error(0.85, 120, population=3200)
    assert corrected == pytest.approx(plain * math.sqrt(3080 / 3199))
    assert corrected == pytest.approx(0.062689, abs=1e-6)
    # half the population asked: the margin shrinks by √(N−n)/(N−1) ≈ 0.7075
    assert stats.margin_of_error(0.5, 500, population=1000) == pytest.approx(
        1.96 * math.sqrt(0.25 / 500) * math.sqrt(500 / 999)
    )


def test_a_census_has_no_sampling_error_and_no_answers_no_margin():
    assert stats.margin_of_error(0.9, 200, population=200) == 0.0
    assert stats.margin_of_error(0.9, 0) is None
    assert stats.margin_of_error(1.0, 50) == 0.0
    with pytest.raises(ValueError):
        stats.margin_of_error(1.2, 10)


def test_an_estimate_below_30_answers_is_not_enough():
    small = stats.Estimate(satisfied=25, n=29)
    assert not small.enough and small.percent() == "86.2%"
    enough = stats.Estimate(satisfied=102, n=120, population=3200)
    assert enough.enough and enough.population_applies
    assert enough.margin_percent() == "±6.3%"
    assert stats.Estimate(0, 0).rate is None and stats.Estimate(0, 0).percent() == "—"


def test_a_population_smaller_than_the_sample_is_ignored_as_a_typing_error():
    estimate = stats.Estimate(satisfied=90, n=100, population=50)
    assert estimate.population_too_small and not estimate.population_applies
    assert estimate.margin == pytest.approx(stats.margin_of_error(0.9, 100))


def test_what_counts_as_satisfied():
    rating = SimpleNamespace(kind="rating", counts_toward_satisfaction=True, satisfied_from=4, satisfied_options=[])
    assert stats.is_satisfied(rating, rating=4) is True
    assert stats.is_satisfied(rating, rating=3) is False
    assert stats.is_satisfied(rating, rating=None) is None
    single = SimpleNamespace(
        kind="single", counts_toward_satisfaction=True, satisfied_from=None, satisfied_options=["满意", "非常满意"]
    )
    assert stats.is_satisfied(single, choices=["满意"]) is True
    assert stats.is_satisfied(single, choices=["一般"]) is False
    plain = SimpleNamespace(kind="single", counts_toward_satisfaction=False, satisfied_from=None, satisfied_options=[])
    assert stats.is_satisfied(plain, choices=["满意"]) is None


def test_the_overall_rate_is_the_mean_of_each_respondents_share():
    # respondent 1: 2 of 2 satisfied; respondent 2: 1 of 2; respondent 3: 0 of 1 → (1 + 0.5 + 0) / 3 = 0.5
    estimate = stats.overall({1: [True, True], 2: [True, False], 3: [False], 4: []})
    assert estimate.n == 3
    assert estimate.rate == pytest.approx(0.5)

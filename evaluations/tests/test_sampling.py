"""The spot re-check sample (seed 001 第二十一条 抽查复核): reproducible from its seed, a share of each department with a
minimum, the largest subject always, strata by amount; risk-based favours high self-scores with low execution."""

from decimal import Decimal

from evaluations import sampling
from evaluations.sampling import Candidate, Params


def pool(departments=3, per=10):
    return [
        Candidate(form_id=d * 100 + i, department_id=d, budget=Decimal(1000 * (i + 1)))
        for d in range(1, departments + 1)
        for i in range(per)
    ]


def test_the_same_seed_draws_the_same_sample_and_another_seed_another():
    first = sampling.draw(pool(), Params(), seed=42)
    assert first == sampling.draw(pool(), Params(), seed=42)
    assert first != sampling.draw(pool(), Params(), seed=43)


def test_a_share_of_each_department_with_a_minimum_and_the_largest_always():
    drawn = sampling.draw(pool(per=10), Params(share=Decimal("0.20"), minimum=3), seed=7)
    by_department = {}
    for d in drawn:
        by_department.setdefault(d.form_id // 100, []).append(d)
    assert {k: len(v) for k, v in by_department.items()} == {1: 3, 2: 3, 3: 3}  # 20 % of 10 = 2 < minimum 3
    for department, items in by_department.items():
        assert items[0] == sampling.Drawn(department * 100 + 9, "largest")


def test_a_small_department_is_drawn_whole_and_a_large_one_by_share():
    small = [Candidate(1, 1, Decimal("5")), Candidate(2, 1, Decimal("6"))]
    large = [Candidate(100 + i, 2, Decimal(i)) for i in range(50)]
    drawn = sampling.draw(small + large, Params(share=Decimal("0.10"), minimum=3), seed=1)
    assert {d.form_id for d in drawn if d.form_id < 100} == {1, 2}
    assert len([d for d in drawn if d.form_id >= 100]) == 5


def test_strata_each_get_their_share():
    group = [Candidate(i, 1, Decimal(i)) for i in range(1, 31)]
    drawn = sampling.stratified(group, 7, __import__("random").Random(3), 3)
    assert drawn[0].form_id == 30
    reasons = [d.reason for d in drawn[1:]]
    assert reasons.count("stratum 1") == 2 and reasons.count("stratum 2") == 2 and reasons.count("stratum 3") == 2


def test_adding_a_department_does_not_change_another_departments_draw():
    base = sampling.draw(pool(departments=2), Params(), seed=9)
    more = sampling.draw(pool(departments=3), Params(), seed=9)
    assert [d for d in more if d.form_id < 300] == base


def test_risk_based_sampling_favours_high_self_scores_with_low_execution():
    risky = [Candidate(i, 1, Decimal(100), Decimal("0.98"), Decimal("0.40")) for i in range(10)]
    calm = [Candidate(100 + i, 1, Decimal(100), Decimal("0.80"), Decimal("0.90")) for i in range(10)]
    hits = 0
    for seed in range(200):
        drawn = sampling.draw(risky + calm, Params(method=sampling.RISK, share=Decimal("0.10"), minimum=2), seed)
        hits += sum(1 for d in drawn if d.form_id < 100)
    assert hits > 200 * 2 * 0.6  # far more than the half an unweighted draw gives


def test_a_department_that_inflated_before_weighs_more():
    c = Candidate(1, 1, Decimal(1))
    params = Params()
    assert sampling.risk_weight(c, Decimal("12"), params) > sampling.risk_weight(c, Decimal("0"), params)
    assert sampling.risk_weight(c, Decimal("-5"), params) == sampling.risk_weight(c, None, params)

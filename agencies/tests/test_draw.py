"""The expert draw (agencies/draw.py): conflict-of-interest exclusion (回避, seed 004 三(一) 利益关系回避; seed 000
第二十五条, seed 003 第三十三条) and a draw reproducible from its recorded seed."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agencies import actions, draw
from agencies.models import ExpertDraw
from agencies.tests.helpers import expert, field, org, perf_section, user
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db

HEALTH = "示范市卫生健康委员会"
HOSPITAL = "示范市人民医院"
EDU = "示范市教育局"


@pytest.fixture
def pool():
    """A field of its own with eight experts of whom four must be excluded for an evaluation of the health commission."""
    f = field("draw-test", "抽取测试")
    free = [expert(f"候选{n}", fields=[f]) for n in range(4)]
    at_hospital = expert("医院专家", fields=[f], employer=org(HOSPITAL))  # under the evaluated organisation
    at_commission = expert("委机关专家", fields=[f], employer=org(HEALTH))  # the evaluated organisation itself
    related = expert("有关系专家", fields=[f])
    actions.add_relation(user("perf"), related, org(HEALTH), "配偶在该委任职")
    away = expert("出差专家", fields=[f], available=False)
    return f, free, [at_hospital, at_commission, related, away]


def _draw(f, count=3, seed=None, evaluated=HEALTH, who="perf"):
    return draw.draw_experts(
        keeper=perf_section(), evaluated=org(evaluated), field=f, count=count, user=user(who), seed=seed
    )


def test_conflicts_are_excluded_with_their_reasons(pool):
    """回避: employer is the evaluated organisation or under it (path), a declared relation, and the unavailable."""
    f, free, excluded = pool
    made = _draw(f, count=4, seed=7)
    assert sorted(made.candidate_ids) == sorted(e.pk for e in free)
    assert set(made.drawn.values_list("pk", flat=True)) == {e.pk for e in free}
    reasons = {row["name"]: row["reason"] for row in made.excluded}
    assert set(reasons) == {e.name for e in excluded}
    assert "任职于被评价单位" in reasons["医院专家"] and HOSPITAL in reasons["医院专家"]
    assert "任职于被评价单位" in reasons["委机关专家"]
    assert "配偶在该委任职" in reasons["有关系专家"]
    assert "暂不可抽取" in reasons["出差专家"]


def test_a_relation_to_the_evaluated_units_department_excludes(pool):
    """A relation declared to the department excludes the expert from an evaluation of one of its units."""
    f, _free, _ = pool
    screened = draw.screen(perf_section(), org(HOSPITAL), f)
    names = {row["name"] for row in screened.excluded}
    assert {"医院专家", "有关系专家", "出差专家"} <= names
    # 委机关专家 works at the department, above the hospital: not excluded from the hospital's evaluation
    assert "委机关专家" in {e.name for e in screened.candidates}


def test_another_evaluated_organisation_excludes_nobody_but_the_unavailable(pool):
    f, _free, _ = pool
    screened = draw.screen(perf_section(), org(EDU), f)
    assert [row["name"] for row in screened.excluded] == ["出差专家"]


def test_suspended_and_removed_experts_are_not_drawn(pool):
    f, free, _ = pool
    perf = user("perf")
    import datetime

    actions.sanction(perf, expert=free[0], kind="suspension", reason="评审违规", ends_on=datetime.date(2026, 12, 31))
    actions.sanction(perf, expert=free[1], kind="removal", reason="严重违规")
    screened = draw.screen(perf_section(), org(HEALTH), f)
    assert {e.pk for e in screened.candidates} == {free[2].pk, free[3].pk}
    assert any("暂停抽取至 2026-12-31" in row["reason"] for row in screened.excluded)
    assert free[1].pk not in {row["expert"] for row in screened.excluded}  # removed: not in the register at all


def test_a_suspension_past_its_end_date_no_longer_excludes(pool, settings):
    import datetime

    from core import clock

    f, free, _ = pool
    with clock.pinned(datetime.date(2026, 3, 1)):
        actions.sanction(
            user("perf"), expert=free[0], kind="suspension", reason="违规", ends_on=datetime.date(2026, 6, 30)
        )
    with clock.pinned(datetime.date(2026, 7, 1)):
        assert free[0].pk in {e.pk for e in draw.screen(perf_section(), org(HEALTH), f).candidates}


def test_same_seed_same_experts_and_replay_agrees(pool):
    f, _free, _ = pool
    first = _draw(f, count=2, seed=20260915)
    second = _draw(f, count=2, seed=20260915)
    drawn = sorted(first.drawn.values_list("pk", flat=True))
    assert drawn == sorted(second.drawn.values_list("pk", flat=True))
    assert sorted(draw.replay(first)) == drawn
    assert draw.verify(first)[0] is True


def test_different_seeds_generally_differ(pool):
    _f, free, _ = pool
    results = {tuple(sorted(draw.pick([e.pk for e in free], seed, 2))) for seed in range(20)}
    assert len(results) > 1


def test_seed_is_recorded_when_not_given(pool):
    f, _free, _ = pool
    made = _draw(f, count=1)
    assert 0 <= made.seed < 2**63
    assert sorted(draw.replay(made)) == sorted(made.drawn.values_list("pk", flat=True))


def test_replay_detects_a_tampered_result(pool):
    f, free, _ = pool
    made = _draw(f, count=1, seed=3)
    other = next(e for e in free if e.pk not in set(made.drawn.values_list("pk", flat=True)))
    made.drawn.set([other])
    assert draw.verify(made)[0] is False


def test_too_few_candidates_is_refused_with_the_number_available(pool):
    f, _free, _ = pool
    before = ExpertDraw.objects.count()
    with pytest.raises(ValidationError) as caught:
        _draw(f, count=5)
    assert "只有 4 名" in caught.value.messages[0]
    assert ExpertDraw.objects.count() == before


def test_the_draw_is_audited_naming_the_actor(pool):
    f, _free, _ = pool
    made = _draw(f, count=2, seed=11)
    entry = AuditEntry.objects.filter(object_type="agencies.expertdraw", object_id=str(made.pk)).first()
    assert entry is not None and entry.actor == user("perf")
    assert "种子 11" in entry.reason


def test_only_the_keeper_draws_without_a_key_evaluation(pool):
    f, _free, _ = pool
    for who in ("county_perf", "budget", "agency", "edu_reviewer"):
        with pytest.raises(PermissionDenied):
            _draw(f, count=1, who=who)


def test_count_and_seed_are_checked(pool):
    f, _free, _ = pool
    with pytest.raises(ValidationError):
        _draw(f, count=0)
    with pytest.raises(ValidationError):
        _draw(f, count=1, seed=-1)
    with pytest.raises(ValidationError):
        _draw(f, count=1, seed=2**63)

"""Finance's spot re-check (seed 001 第二十一条 抽查复核; seed 003 第二十三条 财政再评价): the draw recorded and reproducible,
independent re-scoring (the unit's score hidden until submitted), an agency reaching only its assigned re-check, the
discrepancy report (gap ≥ 10 points or a different grade, not self-evaluated, graded 差) and the inflation index."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core import access
from evaluations import discrepancy, recheck_actions
from evaluations.choices import RecheckStatus
from evaluations.models import RecheckItem, SelfEvaluation
from evaluations.tests.self_helpers import YEAR, fill_and_submit, form_of, funded_subject, open_round
from organisations.models import Organisation
from subjects.tests.helpers import user
from workflow.actions import StaleDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_with_forms():
    subjects = [
        funded_subject(f"复核测试项目{i}", arranged=f"{(i + 1) * 100000}.00", allocated=f"{(i + 1) * 100000}.00")
        for i in range(4)
    ]
    never = funded_subject("未报送项目")
    evaluation_round = open_round()
    forms = [fill_and_submit(form_of(evaluation_round, s)) for s in subjects]
    return evaluation_round, forms, form_of(evaluation_round, never)


def _draw(evaluation_round, **kwargs):
    kwargs.setdefault("seed", 2025)
    kwargs.setdefault("minimum", 2)
    return recheck_actions.draw_sample(user("perf"), evaluation_round, **kwargs)


def test_the_draw_is_recorded_and_reproducible(round_with_forms):
    from audit.models import AuditEntry

    evaluation_round, forms, _ = round_with_forms
    sample = _draw(evaluation_round)
    drawn = set(sample.items.values_list("evaluation_id", flat=True))
    largest = max(forms, key=lambda f: f.budget)
    assert largest.pk in drawn and len(drawn) == 2  # 20 % of 4 → the minimum of 2, the largest always
    assert sample.candidates == 4  # the form never submitted is not a candidate
    assert AuditEntry.objects.filter(object_type="evaluations.rechecksample", changes__icontains="2025").exists()
    again = recheck_actions.sampling.draw(
        recheck_actions.candidates(evaluation_round), recheck_actions.sampling.Params(minimum=2), 2025
    )
    assert {d.form_id for d in again} == drawn
    with pytest.raises(ValidationError):
        _draw(evaluation_round)  # once per round


def test_only_the_organising_performance_section_draws(round_with_forms):
    evaluation_round, _, _ = round_with_forms
    for username in ("desk_edu", "edu_reviewer", "county_perf"):
        with pytest.raises(PermissionDenied):
            recheck_actions.draw_sample(user(username), evaluation_round, seed=1)


def _recheck(item, *, by="perf", overrides=None, opinion="经核实，部分指标实际值偏高"):
    values = {}
    for own in item.indicators.select_related("row"):
        row = own.row
        if row.kind == "qualitative":
            values[row.pk] = {"band": "partly", "share": "70"}
        else:
            values[row.pk] = {"actual": row.target_value}
        values[row.pk].update((overrides or {}).get(row.name, {}))
    item = recheck_actions.save_recheck(user(by), item, item.version, rows=values, opinion=opinion)
    return recheck_actions.submit_recheck(user(by), item, item.version)


def test_rechecking_scores_independently_and_the_gap_is_reported(round_with_forms):
    evaluation_round, _, _ = round_with_forms
    sample = _draw(evaluation_round)
    item = sample.items.order_by("pk").first()
    assert not recheck_actions.shows_self_score(user("perf"), item)
    item = _recheck(item, overrides={"维修校舍面积": {"actual": "1500"}, "师生满意度": {"actual": "60"}})
    assert item.status == RecheckStatus.SUBMITTED and recheck_actions.shows_self_score(user("perf"), item)
    assert item.total_score < item.self_score
    assert item.difference == item.self_score - item.total_score
    report = discrepancy.report(sample, user("perf"))
    assert item.pk in [i.pk for i in report.large_gaps]
    assert report.not_self_evaluated and report.not_self_evaluated[0]["unsubmitted"] >= 1


@pytest.mark.parametrize(("gap", "listed"), [("9.99", False), ("10.00", True)])
def test_the_gap_threshold_is_inclusive(round_with_forms, gap, listed):
    evaluation_round, _, _ = round_with_forms
    sample = _draw(evaluation_round, grade_differs=False)
    item = sample.items.order_by("pk").first()
    RecheckItem.objects.filter(pk=item.pk).update(
        status=RecheckStatus.SUBMITTED, self_score=Decimal("95.00"), total_score=Decimal("95.00") - Decimal(gap)
    )
    assert (item.pk in [i.pk for i in discrepancy.large_gaps(sample)]) is listed


def test_a_different_grade_is_a_discrepancy_when_the_sample_says_so(round_with_forms):
    evaluation_round, _, _ = round_with_forms
    sample = _draw(evaluation_round)
    item = sample.items.order_by("pk").first()
    RecheckItem.objects.filter(pk=item.pk).update(
        status=RecheckStatus.SUBMITTED,
        self_score=Decimal("90.00"),
        self_grade="优",
        total_score=Decimal("89.00"),
        grade="良",
    )
    assert item.pk in [i.pk for i in discrepancy.large_gaps(sample)]


def test_a_recheck_outside_the_sample_is_refused(round_with_forms):
    evaluation_round, forms, _ = round_with_forms
    sample = _draw(evaluation_round)
    drawn = set(sample.items.values_list("evaluation_id", flat=True))
    outside = next(f for f in forms if f.pk not in drawn)
    with pytest.raises(ValidationError) as caught:
        recheck_actions.item_for(sample, outside)
    assert "未被抽中" in str(caught.value)


def test_an_agency_reaches_only_its_assigned_recheck(round_with_forms):
    evaluation_round, _, _ = round_with_forms
    sample = _draw(evaluation_round)
    first, second = list(sample.items.order_by("pk"))
    agency_user = user("agency")
    agency = agency_user.organisation
    recheck_actions.assign(user("perf"), first, agency=agency)
    assert list(access.restrict(RecheckItem.objects.all(), agency_user)) == [first]
    assert recheck_actions.can_recheck(agency_user, first) and not recheck_actions.can_recheck(agency_user, second)
    assert not recheck_actions.can_recheck(user("perf"), first)  # given to the agency now
    # the unit never reads finance's re-check
    assert not access.restrict(RecheckItem.objects.all(), user("edu_preparer")).exists()


def test_assigning_refuses_a_non_agency_and_an_outsider(round_with_forms):
    evaluation_round, _, _ = round_with_forms
    item = _draw(evaluation_round).items.first()
    with pytest.raises(ValidationError):
        recheck_actions.assign(user("perf"), item, agency=Organisation.objects.filter(kind="unit").first())
    with pytest.raises(ValidationError):
        recheck_actions.assign(user("perf"), item, rechecker=user("edu_reviewer"))
    with pytest.raises(PermissionDenied):
        recheck_actions.assign(user("edu_reviewer"), item, rechecker=user("perf"))


def test_a_stale_recheck_save_is_refused(round_with_forms):
    evaluation_round, _, _ = round_with_forms
    item = _draw(evaluation_round).items.first()
    recheck_actions.save_recheck(user("perf"), item, item.version, opinion="一")
    with pytest.raises(StaleDocument):
        recheck_actions.save_recheck(user("perf"), item, item.version - 1, opinion="二")


def test_submitting_without_an_opinion_is_refused(round_with_forms):
    evaluation_round, _, _ = round_with_forms
    item = _draw(evaluation_round).items.first()
    with pytest.raises(ValidationError):
        _recheck(item, opinion="")


def test_inflation_index_per_department(round_with_forms):
    evaluation_round, _, _ = round_with_forms
    sample = _draw(evaluation_round)
    for item in sample.items.all():
        _recheck(item, overrides={"维修校舍面积": {"actual": "1500"}})
    rows = discrepancy.inflation(evaluation_round.region)
    assert rows and all(r["index"] > 0 for r in rows)
    index = recheck_actions.inflation_by_department(evaluation_round.region, YEAR)
    assert all(v > 0 for v in index.values())


def test_without_a_recheck_high_indicators_with_low_execution_are_flagged():
    """Indicators 88/90 with execution 4/10: flagged, naming the rule."""
    subject = funded_subject("执行偏低项目", paid=[("200000.00", datetime.date(YEAR, 12, 1))])  # 40 %
    evaluation_round = open_round()
    form = fill_and_submit(form_of(evaluation_round, subject))
    assert form.execution_score == Decimal("4.00") and form.indicator_score == Decimal("90.00")
    assert form in list(discrepancy.flagged(evaluation_round, Decimal("0.50")))
    assert form not in list(discrepancy.flagged(evaluation_round, Decimal("0.70")))
    assert "未复核" in discrepancy.FLAG_RULE


def test_graded_poor_lists_rechecks_and_unit_grades(round_with_forms):
    evaluation_round, forms, _ = round_with_forms
    sample = _draw(evaluation_round)
    SelfEvaluation.objects.filter(pk=forms[0].pk).update(grade="差")
    item = sample.items.first()
    RecheckItem.objects.filter(pk=item.pk).update(status=RecheckStatus.SUBMITTED, grade="差")
    rechecked, by_unit = discrepancy.graded_poor(sample)
    assert [i.pk for i in rechecked] == [item.pk]
    assert forms[0].pk in [f.pk for f in by_unit] or forms[0].pk == item.evaluation_id

"""Opening the self-evaluation: who is on the list, who is left off and why, and the prefill from treasury data
(seed 001 第二十条; 转移支付办法 第二十条（二）; seed 000 第二十二条; seed 003 第二十七条)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core import clock
from evaluations import opening, self_actions
from evaluations.choices import EvaluationStage, FormKind, LeftOutReason, RoundStatus
from evaluations.models import SelfEvaluation, SelfEvaluationIndicator
from evaluations.tests.self_helpers import YEAR, approved_sheet, form_of, funded_subject, open_round
from subjects.tests.helpers import user

pytestmark = pytest.mark.django_db


def test_prefill_from_treasury_data_as_of_31_december():
    subject = funded_subject(
        paid=[("200000.00", datetime.date(YEAR, 6, 30)), ("250000.00", datetime.date(YEAR, 12, 31))]
    )
    evaluation_round = open_round()
    form = form_of(evaluation_round, subject)
    assert evaluation_round.status == RoundStatus.OPEN
    assert form.budget == Decimal("500000.00")
    assert form.paid == Decimal("450000.00")
    assert form.execution_rate == Decimal("0.9000")
    assert form.execution_score == Decimal("9.00")  # 450,000 ÷ 500,000 × 10
    assert form.kind == FormKind.PROJECT and form.stage == EvaluationStage.ANNUAL
    assert form.organisation_id == subject.organisation_id
    assert form.status == "draft" and form.current_role == "unit_preparer"
    assert form.step_due_at.date() == datetime.date(YEAR + 1, 3, 31)
    rows = list(form.indicators.order_by("order"))
    assert [r.name for r in rows][:2] == ["维修校舍面积", "工程验收合格率"]
    assert {r.kind for r in rows} == {"positive", "negative", "qualitative"}
    assert sum(r.weight for r in rows) == Decimal("90")


def test_payments_after_31_december_do_not_count_and_the_budget_falls_back_to_the_arranged_amount():
    subject = funded_subject(
        allocated=None,
        arranged="400000.00",
        paid=[("100000.00", datetime.date(YEAR, 12, 31)), ("90000.00", datetime.date(YEAR + 1, 1, 5))],
    )
    form = form_of(open_round(), subject)
    assert form.budget == Decimal("400000.00") and form.paid == Decimal("100000.00")
    assert form.execution_score == Decimal("2.50")


def test_overspending_scores_the_full_execution_points_and_no_budget_scores_none():
    over = funded_subject("超支项目", paid=[("600000.00", datetime.date(YEAR, 11, 1))])
    nothing = funded_subject("零预算项目", arranged="0.00", allocated=None, paid=[])
    evaluation_round = open_round()
    assert form_of(evaluation_round, over).execution_score == Decimal("10.00")
    assert form_of(evaluation_round, over).execution_rate == Decimal("1.2000")
    zero = form_of(evaluation_round, nothing)
    assert zero.execution_score is None and zero.execution_rate is None


@pytest.mark.parametrize(
    ("budget", "paid"),
    [
        ("3", "1"),
        ("3", "2"),
        ("7", "1"),
        ("700000.00", "123456.78"),
        ("0.03", "0.01"),
        ("9999999.99", "1.00"),
        ("8", "1"),
        ("16", "1"),
    ],
)
@pytest.mark.parametrize("rounding", ["ROUND_HALF_UP", "ROUND_HALF_EVEN", "ROUND_DOWN"])
def test_sql_execution_score_equals_the_engine(budget, paid, rounding):
    """The set-based prefill gives exactly what ``scoring.score_execution`` gives, under each rounding rule."""
    from evaluations import scoring
    from evaluations.models import EvaluationScheme

    subject = funded_subject(arranged=budget, allocated=budget, paid=[(paid, datetime.date(YEAR, 5, 1))])
    scheme = EvaluationScheme.objects.get(kind="national", region__isnull=True, version=1)
    EvaluationScheme.objects.filter(pk=scheme.pk).update(rounding=rounding)
    scheme.refresh_from_db()
    form = form_of(open_round(), subject)
    expected = scoring.score_execution(Decimal(budget), Decimal(paid), scheme.rules())
    assert form.execution_score == expected.score


def test_the_last_approved_revision_is_the_one_prefilled():
    """An indicator added by an adjustment during the year is scored; one the adjustment dropped is not."""
    subject = funded_subject()
    adjusted = [
        *[i for i in __import__("evaluations.tests.self_helpers", fromlist=["x"]).INDICATORS if i[2] != "按期完工率"]
    ]
    adjusted.append(("output", "timeliness", "调整后新增：完工及时率", "ge", "90", "%", "5"))
    approved_sheet(subject, adjusted)
    form = form_of(open_round(), subject)
    names = set(form.indicators.values_list("name", flat=True))
    assert "调整后新增：完工及时率" in names and "按期完工率" not in names
    assert form.target_sheet.revision == 2


def test_cross_year_subjects_get_a_stage_or_full_cycle_evaluation():
    """seed 000 第二十二条; seed 003 第二十七条: 阶段性 each year, 全周期 at the end."""
    running = funded_subject(
        "跨年度在建项目", duration="continuing", end_year=YEAR + 1, end_date=datetime.date(YEAR + 1, 12, 31)
    )
    ending = funded_subject(
        "跨年度完工项目", duration="continuing", start_year=YEAR - 1, start_date=datetime.date(YEAR - 1, 3, 1)
    )
    evaluation_round = open_round()
    assert form_of(evaluation_round, running).stage == EvaluationStage.STAGE
    assert form_of(evaluation_round, ending).stage == EvaluationStage.FULL_CYCLE


def test_transfer_payments_only_as_agreed_with_finance():
    """转移支付办法 第二十条（二）: 区业务主管部门会同区财政部门确定年度绩效自评项目清单."""
    listed = funded_subject("清单内转移支付", kind="transfer_project")
    unlisted = funded_subject("清单外转移支付", kind="transfer_project")
    evaluation_round = open_round(transfer_subjects=[listed])
    assert form_of(evaluation_round, listed).kind == FormKind.TRANSFER
    assert not SelfEvaluation.objects.filter(round=evaluation_round, subject=unlisted).exists()
    assert {"subject": unlisted.pk, "reason": LeftOutReason.TRANSFER_NOT_LISTED} in evaluation_round.left_out
    # agreed later: running the opening again adds its form, and nothing twice
    self_actions.set_transfer_list(evaluation_round, user("perf"), [listed, unlisted])
    before = SelfEvaluation.objects.filter(round=evaluation_round).count()
    rows_before = SelfEvaluationIndicator.objects.filter(evaluation__round=evaluation_round).count()
    assert opening.finish(evaluation_round) == 1
    assert SelfEvaluation.objects.filter(round=evaluation_round).count() == before + 1
    assert SelfEvaluationIndicator.objects.filter(evaluation__round=evaluation_round).count() == rows_before + 6
    assert opening.finish(evaluation_round) == 0


def test_subjects_of_regions_below_are_counted_per_region_not_listed():
    county_subject = funded_subject("区县自评项目", organisation=_county_unit())
    evaluation_round = open_round()
    assert not SelfEvaluation.objects.filter(round=evaluation_round, subject=county_subject).exists()
    entries = [e for e in evaluation_round.left_out if e["reason"] == LeftOutReason.OTHER_REGION]
    assert entries and all(e["count"] >= 1 for e in entries)
    county = open_round("county_perf")
    assert SelfEvaluation.objects.filter(round=county, subject=county_subject).exists()


def _county_unit():
    from organisations.models import Organisation

    county = user("county_perf").organisation.region
    return Organisation.objects.filter(kind="unit", region=county).order_by("pk").first()


def test_only_the_performance_section_opens_and_once_per_year_and_region():
    with pytest.raises(PermissionDenied):
        self_actions.open_round(user("edu_reviewer"), fiscal_year=YEAR, due_date=datetime.date(YEAR + 1, 3, 31))
    open_round()
    with pytest.raises(ValidationError) as caught:
        self_actions.open_round(user("perf"), fiscal_year=YEAR, due_date=datetime.date(YEAR + 1, 3, 31))
    assert "已经开启" in str(caught.value)


def test_a_year_not_yet_over_cannot_be_evaluated():
    with clock.pinned(datetime.date(YEAR, 12, 31)), pytest.raises(ValidationError) as caught:
        self_actions.open_round(user("perf"), fiscal_year=YEAR, due_date=datetime.date(YEAR + 1, 3, 31))
    assert "尚未结束" in str(caught.value)


def test_due_date_must_be_after_the_year():
    with pytest.raises(ValidationError) as caught:
        self_actions.open_round(user("perf"), fiscal_year=YEAR, due_date=datetime.date(YEAR, 12, 1))
    assert "due_date" in caught.value.message_dict


def test_integrated_agricultural_funds_are_evaluated_per_town_not_per_project():
    """转移支付办法 第二十八条: 对涉农等整合资金切块下达部分，区级不再对具体项目开展绩效评价，以镇办为单位开展综合绩效评价."""
    from organisations.models import Organisation, Region
    from targets.models import RegionalIndicatorValue, RegionalTarget, TargetSheet

    fund = funded_subject("涉农整合资金", kind="transfer_overall", fund_sources=["integrated_agri"])
    sheet = TargetSheet.objects.get(subject=fund, is_current=True)
    towns = list(Region.objects.filter(parent=user("perf").organisation.region).order_by("code")[:2])
    assert len(towns) == 2
    first = RegionalTarget.objects.create(sheet=sheet, region=towns[0], amount=Decimal("300000.00"))
    RegionalTarget.objects.create(sheet=sheet, region=towns[1], amount=Decimal("200000.00"))
    area = sheet.indicators.get(name="维修校舍面积")
    RegionalIndicatorValue.objects.create(regional_target=first, indicator=area, value="1800")
    payer = (
        Organisation.objects.filter(region=towns[0], kind="unit").first()
        or Organisation.objects.filter(region__path__startswith=towns[0].path).first()
    )
    from execution.choices import MatchStatus
    from execution.models import Payment

    Payment.objects.create(
        fiscal_year=YEAR,
        payer_code="T9",
        organisation=payer,
        project_code=fund.code,
        subject=fund,
        match_status=MatchStatus.MATCHED,
        amount=Decimal("150000.00"),
        voucher_number="ZFTOWN000001",
        paid_on=datetime.date(YEAR, 8, 1),
    )
    evaluation_round = open_round(transfer_subjects=[fund])
    forms = {f.town_id: f for f in SelfEvaluation.objects.filter(round=evaluation_round, subject=fund)}
    assert set(forms) == {towns[0].pk, towns[1].pk}  # one per town, none for the project itself
    town_form = forms[towns[0].pk]
    assert town_form.kind == FormKind.TOWN and town_form.organisation_id == fund.organisation_id
    assert town_form.budget == Decimal("300000.00") and town_form.paid == Decimal("150000.00")
    assert town_form.execution_score == Decimal("5.00")
    targets = dict(town_form.indicators.values_list("name", "target_value"))
    assert (
        targets["维修校舍面积"] == "1800" and targets["工程验收合格率"] == "100"
    )  # the town's value, else the sheet's
    assert {"subject": fund.pk, "reason": LeftOutReason.PER_TOWN} in evaluation_round.left_out
    assert opening.finish(evaluation_round) == 0  # run again: nothing twice

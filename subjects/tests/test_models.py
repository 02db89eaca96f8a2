"""Subject validation (Model.clean, shared by the form, the API and the import)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from subjects.models import PurchasedServiceDetail, Subject
from subjects.tests.helpers import org, subject_values

pytestmark = pytest.mark.django_db


def errors_of(**fields) -> dict:
    subject = Subject(**subject_values(**fields))
    try:
        subject.full_clean(exclude=["code", "chain"])
    except ValidationError as exc:
        return exc.message_dict
    return {}


def test_valid_subject_has_no_errors():
    assert errors_of() == {}


@pytest.mark.parametrize(
    "code,ok",
    [
        ("205", True),
        ("20502", True),
        ("2050203", True),
        ("2050", False),
        ("205020", False),
        ("20a", False),
        ("", False),
    ],
)
def test_function_subject_code_is_class_section_or_item(code, ok):
    errors = errors_of(function_subject_code=code)
    assert ("function_subject_code" not in errors) is ok
    if not ok and code:
        assert "3 位（类）、5 位（款）或 7 位（项）" in errors["function_subject_code"][0]


# seed 003 附件1: 经济建设类 新建/扩建/改建; 行政事业发展类 购置/维修/会议培训; 其他专项类 专项业务/奖励补贴/其他
@pytest.mark.parametrize(
    "category,sub,ok",
    [
        ("economic", "new_build", True),
        ("economic", "expansion", True),
        ("economic", "renovation", True),
        ("administrative", "purchase", True),
        ("administrative", "meeting_training", True),
        ("other_special", "award_subsidy", True),
        ("other_special", "other", True),
        ("economic", "purchase", False),
        ("administrative", "new_build", False),
        ("other_special", "maintenance", False),
    ],
)
def test_seed003_annex1_sub_category_belongs_to_category(category, sub, ok):
    errors = errors_of(category=category, sub_category=sub)
    assert ("sub_category" not in errors) is ok


def test_dates_and_years():
    assert "end_date" in errors_of(end_date=datetime.date(2026, 1, 1))
    assert "end_year" in errors_of(start_year=2026, end_year=2025, duration="continuing")
    assert "fiscal_year" in errors_of(fiscal_year=2027, start_year=2026, end_year=2026)
    assert "duration" in errors_of(end_year=2027)  # a one-off subject spans one year
    assert errors_of(end_year=2028, duration="continuing") == {}


def test_fund_sources():
    assert "fund_sources" in errors_of(fund_sources=[])
    assert "未知的资金来源" in errors_of(fund_sources=["local", "lottery"])["fund_sources"][0]
    assert "fund_sources" in errors_of(fund_sources=["local", "local"])
    assert errors_of(fund_sources=["local", "upper_transfer", "special", "linkage", "bond", "ppp"]) == {}


def test_only_departments_and_units_apply():
    assert "organisation" in errors_of(organisation=org("示范物业服务有限公司"))


# seed 000 第十条(一): 以政府购买服务指导性目录为依据……在负面清单外
def test_seed000_art10_purchased_service_detail_rules():
    detail = PurchasedServiceDetail(
        purchaser=org("示范市第一中学"),
        provider=org("示范市教育局"),
        contract_start=datetime.date(2026, 5, 1),
        contract_end=datetime.date(2026, 1, 1),
    )
    with pytest.raises(ValidationError) as exc:
        detail.clean()
    assert set(exc.value.message_dict) == {"provider", "contract_end"}
    assert detail.admission_problems() == ["购买内容不在政府购买服务指导性目录内", "购买内容属于负面清单事项"]
    detail.on_guidance_catalogue = detail.outside_negative_list = True
    assert detail.admission_problems() == []

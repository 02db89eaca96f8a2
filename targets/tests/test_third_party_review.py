"""第三方评审 of target sheets: 长治市《预算绩效管理办法》第十四条 — 对……重大投资项目的绩效目标，财政部门可根据需要实施第三方
评审，组织专家学者、中介机构……共同参与，提出评审意见，作为安排预算资金的重要参考依据 (issue 12 §1)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core import clock
from core.todo import todos_for
from organisations.models import Organisation
from subjects.tests.helpers import make_subject, walk_to_admission
from targets.actions import third_party
from targets.tests.helpers import fresh, good_sheet, user
from targets.third_party_models import ReviewConclusion, TargetThirdPartyReview
from workflow import actions as workflow
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db
AGENCY = "示范绩效评价咨询有限公司"


def _sheet_at_finance():
    sheet = good_sheet(walk_to_admission(make_subject(name="第三方评审测试项目", requested="9000000.00")))
    workflow.submit(sheet, user("edu_preparer"), sheet.version)
    for username in ("edu_head", "edu_reviewer", "desk_edu"):
        sheet = fresh(sheet)
        workflow.approve(sheet, user(username), sheet.version, "同意")
    return fresh(sheet)  # at 预算绩效管理科


def _commission(sheet, by="perf", **kwargs):
    values = {
        "agencies": [Organisation.objects.get(name=AGENCY)],
        "experts": [user("expert")],
        "reason": "投资规模大、社会关注度高，组织第三方评审绩效目标",
    }
    values.update(kwargs)
    return third_party.commission(sheet, user(by), **values)


def test_seed003_art14_finance_commissions_agencies_and_experts_whose_opinions_inform_the_arrangement(client_as):
    sheet = _sheet_at_finance()
    agency_review, expert_review = _commission(sheet)
    assert (agency_review.reviewer_name, expert_review.reviewer_kind) == (AGENCY, "expert")
    assert agency_review.due_on == clock.today() + datetime.timedelta(days=third_party.REVIEW_DAYS)
    # each reviewer reaches the sheet and its own review only, and finds it in its 待办
    agency, expert = client_as("agency"), client_as("expert")
    assert agency.get(f"/targets/{sheet.pk}/").status_code == 200
    expert_page = expert.get(f"/targets/{sheet.pk}/").content.decode()
    assert f'id="answer-{expert_review.pk}"' in expert_page and f'id="answer-{agency_review.pk}"' not in expert_page
    listed = agency.get(f"/api/target-reviews/?sheet={sheet.pk}").json()["results"]
    assert [r["id"] for r in listed] == [agency_review.pk]
    assert [r["id"] for r in expert.get(f"/api/target-reviews/?sheet={sheet.pk}").json()["results"]] == [
        expert_review.pk
    ]
    # and none of another agency's or expert's: every review it lists is its own
    assert {r["reviewer_name"] for r in agency.get("/api/target-reviews/").json()["results"]} == {AGENCY}
    assert any(f"#third-party-review-{agency_review.pk}" in item.url for item in todos_for(user("agency")))
    # the agency answers once; the expert's review is not the agency's to answer
    with pytest.raises(PermissionDenied):
        third_party.submit(expert_review, user("agency"), conclusion="agree", opinion="代答")
    third_party.submit(
        agency_review, user("agency"), conclusion=ReviewConclusion.IMPROVE, opinion="成本指标偏粗，建议细化"
    )
    with pytest.raises(ValidationError, match="已提交"):
        third_party.submit(agency_review, user("agency"), conclusion="agree", opinion="改主意")
    assert not any(f"#third-party-review-{agency_review.pk}" in item.url for item in todos_for(user("agency")))
    # a reference, not a step: the sheet's chain has not moved
    assert (fresh(sheet).status, fresh(sheet).current_role) == (ReviewStatus.IN_REVIEW, "performance_section")
    # finance reads it on the sheet and, once the targets are approved, beside the budget arrangement
    page = client_as("perf").get(f"/targets/{sheet.pk}/").content.decode()
    assert "成本指标偏粗，建议细化" in page and "修改完善后可安排预算" in page and "待评审" in page
    for username in ("perf", "leader", "budget"):
        sheet = fresh(sheet)
        workflow.approve(sheet, user(username), sheet.version, "同意")
    subject_page = client_as("budget").get(f"/subjects/{sheet.subject_id}/").content.decode()
    assert f"{AGENCY}：修改完善后可安排预算。成本指标偏粗，建议细化" in subject_page
    # after approval nobody commissions another review of that version
    assert not third_party.can_commission(user("perf"), fresh(sheet))


def test_who_may_commission_and_what_is_refused():
    sheet = _sheet_at_finance()
    for username in ("edu_reviewer", "desk_edu", "county_perf", "agency"):
        with pytest.raises(PermissionDenied):
            _commission(sheet, by=username, experts=[])
    with pytest.raises(ValidationError, match="示范市第一中学 不是登记在册的第三方机构"):
        _commission(sheet, agencies=[Organisation.objects.get(name="示范市第一中学")], experts=[])
    with pytest.raises(ValidationError, match="冯填报 不是评审专家"):
        _commission(sheet, agencies=[], experts=[user("edu_preparer")])
    with pytest.raises(ValidationError, match="评审事由"):
        _commission(sheet, reason="  ")
    with pytest.raises(ValidationError, match="至少选择"):
        _commission(sheet, agencies=[], experts=[])
    with pytest.raises(ValidationError, match="不能早于今天"):
        _commission(sheet, due_on=clock.today() - datetime.timedelta(days=1))
    assert not TargetThirdPartyReview.objects.filter(sheet=sheet).exists()  # all or nothing
    _commission(sheet)
    with pytest.raises(ValidationError, match="不能重复委托"):
        _commission(sheet, experts=[])
    assert TargetThirdPartyReview.objects.filter(sheet=sheet).count() == 2


def test_the_api_commissions_and_answers_within_reach(client_as):
    sheet = _sheet_at_finance()
    agency_org = Organisation.objects.get(name=AGENCY)
    perf = client_as("perf")
    body = {"sheet": sheet.pk, "agencies": [agency_org.pk], "reason": "重大民生项目"}
    created = perf.post("/api/target-reviews/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    review_id = created.json()[0]["id"]
    # outside reach: another department's reviewer neither names the sheet nor sees the review
    assert client_as("health_reviewer").get(f"/api/target-reviews/{review_id}/").status_code == 404
    assert (
        client_as("county_perf").post("/api/target-reviews/", body, content_type="application/json").status_code == 400
    )
    # a body of the wrong shape is a 400 naming the field
    wrong = client_as("agency").post(
        f"/api/target-reviews/{review_id}/submit/",
        {"conclusion": "maybe", "opinion": ["x"]},
        content_type="application/json",
    )
    assert wrong.status_code == 400 and "conclusion" in wrong.json()
    answered = client_as("agency").post(
        f"/api/target-reviews/{review_id}/submit/",
        {"conclusion": "agree", "opinion": "目标完整、指标可衡量"},
        content_type="application/json",
    )
    assert answered.status_code == 200 and answered.json()["conclusion_display"] == "目标合理，建议安排预算"
    again = client_as("agency").post(
        f"/api/target-reviews/{review_id}/submit/",
        {"conclusion": "agree", "opinion": "再交"},
        content_type="application/json",
    )
    assert again.status_code == 400


def test_the_pages_commission_and_answer(client_as):
    sheet = _sheet_at_finance()
    perf = client_as("perf")
    assert "委托第三方评审" in perf.get(f"/targets/{sheet.pk}/").content.decode()
    assert client_as("edu_reviewer").get(f"/targets/{sheet.pk}/third-party-review/").status_code == 404
    form = perf.get(f"/targets/{sheet.pk}/third-party-review/")
    assert form.status_code == 200 and AGENCY in form.content.decode()
    response = perf.post(
        f"/targets/{sheet.pk}/third-party-review/",
        {
            "agencies": [Organisation.objects.get(name=AGENCY).pk],
            "reason": "重大项目",
            "due_on": (clock.today() + datetime.timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == 302
    review = TargetThirdPartyReview.objects.get(sheet=sheet)
    agency = client_as("agency")
    assert f'id="answer-{review.pk}"' in agency.get(f"/targets/{sheet.pk}/").content.decode()
    refused = agency.post(f"/targets/third-party-reviews/{review.pk}/submit/", {"conclusion": "agree", "opinion": ""})
    assert refused.status_code == 302 and TargetThirdPartyReview.objects.get(pk=review.pk).submitted_at is None
    agency.post(f"/targets/third-party-reviews/{review.pk}/submit/", {"conclusion": "agree", "opinion": "同意"})
    assert TargetThirdPartyReview.objects.get(pk=review.pk).opinion == "同意"

"""No target, no budget: 长治市《预算绩效管理办法》第十一条（一）(没有绩效目标的预算申请，财政不予安排预算资金) and
张店区《区级部门单位预算绩效管理办法》第十二条（一）(绩效目标作为申请预算和项目入库的前置条件). The sheet is filled with the
application, before admission; the budget section can arrange money only once the year's sheet is approved, through
the page and the API alike; an adjustment in review leaves the approved version in force."""

import pytest
from django.core.exceptions import ValidationError

from subjects import actions as lifecycle
from subjects.choices import LibraryStage
from subjects.models import Subject, SubjectYearAmount
from subjects.tests.helpers import make_subject, walk_to_admission
from targets import actions
from targets.tests.helpers import good_sheet, user, walk
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db
ARTICLE = "第十一条（一）"


@pytest.fixture
def assessment_open(monkeypatch):
    from subjects import assessment_gate

    monkeypatch.setattr(assessment_gate, "assessment_clears", lambda subject: (True, ""))


def _admitted():
    return walk_to_admission(make_subject(name="目标先行测试项目"))


def _fund(subject):
    subject = Subject.objects.get(pk=subject.pk)
    return lifecycle.fund(subject, user("budget"), subject.version, "450000", reason="按财力安排")


def test_seed003_art11_no_sheet_no_budget(assessment_open):
    subject = _admitted()
    with pytest.raises(ValidationError, match=f"尚未编制 2026 年度绩效目标.*{ARTICLE}"):
        _fund(subject)
    assert Subject.objects.get(pk=subject.pk).stage == LibraryStage.ADMITTED
    assert SubjectYearAmount.objects.get(subject=subject).arranged_amount is None


def test_seed003_art11_a_sheet_in_review_is_not_enough_an_approved_one_is(assessment_open):
    subject = _admitted()
    sheet = good_sheet(subject)
    with pytest.raises(ValidationError, match="尚未审核通过（当前：草稿）"):
        _fund(subject)
    sheet = walk(sheet)
    assert sheet.status == ReviewStatus.APPROVED
    _fund(subject)
    assert Subject.objects.get(pk=subject.pk).stage == LibraryStage.FUNDED


def test_seed001_art12_the_sheet_is_filled_with_the_application(assessment_open):
    """Before admission the unit already fills and submits its targets."""
    subject = make_subject(name="申报中项目")
    assert subject.stage == LibraryStage.PENDING
    sheet = walk(good_sheet(subject))
    assert sheet.status == ReviewStatus.APPROVED
    subject = walk_to_admission(subject)
    _fund(subject)  # admitted with approved targets: the money can be arranged at once


def test_an_adjustment_in_review_leaves_the_approved_version_in_force(assessment_open):
    subject = _admitted()
    first = walk(good_sheet(subject))
    actions.adjust(first, user("edu_preparer"), "实施范围变化")
    _fund(subject)  # re-arranging with the approved version in force while version 2 is being written
    assert SubjectYearAmount.objects.get(subject=subject).arranged_amount is not None


def test_the_page_and_the_api_give_the_same_refusal(assessment_open, client_as):
    subject = _admitted()
    page = client_as("budget").post(
        f"/subjects/{subject.pk}/lifecycle/",
        {"action": "fund", "version": subject.version, "amount": "450000", "year": 2026, "reason": "按财力安排"},
        follow=True,
    )
    assert ARTICLE in page.content.decode()
    api = client_as("budget").post(
        f"/api/subjects/{subject.pk}/fund/",
        {"version": subject.version, "amount": "450000", "year": 2026, "reason": "按财力安排"},
        content_type="application/json",
    )
    assert api.status_code == 400 and ARTICLE in api.content.decode()
    assert SubjectYearAmount.objects.get(subject=subject).arranged_amount is None


@pytest.mark.parametrize("document_type", ["targets.targetsheet", "targets.targetsheet.department_overall"])
def test_seed003_art12_the_default_target_chain_ends_with_the_budget_cycle(document_type):
    """长治市办法第十二条: after 预算绩效管理科, 局务会研究或局领导审定, then 预算管理科 批复 (“二下”)."""
    from workflow.models import ChainDefinition

    chain = (
        ChainDefinition.objects.filter(document_type=document_type, region__isnull=True, is_active=True)
        .order_by("-version")
        .first()
    )
    roles = [step.role for step in chain.ordered_steps()]
    assert roles[-3:] == ["performance_section", "bureau_leader", "budget_section"]


def test_seed003_art12_a_sheet_is_approved_only_after_the_budget_sections_batch(assessment_open):
    subject = _admitted()
    sheet = walk(good_sheet(subject), steps=["edu_head", "edu_reviewer", "desk_edu", "perf", "leader"])
    assert sheet.status == ReviewStatus.IN_REVIEW and sheet.current_role == "budget_section"
    with pytest.raises(ValidationError, match="尚未审核通过"):
        _fund(subject)
    from workflow import actions as workflow

    workflow.approve(sheet, user("budget"), sheet.version, "随预算批复")
    sheet.refresh_from_db()
    assert sheet.status == ReviewStatus.APPROVED
    _fund(subject)


def test_seed000_art14_finance_opinion_on_the_targets_becomes_the_arrangement_opinion(assessment_open, client_as):
    """《政府购买服务预算绩效管理暂行办法》第十四条（二）: 财政部门……对……绩效目标进行审核，提出审核意见，并根据绩效目标审核情况
    提出预算安排意见. The finance steps' opinions on the approved sheet, signed by name and office, are the arrangement
    opinion unless the budget section writes its own; the department's and the unit's are not finance's."""
    subject = _admitted()
    sheet = good_sheet(subject)
    workflow_steps = ["edu_head", "edu_reviewer", "desk_edu", "perf", "leader", "budget"]
    from workflow import actions as workflow

    workflow.submit(sheet, user("edu_preparer"), sheet.version)
    opinions = {"edu_reviewer": "部门同意", "desk_edu": "指标可量化，建议安排", "perf": "目标合理", "leader": "同意"}
    for username in workflow_steps:
        sheet.refresh_from_db()
        workflow.approve(sheet, user(username), sheet.version, opinions.get(username, ""))
    page = client_as("budget").get(f"/subjects/{subject.pk}/").content.decode()
    assert "财政业务科室审核（孙科长（" in page and "指标可量化，建议安排" in page and "部门同意" not in page
    _fund(subject)
    said = SubjectYearAmount.objects.get(subject=subject).arrangement_opinion.splitlines()
    assert [line.split("（")[0] for line in said] == [
        "财政业务科室审核",
        "预算绩效管理科审核",
        "局领导审定",
        "预算管理科批复",
    ]
    assert said[0].endswith("：指标可量化，建议安排") and said[-1].endswith("：同意")  # a blank opinion reads 同意
    assert "edu_reviewer" not in "".join(said) and "desk_edu" not in "".join(said)  # names, never logins
    # the budget section's own words take its place, and the change is audited
    subject = Subject.objects.get(pk=subject.pk)
    response = client_as("budget").post(
        f"/api/subjects/{subject.pk}/fund/",
        {"version": subject.version, "amount": "400000", "opinion": "压减 5 万元后安排"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    row = response.json()["year_amounts"][0]
    assert row["arrangement_opinion"] == "压减 5 万元后安排"

"""The agency's working team for a contract (seed 004 三(一)): at least 3 resident staff of whom one is the lead, a
conflict-of-interest statement, review by the commissioning office; no swap without an approved replacement; the
lead's yearly appraisal of the members."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agencies import actions, teams
from agencies.models import AgencyStaff, MemberAppraisal, TeamProposal
from agencies.tests.helpers import contract, org, profile, user
from workflow import actions as workflow
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    """A new contract of the demo agency with the city's performance section, and the agency's staff."""
    c = contract()
    staff = {s.name: s for s in AgencyStaff.objects.filter(agency=c.agency)}
    return c, staff


def _team(c, staff, rows, statement="无利益冲突"):
    agency = user("agency")
    proposal = teams.propose(agency, c, conflict_statement=statement)
    for name, role, resident in rows:
        teams.add_member(agency, proposal, {"staff": staff[name], "role": role, "resident": resident})
    return proposal


GOOD = [("蒋评价", "lead", True), ("林晓", "member", True), ("郭敏", "member", True), ("谢婷", "member", False)]


def _approved(c, staff, rows=GOOD):
    proposal = _team(c, staff, rows)
    proposal = workflow.submit(proposal, user("agency"), proposal.version)
    return workflow.approve(proposal, user("perf"), proposal.version, "同意")


def test_seed_004_3_1_fewer_than_three_resident_is_refused(setup):
    """seed 004 三(一) 常驻财政部门办公人员不少于3人."""
    c, staff = setup
    proposal = _team(c, staff, [("蒋评价", "lead", True), ("林晓", "member", True), ("谢婷", "member", False)])
    with pytest.raises(ValidationError) as caught:
        workflow.submit(proposal, user("agency"), proposal.version)
    assert "不少于 3 人" in " ".join(caught.value.messages)
    proposal.refresh_from_db()
    assert proposal.status == ReviewStatus.DRAFT


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("蒋评价", "member", True), ("林晓", "member", True), ("郭敏", "member", True)], "尚未指定项目负责人"),
        ([("蒋评价", "lead", True), ("林晓", "lead", True), ("郭敏", "member", True)], "只能有 1 人"),
        (
            [("蒋评价", "lead", False), ("林晓", "member", True), ("郭敏", "member", True), ("谢婷", "member", True)],
            "须为驻场人员",
        ),
    ],
)
def test_seed_004_3_1_exactly_one_resident_lead(setup, rows, message):
    """seed 004 三(一) 保证1人为业务骨干和负责人."""
    c, staff = setup
    proposal = _team(c, staff, rows)
    with pytest.raises(ValidationError) as caught:
        workflow.submit(proposal, user("agency"), proposal.version)
    assert message in " ".join(caught.value.messages)


def test_seed_004_3_1_conflict_statement_required(setup):
    """seed 004 三(一) 审核内容包括……利益关系回避."""
    c, staff = setup
    proposal = _team(c, staff, GOOD, statement="")
    assert any("利益冲突声明" in p for p in teams.team_problems(proposal))
    with pytest.raises(ValidationError):
        workflow.submit(proposal, user("agency"), proposal.version)


def test_seed_004_3_1_approval_puts_the_team_in_force(setup):
    c, staff = setup
    proposal = _approved(c, staff)
    assert proposal.status == ReviewStatus.APPROVED
    assert TeamProposal.objects.get(pk=proposal.pk).in_force
    assert teams.in_force(c).pk == proposal.pk


def test_the_department_reviews_the_team_of_a_contract_it_commissioned():
    c = contract(commissioner=org("示范市教育局"), by="edu_reviewer")
    staff = {s.name: s for s in AgencyStaff.objects.filter(agency=c.agency)}
    proposal = _team(c, staff, GOOD)
    proposal = workflow.submit(proposal, user("agency"), proposal.version)
    with pytest.raises(PermissionDenied):
        workflow.approve(proposal, user("perf"), proposal.version)
    proposal = workflow.approve(proposal, user("edu_reviewer"), proposal.version, "同意")
    assert proposal.status == ReviewStatus.APPROVED


def test_seed_004_3_1_no_swap_without_approval(setup):
    """审核通过后……应保持工作组成员的稳定: an approved team's members do not change; a swap is a new proposal that
    replaces it and takes effect only when approved."""
    c, staff = setup
    approved = _approved(c, staff)
    agency = user("agency")
    # the approved team is closed to edits
    with pytest.raises(PermissionDenied):
        teams.add_member(agency, approved, {"staff": staff["罗军"], "role": "member", "resident": True})
    with pytest.raises(PermissionDenied):
        teams.remove_member(agency, approved.members.get(staff=staff["郭敏"]))
    # a second team without replacing is refused; a swap needs its reason
    with pytest.raises(ValidationError):
        teams.propose(agency, c)
    swap = teams.propose(agency, c, reason="郭敏调岗，由罗军接替", conflict_statement="无")
    assert swap.replaces_id == approved.pk
    assert set(swap.members.values_list("staff__name", flat=True)) == {"蒋评价", "林晓", "郭敏", "谢婷"}
    teams.remove_member(agency, swap.members.get(staff=staff["郭敏"]))
    teams.add_member(agency, swap, {"staff": staff["罗军"], "role": "member", "resident": True})
    swap = workflow.submit(swap, agency, swap.version)
    # until approved, the old team stays in force
    assert teams.in_force(c).pk == approved.pk
    swap = workflow.approve(swap, user("perf"), swap.version, "同意调整")
    assert teams.in_force(c).pk == swap.pk
    assert not TeamProposal.objects.get(pk=approved.pk).in_force


def test_a_returned_swap_leaves_the_old_team_in_force(setup):
    c, staff = setup
    approved = _approved(c, staff)
    agency = user("agency")
    swap = teams.propose(agency, c, reason="调整", conflict_statement="无")
    swap = workflow.submit(swap, agency, swap.version)
    swap = workflow.return_to(swap, user("perf"), swap.version, 0, "调整理由不充分")
    assert swap.status == ReviewStatus.RETURNED
    assert teams.in_force(c).pk == approved.pk


def test_only_the_contracted_agency_proposes(setup):
    c, _staff = setup
    for who in ("perf", "edu_reviewer", "expert"):
        with pytest.raises(PermissionDenied):
            teams.propose(user(who), c)


def test_staff_of_another_agency_cannot_join(setup):
    c, _staff = setup
    other = AgencyStaff.objects.filter(agency=profile("明正会计师事务所")).first()
    proposal = teams.propose(user("agency"), c, conflict_statement="无")
    with pytest.raises(ValidationError):
        teams.add_member(user("agency"), proposal, {"staff": other, "role": "member", "resident": True})


def test_seed_004_3_1_the_lead_appraises_members_once_a_year(setup):
    """负责对工作组人员、工作情况进行定期绩效考核."""
    c, staff = setup
    approved = _approved(c, staff)
    member = approved.members.get(staff=staff["林晓"])
    appraisal = teams.appraise(user("agency"), member, year=2026, grade="优秀", comment="核查细致")
    assert appraisal.appraised_by == user("agency")
    with pytest.raises(ValidationError) as caught:
        teams.appraise(user("agency"), member, year=2026, grade="称职")
    assert "每人每年考核一次" in " ".join(caught.value.messages)
    with pytest.raises(ValidationError):
        teams.appraise(user("agency"), member, year=2030, grade="称职")
    with pytest.raises(ValidationError):
        teams.appraise(user("agency"), approved.members.get(staff=staff["蒋评价"]), year=2026, grade="优秀")
    assert MemberAppraisal.objects.filter(member__proposal=approved).count() == 1


def test_only_the_lead_of_the_team_in_force_appraises(setup):
    c, staff = setup
    proposal = _team(c, staff, GOOD)
    member = proposal.members.get(staff=staff["林晓"])
    with pytest.raises(PermissionDenied):
        teams.appraise(user("agency"), member, year=2026, grade="优秀")  # not approved yet
    submitted = workflow.submit(proposal, user("agency"), proposal.version)
    approved = workflow.approve(submitted, user("perf"), submitted.version)
    for who in ("perf", "expert"):
        with pytest.raises(PermissionDenied):
            teams.appraise(user(who), approved.members.get(staff=staff["林晓"]), year=2026, grade="优秀")


def test_a_closed_contract_takes_no_new_team(setup):
    c, _staff = setup
    actions.update_contract(user("perf"), c, {"status": "finished", "ends_on": datetime.date(2026, 6, 30)})
    with pytest.raises(ValidationError):
        teams.propose(user("agency"), c)

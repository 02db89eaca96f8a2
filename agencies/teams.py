"""The agency's working team for a contract (seed 004 三(一)): the agency proposes it, the commissioning office reviews
it on the review chain (agencies/migrations/0002: 机构提交团队 → 委托方审核团队), and the approved proposal is the
team in force.

Rules (seed 004 三(一) "工作组人员团队中常驻财政部门办公人员不少于3人，并保证1人为业务骨干和负责人"), checked when the
proposal is submitted (``team_problems``, the chain's ``before_transition`` hook): at least ``MIN_RESIDENT`` resident
members, exactly one lead, the lead resident, every member an active staff member of the contracted agency, and a
conflict-of-interest statement (审核内容包括……利益关系回避). "审核通过后……应保持工作组成员的稳定": the members of an
approved team never change; a swap is a new proposal that ``replaces`` the team in force, reviewed again, and only its
approval retires the old team. "负责对工作组人员……定期绩效考核": the lead records a yearly appraisal of each member of
the team in force (``appraise``, once per member and year).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from agencies.acting import acting
from agencies.actions import contract_is_open, is_agency_of, refuse
from agencies.models import (
    AgencyContract,
    MemberAppraisal,
    TeamMember,
    TeamProposal,
    TeamRole,
)
from core import clock, services
from workflow import guards, hooks
from workflow.models import ReviewAction, ReviewStatus

MIN_RESIDENT = 3  # seed 004 三(一)
PROPOSE_DENIED = "只有受托机构可以提出工作团队"
EDIT_DENIED = "只有受托机构可以在提交前或被退回后调整团队成员"
APPRAISE_DENIED = "只有现行团队的项目负责人可以考核团队成员"
OPEN = (ReviewStatus.DRAFT, ReviewStatus.IN_REVIEW, ReviewStatus.RETURNED)


def in_force(contract) -> TeamProposal | None:
    return TeamProposal.objects.filter(contract=contract, in_force=True).first()


def open_proposal(contract) -> TeamProposal | None:
    return TeamProposal.objects.filter(contract=contract, status__in=OPEN).first()


def may_propose(user, contract) -> bool:
    return contract_is_open(contract) and is_agency_of(user, contract) and open_proposal(contract) is None


def propose(user, contract: AgencyContract, *, reason: str = "", conflict_statement: str = "") -> TeamProposal:
    """A new team for ``contract``: the first one, or — when a team is in force — a swap that replaces it, starting
    from its members."""
    if not is_agency_of(user, contract):
        raise refuse(contract, user, PROPOSE_DENIED)
    if not contract_is_open(contract):
        raise ValidationError(f"合同{contract.get_status_display()}，不能再提出工作团队")
    if open_proposal(contract) is not None:
        raise ValidationError("本合同已有未办结的团队方案，请在该方案中调整")
    current = in_force(contract)
    reason = (reason or "").strip()
    if current is not None and not reason:
        raise ValidationError({"reason": "调整已审核通过的团队须写明调整原因"})
    proposal = TeamProposal(
        contract=contract,
        replaces=current,
        reason=reason,
        conflict_statement=(conflict_statement or "").strip(),
        created_at=clock.now(),
    )
    with acting(user), transaction.atomic():
        services.create_record(proposal, reason="提出人员调整方案" if current else "提出工作团队")
        if current is not None:
            for member in current.members.all():
                services.create_record(
                    TeamMember(
                        proposal=proposal,
                        staff_id=member.staff_id,
                        role=member.role,
                        resident=member.resident,
                        duties=member.duties,
                        conflicts=member.conflicts,
                    ),
                    reason="沿用现行团队成员",
                )
    return proposal


def _require_editable(user, proposal) -> None:
    if not guards.can_edit(user, proposal):
        raise refuse(proposal, user, EDIT_DENIED)


def update_statement(user, proposal: TeamProposal, *, reason: str, conflict_statement: str, version: int):
    from workflow.actions import save_edit

    proposal.reason = (reason or "").strip()
    proposal.conflict_statement = (conflict_statement or "").strip()
    with acting(user):
        return save_edit(proposal, user, version, reason="修改团队说明")[0]


def add_member(user, proposal: TeamProposal, values: dict) -> TeamMember:
    _require_editable(user, proposal)
    staff = values.get("staff")
    if staff is None or staff.agency_id != proposal.contract.agency_id:
        raise ValidationError({"staff": "请选择本机构登记的人员"})
    if not staff.is_active:
        raise ValidationError({"staff": f"{staff.name}已不在职"})
    if proposal.members.filter(staff=staff).exists():
        raise ValidationError({"staff": f"{staff.name}已在团队中"})
    member = TeamMember(proposal=proposal, **values)
    with acting(user):
        services.create_record(member, reason="调整团队成员")
    return member


def remove_member(user, member: TeamMember) -> None:
    _require_editable(user, member.proposal)
    with acting(user):
        services.delete_record(member, reason="调整团队成员")


def team_problems(proposal: TeamProposal) -> list[str]:
    """What keeps the team from being submitted (seed 004 三(一)); empty when it may go to review."""
    members = list(proposal.members.select_related("staff"))
    problems = []
    resident = [m for m in members if m.resident]
    leads = [m for m in members if m.role == TeamRole.LEAD]
    if len(resident) < MIN_RESIDENT:
        problems.append(
            f"驻场（常驻财政部门办公）人员须不少于 {MIN_RESIDENT} 人（含项目负责人），现有 {len(resident)} 人"
        )
    if not leads:
        problems.append("尚未指定项目负责人（须 1 人）")
    elif len(leads) > 1:
        problems.append(f"项目负责人只能有 1 人，现有 {len(leads)} 人：{'、'.join(m.staff.name for m in leads)}")
    elif not leads[0].resident:
        problems.append(f"项目负责人{leads[0].staff.name}须为驻场人员")
    for member in members:
        if member.staff.agency_id != proposal.contract.agency_id:
            problems.append(f"{member.staff.name}不是受托机构的人员")
        elif not member.staff.is_active:
            problems.append(f"{member.staff.name}已不在职")
    if not proposal.conflict_statement.strip():
        problems.append("请填写利益冲突声明（无利益冲突的写明“无”）")
    current = in_force(proposal.contract)
    if proposal.replaces_id is None and current is not None and current.pk != proposal.pk:
        problems.append("本合同已有审核通过的团队，人员调整须提出替换现行团队的方案")
    if proposal.replaces_id is not None and (current is None or current.pk != proposal.replaces_id):
        problems.append("所替换的团队已不是现行团队，请重新提出调整方案")
    return problems


def conflicts(proposal: TeamProposal) -> list[TeamMember]:
    """The members who declared a conflict of interest (shown to the reviewer)."""
    return [m for m in proposal.members.select_related("staff") if m.conflicts.strip()]


@hooks.before_transition("agencies.teamproposal")
def _team_rules(doc, action, to_status, user) -> dict:
    if action == ReviewAction.SUBMIT:
        problems = team_problems(doc)
        if problems:
            raise ValidationError(problems)
    if to_status == ReviewStatus.APPROVED:
        # Re-checked at approval: the team in force may have changed since the submission.
        current = in_force(doc.contract)
        if (current.pk if current else None) != doc.replaces_id:
            raise ValidationError("所替换的团队已不是现行团队，请退回机构重新提出")
        if current is not None:
            TeamProposal.objects.filter(pk=current.pk).update(in_force=False)
        TeamProposal.objects.filter(pk=doc.pk).update(in_force=True)
        return {"现行团队": [str(current) if current else None, str(doc)]}
    return {}


# ---------------------------------------------------------------------------------------------- appraisals


def leads(user, proposal: TeamProposal) -> bool:
    """Is ``user`` the lead of ``proposal`` (its lead's staff account) and of the contracted agency?"""
    return proposal.members.filter(role=TeamRole.LEAD, staff__user=user).exists() and is_agency_of(
        user, proposal.contract
    )


def may_appraise(user, proposal: TeamProposal) -> bool:
    return proposal.in_force and leads(user, proposal)


def appraise(user, member: TeamMember, *, year: int, grade: str, comment: str = "") -> MemberAppraisal:
    """The lead's yearly appraisal of a member of the team in force (once per member and year)."""
    proposal = member.proposal
    if not may_appraise(user, proposal):
        raise refuse(proposal, user, APPRAISE_DENIED)
    errors = {}
    if member.role == TeamRole.LEAD:
        errors["member"] = "项目负责人不考核本人"
    today = clock.today()
    first = proposal.contract.signed_on.year
    if not isinstance(year, int) or not first <= year <= today.year:
        errors["year"] = f"考核年度须在 {first} 年到 {today.year} 年之间"
    elif MemberAppraisal.objects.filter(member=member, year=year).exists():
        errors["year"] = f"{member.staff.name} {year} 年度已考核，每人每年考核一次"
    if errors:
        raise ValidationError(errors)
    appraisal = MemberAppraisal(
        member=member,
        year=year,
        grade=grade,
        comment=(comment or "").strip(),
        appraised_by=user,
        appraised_at=clock.now(),
    )
    with acting(user):
        services.create_record(appraisal, reason="团队成员年度考核")
    return appraisal


def visible_proposals(user, queryset=None):
    """The proposals ``user`` reaches (the gate, through the contract for an agency)."""
    from core import access

    return access.restrict(queryset if queryset is not None else TeamProposal.objects.all(), user)

"""The register's state changes (issue 14 "Agencies and experts"): agency profiles and their staff, contracts, experts
and their declared relations, ratings and sanctions. Pages, the API and the demo seeder call these; each checks who
may act, validates with the model, and writes the record and its audit row in one transaction (core/services.py).

Who may act:

- the register (profiles, staff, experts, relations, ratings, sanctions) is kept by the performance section
  (``Capability.MANAGE_AGENCY_REGISTER``) of the region the record belongs to (``holds_role_over``);
- a contract is registered by whoever organises key evaluations (``Capability.ORGANISE_KEY_EVALUATIONS``: the
  performance section for itself or a department of its region, a department reviewer for its own department), and
  changed by the commissioning office (``commissioning_roles``).

Reach: an agency is outside the administration (Scope.ASSIGNED), so registering its profile assigns the profile to
the agency's organisation, and registering a contract assigns the contract to it (core.models.Assignment): the
agency then reads its own profile, its contracts and, through the contract, its teams (``access_assigned_via``). An
expert given an account is assigned his or her own register entry.
"""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.roles import Capability, Role, roles_with
from agencies.acting import acting
from agencies.models import (
    AgencyContract,
    AgencyProfile,
    AgencyStaff,
    ContractStatus,
    Expert,
    ExpertRelation,
    ExpertStatus,
    Rating,
    RegisterStatus,
    Sanction,
    SanctionKind,
)
from audit import trail
from audit.models import AuditAction
from core import access, clock, services
from core.models import Assignment
from organisations.choices import OrgKind
from workflow.guards import holds_role_over

REGISTER_DENIED = "只有本级预算绩效管理科可以管理第三方机构和专家库"
CONTRACT_DENIED = "只有委托方可以登记或修改委托合同"


# ---------------------------------------------------------------------------------------------- who may act


def refuse(obj, user, message: str) -> PermissionDenied:
    trail.record(AuditAction.PERMISSION_DENIED, obj, actor=user, reason=message)
    return PermissionDenied(message)


def register_keepers(user) -> list:
    """The performance sections whose register ``user`` keeps (usually one)."""
    return [a.organisation for a in access.capable_assignments(user, Capability.MANAGE_AGENCY_REGISTER)]


def may_manage_register(user) -> bool:
    return access.has_capability(user, Capability.MANAGE_AGENCY_REGISTER)


def manages(user, record) -> bool:
    """Does ``user`` keep the register ``record`` (a profile, an expert) belongs to?"""
    return holds_role_over(user, record, roles_with(Capability.MANAGE_AGENCY_REGISTER))


def _require_manager(user, record) -> None:
    if not manages(user, record):
        raise refuse(record, user, REGISTER_DENIED)


def commissioning_roles(contract) -> frozenset:
    """Who acts for the commissioning office: a department's reviewer, or the performance section."""
    if contract.commissioner.kind in (OrgKind.DEPARTMENT, OrgKind.UNIT):
        return frozenset({Role.DEPT_REVIEWER})
    return frozenset({Role.PERFORMANCE_SECTION})


def commissions(user, contract) -> bool:
    return holds_role_over(user, contract, commissioning_roles(contract))


def is_agency_of(user, contract) -> bool:
    """Is ``user`` of the agency the contract commissions (holds the agency role and the contract is assigned)?"""
    return holds_role_over(user, contract, {Role.AGENCY})


def _assign(record, *, organisation=None, user=None, reason: str) -> None:
    content_type = ContentType.objects.get_for_model(type(record))
    rows = Assignment.objects.filter(content_type=content_type, object_id=record.pk)
    rows = rows.filter(organisation=organisation) if organisation is not None else rows.filter(user=user)
    if not rows.exists():
        services.create_record(
            Assignment(content_type=content_type, object_id=record.pk, organisation=organisation, user=user),
            reason=reason,
        )


def _unassign_users(record, keep=None, reason: str = "") -> None:
    content_type = ContentType.objects.get_for_model(type(record))
    rows = Assignment.objects.filter(content_type=content_type, object_id=record.pk, user__isnull=False)
    for row in rows.exclude(user=keep) if keep is not None else rows:
        services.delete_record(row, reason=reason)


# ---------------------------------------------------------------------------------------------- agency profiles


def profile_organisations(user):
    """Agencies (organisations of the kind 第三方机构) ``user`` may register: in the region of a register the user keeps,
    active, not yet registered."""
    from organisations.models import Organisation

    regions = [k.region_id for k in register_keepers(user)]
    return Organisation.objects.filter(
        kind=OrgKind.AGENCY, is_active=True, region_id__in=regions, agency_profile__isnull=True
    ).order_by("name")


def create_profile(user, values: dict) -> AgencyProfile:
    organisation = values.get("organisation")
    if not may_manage_register(user):
        raise refuse(organisation, user, REGISTER_DENIED)
    if organisation is None or not profile_organisations(user).filter(pk=organisation.pk).exists():
        raise ValidationError({"organisation": "请选择本地区尚未登记的第三方机构"})
    profile = AgencyProfile(**values)
    profile.registered_on = values.get("registered_on") or clock.today()
    with acting(user), transaction.atomic():
        services.create_record(profile, reason="第三方机构入库")
        _assign(profile, organisation=organisation, reason="第三方机构查看本机构的登记信息")
    return profile


def update_profile(user, profile: AgencyProfile, values: dict, reason: str = "") -> AgencyProfile:
    _require_manager(user, profile)
    values = {k: v for k, v in values.items() if k not in ("organisation", "status", "status_until")}
    with acting(user):
        services.update_record(profile, values, reason=reason)
    return profile


def _staff_user_check(profile, person) -> None:
    if person is not None and person.organisation_id != profile.organisation_id:
        raise ValidationError({"user": f"{person.name or person.username}不是{profile}的账号"})


def add_staff(user, profile: AgencyProfile, values: dict) -> AgencyStaff:
    _require_manager(user, profile)
    _staff_user_check(profile, values.get("user"))
    staff = AgencyStaff(agency=profile, **values)
    with acting(user):
        services.create_record(staff, reason="登记机构人员")
    return staff


def update_staff(user, staff: AgencyStaff, values: dict, reason: str = "") -> AgencyStaff:
    _require_manager(user, staff.agency)
    _staff_user_check(staff.agency, values.get("user", staff.user))
    values.pop("agency", None)
    with acting(user):
        services.update_record(staff, values, reason=reason)
    return staff


# ---------------------------------------------------------------------------------------------- contracts


def commissioner_choices(user):
    """The offices ``user`` may register a contract for: a performance section its own section and the departments
    of its region; a department reviewer its own department."""
    from django.db.models import Q

    from organisations.models import Organisation

    q = Q(pk__in=[])
    for assignment in access.capable_assignments(user, Capability.ORGANISE_KEY_EVALUATIONS):
        org = assignment.organisation
        if assignment.role == Role.PERFORMANCE_SECTION:
            q |= Q(pk=org.pk) | Q(kind=OrgKind.DEPARTMENT, region_id=org.region_id)
        elif assignment.role == Role.DEPT_REVIEWER and org.kind == OrgKind.DEPARTMENT:
            q |= Q(pk=org.pk)
    return Organisation.objects.filter(q).order_by("kind", "path")


def agency_choices(user):
    """The register's agencies a contract may be signed with: not removed from the register. Suspended ones stay
    listed (their standing is shown) but are refused when chosen."""
    if not access.has_capability(user, Capability.ORGANISE_KEY_EVALUATIONS):
        return AgencyProfile.objects.none()
    return AgencyProfile.objects.exclude(status=RegisterStatus.REMOVED).select_related("organisation")


def may_register_contract(user) -> bool:
    return access.has_capability(user, Capability.ORGANISE_KEY_EVALUATIONS)


def _check_contract(contract) -> None:
    if contract.ends_on and contract.signed_on and contract.ends_on < contract.signed_on:
        raise ValidationError({"ends_on": "到期日期不能早于签订日期"})
    if contract.amount is not None and contract.amount < 0:
        raise ValidationError({"amount": "合同金额不能为负数"})


def create_contract(user, values: dict) -> AgencyContract:
    from agencies.standing import agency_standing

    commissioner, agency = values.get("commissioner"), values.get("agency")
    if not may_register_contract(user):
        raise refuse(commissioner, user, CONTRACT_DENIED)
    errors = {}
    if commissioner is None or not commissioner_choices(user).filter(pk=commissioner.pk).exists():
        errors["commissioner"] = "请选择您所在的预算绩效管理科或您组织的主管部门"
    if agency is None or not agency_choices(user).filter(pk=agency.pk).exists():
        errors["agency"] = "请选择在库的第三方机构"
    else:
        standing = agency_standing(agency)
        if not standing.may_commission:
            errors["agency"] = f"{agency}{standing.label}，不能委托"
    if errors:
        raise ValidationError(errors)
    contract = AgencyContract(created_by=user, created_at=clock.now(), **values)
    _check_contract(contract)
    with acting(user), transaction.atomic():
        services.create_record(contract, reason="登记委托合同")
        _assign(contract, organisation=agency.organisation, reason="受托机构办理委托事项")
    return contract


def update_contract(user, contract: AgencyContract, values: dict, reason: str = "") -> AgencyContract:
    if not commissions(user, contract):
        raise refuse(contract, user, CONTRACT_DENIED)
    values = {k: v for k, v in values.items() if k not in ("agency", "commissioner", "created_by", "created_at")}
    for key, value in values.items():
        setattr(contract, key, value)
    _check_contract(contract)
    with acting(user):
        services.update_record(contract, reason=reason, before=_snapshot(contract))
    return contract


def _snapshot(record):
    return trail.snapshot(type(record)._default_manager.get(pk=record.pk))


def contract_is_open(contract) -> bool:
    return contract.status == ContractStatus.ACTIVE


# ---------------------------------------------------------------------------------------------- experts


def keeper_for(user):
    """The register a new expert joins: the user's performance section (the first, if several)."""
    keepers = register_keepers(user)
    return keepers[0] if keepers else None


def _expert_user_check(person) -> None:
    if person is not None and not person.has_role(Role.EXPERT):
        raise ValidationError({"user": f"{person.name or person.username}没有“评审专家”角色"})


def create_expert(user, values: dict, fields=()) -> Expert:
    keeper = keeper_for(user)
    if keeper is None:
        raise refuse(None, user, REGISTER_DENIED)
    _expert_user_check(values.get("user"))
    expert = Expert(keeper=keeper, **values)
    expert.registered_on = values.get("registered_on") or clock.today()
    with acting(user), transaction.atomic():
        services.create_record(expert, reason="专家入库")
        expert.fields.set(fields)
        if expert.user_id:
            _assign(expert, user=expert.user, reason="专家查看本人的专家库信息")
    return expert


def update_expert(user, expert: Expert, values: dict, fields=None, reason: str = "") -> Expert:
    _require_manager(user, expert)
    values = {k: v for k, v in values.items() if k not in ("keeper", "status", "status_until")}
    if "user" in values:
        _expert_user_check(values["user"])
    with acting(user), transaction.atomic():
        services.update_record(expert, values, reason=reason)
        if fields is not None:
            before = sorted(f.name for f in expert.fields.all())
            expert.fields.set(fields)
            after = sorted(f.name for f in expert.fields.all())
            if before != after:
                trail.record(
                    AuditAction.UPDATE,
                    expert,
                    changes={"专业领域": ["、".join(before), "、".join(after)]},
                    reason=reason,
                )
        _unassign_users(expert, keep=expert.user, reason="专家账号变更")
        if expert.user_id:
            _assign(expert, user=expert.user, reason="专家查看本人的专家库信息")
    return expert


def add_relation(user, expert: Expert, organisation, relation: str) -> ExpertRelation:
    _require_manager(user, expert)
    relation = (relation or "").strip()
    if organisation is None:
        raise ValidationError({"organisation": "请选择关联单位"})
    if not relation:
        raise ValidationError({"relation": "请写明关系，如 曾任职、近亲属在该单位任职"})
    if ExpertRelation.objects.filter(expert=expert, organisation=organisation).exists():
        raise ValidationError({"organisation": f"已申报与{organisation.name}的关系"})
    row = ExpertRelation(expert=expert, organisation=organisation, relation=relation)
    with acting(user):
        services.create_record(row, reason="申报回避关系")
    return row


def remove_relation(user, row: ExpertRelation) -> None:
    _require_manager(user, row.expert)
    with acting(user):
        services.delete_record(row, reason="撤销回避关系")


# ---------------------------------------------------------------------------------------------- ratings and sanctions


def _target(agency=None, expert=None):
    if (agency is None) == (expert is None):
        raise ValidationError("请指定一个第三方机构或一名专家")
    return agency if agency is not None else expert


def _keeper_of(user, target):
    """The office that rates or sanctions ``target``: the user's performance section keeping it."""
    region_id = target.organisation.region_id if isinstance(target, AgencyProfile) else target.keeper.region_id
    for keeper in register_keepers(user):
        if keeper.region_id == region_id:
            return keeper
    return None


def rate(user, *, agency=None, expert=None, values: dict, record=None) -> Rating:
    """履职评价 after an evaluation: quality 0–40, timeliness 0–30, conduct 0–30, defects found in review."""
    target = _target(agency, expert)
    _require_manager(user, target)
    rating = Rating(
        rater=_keeper_of(user, target), agency=agency, expert=expert, rated_by=user, rated_at=clock.now(), **values
    )
    if record is not None:
        rating.content_type = ContentType.objects.get_for_model(type(record))
        rating.object_id = record.pk
    with acting(user):
        services.create_record(rating, reason="履职评价")
    return rating


STATUS_BY_SANCTION = {
    SanctionKind.WARNING: RegisterStatus.WARNED,
    SanctionKind.SUSPENSION: RegisterStatus.SUSPENDED,
    SanctionKind.REMOVAL: RegisterStatus.REMOVED,
}
SEVERITY = {RegisterStatus.ACTIVE: 0, RegisterStatus.WARNED: 1, RegisterStatus.SUSPENDED: 2, RegisterStatus.REMOVED: 3}


def _check_sanction(kind, starts_on, ends_on) -> None:
    errors = {}
    if kind not in SanctionKind.values:
        errors["kind"] = "请选择处理方式（警告、暂停委托或清退出库）"
    if starts_on is None:
        errors["starts_on"] = "请填写起始日期"
    elif starts_on > clock.today():
        errors["starts_on"] = "起始日期不能晚于今天（处理决定作出后登记）"
    if kind == SanctionKind.SUSPENSION:
        if ends_on is None:
            errors["ends_on"] = "暂停委托须填写截止日期"
        elif starts_on is not None and ends_on <= starts_on:
            errors["ends_on"] = "截止日期须晚于起始日期"
    if kind == SanctionKind.REMOVAL and ends_on is not None:
        errors["ends_on"] = "清退出库不设截止日期"
    if errors:
        raise ValidationError(errors)


def sanction(
    user, *, agency=None, expert=None, kind: str, reason: str, starts_on: datetime.date | None = None, ends_on=None
) -> Sanction:
    """A warning, a suspension until a date, or removal from the register; the profile's (expert's) status follows:
    a warning marks an agency 警告 (an expert's status has no such state), a suspension 暂停 until ``ends_on``, a
    removal 清退出库. A lighter sanction never lifts a heavier one in force."""
    from agencies.standing import effective_status

    target = _target(agency, expert)
    _require_manager(user, target)
    starts_on = starts_on or clock.today()
    _check_sanction(kind, starts_on, ends_on)
    if not (reason or "").strip():
        raise ValidationError({"reason": "请写明处理事由"})
    row = Sanction(
        issuer=_keeper_of(user, target),
        agency=agency,
        expert=expert,
        kind=kind,
        reason=reason.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        issued_by=user,
        issued_at=clock.now(),
    )
    status = STATUS_BY_SANCTION[kind]
    if expert is not None and status == RegisterStatus.WARNED:
        status = None  # an expert's status has no 警告; the sanction itself shows
    current = effective_status(target)
    with acting(user), transaction.atomic():
        services.create_record(row, reason=f"{row.get_kind_display()}：{row.reason[:60]}")
        if status is not None and (
            SEVERITY[status] >= SEVERITY.get(current, 0) or (kind == SanctionKind.SUSPENSION and current == status)
        ):
            values = {"status": status, "status_until": ends_on if kind != SanctionKind.REMOVAL else None}
            if expert is not None and status == RegisterStatus.REMOVED:
                values["status"] = ExpertStatus.REMOVED
            services.update_record(target, values, reason=f"{row.get_kind_display()}：{row.reason[:60]}")
    return row

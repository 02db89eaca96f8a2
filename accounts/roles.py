"""The roles of DOMAIN.md "Who uses the system", as one table.

Each role says at which kinds of organisation it may be held, how far its reach goes (scope)
and what it may do there (actions). The access gate (core.access) reads only this table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from django.db import models

from organisations.choices import OrgKind, SectionKind


class Role(models.TextChoices):
    UNIT_PREPARER = "unit_preparer", "单位填报人"
    UNIT_HEAD = "unit_head", "单位负责人"
    DEPT_REVIEWER = "dept_reviewer", "主管部门审核人"
    FINANCE_DESK = "finance_desk", "财政业务科室"
    PERFORMANCE_SECTION = "performance_section", "预算绩效管理科"
    BUDGET_SECTION = "budget_section", "预算管理科"
    TREASURY = "treasury", "国库科"
    BUREAU_LEADER = "bureau_leader", "局领导"
    AUDIT_OFFICE = "audit_office", "审计部门"
    AGENCY = "agency", "第三方机构"
    EXPERT = "expert", "评审专家"
    PROVIDER = "provider", "承接主体"
    PUBLIC = "public", "社会公众"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


class Scope(enum.Enum):
    NONE = "none"  # reaches no business record
    OWN_ORG = "own_org"  # the organisation the role is held at
    ORG_SUBTREE = "org_subtree"  # that organisation and everything nested below it
    DESK_DEPARTMENTS = "desk_departments"  # departments the desk is responsible for, with their units
    REGION_SUBTREE = "region_subtree"  # the organisation's region and the regions below it
    ASSIGNED = "assigned"  # only records explicitly assigned (core.models.Assignment)


class Action(models.TextChoices):
    VIEW = "view", "查看"
    CHANGE = "change", "编辑"
    SUBMIT = "submit", "提交"
    REVIEW = "review", "审核"
    APPROVE = "approve", "批复"
    EXPORT = "export", "导出"
    MANAGE = "manage", "管理"


# The three separated administrators (三员分立): no account may hold two of them.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

V, C, S, R, A, E, M = (
    Action.VIEW,
    Action.CHANGE,
    Action.SUBMIT,
    Action.REVIEW,
    Action.APPROVE,
    Action.EXPORT,
    Action.MANAGE,
)


@dataclass(frozen=True)
class RoleSpec:
    org_kinds: frozenset
    scope: Scope
    actions: frozenset
    section_kinds: frozenset = frozenset()
    # Administrative reach over organisations and accounts, by model label.
    admin_actions: dict = field(default_factory=dict)
    # Permissions outside record access (reading the audit log, editing the security policy …).
    capabilities: frozenset = frozenset()


FINANCE = frozenset({OrgKind.FINANCE_SECTION, OrgKind.TOWN_FINANCE})

ROLE_SPECS: dict[str, RoleSpec] = {
    Role.UNIT_PREPARER: RoleSpec(frozenset({OrgKind.UNIT, OrgKind.DEPARTMENT}), Scope.OWN_ORG, frozenset({V, C, S, E})),
    Role.UNIT_HEAD: RoleSpec(frozenset({OrgKind.UNIT, OrgKind.DEPARTMENT}), Scope.OWN_ORG, frozenset({V, C, S, A, E})),
    Role.DEPT_REVIEWER: RoleSpec(frozenset({OrgKind.DEPARTMENT}), Scope.ORG_SUBTREE, frozenset({V, C, S, R, E})),
    Role.FINANCE_DESK: RoleSpec(
        frozenset({OrgKind.FINANCE_SECTION}),
        Scope.DESK_DEPARTMENTS,
        frozenset({V, R, E}),
        section_kinds=frozenset({SectionKind.DESK}),
    ),
    Role.PERFORMANCE_SECTION: RoleSpec(
        FINANCE, Scope.REGION_SUBTREE, frozenset({V, C, R, A, E}), section_kinds=frozenset({SectionKind.PERFORMANCE})
    ),
    Role.BUDGET_SECTION: RoleSpec(
        FINANCE, Scope.REGION_SUBTREE, frozenset({V, R, A, E}), section_kinds=frozenset({SectionKind.BUDGET})
    ),
    Role.TREASURY: RoleSpec(
        FINANCE, Scope.REGION_SUBTREE, frozenset({V, E}), section_kinds=frozenset({SectionKind.TREASURY})
    ),
    Role.BUREAU_LEADER: RoleSpec(frozenset({OrgKind.FINANCE_BUREAU}), Scope.REGION_SUBTREE, frozenset({V, A, E})),
    # seed 001 第七条: the audit office supervises; it reads everything in its region and changes nothing.
    Role.AUDIT_OFFICE: RoleSpec(frozenset({OrgKind.AUDIT_OFFICE}), Scope.REGION_SUBTREE, frozenset({V, E})),
    Role.AGENCY: RoleSpec(frozenset({OrgKind.AGENCY}), Scope.ASSIGNED, frozenset({V, C, S})),
    Role.EXPERT: RoleSpec(frozenset(OrgKind.values), Scope.ASSIGNED, frozenset({V, C, S})),
    Role.PROVIDER: RoleSpec(frozenset({OrgKind.PROVIDER}), Scope.ASSIGNED, frozenset({V})),
    Role.PUBLIC: RoleSpec(frozenset(OrgKind.values), Scope.NONE, frozenset()),
    Role.SYSTEM_ADMIN: RoleSpec(
        frozenset({OrgKind.FINANCE_BUREAU}),
        Scope.NONE,
        frozenset(),
        admin_actions={
            "organisations.organisation": frozenset({V, C, M, E}),
            "organisations.region": frozenset({V, C, M, E}),
            "organisations.deskresponsibility": frozenset({V, C, M}),
            "accounts.user": frozenset({V, C, M, E}),
        },
        capabilities=frozenset({"manage_accounts", "manage_config"}),
    ),
    Role.SECURITY_ADMIN: RoleSpec(
        frozenset({OrgKind.FINANCE_BUREAU}),
        Scope.NONE,
        frozenset(),
        admin_actions={"accounts.user": frozenset({V}), "organisations.organisation": frozenset({V})},
        capabilities=frozenset({"manage_roles", "manage_security", "unlock_accounts"}),
    ),
    Role.AUDIT_ADMIN: RoleSpec(
        frozenset({OrgKind.FINANCE_BUREAU}),
        Scope.NONE,
        frozenset(),
        capabilities=frozenset({"read_audit", "export_audit"}),
    ),
}

# Organisation records are visible to business roles within their scope as well.
BUSINESS_ROLES = frozenset(r for r in Role.values if r not in ADMIN_ROLES)

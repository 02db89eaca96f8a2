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


class Capability(models.TextChoices):
    """Permissions that belong to a role, not to a reach: who may open a monitoring round, dispose of a warning,
    upload treasury data… Each role's capabilities are listed once, in ROLE_SPECS below; navigation, views, the API,
    actions and tests ask ``user.has_capability``, ``access.has_capability`` or ``roles_with`` (issue 11 §2). Where
    the record matters too, the role must also reach it (``workflow.guards.holds_role_over(user, obj,
    roles_with(…))``)."""

    # the three administrators
    MANAGE_ACCOUNTS = "manage_accounts", "管理账号"
    MANAGE_CONFIG = "manage_config", "管理配置"
    MANAGE_ROLES = "manage_roles", "角色授权"
    MANAGE_SECURITY = "manage_security", "安全策略"
    UNLOCK_ACCOUNTS = "unlock_accounts", "解锁账号"
    READ_AUDIT = "read_audit", "查阅审计日志"
    EXPORT_AUDIT = "export_audit", "导出审计日志"
    # business
    IMPORT_SUBJECTS = "import_subjects", "Excel 导入项目"
    COMMISSION_ASSESSMENTS = "commission_assessments", "委托第三方事前评估"
    EDIT_ASSESSMENT_TEMPLATES = "edit_assessment_templates", "修改评估模板（最上级财政局）"
    MANAGE_INDICATORS = "manage_indicators", "管理指标库"
    READ_TARGET_SUMMARY = "read_target_summary", "查看绩效目标汇总"
    CONFIGURE_QUALITY_RULES = "configure_quality_rules", "设置智能审核规则"
    SET_COMMON_INDICATORS = "set_common_indicators", "设置部门整体共性指标"
    UPLOAD_EXECUTION_DATA = "upload_execution_data", "上传预算执行数据"
    MATCH_EXECUTION_DATA = "match_execution_data", "匹配项目编码"
    REFRESH_FIGURES = "refresh_figures", "重新计算执行情况"
    SET_LIGHT_THRESHOLDS = "set_light_thresholds", "设置监控预警阈值"
    OPEN_MONITORING_ROUNDS = "open_monitoring_rounds", "开启监控轮次"
    CONFIGURE_WARNING_RULES = "configure_warning_rules", "设置预警规则（最上级财政局）"
    SUPERVISE_MONITORING = "supervise_monitoring", "督办监控表"
    REPLY_WARNINGS = "reply_warnings", "说明预警情况"
    DISPOSE_WARNINGS = "dispose_warnings", "处置预警、控制拨款"
    VIEW_COCKPIT = "view_cockpit", "领导驾驶舱"
    APPLY_HOLDS = "apply_holds", "执行拨款控制"
    # seed 000 第二十一条 主管部门……可暂缓或停止预算拨款: over its own units' subjects (docs/decisions/0035)
    HOLD_DISBURSEMENT = "hold_disbursement", "暂缓或停止所属单位拨款"
    # seed 003 第二十三条 / seed 001 第二十条: finance organises the year's self-evaluation of its own region
    OPEN_SELF_EVALUATION = "open_self_evaluation", "组织单位自评"
    # seed 003 第三十七条 / seed 000 第二十三条: finance and departments organise key evaluations
    ORGANISE_KEY_EVALUATIONS = "organise_key_evaluations", "组织重点评价"
    # seed 004: the registers of third-party agencies and experts, kept by the performance section
    MANAGE_AGENCY_REGISTER = "manage_agency_register", "管理第三方机构和专家库"


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
    Role.UNIT_PREPARER: RoleSpec(
        frozenset({OrgKind.UNIT, OrgKind.DEPARTMENT}),
        Scope.OWN_ORG,
        frozenset({V, C, S, E}),
        capabilities=frozenset({Capability.IMPORT_SUBJECTS, Capability.REPLY_WARNINGS}),
    ),
    Role.UNIT_HEAD: RoleSpec(
        frozenset({OrgKind.UNIT, OrgKind.DEPARTMENT}),
        Scope.OWN_ORG,
        frozenset({V, C, S, A, E}),
        capabilities=frozenset({Capability.REPLY_WARNINGS}),
    ),
    Role.DEPT_REVIEWER: RoleSpec(
        frozenset({OrgKind.DEPARTMENT}),
        Scope.ORG_SUBTREE,
        frozenset({V, C, S, R, E}),
        # seed 001 第十七条: the department monitors projects it chooses (its own rounds, docs/decisions/0037); seed 000
        # 第二十一条: it may suspend or stop its units' disbursement (docs/decisions/0035).
        capabilities=frozenset(
            {
                Capability.IMPORT_SUBJECTS,
                Capability.READ_TARGET_SUMMARY,
                Capability.SUPERVISE_MONITORING,
                Capability.OPEN_MONITORING_ROUNDS,
                Capability.HOLD_DISBURSEMENT,
                Capability.ORGANISE_KEY_EVALUATIONS,
            }
        ),
    ),
    Role.FINANCE_DESK: RoleSpec(
        frozenset({OrgKind.FINANCE_SECTION}),
        Scope.DESK_DEPARTMENTS,
        frozenset({V, R, E}),
        section_kinds=frozenset({SectionKind.DESK}),
        capabilities=frozenset(
            {Capability.READ_TARGET_SUMMARY, Capability.SUPERVISE_MONITORING, Capability.DISPOSE_WARNINGS}
        ),
    ),
    Role.PERFORMANCE_SECTION: RoleSpec(
        FINANCE,
        Scope.REGION_SUBTREE,
        frozenset({V, C, R, A, E}),
        section_kinds=frozenset({SectionKind.PERFORMANCE}),
        capabilities=frozenset(
            {
                Capability.COMMISSION_ASSESSMENTS,
                Capability.EDIT_ASSESSMENT_TEMPLATES,
                Capability.MANAGE_INDICATORS,
                Capability.READ_TARGET_SUMMARY,
                Capability.CONFIGURE_QUALITY_RULES,
                Capability.SET_COMMON_INDICATORS,
                Capability.MATCH_EXECUTION_DATA,
                Capability.REFRESH_FIGURES,
                Capability.SET_LIGHT_THRESHOLDS,
                Capability.OPEN_MONITORING_ROUNDS,
                Capability.CONFIGURE_WARNING_RULES,
                Capability.SUPERVISE_MONITORING,
                Capability.DISPOSE_WARNINGS,
                Capability.OPEN_SELF_EVALUATION,
                Capability.ORGANISE_KEY_EVALUATIONS,
                Capability.MANAGE_AGENCY_REGISTER,
            }
        ),
    ),
    Role.BUDGET_SECTION: RoleSpec(
        FINANCE,
        Scope.REGION_SUBTREE,
        frozenset({V, R, A, E}),
        section_kinds=frozenset({SectionKind.BUDGET}),
        capabilities=frozenset({Capability.UPLOAD_EXECUTION_DATA, Capability.REFRESH_FIGURES}),
    ),
    Role.TREASURY: RoleSpec(
        FINANCE,
        Scope.REGION_SUBTREE,
        frozenset({V, E}),
        section_kinds=frozenset({SectionKind.TREASURY}),
        capabilities=frozenset(
            {
                Capability.UPLOAD_EXECUTION_DATA,
                Capability.MATCH_EXECUTION_DATA,
                Capability.REFRESH_FIGURES,
                Capability.APPLY_HOLDS,
            }
        ),
    ),
    Role.BUREAU_LEADER: RoleSpec(
        frozenset({OrgKind.FINANCE_BUREAU}),
        Scope.REGION_SUBTREE,
        frozenset({V, A, E}),
        capabilities=frozenset({Capability.READ_TARGET_SUMMARY, Capability.VIEW_COCKPIT}),
    ),
    # seed 001 第七条: the audit office supervises; it reads everything in its region and changes nothing.
    Role.AUDIT_OFFICE: RoleSpec(frozenset({OrgKind.AUDIT_OFFICE}), Scope.REGION_SUBTREE, frozenset({V, E})),
    # An agency exports only what finance authorised on the assignment (core.access, seed 004 三(九)2).
    Role.AGENCY: RoleSpec(frozenset({OrgKind.AGENCY}), Scope.ASSIGNED, frozenset({V, C, S, E})),
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


def roles_with(capability: str) -> frozenset[str]:
    """The roles that hold ``capability`` (for checks that also need the role's reach over a record)."""
    return frozenset(role for role, spec in ROLE_SPECS.items() if capability in spec.capabilities)


# Organisation records are visible to business roles within their scope as well.
BUSINESS_ROLES = frozenset(r for r in Role.values if r not in ADMIN_ROLES)

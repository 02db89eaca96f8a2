"""Navigation by lifecycle stage (issue 2 §6). Each later feature adds its pages to its stage.

A link is offered only when the page behind it would be allowed (issue 11 §2): its capability, its roles, and for
a gated list page whether the gate leaves the user any record of that model at all (``access.may_reach``).
"""

import functools
from dataclasses import dataclass, field

from accounts.roles import Capability
from core import access


@dataclass
class NavLink:
    label: str
    url_name: str
    capability: str | None = None  # shown only to holders of this capability
    hidden_for: tuple = ()  # roles that never see this link
    only_for: tuple = ()  # when set, only holders of one of these roles see this link

    def visible_to(self, user, capabilities: set) -> bool:
        if self.capability and self.capability not in capabilities:
            return False
        if self.only_for and not user.role_names() & set(self.only_for):
            return False
        if self.hidden_for and user.role_names() <= set(self.hidden_for):
            return False
        # A list the gate would always leave empty for the user is not offered (core.views.GatedMixin pages).
        model = _gated_model(self.url_name)
        return model is None or access.may_reach(user, model)


@functools.cache
def _gated_model(url_name: str):
    """The model of the gated page behind ``url_name`` (a core.views.GatedMixin view), else None."""
    from django.urls import NoReverseMatch, resolve, reverse

    from core.views import GatedMixin

    try:
        view_class = getattr(resolve(reverse(url_name)).func, "view_class", None)
    except NoReverseMatch:
        return None
    if view_class is None or not issubclass(view_class, GatedMixin) or view_class.capability:
        return None  # not a gated page, or one whose rule is a capability (checked above)
    return view_class.model


@dataclass
class Stage:
    key: str
    label: str
    icon: str
    summary: str
    links: list = field(default_factory=list)
    admin: bool = False


# Outside the administration: their reach is what they are assigned (or nothing), and no monitoring record is
# assigned to anyone, so the monitoring lists would always be empty for them.
OUTSIDE_ROLES = ("agency", "expert", "provider", "public")


# Roles for whom the agency and expert registers would always be empty lists.
REGISTER_HIDDEN = ("unit_preparer", "unit_head", "finance_desk", "provider", "public")


def _monitoring(label: str, url_name: str, **kwargs) -> NavLink:
    return NavLink(label, url_name, hidden_for=kwargs.pop("hidden_for", OUTSIDE_ROLES), **kwargs)


STAGES: list[Stage] = [
    Stage(
        "assessment",
        "事前评估",
        "bi-clipboard-check",
        "新增项目、政策和专项资金入库前开展事前绩效评估，评估结论作为入库和安排预算的前置条件。",
        links=[
            NavLink("项目库", "subjects:list"),
            NavLink("事前绩效评估", "assessments:list"),
            NavLink("评估模板", "assessments:template_list"),
        ],
    ),
    Stage(
        "targets",
        "绩效目标",
        "bi-bullseye",
        "谁申请资金，谁编制目标：绩效目标随预算申报、审核、批复，批复后调整须重新审核。",
        links=[
            NavLink("绩效目标申报表", "targets:list"),
            NavLink("智能审核规则", "targets:rules"),
            NavLink("绩效目标汇总", "targets:summary", capability=Capability.READ_TARGET_SUMMARY),
            NavLink("区域绩效目标", "targets:regional_list"),
            NavLink("部门整体共性指标", "targets:common"),
            NavLink("申报表下载与上传", "targets:io"),
        ],
    ),
    Stage(
        "monitoring",
        "运行监控",
        "bi-activity",
        "预算执行进度与绩效目标完成情况“双监控”，偏离时预警、纠偏，严重时暂缓或停止拨款。",
        links=[
            _monitoring("运行监控总览", "monitoring:dashboard"),
            _monitoring("监控轮次", "monitoring:rounds"),
            _monitoring("绩效监控表", "monitoring:tables"),
            _monitoring("绩效预警", "monitoring:warnings"),
            _monitoring("拨款控制", "monitoring:holds"),
            _monitoring("预警规则", "monitoring:rules"),
            _monitoring("监控预警阈值", "monitoring:thresholds"),
            _monitoring("国库支付明细", "execution:payment_list"),
            _monitoring("预算指标", "execution:allocation_list"),
            _monitoring("待匹配支付", "execution:unmatched", capability=Capability.MATCH_EXECUTION_DATA),
        ],
    ),
    Stage(
        "evaluation",
        "绩效评价",
        "bi-graph-up",
        "年度终了开展单位自评、部门审核、财政抽查复核和重点评价。",
        links=[
            NavLink("工作报告", "reports:list"),
            NavLink("评价方案", "evaluations:scheme_list"),
            NavLink(
                "单位自评",
                "evaluations:rounds",
                hidden_for=("unit_preparer", "unit_head", "dept_reviewer", *OUTSIDE_ROLES),
            ),
            NavLink("绩效自评表", "evaluations:forms", hidden_for=OUTSIDE_ROLES),
            NavLink("自评情况看板", "evaluations:board", hidden_for=OUTSIDE_ROLES),
            NavLink("部门自评汇总", "evaluations:summary_index", hidden_for=OUTSIDE_ROLES),
            NavLink(
                "抽查复核",
                "evaluations:recheck_list",
                hidden_for=("unit_preparer", "unit_head", "dept_reviewer", "expert", "provider", "public"),
            ),
            NavLink("重点评价", "keyevals:list", hidden_for=("unit_preparer", "unit_head", "provider", "public")),
            # The registers of third-party agencies and experts (agencies/): finance reads them, an agency its own
            # profile and contracts, an expert his or her own entry.
            NavLink("第三方机构库", "agencies:list", hidden_for=(*REGISTER_HIDDEN, "dept_reviewer", "expert")),
            NavLink("委托合同", "agencies:contract_list", hidden_for=(*REGISTER_HIDDEN, "expert")),
            NavLink("评审专家库", "agencies:expert_list", hidden_for=(*REGISTER_HIDDEN, "dept_reviewer", "agency")),
        ],
    ),
    Stage(
        "results", "结果应用", "bi-arrow-repeat", "评价结果反馈整改、与预算安排挂钩、信息公开、向政府和人大报告、问责。"
    ),
    Stage(
        "indicators",
        "指标库",
        "bi-diagram-3",
        "共性指标和分行业个性指标，附计算公式，供编制绩效目标和评价指标体系时选用。",
        links=[NavLink("指标库", "indicators:list"), NavLink("指标提议", "indicators:proposal_list")],
    ),
    Stage("annual", "考核", "bi-award", "对部门和县区财政部门预算绩效管理工作开展年度考核。"),
    Stage(
        "system",
        "系统管理",
        "bi-gear",
        "机构、用户、角色、安全策略、审计日志和审核流程配置。",
        admin=True,
        links=[
            NavLink("行政区划", "organisations:region_list", hidden_for=OUTSIDE_ROLES),
            NavLink("机构", "organisations:list", hidden_for=("audit_admin", *OUTSIDE_ROLES)),
            NavLink("用户", "accounts:user_list", capability="manage_accounts"),
            NavLink("角色授权", "accounts:user_list", capability="manage_roles"),
            NavLink("安全策略", "accounts:policy", capability="manage_security"),
            NavLink("审计日志", "audit:list", capability="read_audit"),
            NavLink("审核流程", "workflow:chain_list", hidden_for=("audit_admin", "security_admin", *OUTSIDE_ROLES)),
            NavLink("无人办理的文档", "workflow:stranded", capability=Capability.MANAGE_CONFIG),
        ],
    ),
]

STAGE_KEYS = {s.key for s in STAGES}


def links_for(stage: Stage, user, capabilities: set) -> list[NavLink]:
    return [link for link in stage.links if link.visible_to(user, capabilities)]


def stages_for(user) -> list[Stage]:
    """The three administrators work only in 系统管理 (三员分立). Staff of the administration see every business
    stage (a stage still being built says so); outside roles (agency, expert, provider, public) and anyone
    without a function in 系统管理 see only the stages that offer them something."""
    if user.is_admin_role:
        return [s for s in STAGES if s.admin]
    capabilities = user_capabilities(user)
    outside = user.role_names() <= set(OUTSIDE_ROLES)
    return [s for s in STAGES if (not outside and not s.admin) or links_for(s, user, capabilities)]


def user_capabilities(user) -> set:
    from accounts.roles import ROLE_SPECS

    return {c for a in user.role_assignments() for c in ROLE_SPECS[a.role].capabilities}

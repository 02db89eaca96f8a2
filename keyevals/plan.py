"""The work plan (评价工作方案, seed 003 第三十八条) and its indicator system, and the evaluation notice (评价通知书).

The plan is a review-chain document (keyevals/migrations/0002: drafted by the organising office's working group or by
the commissioned agency, approved by the organising office). Its indicators are set in a framework in force for the
organiser's region (``IndicatorFramework``, versioned data); ``keyevals.frameworks.check`` names every broken rule and
a submission that breaks one is refused, nothing changed (seed 000 第二十三条; seed 003 附件5). Once approved the plan
and its indicators are final (a database guard, keyevals/apps.py).

The notice is issued by the organiser after the plan is approved, pre-filled from the plan; the evaluated unit signs
for it (签收) and it leaves the unit's 待办.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from audit import trail
from audit.models import AuditAction
from core import access, clock, services, versioning
from keyevals import frameworks
from keyevals.actions import is_agency_of, is_organiser, require_organiser
from keyevals.models import FrameworkCode, IndicatorFramework, KeyStatus, Notice, PlanIndicator, WorkPlan
from workflow import actions as review
from workflow import guards
from workflow.models import ReviewStatus

PLAN_FIELDS = ("purpose", "basis", "content", "methods_note", "schedule", "sampling")
INDICATOR_FIELDS = ("group", "level2", "name", "weight", "explanation", "standard")
NOT_PREPARER = "只有方案的编制人（受托机构或组织评价的单位）可以编制工作方案"
NOT_EDITABLE = "工作方案已提交审核或已审批通过，不能修改"
NOTICE_FIELDS = ("number", "purpose", "content", "basis", "evaluators", "timing", "requirements")


# ---------------------------------------------------------------------------------------------- frameworks


def frameworks_in_force(evaluation_or_region, on=None) -> list[IndicatorFramework]:
    """The framework of each code in force for the organiser's region (core.versioning), in the codes' order."""
    region = getattr(getattr(evaluation_or_region, "organiser", None), "region", evaluation_or_region)
    found = versioning.in_force_each(IndicatorFramework, "code", FrameworkCode.values, region, on)
    return [found[code] for code in FrameworkCode.values if found.get(code) is not None]


def framework_for(evaluation, code: str) -> IndicatorFramework | None:
    return next((f for f in frameworks_in_force(evaluation) if f.code == code), None)


def rows_of(indicators) -> list[frameworks.Row]:
    return [
        frameworks.Row(name=i.name, group=i.group, weight=Decimal(i.weight), standard=i.standard, order=i.order)
        for i in indicators
    ]


def check_indicators(framework: IndicatorFramework, indicators) -> list[str]:
    return frameworks.check(
        rows_of(indicators),
        groups=framework.groups,
        total_points=framework.total_points,
        share_rules=framework.share_rules,
    )


def check_plan(plan: WorkPlan) -> list[str]:
    """Every rule the plan's indicator system breaks ([] when it may be submitted)."""
    return check_indicators(plan.framework, plan.indicators.all())


# ---------------------------------------------------------------------------------------------- who


def may_prepare(user, evaluation) -> bool:
    """The plan's drafter: the commissioned agency, else the organising office (the chains' step 0)."""
    return is_agency_of(user, evaluation) if evaluation.agency_id else is_organiser(user, evaluation)


def may_edit(user, plan: WorkPlan) -> bool:
    return plan.evaluation.status == KeyStatus.PREPARING and guards.can_edit(user, plan)


def _require_edit(user, plan: WorkPlan) -> None:
    if plan.evaluation.status != KeyStatus.PREPARING:
        raise ValidationError("评价已开始实施，工作方案不能修改")
    if not guards.can_edit(user, plan):
        if plan.status not in (ReviewStatus.DRAFT, ReviewStatus.RETURNED):
            raise ValidationError(NOT_EDITABLE)
        raise PermissionDenied(NOT_PREPARER)


# ---------------------------------------------------------------------------------------------- the plan


def plan_of(evaluation) -> WorkPlan | None:
    return WorkPlan.objects.filter(evaluation=evaluation).select_related("framework").first()


def create_plan(user, evaluation, framework: IndicatorFramework, data: dict | None = None) -> WorkPlan:
    """The evaluation's one plan, in the chosen framework (one in force for the organiser's region)."""
    if not may_prepare(user, evaluation):
        raise PermissionDenied(NOT_PREPARER)
    if evaluation.status != KeyStatus.PREPARING:
        raise ValidationError("评价已开始实施，不能再编制工作方案")
    if framework is None or framework.pk not in {f.pk for f in frameworks_in_force(evaluation)}:
        raise ValidationError({"framework": "所选指标框架不是本地区现行的指标框架"})
    values = {k: (v or "").strip() for k, v in (data or {}).items() if k in PLAN_FIELDS}
    plan = WorkPlan(evaluation=evaluation, framework=framework, **values)
    try:
        with transaction.atomic():
            services.create_record(plan, reason="编制评价工作方案")
    except IntegrityError:
        raise ValidationError("本次评价已有工作方案") from None
    return plan


def save_plan(user, plan: WorkPlan, version: int, data: dict) -> WorkPlan:
    """The plan's texts (and framework while it has no indicators of another framework's groups); optimistic."""
    _require_edit(user, plan)
    values = {k: (v or "").strip() for k, v in data.items() if k in PLAN_FIELDS}
    framework = data.get("framework")
    if framework is not None and framework.pk != plan.framework_id:
        if framework.pk not in {f.pk for f in frameworks_in_force(plan.evaluation)}:
            raise ValidationError({"framework": "所选指标框架不是本地区现行的指标框架"})
        values["framework"] = framework
    plan, _ = review.save_edit(plan, user, version, data=values, reason="修改评价工作方案")
    return plan


def _indicator_values(data: dict, framework) -> dict:
    values = {k: (data.get(k) or "").strip() if k != "weight" else data.get(k) for k in INDICATOR_FIELDS if k in data}
    errors = {}
    if "weight" in values:
        weight = frameworks.decimal(values["weight"], default=None)
        if weight is None or not weight.is_finite() or weight < 0:
            errors["weight"] = f"分值“{values['weight']}”不是有效的非负数"
        else:
            values["weight"] = weight.quantize(Decimal("0.01"))
    if "name" in values and not values["name"]:
        errors["name"] = "请填写指标名称"
    if "group" in values and values["group"] not in frameworks.group_names(framework.groups):
        errors["group"] = f"一级指标应为：{'、'.join(frameworks.group_names(framework.groups))}"
    if errors:
        raise ValidationError(errors)
    return values


def _touch(plan: WorkPlan, user) -> None:
    """An indicator row changed: the plan's version moves (a reviewer's stale page is told so)."""
    review.save_edit(plan, user, plan.version, data={}, reason="")


def add_indicator(user, plan: WorkPlan, data: dict) -> PlanIndicator:
    _require_edit(user, plan)
    values = _indicator_values(data, plan.framework)
    for required in ("group", "name", "weight"):
        if required not in values or values[required] in ("", None):
            raise ValidationError({required: "请填写一级指标、指标名称和分值"})
    with transaction.atomic():
        order = (plan.indicators.aggregate(n=Max("order"))["n"] or 0) + 1
        indicator = PlanIndicator(plan=plan, evaluation_id=plan.evaluation_id, order=order, **values)
        services.create_record(indicator, reason="评价指标")
        _touch(plan, user)
    return indicator


def update_indicator(user, indicator: PlanIndicator, data: dict) -> PlanIndicator:
    plan = indicator.plan
    _require_edit(user, plan)
    values = _indicator_values(data, plan.framework)
    with transaction.atomic():
        services.update_record(indicator, values, reason="修改评价指标")
        _touch(plan, user)
    return indicator


def delete_indicator(user, indicator: PlanIndicator) -> None:
    plan = indicator.plan
    _require_edit(user, plan)
    with transaction.atomic():
        services.delete_record(indicator, reason="删除评价指标")
        _touch(plan, user)


def replace_indicators(user, plan: WorkPlan, rows: list[dict]) -> list[PlanIndicator]:
    """The whole indicator system at once (the API's PUT, the demo): every row validated before anything changes."""
    _require_edit(user, plan)
    cleaned = []
    for n, row in enumerate(rows, start=1):
        try:
            values = _indicator_values(row, plan.framework)
        except ValidationError as exc:
            raise ValidationError(f"第 {n} 行：{'；'.join(exc.messages)}") from None
        if not values.get("name") or values.get("weight") in (None, "") or not values.get("group"):
            raise ValidationError(f"第 {n} 行：请填写一级指标、指标名称和分值")
        cleaned.append(values)
    with transaction.atomic():
        for old in list(plan.indicators.all()):
            services.delete_record(old, reason="重排评价指标")
        created = [
            services.create_record(
                PlanIndicator(plan=plan, evaluation_id=plan.evaluation_id, order=n, **values), reason="评价指标"
            )
            for n, values in enumerate(cleaned, start=1)
        ]
        _touch(plan, user)
    return created


def transition(user, plan: WorkPlan, action: str, version: int, opinion: str = "", target_step=None) -> WorkPlan:
    """Submit, approve or return the plan through its chain. A submission (and an approval) of a plan that breaks a
    rule of its framework is refused, nothing changed (seed 000 第二十三条, seed 003 附件5)."""
    if plan.evaluation.status != KeyStatus.PREPARING:
        raise ValidationError("评价已开始实施，工作方案不能再流转")
    if action in ("submit", "approve"):
        problems = check_plan(plan)
        if problems:
            raise ValidationError(problems)
    return review.perform(action, plan, user, version, opinion, target_step)


# ---------------------------------------------------------------------------------------------- the notice


def notice_defaults(evaluation) -> dict:
    """The notice pre-filled from the approved plan and the working group."""
    plan = plan_of(evaluation)
    members = "、".join(f"{m.name}（{m.get_role_display()}）" for m in evaluation.members.all().order_by("role", "id"))
    agency = f"受托机构：{evaluation.agency.name}。" if evaluation.agency_id else ""
    subject = "、".join(s.name for s in evaluation.subjects.all()) or evaluation.title
    return {
        "number": "",
        "purpose": (plan.purpose if plan else "") or f"了解{subject}的资金使用和实施效果，提出改进建议。",
        "content": (plan.content if plan else "")
        or f"{subject}（{evaluation.year}年度）的决策、过程、产出和效益情况。",
        "basis": (plan.basis if plan else "") or "《中华人民共和国预算法》及本级预算绩效管理、绩效评价管理办法。",
        "evaluators": f"{agency}评价工作组：{members}" if members else (agency or evaluation.organiser.name),
        "timing": (plan.schedule if plan else "") or f"{evaluation.starts_on:%Y-%m-%d} 起",
        "requirements": "请按资料清单及时提供相关资料，指定联络人配合现场核查和调查。",
    }


def may_issue_notice(user, evaluation) -> bool:
    return (
        evaluation.status in (KeyStatus.PREPARING, KeyStatus.FIELDWORK)
        and is_organiser(user, evaluation)
        and evaluation.plans.filter(status=ReviewStatus.APPROVED).exists()
    )


def issue_notice(user, evaluation, data: dict) -> Notice:
    require_organiser(user, evaluation)
    if not evaluation.plans.filter(status=ReviewStatus.APPROVED).exists():
        raise ValidationError("工作方案审批通过后才能发出评价通知书")
    if evaluation.status not in (KeyStatus.PREPARING, KeyStatus.FIELDWORK):
        raise ValidationError("评价已进入评分阶段，不能再发评价通知书")
    values = {k: (data.get(k) or "").strip() for k in NOTICE_FIELDS}
    missing = [Notice._meta.get_field(k).verbose_name for k in NOTICE_FIELDS if k != "number" and not values[k]]
    if missing:
        raise ValidationError(f"请填写：{'、'.join(map(str, missing))}")
    notice = Notice(evaluation=evaluation, sent_by=user, sent_at=clock.now(), **values)
    return services.create_record(notice, reason="发出评价通知书")


def may_sign(user, notice: Notice) -> bool:
    """The evaluated organisation's own people (its reach through the notice's organisation) sign for it."""
    from accounts.roles import Action, Role

    if notice.read_at is not None or user is None or not user.is_authenticated:
        return False
    if user.has_role(Role.AGENCY, Role.EXPERT) and not user.role_names() - {Role.AGENCY, Role.EXPERT}:
        return False
    return (
        user.organisation_id is not None
        and user.organisation.path.startswith(notice.evaluation.evaluated.path)
        and access.can(user, Action.VIEW, notice)
    )


def sign_notice(user, notice: Notice) -> Notice:
    if notice.read_at is not None:
        raise ValidationError("评价通知书已签收")
    if not may_sign(user, notice):
        trail.record(AuditAction.PERMISSION_DENIED, notice, actor=user, reason="非被评价单位人员签收评价通知书")
        raise PermissionDenied("只有被评价单位的人员可以签收评价通知书")
    services.update_record(notice, {"read_at": clock.now(), "read_by": user}, reason="签收评价通知书")
    return notice

"""Creating and changing a key evaluation (seed 003 第三十三–三十八条; seed 000 第二十三、二十五条; seed 001 第二十二、
二十三条): the record itself, its working group and its fee budget (评价经费预算及审核表). Pages, API and the demo call
these; each checks who may act, validates, audits and refuses with a Chinese message, changing nothing.

Who organises: finance's performance section or a department (``keyevals.lifecycle.ORGANISER_ROLES``, capability
ORGANISE_KEY_EVALUATIONS), over the evaluation (``workflow.guards.holds_role_over``). The evaluated organisation and
the subjects come from the organiser's reach (a department organises only its own units). A commissioned agency gets
an ``Assignment`` on the evaluation (its staff reach it); an expert added to the group gets one personally.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Sum

from accounts.roles import Action, Role
from audit import trail
from audit.models import AuditAction
from core import access, clock, services
from core.models import Assignment
from keyevals.lifecycle import ORGANISER_ROLES
from keyevals.models import (
    FeeBudgetLine,
    KeyEvaluation,
    KeyStatus,
    MemberRole,
    Method,
    WorkingGroupMember,
)
from organisations.choices import OrgKind
from organisations.models import Organisation
from workflow.actions import StaleDocument
from workflow.guards import holds_role_over

EVALUATED_KINDS = (OrgKind.DEPARTMENT, OrgKind.UNIT)
ASSIGNEE_ROLES = frozenset({Role.AGENCY, Role.EXPERT})
NOT_ORGANISER = "只有组织本次评价的单位（预算绩效管理科或主管部门）可以办理"
NOT_PREPARING = "评价已进入“{status}”阶段，基本信息不能再修改"
EDITABLE_FIELDS = (
    "title",
    "year",
    "evaluated",
    "stage",
    "object_kind",
    "object_amount",
    "methods",
    "major",
    "agency",
    "contract",
    "starts_on",
    "scoring_due",
    "report_due",
)


# ---------------------------------------------------------------------------------------------- who


def organiser_assignments(user) -> list:
    """The user's role assignments that organise key evaluations (performance section, department reviewer)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    return [a for a in user.role_assignments() if a.role in ORGANISER_ROLES]


def organiser_of(user) -> Organisation | None:
    """The office a new evaluation of ``user`` is organised by: the first organising role's organisation."""
    assignments = organiser_assignments(user)
    return assignments[0].organisation if assignments else None


def may_create(user) -> bool:
    return bool(organiser_assignments(user))


def is_organiser(user, evaluation) -> bool:
    return holds_role_over(user, evaluation, ORGANISER_ROLES)


def is_assignee(user, evaluation) -> bool:
    """An agency or expert the evaluation is assigned to (its staff work on it)."""
    return holds_role_over(user, evaluation, ASSIGNEE_ROLES)


def is_agency_of(user, evaluation) -> bool:
    return evaluation.agency_id is not None and holds_role_over(user, evaluation, frozenset({Role.AGENCY}))


def may_work(user, evaluation) -> bool:
    """The organiser, or the assigned agency and experts (fieldwork records)."""
    return is_organiser(user, evaluation) or is_assignee(user, evaluation)


def require_organiser(user, evaluation) -> None:
    if not is_organiser(user, evaluation):
        raise PermissionDenied(NOT_ORGANISER)


def require_preparing(evaluation) -> None:
    if evaluation.status != KeyStatus.PREPARING:
        raise ValidationError(NOT_PREPARING.format(status=evaluation.get_status_display()))


# ---------------------------------------------------------------------------------------------- choices


def evaluated_choices(user):
    """Departments and units in the organiser's reach (a department reviewer reaches only its own units)."""
    if not may_create(user):
        return Organisation.objects.none()
    return access.choices(Organisation.objects.filter(kind__in=EVALUATED_KINDS, is_active=True), user).order_by("path")


def subject_choices(user, evaluated=None):
    from subjects.models import Subject

    subjects = access.restrict(Subject.objects.all(), user, Action.VIEW)
    if evaluated is not None:
        subjects = subjects.filter(organisation__path__startswith=evaluated.path)
    return subjects.select_related("organisation").order_by("-fiscal_year", "code")


def agency_choices(user):
    """The agencies of the register (organisations of the kind 第三方机构)."""
    if not may_create(user):
        return Organisation.objects.none()
    return Organisation.objects.filter(kind=OrgKind.AGENCY, is_active=True).order_by("name")


def agency_standing(agency) -> tuple[bool, str]:
    """(may be commissioned, the standing in words): ``agencies.standing`` when part A wrote it, else the register's
    status (暂停委托 until its date, 清退出库 for good)."""
    try:
        from agencies import standing
    except ImportError:
        standing = None
    if standing is not None and hasattr(standing, "agency_standing"):
        result = standing.agency_standing(agency)
        if isinstance(result, tuple):
            return bool(result[0]), str(result[1])
        allowed = getattr(result, "may_commission", getattr(result, "allowed", True))
        return bool(allowed), str(getattr(result, "label", getattr(result, "text", result)))
    from agencies.models import AgencyProfile, RegisterStatus

    profile = AgencyProfile.objects.filter(organisation=agency).first()
    if profile is None:
        return True, "未登记机构信息"
    today = clock.today()
    if profile.status == RegisterStatus.REMOVED:
        return False, "已清退出库"
    if profile.status == RegisterStatus.SUSPENDED and (profile.status_until is None or profile.status_until >= today):
        until = f"至 {profile.status_until:%Y-%m-%d}" if profile.status_until else ""
        return False, f"暂停委托{until}"
    return True, profile.get_status_display() if profile.status != RegisterStatus.SUSPENDED else "正常"


def contract_choices(user, agency=None):
    from agencies.models import AgencyContract

    contracts = access.restrict(AgencyContract.objects.all(), user, Action.VIEW)
    if agency is not None:
        contracts = contracts.filter(agency__organisation=agency) if _contract_agency_is_profile() else contracts
    return contracts.order_by("-signed_on", "-id")


def _contract_agency_is_profile() -> bool:
    from agencies.models import AgencyContract

    return AgencyContract._meta.get_field("agency").related_model._meta.model_name == "agencyprofile"


def contract_agency_org(contract):
    agency = contract.agency
    return agency.organisation if hasattr(agency, "organisation") else agency


# ---------------------------------------------------------------------------------------------- validation


def _clean(user, data: dict, subjects, organiser) -> dict:
    """Check the values a person chose against the organiser's reach and the register; the cleaned values."""
    errors: dict[str, list[str]] = {}
    evaluated = data.get("evaluated")
    if evaluated is None:
        errors.setdefault("evaluated", []).append("请选择被评价单位")
    elif not evaluated_choices(user).filter(pk=evaluated.pk).exists():
        errors.setdefault("evaluated", []).append("所选被评价单位不在您的组织范围内")
    methods = list(dict.fromkeys(data.get("methods") or []))
    unknown = [m for m in methods if m not in Method.values]
    if unknown:
        errors.setdefault("methods", []).append(f"未知的评价方法：{'、'.join(map(str, unknown))}")
    agency = data.get("agency")
    if agency is not None:
        if agency.kind != OrgKind.AGENCY:
            errors.setdefault("agency", []).append("受托机构须是登记的第三方机构")
        else:
            allowed, words = agency_standing(agency)
            if not allowed:
                errors.setdefault("agency", []).append(f"{agency.name}{words}，不能委托")
    contract = data.get("contract")
    if contract is not None:
        if agency is None:
            errors.setdefault("contract", []).append("选择委托合同时请同时选择受托机构")
        elif contract_agency_org(contract).pk != agency.pk:
            errors.setdefault("contract", []).append("所选合同不是与该受托机构签订的")
        elif not contract_choices(user).filter(pk=contract.pk).exists():
            errors.setdefault("contract", []).append("所选合同不在您的范围内")
    if evaluated is not None and subjects:
        allowed_ids = set(
            subject_choices(user, evaluated).filter(pk__in=[s.pk for s in subjects]).values_list("pk", flat=True)
        )
        outside = [s for s in subjects if s.pk not in allowed_ids]
        if outside:
            errors.setdefault("subjects", []).append(
                f"项目“{'、'.join(s.name for s in outside)}”不属于被评价单位或不在您的范围内"
            )
    starts, scoring_due, report_due = data.get("starts_on"), data.get("scoring_due"), data.get("report_due")
    if starts and scoring_due and scoring_due < starts:
        errors.setdefault("scoring_due", []).append("评分截止日期不能早于开始日期")
    if scoring_due and report_due and report_due < scoring_due:
        errors.setdefault("report_due", []).append("报告完成日期不能早于评分截止日期")
    if errors:
        raise ValidationError(errors)
    return {**data, "methods": methods}


def _sync_agency_assignment(evaluation, before_agency_id) -> None:
    """The commissioned agency reaches the evaluation through one Assignment; a changed agency loses it."""
    content_type = ContentType.objects.get_for_model(KeyEvaluation)
    rows = Assignment.objects.filter(content_type=content_type, object_id=evaluation.pk, user__isnull=True)
    if before_agency_id and before_agency_id != evaluation.agency_id:
        for old in rows.filter(organisation_id=before_agency_id):
            services.delete_record(old, reason="更换受托第三方机构")
    if evaluation.agency_id and not rows.filter(organisation_id=evaluation.agency_id).exists():
        services.create_record(
            Assignment(content_type=content_type, object_id=evaluation.pk, organisation_id=evaluation.agency_id),
            reason="委托第三方机构开展重点评价",
        )


# ---------------------------------------------------------------------------------------------- the evaluation


def create_evaluation(
    user, data: dict, *, subjects=(), fee_lines=(), organiser=None, reason: str = ""
) -> KeyEvaluation:
    """A new evaluation in 评价准备, organised by the user's office; the agency assigned; the fee budget lines."""
    organiser = organiser or organiser_of(user)
    if organiser is None:
        raise PermissionDenied("只有预算绩效管理科或主管部门审核人可以组织重点评价")
    subjects = list(subjects or [])
    data = _clean(user, {k: v for k, v in data.items() if k in EDITABLE_FIELDS}, subjects, organiser)
    with transaction.atomic():
        evaluation = KeyEvaluation(organiser=organiser, created_by=user, created_at=clock.now(), **data)
        if evaluation.starts_on is None:
            evaluation.starts_on = clock.today()
        services.create_record(evaluation, reason=reason or "新建重点评价")
        if not is_organiser(user, evaluation):
            raise PermissionDenied(NOT_ORGANISER)  # rolls the creation back
        if subjects:
            evaluation.subjects.set(subjects)
            trail.record(
                AuditAction.UPDATE, evaluation, changes={"评价对象": [None, "、".join(s.name for s in subjects)]}
            )
        _sync_agency_assignment(evaluation, None)
        for line in fee_lines:
            add_fee_line(user, evaluation, line)
    return evaluation


def update_evaluation(user, evaluation, version: int, data: dict, *, subjects=None, reason: str = "") -> KeyEvaluation:
    """Change the facts while the evaluation is being prepared (optimistic version); never after."""
    require_organiser(user, evaluation)
    with transaction.atomic():
        fresh = KeyEvaluation.objects.select_for_update(of=("self",)).get(pk=evaluation.pk)
        if fresh.version != version:
            raise StaleDocument()
        require_preparing(fresh)
        values = {k: data[k] for k in EDITABLE_FIELDS if k in data}
        merged = {k: getattr(fresh, k) for k in EDITABLE_FIELDS}
        merged.update(values)
        subject_list = list(subjects) if subjects is not None else list(fresh.subjects.all())
        cleaned = _clean(user, merged, subject_list, fresh.organiser)
        before_agency = fresh.agency_id
        values = {k: cleaned[k] for k in values}
        values["version"] = fresh.version + 1
        services.update_record(fresh, values, reason=reason)
        if subjects is not None:
            old = set(fresh.subjects.values_list("pk", flat=True))
            if old != {s.pk for s in subject_list}:
                fresh.subjects.set(subject_list)
                trail.record(
                    AuditAction.UPDATE, fresh, changes={"评价对象": [len(old), "、".join(s.name for s in subject_list)]}
                )
        _sync_agency_assignment(fresh, before_agency)
    evaluation.refresh_from_db()
    return evaluation


def bump(evaluation) -> None:
    KeyEvaluation.objects.filter(pk=evaluation.pk).update(version=F("version") + 1)


# ---------------------------------------------------------------------------------------------- fee budget


def _fee_totals(evaluation) -> None:
    totals = FeeBudgetLine.objects.filter(evaluation=evaluation).aggregate(
        amount=Sum("amount"), approved=Sum("approved")
    )
    has_approved = FeeBudgetLine.objects.filter(evaluation=evaluation, approved__isnull=False).exists()
    KeyEvaluation.objects.filter(pk=evaluation.pk).update(
        fee_budget=totals["amount"] or Decimal("0"), fee_approved=totals["approved"] if has_approved else None
    )


def _money(value, label: str, required: bool = True):
    if value in (None, ""):
        if required:
            raise ValidationError({label: "请填写金额"})
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except Exception:
        raise ValidationError({label: f"金额“{value}”不是有效数字"}) from None
    if amount < 0 or not amount.is_finite():
        raise ValidationError({label: "金额不能为负数"})
    return amount.quantize(Decimal("0.01"))


def require_fee_editable(user, evaluation) -> None:
    require_organiser(user, evaluation)
    if evaluation.status not in (KeyStatus.PREPARING, KeyStatus.FIELDWORK):
        raise ValidationError("评价已进入评分阶段，经费预算不能再修改")


def add_fee_line(user, evaluation, data: dict) -> FeeBudgetLine:
    require_fee_editable(user, evaluation)
    line = FeeBudgetLine(
        evaluation=evaluation,
        item=(data.get("item") or "").strip(),
        basis=(data.get("basis") or "").strip(),
        amount=_money(data.get("amount"), "amount"),
        approved=_money(data.get("approved"), "approved", required=False),
    )
    if not line.item:
        raise ValidationError({"item": "请填写费用项目"})
    services.create_record(line, reason="评价经费预算")
    _fee_totals(evaluation)
    return line


def update_fee_line(user, line: FeeBudgetLine, data: dict) -> FeeBudgetLine:
    require_fee_editable(user, line.evaluation)
    values = {}
    if "item" in data:
        values["item"] = (data["item"] or "").strip()
        if not values["item"]:
            raise ValidationError({"item": "请填写费用项目"})
    if "basis" in data:
        values["basis"] = (data["basis"] or "").strip()
    if "amount" in data:
        values["amount"] = _money(data["amount"], "amount")
    if "approved" in data:
        values["approved"] = _money(data["approved"], "approved", required=False)
    services.update_record(line, values, reason="修改评价经费预算")
    _fee_totals(line.evaluation)
    return line


def delete_fee_line(user, line: FeeBudgetLine) -> None:
    require_fee_editable(user, line.evaluation)
    evaluation = line.evaluation
    services.delete_record(line, reason="删除评价经费预算")
    _fee_totals(evaluation)


# ---------------------------------------------------------------------------------------------- working group


def _expert_conflict(expert, evaluated) -> str:
    """回避: an expert employed by the evaluated organisation (or one of its units), or with a declared relation."""
    from agencies.models import ExpertRelation

    employer = getattr(expert, "employer", None)
    if employer is not None and employer.path.startswith(evaluated.path):
        return f"专家{expert.name}任职于被评价单位{employer.name}，应当回避"
    relation = (
        ExpertRelation.objects.filter(expert=expert, organisation__path__startswith=evaluated.path)
        .select_related("organisation")
        .first()
    )
    if relation is not None:
        return f"专家{expert.name}与{relation.organisation.name}存在关系（{relation.relation}），应当回避"
    return ""


def _assign_user(evaluation, person, reason: str) -> None:
    content_type = ContentType.objects.get_for_model(KeyEvaluation)
    if not Assignment.objects.filter(content_type=content_type, object_id=evaluation.pk, user=person).exists():
        services.create_record(
            Assignment(content_type=content_type, object_id=evaluation.pk, user=person), reason=reason
        )


def add_member(user, evaluation, data: dict) -> WorkingGroupMember:
    """A member of the working group: a finance colleague (user), agency staff, or an expert of the register (from a
    draw for this evaluation or chosen); an expert from the evaluated unit is refused (回避)."""
    require_organiser(user, evaluation)
    if evaluation.status in (KeyStatus.CONCLUDED, KeyStatus.ARCHIVED):
        raise ValidationError("评价已完成，工作组不能再调整")
    expert = data.get("expert")
    person = data.get("user")
    role = data.get("role") or (MemberRole.EXPERT if expert is not None else MemberRole.MEMBER)
    if role not in MemberRole.values:
        raise ValidationError({"role": "未知的职责"})
    name = (data.get("name") or "").strip()
    organisation_name = (data.get("organisation_name") or "").strip()
    if expert is not None:
        conflict = _expert_conflict(expert, evaluation.evaluated)
        if conflict:
            raise ValidationError({"expert": conflict})
        if WorkingGroupMember.objects.filter(evaluation=evaluation, expert=expert).exists():
            raise ValidationError({"expert": f"专家{expert.name}已在工作组中"})
        name = name or expert.name
        organisation_name = organisation_name or expert.employer_name
        person = person or expert.user
    if person is not None:
        if person.organisation_id and person.organisation.path.startswith(evaluation.evaluated.path):
            raise ValidationError({"user": f"{person.name or person.username}属于被评价单位，不能参加评价工作组"})
        if WorkingGroupMember.objects.filter(evaluation=evaluation, user=person).exists():
            raise ValidationError({"user": f"{person.name or person.username}已在工作组中"})
        name = name or person.name or person.username
        organisation_name = organisation_name or (person.organisation.name if person.organisation_id else "")
    if not name:
        raise ValidationError({"name": "请填写成员姓名或选择账号"})
    with transaction.atomic():
        member = services.create_record(
            WorkingGroupMember(
                evaluation=evaluation,
                name=name,
                role=role,
                organisation_name=organisation_name,
                user=person,
                expert=expert,
                scores=bool(data.get("scores", True)),
            ),
            reason="评价工作组成员",
        )
        if person is not None and (expert is not None or person.has_role(Role.EXPERT)):
            _assign_user(evaluation, person, "专家参与重点评价")
    return member


def remove_member(user, member: WorkingGroupMember) -> None:
    evaluation = member.evaluation
    require_organiser(user, evaluation)
    if evaluation.status not in (KeyStatus.PREPARING, KeyStatus.FIELDWORK):
        raise ValidationError("评分开始后工作组成员不能删除")
    if member.score_sheets.exists():
        raise ValidationError(f"{member.name}已有评分表，不能删除")
    with transaction.atomic():
        person = member.user
        services.delete_record(member, reason="移出评价工作组")
        if person is not None:
            content_type = ContentType.objects.get_for_model(KeyEvaluation)
            for row in Assignment.objects.filter(content_type=content_type, object_id=evaluation.pk, user=person):
                services.delete_record(row, reason="专家移出评价工作组")


def draw_experts(user, evaluation, field, count: int):
    """An expert draw for this evaluation (agencies.draw, part A); the drawn experts join the group."""
    require_organiser(user, evaluation)
    try:
        from agencies import draw
    except ImportError:
        raise ValidationError("专家库抽取功能尚未启用") from None
    keeper = keeper_of(evaluation)
    result = draw.draw_experts(
        keeper=keeper, evaluated=evaluation.evaluated, field=field, count=count, user=user, record=evaluation
    )
    members = []
    drawn = result.drawn.all() if hasattr(result, "drawn") else result
    for expert in drawn:
        if not WorkingGroupMember.objects.filter(evaluation=evaluation, expert=expert).exists():
            members.append(add_member(user, evaluation, {"expert": expert, "role": MemberRole.EXPERT}))
    return result, members


def keeper_of(evaluation) -> Organisation:
    """The expert register an evaluation draws from: the organiser's bureau's performance section."""
    from organisations.choices import SectionKind

    organiser = evaluation.organiser
    if organiser.kind == OrgKind.FINANCE_SECTION and organiser.section_kind == SectionKind.PERFORMANCE:
        return organiser
    section = Organisation.objects.filter(
        region_id=organiser.region_id, kind=OrgKind.FINANCE_SECTION, section_kind=SectionKind.PERFORMANCE
    ).first()
    return section or organiser

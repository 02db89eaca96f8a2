"""第三方评审 of target sheets (长治市《预算绩效管理办法》第十四条; targets/third_party_models.py): the performance section
commissions agencies and experts; each writes one opinion, which finance reads beside its own when it arranges the
budget (重要参考依据). The reviews are outside the sheet's chain: they neither approve nor return it."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.roles import Role
from audit import trail
from audit.models import AuditAction
from core import clock, services
from core.models import Assignment
from organisations.choices import OrgKind
from targets.third_party_models import ReviewConclusion, ReviewerKind, TargetThirdPartyReview
from workflow import guards
from workflow.models import ReviewStatus

ARTICLE = "《长治市预算绩效管理办法》第十四条"
REVIEW_DAYS = 10  # the default time an agency or expert is given; the commissioner may set another date


def can_commission(user, sheet) -> bool:
    """The performance section of the sheet's region, while the sheet is not yet approved (the review informs the
    approval and the budget arrangement, so it comes before them)."""
    return sheet.status != ReviewStatus.APPROVED and guards.holds_role_over(user, sheet, {Role.PERFORMANCE_SECTION})


def _refused(obj, user, message: str) -> PermissionDenied:
    trail.record(AuditAction.PERMISSION_DENIED, obj, actor=user, reason=message)  # kept on record
    return PermissionDenied(message)


def _assign(obj, reason: str, *, organisation=None, person=None) -> None:
    ct = ContentType.objects.get_for_model(type(obj))
    if Assignment.objects.filter(content_type=ct, object_id=obj.pk, organisation=organisation, user=person).exists():
        return
    services.create_record(
        Assignment(content_type=ct, object_id=obj.pk, organisation=organisation, user=person), reason=reason
    )


def commission(sheet, user, *, agencies=(), experts=(), reason: str, due_on=None) -> list[TargetThirdPartyReview]:
    """Commission a review of ``sheet`` by each of ``agencies`` (organisations registered as 第三方机构) and ``experts``
    (accounts holding 评审专家): one row each, and the assignments that let each reach the sheet, its subject and
    its own row. All or nothing; a reviewer already commissioned for this sheet is refused by name."""
    if not can_commission(user, sheet):
        raise _refused(sheet, user, "只有项目所在地财政部门预算绩效管理科可以委托第三方评审，且须在绩效目标批复之前")
    reason = (reason or "").strip()
    agencies, experts = list(agencies), list(experts)
    errors = {}
    if not reason:
        errors["reason"] = (
            f"请填写评审事由（{ARTICLE}：社会关注度高、对经济社会发展有重要影响和关系民生公益等重大项目）"
        )
    if not agencies and not experts:
        errors["agencies"] = "请至少选择一家中介机构或一位评审专家"
    wrong = [a.name for a in agencies if a.kind != OrgKind.AGENCY or not a.is_active]
    if wrong:
        errors["agencies"] = f"{'、'.join(wrong)} 不是登记在册的第三方机构"
    not_experts = [e.name for e in experts if not e.is_active or not e.roles.filter(role=Role.EXPERT).exists()]
    if not_experts:
        errors["experts"] = f"{'、'.join(not_experts)} 不是评审专家"
    today = clock.today()
    due_on = due_on or today + timedelta(days=REVIEW_DAYS)
    if due_on < today:
        errors["due_on"] = "评审期限不能早于今天"
    taken = TargetThirdPartyReview.objects.filter(sheet=sheet).filter(
        Q(agency__in=[a.pk for a in agencies]) | Q(expert__in=[e.pk for e in experts])
    )
    if not errors and taken.exists():
        names = "、".join(r.reviewer_name for r in taken.select_related("agency", "expert__organisation"))
        errors["agencies"] = f"已委托过的评审方不能重复委托：{names}"
    if errors:
        raise ValidationError(errors)
    subject = sheet.subject
    created = []
    try:
        with transaction.atomic():
            for kind, reviewers in ((ReviewerKind.AGENCY, agencies), (ReviewerKind.EXPERT, experts)):
                for reviewer in reviewers:
                    review = TargetThirdPartyReview(
                        sheet=sheet,
                        reviewer_kind=kind,
                        agency=reviewer if kind == ReviewerKind.AGENCY else None,
                        expert=reviewer if kind == ReviewerKind.EXPERT else None,
                        reason=reason,
                        due_on=due_on,
                        commissioned_by=user,
                    )
                    services.create_record(review, reason=f"委托第三方评审绩效目标：{reason}")
                    who = {"organisation": reviewer} if kind == ReviewerKind.AGENCY else {"person": reviewer}
                    for obj in (subject, sheet, review):
                        _assign(obj, f"委托{review.reviewer_name}评审绩效目标：{reason}", **who)
                    created.append(review)
    except IntegrityError:
        taken = [r.reviewer_name for r in TargetThirdPartyReview.objects.filter(sheet=sheet)]
        raise ValidationError({"agencies": f"已委托过的评审方不能重复委托：{'、'.join(taken)}"}) from None
    return created


def can_submit(user, review) -> bool:
    """The commissioned agency's staff, or the commissioned expert in person, until the opinion is submitted."""
    if review.is_submitted:
        return False
    roles = {Role.AGENCY} if review.reviewer_kind == ReviewerKind.AGENCY else {Role.EXPERT}
    if review.reviewer_kind == ReviewerKind.EXPERT and review.expert_id != getattr(user, "pk", None):
        return False
    return guards.holds_role_over(user, review, roles)


def submit(review, user, *, conclusion: str, opinion: str) -> TargetThirdPartyReview:
    """The reviewer's opinion, once: it cannot be changed after submission (a new review is commissioned instead)."""
    with transaction.atomic():
        review = TargetThirdPartyReview.objects.select_for_update().select_related("sheet").get(pk=review.pk)
        if not can_submit(user, review):
            if review.is_submitted:
                raise ValidationError("评审意见已提交，不能修改")
            raise _refused(review, user, "只有受托的中介机构或被指派的评审专家本人可以提交评审意见")
        opinion = (opinion or "").strip()
        errors = {}
        if conclusion not in ReviewConclusion.values:
            errors["conclusion"] = "请选择评审结论"
        if not opinion:
            errors["opinion"] = (
                "请填写评审意见：目标的完整性、相关性、适当性和可行性（长治市《预算绩效管理办法》第十三条）"
            )
        elif len(opinion) > 4000:
            errors["opinion"] = "评审意见不超过 4000 字"
        if errors:
            raise ValidationError(errors)
        services.update_record(
            review,
            {"conclusion": conclusion, "opinion": opinion, "submitted_by": user, "submitted_at": clock.now()},
            reason="提交绩效目标第三方评审意见",
        )
    return review


def visible_reviews(user, sheet):
    """The reviews of ``sheet`` ``user`` may read: all of them for whoever reads the sheet through its organisation
    or region (the unit, the department, finance); an agency or expert only its own."""
    from core import access

    rows = TargetThirdPartyReview.objects.filter(sheet=sheet).select_related("agency", "expert__organisation")
    return access.restrict(rows, user)

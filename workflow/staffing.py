"""Nothing stranded (issue 17 §9): a document never waits at a step nobody can act on.

"Who can act on step N of document D" is ``guards.staffed_q(model, role)``: some active account holds the step's
role with a reach over D, exactly as ``guards.acting_q`` reads it for one user. Two uses:

- ``check_submission(doc, chain)``: ``workflow.actions`` refuses a submission into a chain with a step (any of the
  steps still ahead, 1 … last) that nobody holds over the document, naming the first such role and the organisation;
- ``stranded(user)``: the documents already waiting (in review, or returned to a preparer who is gone) at a step
  nobody can act on — a holder left, was disabled or lost the role after the submission. The system administrator's
  page 无人办理的文档 (``workflow.views.stranded_list``) and ``GET /api/stranded-documents/`` list them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery

from accounts.roles import ROLE_SPECS, Capability, Role, Scope
from core import access
from core.access import NOTHING
from workflow import guards
from workflow.chains import document_organisation, reviewable_models
from workflow.models import ReviewLog, ReviewStatus

# A document waits for someone in these states: a reviewer (in review) or its preparer (returned).
WAITING = (ReviewStatus.IN_REVIEW, ReviewStatus.RETURNED)


def is_staffed(doc, role: str) -> bool:
    """Does some active account hold ``role`` with a reach over the (saved) document ``doc``?"""
    model = type(doc)
    q = guards.staffed_q(model, role)
    return q is not NOTHING and model._default_manager.filter(pk=doc.pk).filter(q).exists()


def staffed_organisation_ids(role: str) -> set[int]:
    """The organisations whose new documents would find a holder of ``role`` for (roles with an organisational reach;
    the demo library uses it before its subjects exist)."""
    from organisations.models import Organisation

    q = guards.staffed_q(Organisation, role)
    return set() if q is NOTHING else set(Organisation.objects.filter(q).values_list("pk", flat=True))


def unstaffed_step(doc, chain, first: int = 1):
    """The first step of ``chain`` from ``first`` on whose role nobody holds over ``doc``, or None."""
    for step in chain.ordered_steps():
        if step.order >= first and not is_staffed(doc, step.role):
            return step
    return None


def _finance_bureau_name(organisation) -> str:
    from organisations.choices import OrgKind
    from organisations.models import Organisation

    bureau = Organisation.objects.filter(kind=OrgKind.FINANCE_BUREAU, region_id=organisation.region_id).first()
    return bureau.name if bureau else f"{organisation.region.name}财政部门"


def refusal(doc, step) -> str:
    """The Chinese message naming the role that nobody holds and where it is missing."""
    organisation = document_organisation(doc)
    role = Role(step.role).label
    scope = ROLE_SPECS[step.role].scope
    name = organisation.name if organisation is not None else "该单据所属机构"
    if organisation is not None and scope is Scope.DESK_DEPARTMENTS:
        where = f"{name}没有归口的“{role}”（财政局的归口业务科室无人持有此角色）"
    elif organisation is not None and scope is Scope.REGION_SUBTREE:
        where = f"{_finance_bureau_name(organisation)}没有“{role}”"
    elif scope is Scope.ASSIGNED:
        where = f"{name}的该文档尚未委托给持有“{role}”角色的机构或人员"
    else:
        where = f"{name}没有“{role}”"
    return (
        f"{where}，提交后第 {step.order} 环节“{step.name}”无人审核；"
        "请联系系统管理员为该单位配置此角色（账号由系统管理员建立，角色由安全管理员授予）"
    )


def check_submission(doc, chain) -> None:
    """Refuse (ValidationError) a submission of ``doc`` into ``chain`` when a step ahead has nobody to act."""
    step = unstaffed_step(doc, chain)
    if step is not None:
        raise ValidationError(refusal(doc, step))


# --- the documents already stranded -------------------------------------------------------------------------------


def stranded_q(model) -> Q:
    """Documents of ``model`` waiting at a step nobody can act on (one Q over every role they may wait for)."""
    result = NOTHING
    for role in Role.values:
        if ROLE_SPECS[role].scope is Scope.NONE:
            continue  # administrators and the public never stand at a step
        result |= Q(current_role=role) & ~guards.staffed_q(model, role)
    return Q(status__in=WAITING) & result


@dataclass(frozen=True)
class Stranded:
    document_type: str
    document: str
    organisation: str
    organisation_id: int | None
    step: str
    role: str
    status: str
    since: datetime | None


def _region_orgs(user):
    """The organisations within the administrator's reach (the bureau's region and below), as a subquery."""
    from organisations.models import Organisation

    return access.restrict(Organisation.objects.all(), user).values("pk")


def can_see_stranded(user) -> bool:
    """The system administrator (who configures chains and accounts) sees the list; no one else."""
    return access.has_capability(user, Capability.MANAGE_CONFIG)


def stranded(user) -> list[Stranded]:
    """Every document within ``user``'s administrative reach waiting at a step nobody can act on, oldest first.
    One query per document type."""
    if not can_see_stranded(user):
        return []
    rows = []
    orgs = _region_orgs(user)
    for model in reviewable_models():
        org_field = model.access_org_field
        ct = ContentType.objects.get_for_model(model)
        last_move = ReviewLog.objects.filter(content_type=ct, object_id=OuterRef("pk")).order_by("-created_at", "-id")
        docs = (
            model._default_manager.filter(stranded_q(model))
            .filter(**{f"{org_field}__in": orgs})
            .select_related("chain", org_field)
            .prefetch_related("chain__steps")
            .annotate(since=Subquery(last_move.values("created_at")[:1]))
        )
        for doc in docs:
            organisation = document_organisation(doc)
            rows.append(
                Stranded(
                    document_type=str(model._meta.verbose_name),
                    document=str(doc),
                    organisation=organisation.name if organisation else "",
                    organisation_id=organisation.pk if organisation else None,
                    step=doc.current_step_name,
                    role=Role(doc.current_role).label,
                    status=doc.get_status_display(),
                    since=doc.since,
                )
            )
    return sorted(rows, key=lambda r: (r.since is None, r.since or datetime.min, r.document_type, r.document))

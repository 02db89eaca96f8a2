"""Who may act on a document at its current step.

The actor must hold the step's role, and that role assignment's reach (its scope in
accounts.roles, exactly as the access gate reads it) must include the document. A role that
reaches a whole region (the finance bureau's sections) acts only on documents of its own region:
the city's performance section reviews the city's documents, the county's reviews the county's.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.lookups import StartsWith

from accounts.roles import ROLE_SPECS, Scope
from core.access import NOTHING, _prefix, _scope_q
from workflow.chains import resolve_chain, resolve_chains
from workflow.models import EDITABLE_STATUSES, ReviewStatus


def _assignment_q(model, assignment, user) -> Q:
    spec = ROLE_SPECS[assignment.role]
    org_field = model.access_org_field
    q = _scope_q(model, org_field, assignment, spec.scope, user)
    if q is NOTHING:
        return NOTHING
    if spec.scope is Scope.REGION_SUBTREE:
        q &= Q(**{f"{_prefix(org_field)}region_id": assignment.organisation.region_id})
    return q


def acting_q(user, model) -> Q:
    """The documents of ``model`` waiting for ``user`` (one Q; the 待办 runs it as one query)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    result = NOTHING
    for assignment in user.role_assignments():
        q = _assignment_q(model, assignment, user)
        if q is not NOTHING:
            result |= Q(current_role=assignment.role) & q
    if result is NOTHING:
        return NOTHING
    return result & ~Q(status=ReviewStatus.APPROVED)


def can_act(user, doc) -> bool:
    """May ``user`` act on ``doc`` at the step it stands at now?"""
    q = acting_q(user, type(doc))
    if q is NOTHING or doc.pk is None:
        return False
    return type(doc)._default_manager.filter(pk=doc.pk).filter(q).exists()


def can_edit(user, doc) -> bool:
    """Only the preparer at step 0, while the document is a draft or has been returned."""
    return doc.status in EDITABLE_STATUSES and doc.current_step == 0 and can_act(user, doc)


def can_prepare(user, model, organisation, probe=None, chains=None) -> bool:
    """May ``user`` create a ``model`` document for ``organisation`` (holds step 0's role over it)?
    ``probe``: an unsaved document of the kind to be created, when its chain depends on more than the
    model (a ``chain_variants`` document type, e.g. department-overall target sheets); ``chains``: the chains already
    resolved for ``organisation`` by document type (``workflow.chains.resolve_chains``), when several kinds are
    asked at once."""
    from organisations.models import Organisation

    if organisation is None or user is None or not user.is_authenticated:
        return False
    field = model.access_org_field
    # A document owned through a path ("subject__organisation") cannot be probed with the organisation.
    if probe is None:
        probe = model(**{field: organisation}) if field and "__" not in field else model()
    chain = chains[probe.chain_document_type] if chains is not None else resolve_chain(probe, organisation)
    first = chain.step(0) if chain else None
    role = first.role if first else model._meta.get_field("current_role").default
    result = NOTHING
    for assignment in user.role_assignments():
        if assignment.role != role:
            continue
        spec = ROLE_SPECS[assignment.role]
        if spec.scope is Scope.ASSIGNED:
            continue  # assignments name existing records; they never allow creating one
        q = _scope_q(Organisation, "", assignment, spec.scope, user)
        if spec.scope is Scope.REGION_SUBTREE:
            q &= Q(region_id=assignment.organisation.region_id)
        result |= q
    if result is NOTHING:
        return False
    return Organisation.objects.filter(pk=organisation.pk).filter(result).exists()


def _candidate_organisations(user) -> list:
    """The organisations of the user's role assignments (already read with their regions), each once; assignments
    of the ASSIGNED scope name records, not organisations, and never allow preparing one."""
    candidates = {}
    for assignment in user.role_assignments():
        if ROLE_SPECS[assignment.role].scope is not Scope.ASSIGNED:
            candidates.setdefault(assignment.organisation_id, assignment.organisation)
    return list(candidates.values())


def preparer_organisations(user, model):
    """Organisations ``user`` may prepare ``model`` documents for (form choices)."""
    from organisations.models import Organisation

    ids = [o.pk for o in _candidate_organisations(user) if can_prepare(user, model, o)]
    return Organisation.objects.filter(pk__in=ids)


def may_prepare(user, model) -> bool:
    """May ``user`` prepare a ``model`` document for some organisation (a list page's 新增 button)? As
    ``preparer_organisations(user, model).exists()``, stopping at the first organisation that allows it."""
    return any(can_prepare(user, model, o) for o in _candidate_organisations(user))


def preparer_organisations_by_kind(user, model, probes) -> list[list]:
    """For documents of ``model`` whose chain depends on their kind (``probes``: one unsaved document per kind), the
    organisations ``user`` may prepare each kind for, in the order of ``probes``; each candidate organisation's chains
    are resolved once for all kinds (workflow.chains.resolve_chains)."""
    result = [[] for _ in probes]
    for organisation in _candidate_organisations(user):
        chains = resolve_chains(probes, organisation)
        for index, probe in enumerate(probes):
            if can_prepare(user, model, organisation, probe=probe, chains=chains):
                result[index].append(organisation)
    return result


def staffed_q(model, role: str) -> Q:
    """The documents of ``model`` over which some active account holds ``role`` as a chain step reads it (the
    reach of ``acting_q``, asked the other way round: not "what waits for this user" but "does anyone reach this
    document in this role"). One Q, set-based, for the submission check and the 无人办理 page (workflow/staffing.py).
    """
    from accounts.models import RoleAssignment
    from core.models import Assignment
    from organisations.models import DeskResponsibility

    spec = ROLE_SPECS.get(role)
    org_field = model.access_org_field
    if spec is None or org_field is None:
        return NOTHING
    p = _prefix(org_field)
    holders = RoleAssignment.objects.filter(role=role, user__is_active=True)
    if spec.scope is Scope.OWN_ORG:
        return Q(**{f"{p}pk__in": holders.values("organisation_id")})
    if spec.scope is Scope.ORG_SUBTREE:
        return Q(Exists(holders.filter(StartsWith(OuterRef(f"{p}path"), F("organisation__path")))))
    if spec.scope is Scope.DESK_DEPARTMENTS:
        departments = DeskResponsibility.objects.filter(desk_id__in=holders.values("organisation_id"))
        return Q(**{f"{p}department_id__in": departments.values("department_id")})
    if spec.scope is Scope.REGION_SUBTREE:
        # region-wide finance roles act on their own region's documents only (as in _assignment_q)
        return Q(**{f"{p}region_id__in": holders.values("organisation__region_id")})
    if spec.scope is Scope.ASSIGNED:
        ct = ContentType.objects.get_for_model(model)
        who = Q(user_id__in=holders.values("user_id"))
        if role != "expert":
            who |= Q(organisation_id__in=holders.values("organisation_id"))
        return Q(Exists(Assignment.objects.filter(who, content_type=ct, object_id=OuterRef("pk"))))
    return NOTHING


def holds_role_over(user, doc, roles) -> bool:
    """Does ``user`` hold one of ``roles`` with a reach that includes ``doc`` (region-bound for
    region-wide finance roles, as at a chain step)? For document actions outside the chain."""
    if user is None or not user.is_authenticated or not user.is_active or doc.pk is None:
        return False
    result = NOTHING
    for assignment in user.role_assignments():
        if assignment.role in roles:
            q = _assignment_q(type(doc), assignment, user)
            if q is not NOTHING:
                result |= q
    if result is NOTHING:
        return False
    return type(doc)._default_manager.filter(pk=doc.pk).filter(result).exists()

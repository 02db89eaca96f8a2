"""The access gate: the one module that decides what a user may read and do.

Every list, detail page, download, export, report and API endpoint asks it:

    restrict(queryset, user, action)      → the rows the user may act on
    get_object_or_404(queryset, user, action, **lookup)
    can(user, action, obj)                → bool

A record names the organisation it belongs to with ``access_org_field`` on its model (a path to an
``organisations.Organisation`` foreign key, "" when the record is an organisation). Each role of
the user contributes a filter according to its scope (accounts.roles.ROLE_SPECS); the union is the
reach. A model may route one scope along another path for reading only (``access_scope_routes``). A record outside it does not exist for that user: views answer 404, never 403.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.roles import ROLE_SPECS, Action, Scope
from organisations.choices import OrgKind

NOTHING = Q(pk__in=[])


def _org_field(model) -> str | None:
    return getattr(model, "access_org_field", None)


def _prefix(org_field: str) -> str:
    return f"{org_field}__" if org_field else ""


def _route(model, scope: Scope, org_field: str | None, action: str) -> tuple[Scope, str | None] | None:
    """The scope and path a role of ``scope`` reaches ``model`` by: the model's own ``access_org_field``, unless the
    model routes that scope elsewhere with ``access_scope_routes = {scope: (scope, path)}`` — a record organised by
    one office about another organisation's money (a re-check organised by the performance section of a
    department's form) is read by a finance desk through the department it is 归口 for, or by its region. A routed
    reach is for reading only: for any other action the role reaches nothing of the model (None)."""
    routed = getattr(model, "access_scope_routes", {}).get(scope)
    if routed is None:
        return scope, org_field
    return routed if action == Action.VIEW else None


def _scope_q(model, org_field: str, assignment, scope: Scope, user, action: str = Action.VIEW) -> Q:
    org = assignment.organisation
    p = _prefix(org_field)
    if scope is Scope.OWN_ORG:
        return Q(**{f"{p}pk": org.pk})
    if scope is Scope.ORG_SUBTREE:
        return Q(**{f"{p}path__startswith": org.path})
    if scope is Scope.DESK_DEPARTMENTS:
        from organisations.models import DeskResponsibility

        department_ids = DeskResponsibility.objects.filter(desk=org).values("department_id")
        return Q(**{f"{p}department_id__in": department_ids})
    if scope is Scope.REGION_SUBTREE:
        region = org.region
        if org_field is None:
            # A region-level record (a region itself) names its region with access_region_field.
            rp = _prefix(getattr(model, "access_region_field", ""))
            return Q(**{f"{rp}path__startswith": region.path})
        return Q(**{f"{p}region__path__startswith": region.path})
    if scope is Scope.ASSIGNED:
        from core.models import Assignment

        # A record that belongs to an assigned parent (a key evaluation's plan, scores, report) names the parent's
        # foreign key in ``access_assigned_via``: the parent's assignment reaches it.
        via = getattr(model, "access_assigned_via", "")
        target = model._meta.get_field(via).related_model if via else model
        ct = ContentType.objects.get_for_model(target)
        # An agency (or provider) sees what is assigned to its organisation; an expert only what is
        # assigned to him or her personally.
        who = Q(user_id=user.pk) if assignment.role == "expert" else Q(user_id=user.pk) | Q(organisation_id=org.pk)
        rows = Assignment.objects.filter(content_type=ct).filter(who)
        if action == Action.EXPORT:
            # seed 004 三(九)2: an assignee exports (or publishes) an evaluation's data only with finance's
            # authorisation, recorded on the assignment (``may_export``).
            rows = rows.filter(may_export=True)
        ids = rows.values("object_id")
        return Q(**{f"{via}_id__in": ids}) if via else Q(pk__in=ids)
    return NOTHING


def scope_filter(user, model, action: str = Action.VIEW) -> Q:
    """The Q object selecting the rows of ``model`` the user may ``action``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    org_field = _org_field(model)
    label = model._meta.label_lower
    if action == Action.VIEW and getattr(model, "access_public_read", False):
        return Q()  # reference data every signed-in user reads (regions)
    result = NOTHING
    for assignment in user.role_assignments():
        spec = ROLE_SPECS[assignment.role]
        admin_actions = spec.admin_actions.get(label)
        if admin_actions is not None:
            if action in admin_actions:
                # Administrators reach the organisations/accounts of their bureau's region.
                result |= _scope_q(model, org_field, assignment, Scope.REGION_SUBTREE, user)
            continue
        if org_field is None or action not in spec.actions or getattr(model, "access_admin_only", False):
            continue
        route = _route(model, spec.scope, org_field, action)
        if route is not None:
            result |= _scope_q(model, route[1], assignment, route[0], user, action)
    return result


def restrict(queryset: QuerySet, user, action: str = Action.VIEW) -> QuerySet:
    q = scope_filter(user, queryset.model, action)
    if q is NOTHING:
        return queryset.none()
    return queryset.filter(q).distinct() if _needs_distinct(queryset.model) else queryset.filter(q)


def _needs_distinct(model) -> bool:
    # The filters above follow only forward foreign keys and subqueries, so no row is repeated.
    return False


def can(user, action: str, obj) -> bool:
    if obj is None or obj.pk is None:
        return False
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def get_object_or_404(queryset: QuerySet, user, action: str = Action.VIEW, **lookup):
    try:
        return restrict(queryset, user, action).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404("记录不存在或无权访问") from None


def can_create_in(user, model, organisation, action: str = Action.CHANGE) -> bool:
    """May the user create a ``model`` record belonging to ``organisation``?"""
    if organisation is None:
        return False
    from organisations.models import Organisation

    org_q = scope_filter(user, model, action)
    if org_q is NOTHING:
        return False
    # Evaluate the same scope against the organisation the new record would belong to.
    org_field = _org_field(model)
    if org_field is None:
        return False
    translated = _translate(org_q, _prefix(org_field))
    return Organisation.objects.filter(pk=organisation.pk).filter(translated).exists()


def _translate(q: Q, prefix: str) -> Q:
    """Rewrite a record-level Q (``org__path__startswith``) into an organisation-level one."""
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            clone.children.append(_translate(child, prefix))
        else:
            key, value = child
            if prefix and (key.startswith("pk__in") or not key.startswith(prefix)):
                # Assignment scopes name records, not organisations, and a routed scope (``access_scope_routes``)
                # reads along another path: neither allows creation.
                clone.children.append(("pk__in", []))
                continue
            clone.children.append((key[len(prefix) :] if prefix and key.startswith(prefix) else key, value))
    return clone


def has_capability(user, capability: str) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_capability(capability))


def reachable_organisations(user, action: str = Action.VIEW):
    """Organisations whose records the user may ``action`` (for form choices and filters)."""
    from organisations.models import Organisation

    return restrict(Organisation.objects.all(), user, action)


def capable_assignments(user, capability: str) -> list:
    """The user's role assignments whose role holds ``capability`` (accounts.roles.ROLE_SPECS)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    return [a for a in user.role_assignments() if capability in ROLE_SPECS[a.role].capabilities]


def is_top_bureau_region(region) -> bool:
    """No finance bureau above ``region``: its bureau is the top of this installation (it sets defaults)."""
    from organisations.models import Organisation

    above = [code for code in region.path.split("/") if code and code != region.code]
    return not Organisation.objects.filter(kind=OrgKind.FINANCE_BUREAU, region__code__in=above).exists()


def holds_at_top(user, capability: str) -> bool:
    """Does the user hold ``capability`` at the top-level finance bureau ("the top bureau's performance section",
    "the top bureau's system administrator")? Defaults that apply everywhere are theirs to set."""
    return any(is_top_bureau_region(a.organisation.region) for a in capable_assignments(user, capability))


def may_reach(user, model, action: str = Action.VIEW) -> bool:
    """Whether the gate could give the user any ``model`` record for ``action`` (without asking the database):
    False when no role of the user reaches the model at all. Pages, menu entries and buttons are offered only
    then."""
    return scope_filter(user, model, action) is not NOTHING


def choices(queryset: QuerySet, user) -> QuerySet:
    """The rows a user may pick in a form or an API field: those the user may see. No user (a schema being
    generated, a serializer without a request) picks nothing."""
    if user is None:
        return queryset.none()
    return restrict(queryset, user, Action.VIEW)


def providers(queryset: QuerySet, user) -> QuerySet:
    """承接主体 a purchasing unit may contract: the active provider register, which every business user reads
    (seed 000 第八条). Choosing one grants no reach into the provider's records."""
    if user is None or not user.is_authenticated or user.is_admin_role:
        return queryset.none()
    return queryset.filter(kind=OrgKind.PROVIDER, is_active=True)


__all__ = [
    "Action",
    "OrgKind",
    "can",
    "can_create_in",
    "capable_assignments",
    "choices",
    "get_object_or_404",
    "has_capability",
    "holds_at_top",
    "is_top_bureau_region",
    "may_reach",
    "providers",
    "reachable_organisations",
    "restrict",
    "scope_filter",
]

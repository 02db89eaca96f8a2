"""Searchable pickers: large choice sets (organisations, departments, subjects, indicators, regions) as a text box
that asks ``/pick/<kind>/?q=`` for at most ``LIMIT`` matches, instead of a menu of thousands of options (issue 16).

A kind is the one definition of "what this user may pick": the filter that uses it (``core.filters.PickerFilter``)
validates the submitted id against the same queryset the endpoint searches, so the menu, the search and the filter
can never disagree, and none of them reaches past the access gate (``core.access``). A user only finds what he or
she may reach; an id outside reach is refused exactly like an id that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.roles import Action
from core import access

LIMIT = 20


@dataclass(frozen=True)
class PickerKind:
    key: str
    noun: str  # 机构, 主管部门… (the placeholder: 输入编码或名称查找…)
    options: Callable  # (user) -> the gated queryset of what the user may pick, in display order
    search: Callable  # (queryset, text) -> the rows matching a code or name
    describe: Callable = str  # (row) -> the text shown for a row (and in the box once chosen)


KINDS: dict[str, PickerKind] = {}


def register(kind: PickerKind) -> PickerKind:
    KINDS[kind.key] = kind
    return kind


def kind(key: str) -> PickerKind:
    try:
        return KINDS[key]
    except KeyError:
        raise Http404("没有这种选择器") from None


def options(key: str, user) -> QuerySet:
    """What ``user`` may pick of kind ``key``; nobody (no request: a schema being generated) picks nothing."""
    from django.contrib.auth.models import AnonymousUser

    return kind(key).options(user if user is not None else AnonymousUser())


def find(key: str, user, text: str) -> list:
    picker = kind(key)
    queryset = options(key, user)
    text = (text or "").strip()
    if text:
        queryset = picker.search(queryset, text)
    return list(queryset[:LIMIT])


# ---------------------------------------------------------------------------------------------- the kinds


def _organisations(user) -> QuerySet:
    return access.reachable_organisations(user, Action.VIEW).filter(is_active=True).order_by("path")


def _departments(user) -> QuerySet:
    """The departments (主管部门) of the organisations in reach: a unit user finds its own department, a department
    reviewer its own, a desk its departments, a bureau section every department of its region."""
    from organisations.models import Organisation

    reach = access.reachable_organisations(user, Action.VIEW).values("department_id")
    return Organisation.objects.departments().filter(pk__in=reach).order_by("path")


def _search_organisations(queryset: QuerySet, text: str) -> QuerySet:
    return queryset.filter(Q(budget_code__startswith=text) | Q(name__icontains=text) | Q(short_name__icontains=text))


def _describe_organisation(org) -> str:
    return f"{org.name}（{org.budget_code}）" if org.budget_code else org.name


def _regions(user) -> QuerySet:
    from organisations.models import Region

    return access.choices(Region.objects.all(), user).order_by("path")


def _subjects(user) -> QuerySet:
    from subjects.models import Subject

    return access.restrict(Subject.objects.all(), user, Action.VIEW).order_by("-fiscal_year", "code")


def _indicators(user) -> QuerySet:
    from indicators.models import Indicator

    if getattr(user, "is_admin_role", False):
        return Indicator.objects.none()
    return access.restrict(Indicator.objects.filter(is_active=True), user, Action.VIEW).order_by("kind", "code")


def code_or_name(queryset: QuerySet, text: str) -> QuerySet:
    return queryset.filter(Q(code__startswith=text) | Q(name__icontains=text))


register(PickerKind("organisation", "机构", _organisations, _search_organisations, _describe_organisation))
register(PickerKind("department", "主管部门", _departments, _search_organisations, _describe_organisation))
register(PickerKind("region", "行政区划", _regions, code_or_name, lambda r: f"{r.name}（{r.code}）"))
register(PickerKind("subject", "项目", _subjects, code_or_name))
register(PickerKind("indicator", "指标", _indicators, code_or_name, lambda i: f"{i.code} {i.name}"))


# ---------------------------------------------------------------------------------------------- the endpoint


@require_GET
@login_required
def pick(request, key: str):
    """``/pick/<kind>/?q=…``: the first ``LIMIT`` rows of the kind the user may pick whose code starts with, or
    whose name contains, ``q``; an htmx partial of clickable rows, or ``?format=json``."""
    picker = kind(key)
    rows = find(key, request.user, request.GET.get("q", ""))
    found = [{"id": row.pk, "text": picker.describe(row)} for row in rows]
    if request.GET.get("format") == "json":
        return JsonResponse({"results": found})
    return render(request, "core/pick.html", {"rows": found, "q": request.GET.get("q", ""), "picker": picker})

"""The 待办 (my tasks) interface.

A feature registers a provider: a function ``provider(user) -> list[TodoItem]``, the items of the 待办 page, the
home page and the stage pages. It may also give a cheap count, ``count(user) -> dict[stage, int]`` (one aggregate
query per document type): ``todo.register(provider, count=count)``. The navigation on every page reads only the
counts (``counts_for``), cached per user; a provider without a count is counted from its items.

The cache (docs/decisions/0029-cheap-shell.md): a user's counts are kept in the Django cache
(``settings.JIXIAO_TODO_CACHE``), stamped with the id of the newest audit row that can change someone's 待办
(``CHANGING_ACTIONS``: creations, deletions, workflow and lifecycle transitions, role grants and revocations, imports).
Every such change writes that row in its own transaction (core/services.py, workflow/actions.py,
workflow/lifecycle.py, accounts/actions.py, the import and export jobs), so a count stamped with an older id is stale
the moment the change commits, in every process, whatever the cache backend; what no audit row marks (a due date
passing on the business clock, a background job's bulk rows) is caught by the entry's lifetime,
``settings.JIXIAO_TODO_CACHE_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import caches

from core import clock


@dataclass(frozen=True)
class TodoItem:
    title: str
    url: str
    stage: str  # a key of core.navigation.STAGES, for the count in the navigation
    kind: str  # e.g. "审核", "填报", "整改"
    organisation: str = ""
    due_at: datetime | None = None
    since: datetime | None = None

    @property
    def overdue(self) -> bool:
        return bool(self.due_at and self.due_at < clock.now())


_providers: list[Callable] = []
_counters: dict[Callable, Callable] = {}


def register(provider: Callable, *, count: Callable | None = None) -> Callable:
    """Register ``provider(user) -> list[TodoItem]`` and, optionally, its cheap ``count(user) -> {stage: n}``."""
    if provider not in _providers:
        _providers.append(provider)
    if count is not None:
        _counters[provider] = count
    return provider


def todos_for(user) -> list[TodoItem]:
    if not user.is_authenticated:
        return []
    items: list[TodoItem] = []
    for provider in _providers:
        items.extend(provider(user))
    far = clock.now().replace(year=9999)
    items.sort(key=lambda item: (not item.overdue, item.due_at or far))
    return items


def counts_by_stage(items: list[TodoItem]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.stage] = counts.get(item.stage, 0) + 1
    return counts


def compute_counts(user) -> dict[str, int]:
    """Every provider's count per stage, uncached: its cheap count, or else the length of its items."""
    counts: dict[str, int] = {}
    for provider in _providers:
        counter = _counters.get(provider)
        part = counter(user) if counter is not None else counts_by_stage(provider(user))
        for stage, n in part.items():
            if n:
                counts[stage] = counts.get(stage, 0) + n
    return counts


# Audit actions after which someone's 待办 may differ. An UPDATE (saving a draft) is not one: what moves a document
# into or out of a 待办 is its status, current step or existence, and those change only by the actions below.
# An export is one: a large export becomes a job whose file its requester downloads from 待办.
CHANGING_ACTIONS = ("create", "delete", "transition", "grant", "revoke", "import", "export")


def version() -> int:
    """The id of the newest audit row that may have changed someone's 待办 (one indexed query)."""
    from audit.models import AuditEntry

    last = AuditEntry.objects.filter(action__in=CHANGING_ACTIONS).order_by("-id").values_list("id", flat=True)
    return last.first() or 0


def _key(user) -> str:
    return f"jixiao:todo:counts:{user.pk}"


def counts_for(user) -> dict[str, int]:
    """The navigation's 待办 counts of ``user`` per stage, from the cache unless a change or the lifetime made them
    stale."""
    if not user.is_authenticated:
        return {}
    seconds = settings.JIXIAO_TODO_CACHE_SECONDS
    if not seconds:
        return compute_counts(user)
    cache = caches[settings.JIXIAO_TODO_CACHE]
    current = version()
    cached = cache.get(_key(user))
    if cached is not None and cached[0] == current:
        return cached[1]
    counts = compute_counts(user)
    cache.set(_key(user), (current, counts), seconds)
    return counts


def forget(user) -> None:
    """Drop the cached counts of ``user`` (tests; a provider registered at run time)."""
    caches[settings.JIXIAO_TODO_CACHE].delete(_key(user))

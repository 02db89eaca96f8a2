"""The 待办 (my tasks) interface.

A feature registers a provider: a function ``provider(user) -> list[TodoItem]``. The 待办 page
and the navigation counts ask every provider. Providers must be cheap (one or two queries).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

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


def register(provider: Callable) -> Callable:
    if provider not in _providers:
        _providers.append(provider)
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

"""The leader's 驾驶舱 on the home page (issue 12 §6): cards that apps register, each a summary of its stage for
the user's reach that links into the list it counts. Shown to whoever holds ``Capability.VIEW_COCKPIT`` (the bureau
leader). The results-use stage (grades, rectification, budget linkage) adds its cards here the same way.

A card is ``card(request, year) -> dict | None``: ``None`` when it has nothing to say to this user; otherwise a dict
with ``template`` (rendered with the dict as ``card``), ``order`` and whatever the template needs. Cards read through
the access gate and cost a few aggregate queries each."""

from __future__ import annotations

from collections.abc import Callable

from accounts.roles import Capability
from core import access, fiscal

_cards: list[Callable] = []


def register(card: Callable) -> Callable:
    if card not in _cards:
        _cards.append(card)
    return card


def shows_cockpit(user) -> bool:
    return access.has_capability(user, Capability.VIEW_COCKPIT)


def cards_for(request) -> list[dict]:
    if not shows_cockpit(request.user):
        return []
    year = fiscal.current_year(request)
    cards = [card for card in (c(request, year) for c in _cards) if card]
    return sorted(cards, key=lambda c: c.get("order", 100))

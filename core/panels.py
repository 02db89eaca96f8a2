"""Panels on a record's page, contributed by the apps downstream of it (as ``core.todo`` does for 待办).

The subject's page shows its ex-ante assessments, its target sheets, the disbursement holds on it, and later its
self-evaluations, key evaluations and rectification items. The subject app does not know those apps: each registers
a panel for the model it decorates, and the page renders whatever is registered, in order.

    @panels.register("subjects.subject", "targets", "targets/_subject_panel.html", order=20)
    def targets_panel(subject, user) -> dict | None:   # None: nothing to show this user
        ...

A provider reads through the gate (``core.access``) like any view, and must be cheap (a query or two).
``slot`` places a panel: "alerts" above the page's content, "main" (default) in its body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Panel:
    model: str  # the model label the panel decorates, e.g. "subjects.subject"
    key: str
    template: str
    provider: Callable
    order: int = 100
    slot: str = "main"


_panels: dict[str, dict[str, Panel]] = {}


def register(model: str, key: str, template: str, *, order: int = 100, slot: str = "main") -> Callable:
    def decorate(provider: Callable) -> Callable:
        _panels.setdefault(model, {})[key] = Panel(model, key, template, provider, order, slot)
        return provider

    return decorate


def panels_for(model: str) -> list[Panel]:
    return sorted(_panels.get(model, {}).values(), key=lambda p: (p.order, p.key))


def render(obj, request) -> dict[str, list[SafeString]]:
    """{slot: [rendered panel, …]} of ``obj``'s page for the signed-in user, in order."""
    result: dict[str, list[SafeString]] = {}
    for panel in panels_for(obj._meta.label_lower):
        context = panel.provider(obj, request.user)
        if context is None:
            continue
        html = render_to_string(panel.template, {"object": obj, **context}, request=request)
        result.setdefault(panel.slot, []).append(SafeString(html))
    return result

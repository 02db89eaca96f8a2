"""The light badge every monitoring page shows: ``{% load monitoring_lights %}{% light figure.light %}`` (renders
``monitoring/_light.html``; the include can also be used directly with ``light=…``), and ``pct`` for shares."""

from decimal import Decimal

from django import template

from monitoring.choices import Light

register = template.Library()


def light_context(value, title: str = "") -> dict:
    try:
        light = Light(value)
    except ValueError:
        light = Light.NONE
    return {"light": light.value, "title": title}


@register.inclusion_tag("monitoring/_light.html")
def light(value, title=""):
    """A badge for a light value ("red", "yellow", "green", "blue", "none"); ``title`` is its tooltip."""
    return light_context(value, title)


@register.filter
def pct(value, places=1) -> str:
    """A share as a percentage: 0.4959 → 49.6%; None → —."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value) * 100:.{int(places)}f}%"


@register.filter
def version_label(labels: dict, version_id) -> str:
    """The threshold version's words from ``monitoring.thresholds.labels``: ``{{ versions|version_label:p.thresholds_id }}``."""
    return labels.get(version_id or None, "") if labels else ""

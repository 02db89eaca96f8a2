"""Template helpers of monitoring pages. (The disbursement holds on a subject's page are a panel:
monitoring/panels.py.)"""

from django import template

from monitoring.choices import Light
from monitoring.tables import LIGHT_BADGE

register = template.Library()


@register.filter
def percent(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def light_css(light) -> str:
    return LIGHT_BADGE.get(light, "bg-secondary-lt")


@register.filter
def light_label(light) -> str:
    try:
        return Light(light).label
    except ValueError:
        return "—"


@register.filter
def light_counts(node, which):
    return node.counts(which)


@register.filter
def comparator_sign(value) -> str:
    return {"ge": "≥", "le": "≤", "eq": "=", "qualitative": ""}.get(value, "")

"""Template helpers of monitoring pages, and the disbursement-hold badge other apps' pages include
(``{% load monitoring %}{% disbursement_holds subject %}``)."""

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


@register.inclusion_tag("monitoring/_subject_holds.html", takes_context=True)
def disbursement_holds(context, subject):
    """Holds in force on ``subject`` (暂缓拨款 / 停止拨款), for whoever may read the subject's records — the
    treasury among them."""
    from monitoring.views import subject_holds

    request = context.get("request")
    user = getattr(request, "user", None)
    holds = subject_holds(subject, user) if user is not None and user.is_authenticated else []
    return {"holds": holds, "show_link": bool(holds)}

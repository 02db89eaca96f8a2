"""``{% scoring_panel_for evaluation as scoring_panel %}``: the scoring card's data for the evaluation's page, when the
page's view did not put ``scoring_panel`` into the context itself (templates/keyevals/_scoring_panel.html)."""

from django import template

from keyevals import scoring_actions

register = template.Library()


@register.simple_tag(takes_context=True)
def scoring_panel_for(context, evaluation):
    request = context.get("request")
    return scoring_actions.panel(evaluation, getattr(request, "user", None))

"""``{% survey_panel_for record as survey_panel %}``: the surveys panel's context (surveys/panels.py) for a page that
includes templates/surveys/_panel.html without computing it in its view."""

from django import template

from surveys.panels import panel_for

register = template.Library()


@register.simple_tag(takes_context=True)
def survey_panel_for(context, record):
    request = context.get("request")
    if record is None or request is None:
        return None
    return panel_for(record, request.user)

"""``{% report_panel_for evaluation as report_panel %}`` and ``{% archive_panel_for evaluation as archive_panel %}``: the
report and archive cards' data for the evaluation's page, when its view did not put them into the context itself
(templates/keyevals/_report_panel.html, _archive_panel.html)."""

from django import template

from keyevals import archive, report_actions

register = template.Library()


@register.simple_tag(takes_context=True)
def report_panel_for(context, evaluation):
    request = context.get("request")
    return report_actions.panel(evaluation, getattr(request, "user", None))


@register.simple_tag(takes_context=True)
def archive_panel_for(context, evaluation):
    request = context.get("request")
    return archive.panel(evaluation, getattr(request, "user", None))

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def change_pair(value, index):
    """The before (0) or after (1) side of an audit change entry. When both sides are lists (rows of a
    table, e.g. a sheet's indicators), each side shows only its rows the other side lacks."""
    if isinstance(value, (list, tuple)) and len(value) > index:
        item = value[index]
        if len(value) == 2 and all(isinstance(side, (list, tuple)) for side in value):
            other = value[1 - index]
            only = [row for row in item if row not in other]
            return "；".join(str(row) for row in only) if only else "（无）"
        return "（空）" if item in (None, "") else item
    return value if index == 1 else ""


@register.filter
def as_control(field):
    """Render a bound form field's widget with the Bootstrap class that fits it."""
    from django.forms import widgets

    widget = field.field.widget
    css = "form-select" if isinstance(widget, widgets.Select) else "form-control"
    if isinstance(widget, widgets.CheckboxInput):
        css = "form-check-input"
    existing = widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{existing} {css}".strip()})


@register.filter
def yuan(value):
    """An amount in yuan with thousands separators and fen: 1280000 → 1,280,000.00."""
    from decimal import Decimal, InvalidOperation

    if value in (None, ""):
        return "—"
    try:
        return f"{Decimal(value):,.2f}"
    except (InvalidOperation, ValueError, TypeError):
        return value


@register.filter
def readable(value):
    """A stored figure as people read it: a list as 甲、乙, an amount written as 16781618.00 as 16,781,618.00
    (issue 12 §6: no Python lists or bare numbers on a page)."""
    import re

    if value in (None, ""):
        return "—"
    if isinstance(value, (list, tuple)):
        return "、".join(str(readable(v)) for v in value) or "—"
    if isinstance(value, str) and re.fullmatch(r"-?\d{4,}\.\d{2}", value):
        return yuan(value)
    return value


@register.simple_tag(takes_context=True)
def table_body(context, table):
    """The rows of a django-tables2 table, written in Python (core/tables.py: the list pages' per-row cost)."""
    from core.tables import render_body

    return render_body(table, context)

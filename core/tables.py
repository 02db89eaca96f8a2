"""The list tables' per-row costs (issue 16 "Lists that do not scan"): what django-tables2 does once per cell that
need not be done once per cell.

django-tables2 renders each cell through the template engine and, per cell, recomputes the column's ``<td>``
attributes, inspects the signature of the render function, and — for a date column — compiles and renders a
template (``DateColumn`` and ``DateTimeColumn`` are ``TemplateColumn``s). At 25–50 rows of 10–15 columns that was
most of a list page's time. Here, with the same output:

- ``DateColumn`` / ``DateTimeColumn`` (registered in django-tables2's column library, so every model date field of
  every table gets them, and importable for explicit columns) format the value with ``formats.date_format`` as the
  ``date`` filter does, without a template;
- ``render_body`` (the ``{% table_body table %}`` tag of ``templates/core/table.html``) writes the rows in Python,
  each column's static ``<td>`` attributes computed once per table; a column that shows a model field as it is
  reads the field directly (its path and choices worked out once, as ``core/exports.py`` reads an export), any other
  cell goes through ``BoundRow._get_and_render_with`` as ``core/exports.py`` does, skipping ``BoundRow.items()``'s
  lookup of every column by name. django-tables2 is pinned; ``core/tests/test_list_rendering.py`` compares the rows
  with its own template's;
- the signature of a render function is inspected once per function (``signature``, installed over
  django-tables2's own by ``install``, called from ``CoreConfig.ready`` before any table class exists).
"""

from __future__ import annotations

import datetime
import weakref

import django_tables2 as tables
from django.db import models
from django.template.base import render_value_in_context
from django.utils import formats, timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django_tables2 import utils as tables_utils
from django_tables2.columns.base import library

# --- dates without a template per cell ------------------------------------------------------------------------


def _date_text(value, fmt: str) -> str:
    """What ``{{ value|date:fmt }}`` writes: aware datetimes in the current time zone, "" when it cannot."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    try:
        return formats.date_format(value, fmt)
    except AttributeError:
        try:
            return formats.dateformat.format(value, fmt)
        except AttributeError:
            return ""


@library.register
class DateColumn(tables.DateColumn):
    """A date column (``{{ value|date:format|default:default }}``) rendered without compiling a template."""

    def __init__(self, format=None, short=True, *args, **kwargs):
        self.date_format = format or ("SHORT_DATE_FORMAT" if short else "DATE_FORMAT")
        super().__init__(format, short, *args, **kwargs)

    def render(self, value, bound_column, **kwargs):
        return _date_text(value, self.date_format) or bound_column.default


@library.register
class DateTimeColumn(tables.DateTimeColumn):
    """A date-time column (``{{ value|date:format|default:default }}``) rendered without compiling a template."""

    def __init__(self, format=None, short=True, *args, **kwargs):
        self.date_format = format or ("SHORT_DATETIME_FORMAT" if short else "DATETIME_FORMAT")
        super().__init__(format, short, *args, **kwargs)

    def render(self, value, bound_column, **kwargs):
        return _date_text(value, self.date_format) or bound_column.default


# --- rows without the template engine per cell -----------------------------------------------------------------


def _static_td(table, bound_column) -> bool:
    """Are the column's ``<td>`` attributes the same for every row (no callable computes them from the record)?"""
    attrs = dict(table.attrs)
    attrs.update(dict(bound_column.column.attrs))
    td = attrs.get("td", attrs.get("cell", {}))
    return not any(callable(v) for v in td.values())


def _cell_html(cell, localize, context) -> str:
    if localize is not None:
        cell = str(formats.localize(cell, use_l10n=bool(localize)))
    return render_value_in_context(cell, context)


def _plain_path(bound_column, record):
    """For a column that shows a model field as it is — no ``render_<name>``, no own ``render``, no link — the path
    to that field (``core.exports`` reads exports the same way); else None: django-tables2 renders the cell."""
    from core.exports import _field_path

    if bound_column.link is not None or getattr(bound_column.render, "__func__", None) is not tables.Column.render:
        return None
    if not isinstance(record, models.Model):
        return None
    return _field_path(type(record), str(bound_column.accessor))


def _plain_cell(record, path, bound_column):
    """What ``BoundRow.get_cell`` gives for a plain column: the field's value, its choice's label
    (``get_FOO_display``), or the column's default for an empty value or a missing related record."""
    relations, attname, choices = path
    obj = record
    for part in relations:
        obj = getattr(obj, part)
        if obj is None:
            return bound_column.default
    value = getattr(obj, attname)
    if choices is not None:
        value = force_str(choices.get(make_hashable(value), value), strings_only=True)
    if value in bound_column.column.empty_values:
        return bound_column.default
    return value


def render_body(table, context) -> str:
    """The ``<tr>`` rows of the table's current page, as django-tables2's ``table.tbody`` block writes them."""
    columns = list(table.columns)
    td = {c.name: c.attrs["td"].as_html() for c in columns if _static_td(table, c)}
    paths = None
    parts = []
    for row in table.paginated_rows:
        if paths is None:
            paths = {c.name: _plain_path(c, row.record) for c in columns}
        parts.append(format_html("<tr {}>", row.attrs.as_html()))
        for column in columns:
            path = paths[column.name]
            if path is not None:
                cell = _plain_cell(row.record, path, column)
            else:  # BoundRow.items() without its lookup of each column by name (a walk over the columns, per cell)
                cell = row._get_and_render_with(column, render_func=row._call_render, default=column.default)
            if column.name in td:
                attrs = td[column.name]
            else:  # attributes computed from the record and the value, as BoundRow.items() provides them
                column.current_value, column.current_record = cell, row.record
                attrs = column.attrs["td"].as_html()
            parts.append(f"<td {attrs}>{_cell_html(cell, column.localize, context)}</td>")
        parts.append("</tr>")
    if not parts and table.empty_text:
        parts.append(format_html('<tr><td colspan="{}">{}</td></tr>', len(columns), table.empty_text))
    return mark_safe("".join(parts))


# --- a render function's signature, inspected once --------------------------------------------------------------

_inspect_signature = tables_utils.signature
_signatures: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def signature(fn):
    """django-tables2's ``utils.signature`` (the arguments a render/value/linkify function takes), remembered per
    function: django-tables2 asks it for every cell. A bound method is keyed by its function (the signature of a
    bound method leaves out ``self``, so bound and plain are remembered apart)."""
    func = getattr(fn, "__func__", fn)
    bound = func is not fn
    try:
        known = _signatures.get(func)
    except TypeError:  # not weak-referenceable (a builtin): ask every time
        return _inspect_signature(fn)
    if known is None:
        known = _signatures[func] = {}
    if bound not in known:
        known[bound] = _inspect_signature(fn)
    return known[bound]


def install() -> None:
    tables_utils.signature = signature

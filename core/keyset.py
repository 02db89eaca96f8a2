"""Keyset (seek) pagination for list pages that can hold hundreds of thousands or millions of rows (issue 16).

A ``GatedListView`` subclass opts in by naming its order, which must end in a unique column::

    class PaymentListView(KeysetPaginationMixin, GatedListView):
        keyset = ("-paid_on", "voucher_number", "id")

The page then reads its rows as ``WHERE <after the cursor> ORDER BY <keyset> LIMIT per_page + 1`` instead of
``OFFSET``: every page costs what the first one costs, and an index on the keyset's columns (in the same
directions) serves it without a sort. Pages are "上一页 / 下一页" links carrying an opaque ``cursor`` GET parameter —
the keyset values of the last (or first) row shown, the direction and the page number — signed with the project's
secret (``django.core.signing``), so a forged or truncated cursor answers 400 with a Chinese message, never 500.
The filters stay in the query string beside the cursor, so they survive paging. There are no page numbers to jump
to and no column sorting (the order is the keyset's).

**The count.** No ``COUNT(*)`` over the whole set on every page: the footer shows the exact number when the first
page holds every row (no count query at all) and otherwise counts at most ``keyset_count_limit`` rows
(``SELECT COUNT(*) FROM (… LIMIT n + 1)``, bounded whatever the table's size): "共 N 条" up to the limit, "超过 N 条"
beyond it.

The export (``?export=xlsx``, ``core/exports.py``) ignores the cursor and exports the whole filtered set.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.shortcuts import render

CURSOR_SALT = "core.keyset"
FORWARD, BACKWARD = "n", "p"


class BadCursor(ValueError):
    """A cursor that was not made by this page (forged, truncated, from another list) or whose values do not parse."""


@dataclass(frozen=True)
class Cursor:
    direction: str  # FORWARD: rows after ``values``; BACKWARD: rows before them
    values: tuple
    page: int  # the number of the page the cursor leads to, for "第 N 页"


def parse_keyset(keyset) -> list[tuple[str, bool]]:
    """``("-paid_on", "id")`` → ``[("paid_on", True), ("id", False)]`` (name, descending)."""
    return [(key[1:], True) if key.startswith("-") else (key, False) for key in keyset]


def _encode_value(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, int | str):
        return value
    return str(value)  # Decimal, UUID: their text, parsed back by the model field


def encode_cursor(cursor: Cursor, scope: str) -> str:
    payload = {"d": cursor.direction, "k": [_encode_value(v) for v in cursor.values], "p": cursor.page}
    return signing.dumps(payload, salt=f"{CURSOR_SALT}:{scope}", compress=True)


def decode_cursor(token: str, scope: str, model, keys: list[tuple[str, bool]]) -> Cursor:
    """The cursor ``token`` of the list ``scope`` (a signed payload), its values parsed by the model's fields."""
    try:
        payload = signing.loads(token, salt=f"{CURSOR_SALT}:{scope}")
    except (signing.BadSignature, ValueError, TypeError) as exc:  # includes a malformed base64 or JSON payload
        raise BadCursor("翻页参数无效") from exc
    if not isinstance(payload, dict):
        raise BadCursor("翻页参数无效")
    direction, raw, page = payload.get("d"), payload.get("k"), payload.get("p")
    if direction not in (FORWARD, BACKWARD) or not isinstance(raw, list) or len(raw) != len(keys):
        raise BadCursor("翻页参数无效")
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        raise BadCursor("翻页参数无效")
    values = []
    for (name, _), value in zip(keys, raw, strict=True):
        if value is None:
            raise BadCursor("翻页参数无效")
        try:
            values.append(model._meta.get_field(name).to_python(value))
        except (ValidationError, TypeError, ValueError) as exc:
            raise BadCursor("翻页参数无效") from exc
    return Cursor(direction, tuple(values), page)


def seek_q(keys: list[tuple[str, bool]], values, forward: bool) -> Q:
    """The rows strictly after (``forward``) or before the row whose keyset values are ``values``, in the keyset's
    order. Directions may be mixed, so this is the expanded form ``a < x OR (a = x AND b > y) OR …`` rather than a
    row comparison; the leading bound ``a <= x`` (an index condition) lets the database start its index scan at the
    cursor instead of filtering every row before it."""
    terms = []
    for i, (name, descending) in enumerate(keys):
        lookup = "lt" if descending == forward else "gt"
        equal = {prefix: value for (prefix, _), value in zip(keys[:i], values[:i], strict=True)}
        terms.append(Q(**equal, **{f"{name}__{lookup}": values[i]}))
    first, first_descending = keys[0]
    bound = Q(**{f"{first}__{'lte' if first_descending == forward else 'gte'}": values[0]})
    return bound & reduce(or_, terms)


def order_fields(keys: list[tuple[str, bool]], forward: bool = True) -> list[str]:
    return [("-" if descending == forward else "") + name for name, descending in keys]


@dataclass
class KeysetPage:
    """One page of a keyset-paginated list, as the table's footer shows it (``templates/core/keyset_table.html``)."""

    rows: list
    number: int
    count: int | None  # exact, or None when above ``limit``
    limit: int
    next_url: str = ""
    previous_url: str = ""
    first_url: str = ""
    has_next: bool = False
    has_previous: bool = False

    @property
    def count_text(self) -> str:
        return f"共 {self.count:,} 条" if self.count is not None else f"超过 {self.limit:,} 条"


def capped_count(queryset: QuerySet, limit: int) -> int | None:
    """The number of rows, or None when there are more than ``limit``: never counts more than ``limit + 1`` rows."""
    found = queryset.order_by().values("pk")[: limit + 1].count()
    return found if found <= limit else None


class KeysetPaginationMixin:
    """Keyset pagination for a ``GatedListView`` (put it first in the bases). See the module docstring."""

    keyset: tuple[str, ...] = ()
    cursor_parameter = "cursor"
    keyset_count_limit = 10_000
    keyset_table_template = "core/keyset_table.html"

    def cursor_scope(self) -> str:
        return f"{self.model._meta.label_lower}:{','.join(self.keyset)}"

    def keyset_keys(self) -> list[tuple[str, bool]]:
        return parse_keyset(self.keyset)

    def get(self, request, *args, **kwargs):
        token = request.GET.get(self.cursor_parameter)
        self.cursor = None
        if token:
            try:
                self.cursor = decode_cursor(token, self.cursor_scope(), self.model, self.keyset_keys())
            except BadCursor:
                return render(
                    request,
                    "core/bad_cursor.html",
                    {"title": "翻页参数无效", "first_url": self._url(None)},
                    status=400,
                )
        return super().get(request, *args, **kwargs)

    def known_parameters(self) -> set[str]:
        return super().known_parameters() | {self.cursor_parameter}

    def get_table_pagination(self, table):
        return False  # the keyset page is the pagination

    def get_table(self, **kwargs):
        page = self.keyset_page(self.get_table_data())
        kwargs.setdefault("orderable", False)  # the order is the keyset's
        kwargs.setdefault("template_name", self.keyset_table_template)
        table = self.get_table_class()(data=page.rows, order_by=(), **kwargs)
        table.request = self.request
        table.keyset_page = page
        return table

    def keyset_page(self, queryset: QuerySet) -> KeysetPage:
        keys = self.keyset_keys()
        size = self.paginate_by
        cursor = getattr(self, "cursor", None)
        if cursor is None or cursor.direction == FORWARD:
            rows_qs = queryset.order_by(*order_fields(keys))
            if cursor is not None:
                rows_qs = rows_qs.filter(seek_q(keys, cursor.values, forward=True))
            rows = list(rows_qs[: size + 1])
            has_next, rows = len(rows) > size, rows[:size]
            number = cursor.page if cursor else 1
            has_previous = cursor is not None and number > 1
        else:
            rows_qs = queryset.order_by(*order_fields(keys, forward=False)).filter(
                seek_q(keys, cursor.values, forward=False)
            )
            rows = list(rows_qs[: size + 1])
            has_previous = len(rows) > size
            if len(rows) < size:
                # Fewer rows before the cursor than a page (rows were added or removed since): show the first page.
                self.cursor = None
                return self.keyset_page(queryset)
            rows = list(reversed(rows[:size]))
            has_next, number = True, max(cursor.page, 2) if has_previous else 1
        if number == 1 and not has_next:
            count = len(rows)  # the first page holds every row: no count query
        else:
            count = capped_count(queryset, self.keyset_count_limit)
        page = KeysetPage(
            rows=rows,
            number=number,
            count=count,
            limit=self.keyset_count_limit,
            has_next=has_next,
            has_previous=has_previous,
        )
        if rows:
            if has_next:
                page.next_url = self._url(Cursor(FORWARD, self._values(rows[-1], keys), number + 1))
            if has_previous:
                page.previous_url = (
                    self._url(None)
                    if number == 2
                    else self._url(Cursor(BACKWARD, self._values(rows[0], keys), number - 1))
                )
        page.first_url = self._url(None)
        return page

    @staticmethod
    def _values(row, keys) -> tuple:
        return tuple(getattr(row, "pk" if name == "pk" else name) for name, _ in keys)

    def _url(self, cursor: Cursor | None) -> str:
        params = self.request.GET.copy()
        params.pop(self.cursor_parameter, None)
        params.pop("export", None)
        if cursor is not None:
            params[self.cursor_parameter] = encode_cursor(cursor, self.cursor_scope())
        query = params.urlencode()
        return f"{self.request.path}?{query}" if query else self.request.path

"""Statements compiled once per question: for aggregate pages whose Django query building costs more than the
database takes to answer (a board of ~30 conditional counts, a report of five lists).

    compiled.rows(kind, base, build, extra=())  → [dict]

``base`` is the queryset the statement is built on (the gate's restriction of the records, with the page's own
filters); ``build(base)`` returns the ``values()`` queryset to run; ``extra`` names whatever else ``build`` reads
that is not in ``base`` (thresholds, the grade line …). The statement is compiled the first time a question is asked
and reused while the same question comes back: the key is the SQL of ``base`` with its parameters, ``kind``,
``extra``, the database and the business day (``core.clock``: what is overdue depends on it). A question that
differs in any of them gets its own statement, never earlier figures. An empty ``base`` (the gate found nothing
reachable) gives no rows without asking the database.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import EmptyResultSet
from django.db import connection

from core import clock

_COMPILED: dict[tuple, tuple] = {}
MAX_STATEMENTS = 1024


def question(base) -> tuple | None:
    """What is asked of ``base``: its SQL and parameters, the database and the business day; None when empty."""
    try:
        sql, params = base.query.sql_with_params()
    except EmptyResultSet:
        return None
    return (connection.alias, connection.vendor, sql, tuple(map(repr, params)), clock.today())


def rows(kind: str, base, build: Callable, extra: tuple = (), asked: tuple | None = ...) -> list[dict]:
    """The rows of ``build(base)`` as dicts (``values()`` names), its SQL compiled once per question. ``asked`` is
    ``question(base)`` when the caller already has it (several statements on one base)."""
    asked = question(base) if asked is ... else asked
    if asked is None:
        return []
    key = (kind, tuple(map(repr, extra)), *asked)
    entry = _COMPILED.get(key)
    if entry is None:
        query = build(base).query
        compiler = query.get_compiler(connection.alias)
        sql, params = compiler.as_sql()
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        # the backend's converters of each column (SQLite hands decimals back as floats without them)
        converters = list(compiler.get_converters([column for column, _, _ in compiler.select]).items())
        entry = (sql, tuple(params), names, converters)
        if len(_COMPILED) >= MAX_STATEMENTS:
            _COMPILED.clear()
        _COMPILED[key] = entry
    sql, params, names, converters = entry
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    result = []
    for row in found:
        row = list(row)
        for position, (functions, expression) in converters:
            value = row[position]
            for convert in functions:
                value = convert(value, expression, connection)
            row[position] = value
        result.append(dict(zip(names, row, strict=True)))
    return result

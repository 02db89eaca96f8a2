"""The SQL that differs between PostgreSQL and SQLite, and the small lookup tables every load builds.

``_Dialect`` writes the staging tables' DDL (UNLOGGED tables of the staging schema, which PostgreSQL scans with
parallel workers, or TEMPORARY ones) and the expressions the cleaning and validation need: SQLite has no regular
expressions, so "is an amount" is spelled with GLOB there. ``_date_spellings`` lists every accepted spelling of every
day of a fiscal year (the calendar table: "is a date", "is in the fiscal year" and the conversion are one join, the
same on both databases, and an impossible date never makes a cast fail); ``_choice_spellings`` the codes and labels
of 预算类别 and 资金来源 (docs/decisions/0014).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from subjects.choices import BudgetKind, FundSource

MAX_AMOUNT_DIGITS = 16  # amount: max_digits 18, decimal_places 2


class _Dialect:
    def __init__(self, vendor: str):
        self.pg = vendor == "postgresql"
        self.shared = False  # PostgreSQL: UNLOGGED tables in STAGING_SCHEMA (parallel query) instead of TEMPORARY

    def table(self, name: str, columns: str = "", *, as_select: str = "") -> str:
        """CREATE a staging table. TEMPORARY tables are private to the session but PostgreSQL never scans them with
        parallel workers; UNLOGGED tables in the staging schema are (docs/decisions/0014)."""
        body = f"AS {as_select}" if as_select else f"({columns})"
        if self.shared:
            body = (
                f"({columns}) WITH (autovacuum_enabled = false)"
                if not as_select
                else f"WITH (autovacuum_enabled = false) AS {as_select}"
            )
            return f"CREATE UNLOGGED TABLE {name} {body}"
        return f"CREATE TEMPORARY TABLE {name} {body}"

    def view(self, name: str, query: str) -> str:
        return f"CREATE VIEW {name} AS {query}" if self.shared else f"CREATE TEMPORARY VIEW {name} AS {query}"

    def first_word(self, expr: str) -> str:
        if self.pg:
            return f"(CASE WHEN strpos({expr}, ' ') > 0 THEN split_part({expr}, ' ', 1) ELSE {expr} END)"
        return f"(CASE WHEN instr({expr}, ' ') > 0 THEN substr({expr}, 1, instr({expr}, ' ') - 1) ELSE {expr} END)"

    def amount_ok(self, a: str) -> str:
        """``a`` (commas removed) is a number with at most 2 decimals and 16 integer digits."""
        if self.pg:
            return rf"({a} ~ '^-?[0-9]{{1,{MAX_AMOUNT_DIGITS}}}(\.[0-9]{{1,2}})?$')"
        digits = f"(CASE WHEN instr({a}, '.') > 0 THEN instr({a}, '.') - 1 ELSE length({a}) END)"
        return (
            f"({a} <> '' AND {a} NOT GLOB '*[^0-9.-]*' AND instr(substr({a}, 2), '-') = 0 "
            f"AND {a} NOT GLOB '*.*.*' AND {a} GLOB '*[0-9]' AND substr({a}, 1, 1) <> '.' "
            f"AND substr({a}, 1, 2) <> '-.' "
            f"AND (instr({a}, '.') = 0 OR length({a}) - instr({a}, '.') <= 2) "
            f"AND {digits} - (CASE WHEN substr({a}, 1, 1) = '-' THEN 1 ELSE 0 END) <= {MAX_AMOUNT_DIGITS})"
        )

    def amount_value(self, a: str) -> str:
        return f"CAST({a} AS NUMERIC(18, 2))" if self.pg else f"CAST({a} AS NUMERIC)"

    def four_digits(self, expr: str) -> str:
        if self.pg:
            return f"({expr} ~ '^[0-9]{{4}}')"
        return f"(substr({expr}, 1, 4) GLOB '[0-9][0-9][0-9][0-9]')"

    def length(self, expr: str) -> str:
        return f"char_length({expr})" if self.pg else f"length({expr})"


def _date_spellings(year: int) -> Iterator[tuple[str, datetime.date]]:
    day = datetime.date(year, 1, 1)
    while day.year == year:
        y, m, d = day.year, day.month, day.day
        spellings = {
            f"{y}-{m:02d}-{d:02d}",
            f"{y}/{m:02d}/{d:02d}",
            f"{y}{m:02d}{d:02d}",
            f"{y}-{m}-{d}",
            f"{y}/{m}/{d}",
            f"{y}.{m:02d}.{d:02d}",
            f"{y}.{m}.{d}",
            f"{y}年{m}月{d}日",
            f"{y}年{m:02d}月{d:02d}日",
        }
        for s in spellings:
            yield s, day
        day += datetime.timedelta(days=1)


def _choice_spellings() -> Iterator[tuple[str, str, str]]:
    for name, choices, default in (
        ("budget_kind", BudgetKind, BudgetKind.GENERAL),
        ("fund_source", FundSource, FundSource.LOCAL),
    ):
        yield name, "", str(default)
        for value, label in choices.choices:
            yield name, value, value
            if label != value:
                yield name, label, value

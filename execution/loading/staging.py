"""Step 1 of a load, staging: every row's raw text and its line number go into a staging table without constraints,
in chunks, with the progress reported between them (outside any transaction, so the polling page sees it).

- PostgreSQL and a CSV file (``_stage_csv``): the file's bytes after the header go to ``COPY … FROM STDIN (FORMAT
  csv, ENCODING …)`` as they are, in pieces cut at record boundaries, into a raw table with one text column per
  file column and an identity column for the line; a view names the columns. A file of ``SPLIT_BYTES`` or more
  staged in the staging schema goes in as two halves at once, the second over a second connection in a thread. A
  COPY error (another column count, a broken quote, undecodable bytes) stops the load with its line
  (``_copy_error``).
- Otherwise (SQLite, XLSX, API records; ``_stage``): the source's rows, shaped to the kind's columns, through
  ``executemany`` (SQLite, one transaction per chunk) or ``COPY … write_row`` (PostgreSQL).

``_Staging`` is a part of ``Loader`` (loader.py), which owns the tables, the dialect and the result.
"""

from __future__ import annotations

import contextlib
from operator import itemgetter

from django.db import DatabaseError, connection, transaction

from execution.loading.kinds import AMOUNT_GROUPS, LoadError
from execution.loading.sources import Source, _csv_chunks, _csv_middle, encoding_error

CHUNK_ROWS = 50_000  # rows per COPY / executemany between two progress reports


def squeeze_amount_text(text: str) -> str:
    """The amount without spaces and without its thousands separators, when these stand in groups of three
    ("1,234,567.50"); otherwise the text as written, which the amount check then refuses, quoting it ("12,3")."""
    text = text.replace(" ", "")
    if "," not in text:
        return text
    return text.replace(",", "") if AMOUNT_GROUPS.fullmatch(text) else text


class _CopyFailed(Exception):
    """A COPY of the CSV file stopped at a bad record; ``error`` names its line and the reason."""

    def __init__(self, error: LoadError):
        super().__init__(error.message)
        self.error = error


_COPY_MESSAGES = [
    ("extra data after last expected column", "列数多于表头"),
    ("missing data for column", "列数少于表头（或是空行）"),
    ("unterminated CSV quoted field", "引号不成对"),
]
_ENCODING_ERRORS = ("invalid byte sequence", "has no equivalent in encoding")


def _copy_error(exc: Exception, first_line: int) -> LoadError:
    """PostgreSQL's COPY error (“…, line 5: …”) as the file's line and a reason in Chinese."""
    import re

    text = str(exc)
    diag = getattr(exc, "diag", None) or getattr(exc.__cause__, "diag", None)
    context = getattr(diag, "context", "") or text
    match = re.search(r"line (\d+)", context)
    line = first_line + int(match.group(1)) - 1 if match else None
    reason = next((zh for en, zh in _COPY_MESSAGES if en in text), "不是有效的 CSV 行")
    return LoadError(line, "", reason)


class _Staging:
    """The staging step of ``Loader``: fills the staging table ``self.stage`` and sets ``self.result.total``, with the
    loader's kind, dialect (``self.d``), ``progress`` callback and ``_exec``/``_fetch``."""

    SPLIT_BYTES = 32 << 20  # a CSV file at least this large is staged as two halves side by side

    def _stage_csv(self, src: Source, positions: list[int | None]) -> None:
        """PostgreSQL and a CSV file: COPY the file's bytes as they are (PostgreSQL parses the CSV and converts the
        encoding) into a raw table with one text column per file column, numbered by an identity column; the
        staging table is then a view naming the columns. Chunks end at a record boundary (a newline outside
        quotes), one COPY each, with the progress between them. A row whose column count differs from the header,
        an unterminated quote or undecodable bytes stop the load with the line named.

        A large file staged in the staging schema goes in as two halves at once, the second over a second
        connection into its own raw table numbered from its first line: two server processes parse it."""
        width = len(src.header)
        raw = self.stage.replace("xs_stage_", "xs_raw_")
        self._exec(f"DROP TABLE {self.stage}")
        path, estimated = src.csv_path, src.estimated_rows
        src.close()
        parts = [(None, None, 2)]  # (start, end, first line)
        if self.d.shared and not self.outer_atomic and path.stat().st_size >= self.SPLIT_BYTES:
            if middle := _csv_middle(path):
                parts = [(None, middle[0], 2), (middle[0], None, 2 + middle[1])]
        columns = ", ".join(f"c{i} TEXT" for i in range(width))
        names = ", ".join(
            f"c{p} AS {k}" if p is not None else f"''::text AS {k}"
            for k, p in zip(self.kind.keys, positions, strict=True)
        )
        selects = []
        for n, (_, _, first_line) in enumerate(parts):
            table = f"{raw}_{n}"
            self.raw_tables.append(table)
            self._exec(
                self.d.table(table, f"line BIGINT GENERATED ALWAYS AS IDENTITY (START WITH {first_line}), {columns}")
            )
            selects.append(f"SELECT line, {names} FROM {table}")
        self._exec(self.d.view(self.stage, " UNION ALL ".join(selects)))
        detected = src.encoding
        encoding = "UTF8" if detected.startswith("utf-8") else "GB18030"
        listed = ", ".join(f"c{i}" for i in range(width))
        copy_sql = (
            f"COPY {{}} ({listed}) FROM STDIN WITH (FORMAT csv, ENCODING '{encoding}', FORCE_NOT_NULL ({listed}))"
        )
        self.progress("read", 0, estimated)
        done = [0] * len(parts)  # lines staged per part (the second part's counted by its thread)
        failed: list[_CopyFailed | BaseException] = []

        def copy_part(n: int, db) -> None:
            start, end, first_line = parts[n]
            for chunk in _csv_chunks(path, start=start, end=end):
                try:
                    with (
                        transaction.atomic(using=db.alias) if db is connection else contextlib.nullcontext(),
                        db.cursor() as cursor,
                        cursor.copy(copy_sql.format(self.raw_tables[n])) as copy,
                    ):
                        copy.write(chunk)
                except Exception as exc:
                    # psycopg raises its own errors from a COPY (Django wraps only execute()).
                    if not (isinstance(exc, DatabaseError) or type(exc).__module__.startswith("psycopg")):
                        raise
                    error = _copy_error(exc, first_line)
                    if any(text in str(exc) for text in _ENCODING_ERRORS):
                        # the encodings tried and the first line that broke, as the other sources say it
                        bad = encoding_error(path, detected, error.line)
                        error = LoadError(bad.line, "", str(bad))
                    raise _CopyFailed(error) from None
                lines = chunk.count(b"\n")
                first_line += lines
                done[n] += lines
                if db is connection:
                    self.progress("read", sum(done), max(estimated, sum(done)))

        def second_half() -> None:
            other = connection.copy()  # (a Django connection belongs to the thread that creates it)
            try:
                copy_part(1, other)
            except BaseException as exc:
                failed.append(exc)
            finally:
                other.close()

        helper = None
        if len(parts) > 1:
            import threading

            helper = threading.Thread(target=second_half, name="execution-stage", daemon=True)
            helper.start()
        try:
            copy_part(0, connection)
        finally:
            if helper is not None:
                helper.join()
        if failed:
            raise failed[0]
        self.result.total = self._fetch(f"SELECT COUNT(*) FROM {self.stage}")[0][0]

    def _stage(self, src: Source, positions: list[int | None]) -> None:
        width = len(positions)
        present = [(i, p) for i, p in enumerate(positions) if p is not None]
        total = 0
        estimated = src.estimated_rows
        squeeze_amount = not self.d.pg
        amount = self.kind.keys.index("amount") + 1
        self.progress("read", 0, estimated)

        # Every source yields text cells (XLSX and API values went through _cell); a missing optional column reads
        # the "" appended to the row (index -1). Short rows take the slow path.
        pick = itemgetter(*[p if p is not None else -1 for p in positions])
        need = max((p for p in positions if p is not None), default=0) + 1

        def shape(line: int, cells: list) -> list:
            if len(cells) >= need:
                cells.append("")
                row = [line, *pick(cells)] if width > 1 else [line, pick(cells)]
            else:
                row = [line] + [""] * width
                for i, p in present:
                    if p < len(cells):
                        row[i + 1] = cells[p]
            if squeeze_amount:
                # SQLite has no regular expressions: the amount's thousands separators and spaces go here, once,
                # instead of in every term of the SQL check (docs/decisions/0014).
                row[amount] = squeeze_amount_text(row[amount])
            return row

        chunk: list[list] = []
        for line, cells in src.rows:
            chunk.append(shape(line, cells))
            if len(chunk) >= CHUNK_ROWS:
                total += len(chunk)
                self._stage_chunk(chunk)
                chunk = []
                self.progress("read", total, max(estimated, total))
        if chunk:
            total += len(chunk)
            self._stage_chunk(chunk)
        self.result.total = total

    def _stage_chunk(self, rows: list[list]) -> None:
        columns = "line, " + ", ".join(self.kind.keys)
        if self.d.pg:
            with connection.cursor() as cursor, cursor.copy(f"COPY {self.stage} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        raw = connection.connection
        marks = ", ".join(["?"] * (len(self.kind.keys) + 1))
        with transaction.atomic():  # one transaction per chunk (the temp table only; the main db is not locked)
            raw.executemany(f"INSERT INTO {self.stage} ({columns}) VALUES ({marks})", rows)

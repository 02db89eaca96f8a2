"""Step 5 of a load, the write: in ONE transaction, after the validation found nothing wrong.

The records already loaded whose data this load changes are read first (corrections: one audit row each, with
before/after; a record loaded by another region's bureau is refused, natural keys being global). Then:

- SQLite (``_upsert``): one ``INSERT … SELECT … ON CONFLICT (natural key) DO UPDATE … WHERE`` the data differ or an
  unmatched record now matches;
- PostgreSQL (``_write_pg``): under ``LOCK TABLE … IN SHARE ROW EXCLUSIVE MODE`` (loads are serialised, readers
  are not blocked), one ``UPDATE … FROM`` for the changed records and the new ones streamed out of the clean table
  (``COPY … TO STDOUT``, binary) and back in with ``COPY … FROM STDIN``: on a second connection in a thread when the
  staging tables are visible to it (``_copy_streamed``), else through a spool. COPY keeps the indexes' pages in
  shared buffers where an ``INSERT … SELECT`` took twice as long.

Re-loading unchanged records writes nothing; a person's match survives re-loads. One ``import`` audit row
summarises the load (``_audit``). ``_Writer`` is a part of ``Loader`` (loader.py); docs/decisions/0014.
"""

from __future__ import annotations

import datetime
import tempfile
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from audit import trail
from audit.models import AuditAction
from execution.choices import MatchStatus, RecordSource
from execution.loading.kinds import Kind, LoadError
from subjects.choices import BudgetKind, FundSource


class _Abort(Exception):
    """Rolls the write transaction back after errors found inside it."""


class _Writer:
    """The write step of ``Loader``: ``_write`` runs inside the write transaction, reads from the clean table, writes
    the records, fills the result's counts and records the audit rows. It raises ``_Abort`` (after ``_fail``) for
    errors only visible under the lock: keys repeated in the load that were loaded before, records of another
    region."""

    def _data_columns(self) -> list[str]:
        return self.kind.data_fields

    def _write(self) -> None:
        k, table, key = self.kind, self.kind.table, self.kind.natural_key
        data = self._data_columns()
        values = {c: f"c.{c}" for c in data}
        values[k.date_field] = "c.date_value"
        values["fiscal_year"] = str(self.fiscal_year)
        if self.d.pg:
            # Loads are serialised (readers are not blocked): what is read below stays true until the commit.
            self._exec(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        # How many of these keys were loaded before. A new period's file usually holds a new range of keys: when no
        # loaded key falls in this load's range (one probe of the unique index), the join is not needed.
        low, high = self._fetch(f"SELECT MIN({key}), MAX({key}) FROM {self.clean}")[0]
        existing = 0
        # (ORDER BY … LIMIT 1 walks the index from ``low``; a plain EXISTS … BETWEEN was planned as a scan)
        first_after = self._fetch(
            f"SELECT {key} <= %s FROM {table} WHERE {key} >= %s ORDER BY {key} LIMIT 1", [high, low]
        )
        if first_after and first_after[0][0]:
            existing = self._fetch(f"SELECT COUNT(*) FROM {self.clean} c JOIN {table} e ON e.{key} = c.{key}")[0][0]
        if existing and (duplicates := self._duplicates()):
            # (a repeated key of a record loaded before would otherwise update it twice, silently)
            self._fail(duplicates)
            raise _Abort
        # The records already loaded whose data this load changes, and any loaded by another region.
        differs = " OR ".join(f"e.{c} <> {values[c]}" for c in data)
        inside = "r.path LIKE %s"
        old_cols = ", ".join(f"e.{c}" for c in data)
        new_cols = ", ".join(values[c] for c in data)
        rows = (
            []
            if not existing
            else self._fetch(
                f"SELECT c.line, e.id, e.{key}, CASE WHEN {inside} THEN 1 ELSE 0 END, {old_cols}, {new_cols}, "
                f"e.match_status, c.match_status FROM {self.clean} c JOIN {table} e ON e.{key} = c.{key} "
                f"JOIN organisations_organisation o ON o.id = e.organisation_id "
                f"JOIN organisations_region r ON r.id = o.region_id "
                f"WHERE NOT ({inside}) OR {differs} OR (e.match_status = %s AND c.match_status <> %s)",
                [self._region_prefix(), self._region_prefix(), MatchStatus.UNMATCHED, MatchStatus.UNMATCHED],
            )
        )
        foreign = [
            LoadError(r[0], r[2], f"{k.key_header}“{r[2]}”已由其他地区的财政部门导入，不能覆盖")
            for r in rows
            if not r[3]
        ]
        if foreign:
            self._fail(sorted(foreign, key=lambda e: e.line))
            raise _Abort
        n = len(data)
        corrections = []
        rematched = 0
        for r in rows:
            old, new = r[4 : 4 + n], r[4 + n : 4 + 2 * n]
            if any(_normal(a) != _normal(b) for a, b in zip(old, new, strict=True)):
                corrections.append((r[1], r[2], dict(zip(data, old, strict=True)), dict(zip(data, new, strict=True))))
            else:
                rematched += 1
        stats = self._fetch(f"SELECT SUM(CASE WHEN subject_id IS NULL THEN 1 ELSE 0 END) FROM {self.clean}")[0]

        if self.d.pg:
            self._write_pg(values, changed=bool(rows), existing=existing)
        else:
            self._upsert(values)

        result = self.result
        result.inserted = result.total - existing
        result.corrected = len(corrections)
        result.rematched = rematched
        result.unchanged = existing - len(corrections) - rematched
        result.unmatched = int(stats[0] or 0)
        self._audit(corrections)

    def _assignments(self, old: str, new: str) -> tuple[list[str], str]:
        """SET clauses for a record loaded before whose data differ (``old``: the table, ``new``: the load) and
        the condition for updating it at all: the data differ, or it was unmatched and now matches."""
        data = self._data_columns()
        newly_matched = (
            f"({old}.match_status = '{MatchStatus.UNMATCHED}' AND {new}.match_status <> '{MatchStatus.UNMATCHED}')"
        )
        remap = f"({old}.project_code <> {new}.project_code OR {newly_matched})"
        assignments = [f"{c} = {new}.{c}" for c in data] + [
            f"organisation_id = CASE WHEN {old}.payer_code <> {new}.payer_code THEN {new}.organisation_id "
            f"ELSE {old}.organisation_id END",
            f"subject_id = CASE WHEN {remap} THEN {new}.subject_id ELSE {old}.subject_id END",
            f"match_status = CASE WHEN {remap} THEN {new}.match_status ELSE {old}.match_status END",
            f"import_job_id = {new}.import_job_id",
            f"updated_at = {new}.updated_at",
        ]
        changed = " OR ".join(f"{old}.{c} <> {new}.{c}" for c in data)
        return assignments, f"({changed} OR {newly_matched})"

    def _new_values(self, values: dict, cast: bool = False) -> tuple[list[str], list[str], list]:
        """(columns, select expressions, params) of the records as the table stores them."""
        k, key = self.kind, self.kind.natural_key
        data = self._data_columns()
        now = timezone.now()
        job_id = getattr(self.import_job, "pk", None)
        columns = [
            key,
            *data,
            "organisation_id",
            "subject_id",
            "match_status",
            "source",
            "import_job_id",
            "created_at",
            "updated_at",
        ]
        if not cast:
            stamp = connection.ops.adapt_datetimefield_value(now)
            select = [
                f"c.{key}",
                *(values[c] for c in data),
                "c.org_id",  # never null here: an unknown payer code is a validation error
                "c.subject_id",
                "c.match_status",
                "%s",
                "%s",
                "%s",
                "%s",
            ]
            return columns, select, [self.source, job_id, stamp, stamp]
        # COPY cannot take parameters: our own values as literals, every column cast to the table's type.
        literals = {
            "organisation_id": "c.org_id",
            "subject_id": "c.subject_id",
            "match_status": "c.match_status",
            "source": f"'{RecordSource(self.source).value}'",
            "import_job_id": str(int(job_id)) if job_id else "NULL",
            "created_at": f"'{now.isoformat()}'",
            "updated_at": f"'{now.isoformat()}'",
            key: f"c.{key}",
            **{c: values[c] for c in data},
        }
        fields = {f.column: f for f in k.model._meta.concrete_fields}
        select = [f"CAST({literals[c]} AS {fields[c].db_type(connection)})" for c in columns]
        return columns, select, []

    def _upsert(self, values: dict) -> None:
        """SQLite: one INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE the data differ."""
        table, key = self.kind.table, self.kind.natural_key
        columns, select, params = self._new_values(values)
        assignments, condition = self._assignments(table, "excluded")
        self._exec(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(select)} FROM {self.clean} c "
            f"WHERE 1 = 1 ON CONFLICT ({key}) DO UPDATE SET {', '.join(assignments)} WHERE {condition}",
            params,
        )

    def _write_pg(self, values: dict, *, changed: bool = True, existing: int = 1) -> None:
        """PostgreSQL: the same result through the bulk path COPY uses (an INSERT … SELECT does not get COPY's
        bulk-insert buffer strategy and was measured at twice the time, docs/decisions/0014): under the lock
        taken by ``_write``, one UPDATE … FROM for the records loaded before whose data differ, then the new records streamed out of the staging query and back in with COPY (binary)."""
        table, key = self.kind.table, self.kind.natural_key
        columns, select, _ = self._new_values(values, cast=True)
        assignments, condition = self._assignments("t", "n")
        if changed:  # some records loaded before differ (read under the lock in _write)
            self._exec(
                f"UPDATE {table} AS t SET {', '.join(assignments)} "
                f"FROM (SELECT {', '.join(f'{e} AS {c}' for c, e in zip(columns, select, strict=True))} "
                f"FROM {self.clean} c) AS n WHERE t.{key} = n.{key} AND {condition}"
            )
        if existing >= self.result.total:
            return  # nothing new
        query = f"SELECT {', '.join(select)} FROM {self.clean} c"
        if existing:
            query += f" WHERE NOT EXISTS (SELECT 1 FROM {table} e WHERE e.{key} = c.{key})"
        # The clean table was built in the index order of the organisation and (subject, date) indexes, so that
        # their insertions are appends; a scan reads it in that order (an ORDER BY here would sort it again before
        # the first row, while the writer waits).
        copy_in = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT binary)"
        if self.d.shared and not self.outer_atomic:
            self._copy_streamed(query, copy_in)
            return
        # The staging tables are not visible to another session (TEMPORARY, or created in the caller's open
        # transaction): out into a spool, then in, on this connection.
        with tempfile.SpooledTemporaryFile(max_size=64 << 20) as spool, connection.cursor() as cursor:
            with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT binary)") as copy:
                for data in copy:
                    spool.write(data)
            spool.seek(0)
            with cursor.copy(copy_in) as copy:
                while chunk := spool.read(1 << 20):
                    copy.write(chunk)

    def _copy_streamed(self, query: str, copy_in: str) -> None:
        """COPY the new records out of the staging table on a second connection while this one COPYs them in:
        two server processes, so the sort and the reading overlap the writing (docs/decisions/0014). The reader
        sees the same committed rows: the staging tables were committed before, and this transaction's table lock
        keeps any other load from committing payments in between."""
        import queue
        import threading

        chunks: queue.Queue = queue.Queue(maxsize=32)
        stop = threading.Event()
        done = object()
        raw: list = []  # the reader's psycopg connection, to cancel its COPY if the writing fails

        def produce():
            reader = connection.copy()  # (a Django connection belongs to the thread that creates it)
            try:
                reader.ensure_connection()
                raw.append(reader.connection)
                with reader.cursor() as cursor:
                    for name, value in self.SESSION_SETTINGS.items():
                        if name != "temp_buffers":
                            cursor.execute(f"SET {name} = '{value}'")
                    buffer = bytearray()
                    with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT binary)") as copy:
                        for data in copy:
                            buffer += data
                            if len(buffer) >= 1 << 20:
                                chunks.put(bytes(buffer))
                                buffer.clear()
                                if stop.is_set():
                                    return
                    chunks.put(bytes(buffer))
            except BaseException as exc:  # handed to the writing thread, which raises it
                if not stop.is_set():
                    chunks.put(exc)
            finally:
                chunks.put(done)
                reader.close()

        thread = threading.Thread(target=produce, name="execution-copy-out", daemon=True)
        thread.start()
        try:
            with connection.cursor() as cursor, cursor.copy(copy_in) as copy:
                while (chunk := chunks.get()) is not done:
                    if isinstance(chunk, BaseException):
                        raise chunk
                    copy.write(chunk)
        finally:
            if thread.is_alive():
                stop.set()
                if raw:
                    raw[0].cancel()
            while thread.is_alive():  # unblock a reader waiting on a full queue
                try:
                    chunks.get(timeout=0.1)
                except queue.Empty:
                    pass
            thread.join()

    def _audit(self, corrections: list) -> None:
        model, k = self.kind.model, self.kind
        labels = {c: str(model._meta.get_field(c).verbose_name) for c in k.data_fields}
        instances = model.objects.in_bulk([pk for pk, *_ in corrections]) if corrections else {}
        for pk, key, old, new in corrections:
            changes = {
                labels[c]: [_plain(old[c], c, k), _plain(new[c], c, k)]
                for c in old
                if _normal(old[c]) != _normal(new[c])
            }
            trail.record(
                AuditAction.UPDATE,
                instances.get(pk),
                object_type=model._meta.label_lower,
                object_repr=f"{model._meta.verbose_name} {key}",
                changes=changes,
                reason=f"更正：{self.reason or '重新载入' + k.title}（{k.key_header} {key}）",
            )
        trail.record(
            AuditAction.IMPORT,
            self.import_job,
            object_type=model._meta.label_lower,
            object_repr=f"载入{k.title}",
            changes=self.result.summary(),
            reason=f"{self.reason or '载入' + k.title}：{self.result.summary_text()}",
        )


def _normal(value):
    """Values from the two sides of a comparison in one form (SQLite returns floats and text dates)."""
    if value is None:
        return None
    if isinstance(value, float | int | Decimal) and not isinstance(value, bool):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _plain(value, column: str, kind: Kind):
    if value is None:
        return None
    if column == "amount":
        return str(_normal(value))
    if column == "budget_kind":
        return BudgetKind(value).label if value in BudgetKind.values else value
    if column == "fund_source":
        return FundSource(value).label if value in FundSource.values else value
    return _normal(value) if column == kind.date_field else value

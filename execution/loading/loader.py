"""The loader: one load of one source for one importing finance bureau and fiscal year, from staging to the write.

``Loader.load`` runs the steps in order and stops at the first that finds errors (nothing is written then):

0. where to stage: on PostgreSQL, UNLOGGED tables in the schema ``STAGING_SCHEMA`` when the role may create tables
   there (parallel query), else TEMPORARY tables; the load's session gets larger ``work_mem``/``temp_buffers`` and
   cheaper parallelism; tables killed loads left behind are dropped (``orphans.py``);
1. stage the rows as raw text (``staging.py``);
2. map, in small staging tables: payer codes → ``Organisation.budget_code`` within the bureau's region subtree (its
   own region first), project codes → ``Subject.code``, else a ``MatchRule`` of the fiscal year (``_build_maps``);
   dates and 预算类别/资金来源 through the calendar and choice tables (``dialect.py``);
3. clean: one ``CREATE TABLE … AS SELECT`` of the trimmed, typed and mapped values (``_build_clean``);
4. validate: one count of the rows that may be bad and, only when there are any, one query giving a flag per rule
   for each; vouchers repeated in the load only when the answer matters (``_validate``, ``_duplicates``);
5. write (``writer.py``).

``load_path`` and ``load_records`` are the entry points for a file and for API records.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from django.db import DatabaseError, connection, transaction

from execution.choices import MatchStatus, RecordSource
from execution.loading import orphans
from execution.loading.dialect import _choice_spellings, _date_spellings, _Dialect
from execution.loading.kinds import AMOUNT_GROUPS, Kind, LoadError, LoadResult
from execution.loading.sources import LoadFileError, Source, map_header, open_file, records_source
from execution.loading.staging import _CopyFailed, _Staging
from execution.loading.writer import _Abort, _Writer
from subjects.choices import BudgetKind, FundSource

ProgressCallback = Callable[[str, int, int], None]


STAGING_SCHEMA = "jixiao_staging"  # created by execution migration 0003 (PostgreSQL only)


class Loader(_Staging, _Writer):
    """Loads one source for one importing finance bureau and fiscal year. See the module docstring; the staging
    step is ``_Staging`` (staging.py), the write ``_Writer`` (writer.py)."""

    def __init__(
        self,
        kind: Kind,
        *,
        bureau,
        fiscal_year: int,
        user=None,
        source: str = RecordSource.FILE,
        import_job=None,
        progress: ProgressCallback | None = None,
        reason: str = "",
    ):
        self.kind = kind
        self.bureau = bureau
        self.fiscal_year = int(fiscal_year)
        self.user = user
        self.source = source
        self.import_job = import_job
        self.progress = progress or (lambda phase, done, total: None)
        self.reason = reason
        self.d = _Dialect(connection.vendor)
        self._name_tables()
        self.raw_tables: list[str] = []  # PostgreSQL's COPY path: the raw tables behind the staging view
        self.result = LoadResult(kind)

    def _name_tables(self) -> None:
        # The tag carries the creation time and the job, so that the reaper and later loads recognise the tables a
        # killed load left behind (orphans.py).
        tag = f"{int(time.time())}_{uuid.uuid4().hex[:8]}"
        if job_id := getattr(self.import_job, "pk", None):
            tag += f"_j{int(job_id)}"
        prefix = f"{STAGING_SCHEMA}." if self.d.shared else ""
        self.stage, self.cal, self.choices = (
            f"{prefix}xs_stage_{tag}",
            f"{prefix}xs_cal_{tag}",
            f"{prefix}xs_choice_{tag}",
        )
        self.orgmap, self.subjmap, self.clean = (
            f"{prefix}xs_org_{tag}",
            f"{prefix}xs_subj_{tag}",
            f"{prefix}xs_clean_{tag}",
        )

    def _use_staging_schema(self) -> None:
        """PostgreSQL: stage in UNLOGGED tables of the staging schema when this role may create tables there (a
        restricted role without the grant keeps TEMPORARY tables: correct, only slower), and drop what killed
        loads left there."""
        if not self.d.pg:
            return
        rows = self._fetch(
            "SELECT has_schema_privilege(n.oid, 'CREATE') FROM pg_namespace n WHERE nspname = %s", [STAGING_SCHEMA]
        )
        if not rows or not rows[0][0]:
            return
        self.d.shared = True
        self._name_tables()
        orphans.cleanup()

    def _announce(self) -> None:
        """After the load committed: the apps that read execution data follow it (``execution.signals``)."""
        from execution.signals import records_loaded

        records_loaded.send(
            sender=self.kind.model,
            kind=self.kind,
            fiscal_year=self.fiscal_year,
            bureau=self.bureau,
            user=self.user,
            result=self.result,
        )

    # --- entry points -------------------------------------------------------------------------------------
    def load(
        self, src: Source, *, on_success: Callable[[LoadResult], None] | None = None, max_errors: int | None = None
    ) -> LoadResult:
        """Stage, validate and write ``src``; ``on_success`` runs inside the write transaction."""
        positions, header_errors = map_header(self.kind, src.header)
        if header_errors:
            self._fail(header_errors)
            return self.result
        connection.ensure_connection()
        self.outer_atomic = connection.in_atomic_block  # the staging tables are then visible to this session only
        self._tune_session()
        self._use_staging_schema()
        try:
            self._create_tables()
            if self.d.pg and src.csv_path is not None:
                try:
                    self._stage_csv(src, positions)
                except _CopyFailed as exc:
                    self._fail([exc.error])
                    return self.result
            else:
                try:
                    self._stage(src, positions)
                except LoadFileError as exc:
                    self._fail([LoadError(getattr(exc, "line", None), "", str(exc))])
                    return self.result
            self.progress("check", self.result.total, self.result.total)
            if not self.result.total:
                self._fail([LoadError(None, "", "文件中没有数据行")])
                return self.result
            self._build_maps()
            self._build_clean()
            errors = self._validate()
            if errors:
                self._fail(errors)
                return self.result
            self.progress("apply", self.result.total, self.result.total)
            try:
                with transaction.atomic():
                    self._write()
                    if on_success is not None:
                        on_success(self.result)
                    transaction.on_commit(self._announce)
            except _Abort:
                pass
            except Exception as exc:
                # The unique index refused a record: a key repeated within the load (rolled back: nothing written).
                if not _is_unique_violation(exc) or not (duplicates := self._duplicates()):
                    raise
                self.result = LoadResult(self.kind, total=self.result.total)
                self._fail(duplicates)
        finally:
            src.close()
            self._drop_tables()
            self._reset_session()
        return self.result

    # PostgreSQL's defaults suit many small queries, not one load of a million rows: temporary tables live in
    # temp_buffers (8 MB by default, so the staging and clean tables spill to disk at once), and the sort of the
    # new rows and the hash joins use work_mem (4 MB). A load raises both for its own session only; temp_buffers
    # can be changed only before the session first touches a temporary table, so a later load in the same
    # session keeps what it has (docs/decisions/0014).
    # The staging tables of the schema are scanned, joined and sorted by parallel workers; the planner's default
    # price for passing a row from a worker to the leader keeps it from doing so for a CREATE TABLE AS of a
    # million rows, which two workers build in 60 % of the time.
    SESSION_SETTINGS = {
        "temp_buffers": "512MB",
        "work_mem": "256MB",
        "parallel_setup_cost": "100",
        "parallel_tuple_cost": "0.001",
    }

    def _tune_session(self) -> None:
        if not self.d.pg:
            return
        for name, value in self.SESSION_SETTINGS.items():
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"SET {name} = '{value}'")
            except DatabaseError:
                pass  # temp_buffers after the session's first temporary table: keep the current value

    def _reset_session(self) -> None:
        if not self.d.pg:
            return
        try:
            with connection.cursor() as cursor:
                for name in self.SESSION_SETTINGS:
                    if name != "temp_buffers":
                        cursor.execute(f"RESET {name}")
        except DatabaseError:
            pass

    # --- steps --------------------------------------------------------------------------------------------
    def _fail(self, errors: list[LoadError]) -> None:
        self.result.errors = errors
        self.result.error_count = len(errors)

    def _exec(self, sql: str, params=None) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])
            return cursor.rowcount

    def _fetch(self, sql: str, params=None) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])
            return cursor.fetchall()

    def _create_tables(self) -> None:
        text_columns = ", ".join(f"{k} TEXT" for k in self.kind.keys)
        self._exec(self.d.table(self.stage, f"line INTEGER, {text_columns}"))
        date_type = "DATE" if self.d.pg else "TEXT"
        self._exec(self.d.table(self.cal, f"spelling TEXT PRIMARY KEY, d {date_type}"))
        self._exec(self.d.table(self.choices, "field TEXT, spelling TEXT, value TEXT, PRIMARY KEY (field, spelling)"))
        self._exec(self.d.table(self.orgmap, "code TEXT PRIMARY KEY, org_id BIGINT"))
        self._exec(self.d.table(self.subjmap, "code TEXT PRIMARY KEY, subject_id BIGINT, status TEXT"))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.cal} (spelling, d) VALUES (%s, %s)",
                [(s, d if self.d.pg else d.isoformat()) for s, d in _date_spellings(self.fiscal_year)],
            )
            cursor.executemany(
                f"INSERT INTO {self.choices} (field, spelling, value) VALUES (%s, %s, %s)", list(_choice_spellings())
            )

    def _drop_tables(self) -> None:
        for name in self.raw_tables:
            self._exec(f"DROP TABLE IF EXISTS {name} CASCADE")  # and the staging view on it
        for name in (self.stage, self.cal, self.choices, self.orgmap, self.subjmap, self.clean):
            if name == self.stage and self.raw_tables:
                continue
            try:
                self._exec(f"DROP TABLE IF EXISTS {name}")
            except Exception:
                pass

    def _region_prefix(self) -> str:
        return f"{self.bureau.region.path}%"

    def _build_maps(self) -> None:
        from organisations.models import Organisation

        # Payer codes: the bureau's own region first, else a code unique in its subtree (codes repeat between
        # counties: budget_code is unique within a region only).
        candidates: dict[str, list[tuple[bool, int]]] = {}
        orgs = (
            Organisation.objects.filter(region__path__startswith=self.bureau.region.path)
            .exclude(budget_code="")
            .values_list("budget_code", "pk", "region_id")
        )
        for code, pk, region_id in orgs:
            candidates.setdefault(code, []).append((region_id == self.bureau.region_id, pk))
        mapping = []
        for code, options in candidates.items():
            own = [pk for is_own, pk in options if is_own]
            if len(own) == 1:
                mapping.append((code, own[0]))
            elif not own and len(options) == 1:
                mapping.append((code, options[0][1]))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {self.orgmap} (code, org_id) VALUES (%s, %s)", mapping)
        codes = f"SELECT DISTINCT TRIM(project_code) FROM {self.stage}"
        in_region = (
            "JOIN organisations_organisation o ON o.id = s.organisation_id "
            "JOIN organisations_region r ON r.id = o.region_id"
        )
        self._exec(
            f"INSERT INTO {self.subjmap} (code, subject_id, status) "
            f"SELECT s.code, s.id, %s FROM subjects_subject s {in_region} "
            f"WHERE r.path LIKE %s AND s.code IN ({codes})",
            [MatchStatus.MATCHED, self._region_prefix()],
        )
        self._exec(
            f"INSERT INTO {self.subjmap} (code, subject_id, status) "
            f"SELECT m.project_code, m.subject_id, %s FROM execution_matchrule m "
            f"JOIN subjects_subject s ON s.id = m.subject_id {in_region} "
            f"WHERE m.fiscal_year = %s AND r.path LIKE %s AND m.project_code IN ({codes}) "
            f"AND m.project_code NOT IN (SELECT code FROM {self.subjmap})",
            [MatchStatus.MANUAL, self.fiscal_year, self._region_prefix()],
        )

    def _build_clean(self) -> None:
        """One pass: trimmed, typed and mapped values, for validation and the write. The raw text of a value that
        did not convert is not kept here (a narrower table is faster to write, sort and read): the error report
        reads it from the staging table by line (``_validate``)."""
        d, k = self.d, self.kind
        date_raw = f"TRIM(s.{k.date_field})"
        amount_raw = "REPLACE(REPLACE(TRIM(s.amount), ',', ''), ' ', '')" if d.pg else "s.amount"
        # Thousands separators only in groups of three ("12,3" and "1,2,3,4" are not amounts, issue 12 §5); on
        # SQLite the staging step removed only well-placed ones (staging.squeeze_amount), so a bad one fails below.
        grouped = (
            rf"(POSITION(',' IN s.amount) = 0 OR REPLACE(TRIM(s.amount), ' ', '') ~ '{AMOUNT_GROUPS.pattern}')"
            if d.pg
            else "1"
        )
        texts = [
            f"TRIM(s.{f.key}) AS {f.key}"
            for f in k.fields
            if f.key not in (k.date_field, "amount", "budget_kind", "fund_source")
        ]
        select = ", ".join(
            [
                "s.line AS line",
                *texts,
                "cal.d AS date_value",
                f"CASE WHEN {grouped} AND {d.amount_ok(amount_raw)} THEN {d.amount_value(amount_raw)} END AS amount",
                "bk.value AS budget_kind",
                "fs.value AS fund_source",
                "om.org_id AS org_id",
                "sm.subject_id AS subject_id",
                f"COALESCE(sm.status, '{MatchStatus.UNMATCHED}') AS match_status",
            ]
        )
        self._exec(
            self.d.table(
                self.clean,
                as_select=f"SELECT {select} FROM {self.stage} s "
                f"LEFT JOIN {self.cal} cal ON cal.spelling = {d.first_word(date_raw)} "
                f"LEFT JOIN {self.choices} bk ON bk.field = 'budget_kind' AND bk.spelling = TRIM(s.budget_kind) "
                f"LEFT JOIN {self.choices} fs ON fs.field = 'fund_source' AND fs.spelling = TRIM(s.fund_source) "
                f"LEFT JOIN {self.orgmap} om ON om.code = TRIM(s.payer_code) "
                f"LEFT JOIN {self.subjmap} sm ON sm.code = TRIM(s.project_code)"
                # PostgreSQL: stored in the order the new records are written in (see _write_pg).
                + (" ORDER BY sm.subject_id, cal.d" if d.pg else ""),
            )
        )

    def _validate(self) -> list[LoadError]:
        d, k, year = self.d, self.kind, self.fiscal_year
        key = k.natural_key
        checks: list[tuple[str, Callable[[dict], str]]] = [
            (f"{key} = ''", lambda r: f"{k.key_header}为空"),
            (
                f"{d.length(key)} > {k.field(key).max_length}",
                lambda r: f"{k.key_header}超过 {k.field(key).max_length} 个字符",
            ),
            ("date_value IS NULL AND date_raw = ''", lambda r: f"{k.field(k.date_field).header}为空"),
            (
                f"date_value IS NULL AND date_raw <> '' AND {d.four_digits('date_raw')} "
                f"AND substr(date_raw, 1, 4) <> '{year}'",
                lambda r: f"{k.field(k.date_field).header}“{r['date_raw']}”不在 {year} 预算年度内",
            ),
            (
                f"date_value IS NULL AND date_raw <> '' AND NOT ({d.four_digits('date_raw')} "
                f"AND substr(date_raw, 1, 4) <> '{year}')",
                lambda r: f"{k.field(k.date_field).header}“{r['date_raw']}”不是有效日期（应如 {year}-07-31）",
            ),
            ("amount_raw = ''", lambda r: "金额为空"),
            (
                "amount IS NULL AND amount_raw <> ''",
                lambda r: f"金额“{r['amount_raw']}”不是有效金额（元，最多两位小数）",
            ),
            ("amount = 0", lambda r: "金额不能为 0"),
            ("payer_code = ''", lambda r: "单位预算编码为空"),
            # Nothing is guessed (issue 12 §5): a code that names no organisation of the bureau's region and below is
            # refused with the row, never booked to the bureau or anywhere else that looks plausible.
            (
                "org_id IS NULL AND payer_code <> ''",
                lambda r: (
                    f"单位预算编码“{r['payer_code']}”不是本财政部门及下级区划登记的单位编码，请核对；"
                    "新单位请先在“机构”中登记其预算编码后再导入"
                ),
            ),
            ("project_code = ''", lambda r: "项目编码为空"),
            (
                "budget_kind IS NULL",
                lambda r: f"预算类别“{r['budget_kind_raw']}”无法识别（可填：" + "、".join(BudgetKind.labels) + "）",
            ),
            (
                "fund_source IS NULL",
                lambda r: f"资金来源“{r['fund_source_raw']}”无法识别（可填：" + "、".join(FundSource.labels) + "）",
            ),
        ]
        for f in k.fields:
            if f.max_length and f.key != key:
                checks.append(
                    (f"{d.length(f.key)} > {f.max_length}", lambda r, f=f: f"{f.header}超过 {f.max_length} 个字符")
                )
        flags = ", ".join(f"CASE WHEN {cond} THEN 1 ELSE 0 END" for cond, _ in checks)
        # Every check above implies one of these, which read the clean table only: the scan every load pays.
        suspect = " OR ".join(
            [
                f"c.{key} = ''",
                "c.date_value IS NULL",
                "c.amount IS NULL",
                "c.amount = 0",
                "c.payer_code = ''",
                "c.org_id IS NULL",
                "c.project_code = ''",
                "c.budget_kind IS NULL",
                "c.fund_source IS NULL",
                *(f"{d.length('c.' + f.key)} > {f.max_length}" for f in k.fields if f.max_length),
            ]
        )
        raw = {
            "date_raw": k.date_field,
            "amount_raw": "amount",
            "budget_kind_raw": "budget_kind",
            "fund_source_raw": "fund_source",
        }
        columns = ["line", key, "payer_code", *raw]
        errors: list[LoadError] = []
        if not self._fetch(f"SELECT COUNT(*) FROM {self.clean} c WHERE {suspect}")[0][0]:  # (parallel; EXISTS is not)
            return self._duplicates() if not self.d.pg else []  # (SQLite: see below)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(columns)}, {flags} FROM (SELECT c.*, "
                + ", ".join(f"TRIM(s.{column}) AS {name}" for name, column in raw.items())
                + f" FROM {self.clean} c JOIN {self.stage} s ON s.line = c.line WHERE {suspect}) v"
            )
            for row in cursor.fetchall():
                record = dict(zip(columns, row, strict=False))
                for (_, message), flag in zip(checks, row[len(columns) :], strict=True):
                    if flag:
                        errors.append(LoadError(record["line"], record[key] or "", message(record)))
        if errors or not self.d.pg:  # (SQLite's upsert would let a repeated key update its own new row)
            errors += self._duplicates()
        errors.sort(key=lambda e: e.line or 0)
        return errors

    def _duplicates(self) -> list[LoadError]:
        """Natural keys repeated within the load. A sort of a million keys, so asked only when the answer matters:
        with other errors, when some records were loaded before (``_write``), or when the table's unique index
        refused a new record (``load``); a clean first load pays nothing for it."""
        k, key = self.kind, self.kind.natural_key
        rows = self._fetch(
            f"SELECT c.line, c.{key}, f.first FROM {self.clean} c JOIN "
            f"(SELECT {key}, MIN(line) AS first FROM {self.clean} WHERE {key} <> '' "
            f"GROUP BY {key} HAVING COUNT(*) > 1) f ON f.{key} = c.{key} WHERE c.line <> f.first ORDER BY c.line"
        )
        return [LoadError(line, value, f"{k.key_header}“{value}”与第 {first} 行重复") for line, value, first in rows]


def _is_unique_violation(exc: BaseException) -> bool:
    """Django's IntegrityError or psycopg's own (a COPY's errors are not wrapped by Django)."""
    from django.db import IntegrityError

    return (
        isinstance(exc, IntegrityError)
        or type(exc).__name__ == "UniqueViolation"
        or type(getattr(exc, "__cause__", None)).__name__ == "UniqueViolation"
    )


def load_path(kind: Kind, path: str | Path, **kwargs) -> LoadResult:
    on_success = kwargs.pop("on_success", None)
    loader = Loader(kind, **kwargs)
    return loader.load(open_file(path), on_success=on_success)


def load_records(kind: Kind, records: Iterable[dict], **kwargs) -> LoadResult:
    on_success = kwargs.pop("on_success", None)
    loader = Loader(kind, **kwargs)
    return loader.load(records_source(kind, records), on_success=on_success)

"""Set-based loading of budget execution data (指标下达, 国库集中支付明细) — docs/decisions/0014.

One path for every source (CSV, XLSX, API push, bench):

1. **stage** — the rows are streamed, as raw text with their line number, into a temporary staging table
   without constraints: ``COPY`` on PostgreSQL, ``executemany`` on SQLite, in chunks (constant memory; the
   progress between chunks is visible to the page);
2. **map** — the payer codes (``Organisation.budget_code`` within the importing bureau's region subtree) and the
   project codes (``Subject.code``, then ``MatchRule``) are resolved into two small temporary tables, dates
   through a calendar table of the fiscal year, 预算类别/资金来源 through a table of their spellings;
3. **validate** — one query over the staged rows finds every bad value (empty or too long codes, dates that are
   not dates of the fiscal year, amounts that are not amounts, unknown kinds) and one finds voucher numbers
   repeated within the file; each bad row is reported with its line number and a reason in Chinese. Any error:
   nothing is written;
4. **write** — in ONE transaction: the existing records whose data differ (corrections) are read for the audit
   trail, then on SQLite one ``INSERT … SELECT … ON CONFLICT (natural key) DO UPDATE … WHERE the data differ``
   loads everything; on PostgreSQL the same result comes from one ``UPDATE … FROM`` for the changed records and
   the new ones through ``COPY`` (under a table lock; see ``_write_pg``). Re-loading the same records changes
   nothing. One audit row per corrected record (before/after) and one summarising the load.

No per-row ORM save and no per-row Python after parsing.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import io
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from pathlib import Path

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import trail
from audit.models import AuditAction
from execution.choices import MatchStatus, RecordSource
from execution.models import BudgetAllocation, Payment
from subjects.choices import BudgetKind, FundSource

CHUNK_ROWS = 50_000  # rows per COPY / executemany between two progress reports
MAX_AMOUNT_DIGITS = 16  # amount: max_digits 18, decimal_places 2
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
SNIFF_BYTES = 1 << 20

ProgressCallback = Callable[[str, int, int], None]


class LoadFileError(Exception):
    """The file as a whole cannot be loaded (not CSV/XLSX, unreadable encoding, header missing)."""


@dataclass(frozen=True)
class Field:
    header: str  # the Chinese column title
    key: str  # model field (and API key)
    required: bool = True  # the column must be present in a file
    max_length: int = 0  # 0: not a text field checked for length
    aliases: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Kind:
    """What is being loaded: payments or allocations."""

    key: str
    model: type
    title: str
    natural_key: str
    date_field: str
    fields: tuple[Field, ...]

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.fields]

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)

    @property
    def key_header(self) -> str:
        return self.field(self.natural_key).header

    @property
    def data_fields(self) -> list[str]:
        """Model fields whose change makes a record a correction."""
        return [k for k in self.keys if k != self.natural_key] + ["fiscal_year"]


_BUDGET_NOTE = "填写名称或代码：" + "、".join(BudgetKind.labels) + "；空白为一般公共预算"
_FUND_NOTE = "填写名称或代码：" + "、".join(FundSource.labels) + "；空白为本级"
_DATE_NOTE = "预算年度内的日期，如 2026-07-31、2026/7/31 或 20260731"
_AMOUNT_NOTE = "元，最多两位小数，可有千分位逗号；负数为退款或冲销"

PAYMENTS = Kind(
    key="payments",
    model=Payment,
    title="国库支付明细",
    natural_key="voucher_number",
    date_field="paid_on",
    fields=(
        Field(
            "支付凭证号",
            "voucher_number",
            max_length=60,
            aliases=("凭证号",),
            note="国库集中支付凭证号，唯一；重复导入同一凭证号不会重复计数，金额等不同即为更正",
        ),
        Field("支付日期", "paid_on", note=_DATE_NOTE),
        Field(
            "单位预算编码",
            "payer_code",
            max_length=30,
            aliases=("预算单位编码", "单位编码"),
            note="付款单位的预算编码；系统中没有此编码时记在导入的财政部门名下",
        ),
        Field(
            "项目编码",
            "project_code",
            max_length=40,
            note="项目库中的项目编码；未知编码进入“待匹配”队列，由国库科或绩效科匹配",
        ),
        Field("金额", "amount", aliases=("支付金额", "金额（元）"), note=_AMOUNT_NOTE),
        Field("预算类别", "budget_kind", note=_BUDGET_NOTE),
        Field("资金来源", "fund_source", note=_FUND_NOTE),
        Field(
            "经济分类",
            "economic_code",
            max_length=20,
            aliases=("经济分类科目", "支出经济分类"),
            note="支出经济分类科目编码，可空",
        ),
        Field("收款人", "payee", required=False, max_length=200, note="可选"),
        Field("用途", "summary", required=False, max_length=200, aliases=("摘要",), note="可选"),
    ),
)

ALLOCATIONS = Kind(
    key="allocations",
    model=BudgetAllocation,
    title="预算指标",
    natural_key="document_number",
    date_field="issued_on",
    fields=(
        Field(
            "指标文号",
            "document_number",
            max_length=60,
            aliases=("指标编号",),
            note="指标文号（每行唯一，如一文多行请加序号）；重复导入不会重复计数",
        ),
        Field("下达日期", "issued_on", note=_DATE_NOTE),
        Field(
            "单位预算编码",
            "payer_code",
            max_length=30,
            aliases=("预算单位编码", "单位编码"),
            note="指标下达到的单位的预算编码；未知编码记在导入的财政部门名下",
        ),
        Field("项目编码", "project_code", max_length=40, note="项目库中的项目编码；未知编码进入“待匹配”队列"),
        Field("金额", "amount", aliases=("指标金额", "金额（元）"), note=_AMOUNT_NOTE),
        Field("预算类别", "budget_kind", note=_BUDGET_NOTE),
        Field("资金来源", "fund_source", note=_FUND_NOTE),
        Field("摘要", "summary", required=False, max_length=200, note="可选"),
    ),
)

KINDS = {PAYMENTS.key: PAYMENTS, ALLOCATIONS.key: ALLOCATIONS}


@dataclass
class LoadError:
    line: int | None
    key: str  # the record's natural key as given ("" when unknown)
    message: str

    def as_dict(self) -> dict:
        return {
            "row": self.line,
            "key": self.key,
            "message": self.message,
            "text": f"第 {self.line} 行：{self.message}" if self.line else self.message,
        }


@dataclass
class LoadResult:
    kind: Kind
    total: int = 0
    errors: list[LoadError] = field(default_factory=list)
    error_count: int = 0
    inserted: int = 0
    unchanged: int = 0
    corrected: int = 0
    rematched: int = 0
    unmatched: int = 0
    unknown_payer: int = 0

    @property
    def ok(self) -> bool:
        return not self.error_count

    def summary(self) -> dict:
        return {
            "total": self.total,
            "inserted": self.inserted,
            "unchanged": self.unchanged,
            "corrected": self.corrected,
            "rematched": self.rematched,
            "unmatched": self.unmatched,
            "unknown_payer": self.unknown_payer,
        }

    def summary_text(self) -> str:
        text = (
            f"共 {self.total} 行：新增 {self.inserted}，未变化 {self.unchanged}，更正 {self.corrected}，"
            f"待匹配 {self.unmatched}"
        )
        if self.rematched:
            text += f"，新匹配 {self.rematched}"
        if self.unknown_payer:
            text += f"，单位编码未知（记在财政部门名下）{self.unknown_payer}"
        return text


class _Abort(Exception):
    """Rolls the write transaction back after errors found inside it."""


class _CopyFailed(Exception):
    def __init__(self, error: LoadError):
        super().__init__(error.message)
        self.error = error


_COPY_MESSAGES = [
    ("extra data after last expected column", "列数多于表头"),
    ("missing data for column", "列数少于表头（或是空行）"),
    ("unterminated CSV quoted field", "引号不成对"),
    ("invalid byte sequence", "文字编码无法识别，请将文件另存为 UTF-8 或 GBK 编码的 CSV"),
    ("has no equivalent in encoding", "文字编码无法识别，请将文件另存为 UTF-8 或 GBK 编码的 CSV"),
]


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


def _csv_chunks(
    path: Path, size: int = 4 << 20, *, start: int | None = None, end: int | None = None
) -> Iterator[bytes]:
    """The file after its header line (and BOM), or its bytes from ``start`` (a record boundary) to ``end``, in
    pieces that end at a record boundary: a newline with an even number of quote characters before it (CSV doubles
    quotes inside quoted fields). Trailing blank lines at the end of the file dropped."""
    with open(path, "rb") as fh:
        if start is None:
            if not fh.readline():
                return
        else:
            fh.seek(start)
        left = None if end is None else end - fh.tell()
        rest = b""
        while True:
            block = fh.read(size if left is None else min(size, left))
            if left is not None:
                left -= len(block)
            buffer = rest + block
            if not block and end is not None:  # a range ends at a record boundary: nothing to trim
                if buffer:
                    yield buffer
                return
            if not block:
                buffer = buffer.rstrip(b"\r\n \t")
                if buffer:
                    yield buffer + b"\n"
                return
            cut = len(buffer)
            while True:
                cut = buffer.rfind(b"\n", 0, cut)
                if cut < 0 or buffer.count(b'"', 0, cut) % 2 == 0:
                    break
            if cut < 0:
                rest = buffer
                continue
            yield buffer[: cut + 1]
            rest = buffer[cut + 1 :]


def _csv_middle(path: Path, block: int = 4 << 20) -> tuple[int, int] | None:
    """A record boundary near the middle of the file, for staging the two halves side by side: (offset of the
    second half, number of lines of the first half after the header). Reads the first half once in blocks."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        if not fh.readline():
            return None
        middle = fh.tell() + (size - fh.tell()) // 2
        quotes = lines = 0
        while fh.tell() < middle:
            data = fh.read(min(block, middle - fh.tell()))
            quotes += data.count(b'"')
            lines += data.count(b"\n")
        ahead = fh.read(1 << 20)
    newline = -1
    while (newline := ahead.find(b"\n", newline + 1)) >= 0:
        if (quotes + ahead.count(b'"', 0, newline)) % 2 == 0:
            return middle + newline + 1, lines + ahead.count(b"\n", 0, newline + 1)
    return None


# --- reading ------------------------------------------------------------------------------------------------


def detect_format(path: str | Path) -> str:
    """ "xlsx" or "csv" by content, not by file name; LoadFileError for anything else."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        raise LoadFileError("这是旧版 .xls 文件或加密的 Excel 文件，请另存为 .xlsx 或 CSV（逗号分隔）后再上传")
    if not head.strip():
        raise LoadFileError("文件是空的")
    if b"\x00" in head:
        raise LoadFileError("文件不是 CSV 文本文件，也不是 .xlsx 文件")
    return "csv"


def detect_encoding(path: str | Path) -> str:
    """utf-8-sig (Excel's UTF-8 CSV), utf-8, or GB18030 (a superset of GBK, what government systems export)."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def count_lines(path: str | Path) -> int:
    count = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, (datetime.date, Decimal, int)):
        return str(value)
    return str(value)


@dataclass
class Source:
    """Rows to load: a header and an iterator of (line number, cells)."""

    header: list[str]
    rows: Iterator[tuple[int, list]]
    estimated_rows: int = 0
    close: Callable[[], None] = lambda: None
    csv_path: Path | None = None  # a CSV file PostgreSQL may COPY as it is (see Loader._stage_csv)
    encoding: str = ""


def open_csv(path: str | Path) -> Source:
    encoding = detect_encoding(path)
    fh = open(path, encoding=encoding, newline="", errors="strict")
    reader = csv.reader(fh)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        fh.close()
        raise LoadFileError(f"无法读取文件：{exc}") from None
    if header is None:
        fh.close()
        raise LoadFileError("文件是空的")

    width = len(header)

    def rows():
        try:
            for cells in reader:
                if cells and any(cells):
                    if len(cells) != width:
                        error = LoadFileError("列数多于表头" if len(cells) > width else "列数少于表头（或是空行）")
                        error.line = reader.line_num
                        raise error
                    yield reader.line_num, cells
        except UnicodeDecodeError:
            raise LoadFileError(
                f"第 {reader.line_num + 1} 行附近的文字编码无法识别：请将文件另存为 UTF-8 或 GBK 编码的 CSV"
            ) from None
        except csv.Error as exc:
            raise LoadFileError(f"第 {reader.line_num} 行不是有效的 CSV：{exc}") from None

    return Source(
        header=header,
        rows=rows(),
        estimated_rows=max(count_lines(path) - 1, 1),
        close=fh.close,
        csv_path=Path(path),
        encoding=encoding,
    )


def open_xlsx(path: str | Path) -> Source:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
    except (CalamineError, Exception) as exc:  # calamine raises several types for broken files
        raise LoadFileError(f"无法读取 Excel 文件：{exc}") from None
    iterator = iter(sheet.iter_rows())
    header = next(iterator, None)
    if header is None:
        book.close()
        raise LoadFileError("工作表是空的")

    def rows():
        for number, cells in enumerate(iterator, start=2):
            values = [_cell(c) for c in cells]
            if any(values):
                yield number, values

    return Source(
        header=[_cell(h) for h in header], rows=rows(), estimated_rows=max(sheet.total_height - 1, 1), close=book.close
    )


def open_file(path: str | Path) -> Source:
    return open_xlsx(path) if detect_format(path) == "xlsx" else open_csv(path)


def records_source(kind: Kind, records: Iterable[dict]) -> Source:
    """API records (dicts keyed by field key or Chinese header) as a source; line = record number."""
    header = kind.keys

    def rows():
        for number, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                yield number, [""] * len(header)
                continue
            yield number, [_cell(record.get(f.key, record.get(f.header))) for f in kind.fields]

    return Source(header=header, rows=rows())


def map_header(kind: Kind, header: list[str]) -> tuple[list[int | None], list[LoadError]]:
    """Index of each field's column in the file (None: optional and absent) and the header's problems."""
    names = {}
    for f in kind.fields:
        for spelling in (f.header, f.key, *f.aliases):
            names[spelling] = f.key
    positions: dict[str, int] = {}
    errors = []
    for i, raw in enumerate(header):
        text = str(raw or "").replace("\ufeff", "").strip().replace("*", "").strip()
        key = names.get(text)
        if key is None:
            continue
        if key in positions:
            errors.append(LoadError(1, "", f"列“{kind.field(key).header}”出现了两次"))
            continue
        positions[key] = i
    for f in kind.fields:
        if f.required and f.key not in positions:
            errors.append(LoadError(1, "", f"缺少列“{f.header}”"))
    return [positions.get(k) for k in kind.keys], errors


# --- SQL dialect --------------------------------------------------------------------------------------------

STAGING_SCHEMA = "jixiao_staging"  # created by execution migration 0003 (PostgreSQL only)
STALE_SECONDS = 24 * 3600  # staging tables left behind by a killed load are dropped by the next load after this


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


# --- the loader ---------------------------------------------------------------------------------------------


class Loader:
    """Loads one source for one importing finance bureau and fiscal year. See the module docstring."""

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
        # The tag carries the creation time, so that a later load can recognise tables a killed load left behind.
        tag = f"{int(time.time())}_{uuid.uuid4().hex[:8]}"
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
        stale = int(time.time()) - STALE_SECONDS
        for (name,) in self._fetch(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r' AND c.relname ~ '^xs_[a-z]+_[0-9]+_' "
            "AND pg_has_role(c.relowner, 'USAGE')",
            [STAGING_SCHEMA],
        ):
            if int(name.split("_")[2]) < stale:
                self._exec(f'DROP TABLE IF EXISTS {STAGING_SCHEMA}."{name}" CASCADE')

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
        encoding = "UTF8" if src.encoding.startswith("utf-8") else "GB18030"
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
                    raise _CopyFailed(_copy_error(exc, first_line)) from None
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
                row[amount] = row[amount].replace(",", "").replace(" ", "")
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
                f"CASE WHEN {d.amount_ok(amount_raw)} THEN {d.amount_value(amount_raw)} END AS amount",
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
        columns = ["line", key, *raw]
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
        stats = self._fetch(
            f"SELECT SUM(CASE WHEN subject_id IS NULL THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN org_id IS NULL THEN 1 ELSE 0 END) FROM {self.clean}"
        )[0]

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
        result.unknown_payer = int(stats[1] or 0)
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
                "COALESCE(c.org_id, %s)",
                "c.subject_id",
                "c.match_status",
                "%s",
                "%s",
                "%s",
                "%s",
            ]
            return columns, select, [self.bureau.pk, self.source, job_id, stamp, stamp]
        # COPY cannot take parameters: our own values as literals, every column cast to the table's type.
        literals = {
            "organisation_id": f"COALESCE(c.org_id, {int(self.bureau.pk)})",
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


def _is_unique_violation(exc: BaseException) -> bool:
    """Django's IntegrityError or psycopg's own (a COPY's errors are not wrapped by Django)."""
    from django.db import IntegrityError

    return (
        isinstance(exc, IntegrityError)
        or type(exc).__name__ == "UniqueViolation"
        or type(getattr(exc, "__cause__", None)).__name__ == "UniqueViolation"
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


# --- convenience --------------------------------------------------------------------------------------------


def load_path(kind: Kind, path: str | Path, **kwargs) -> LoadResult:
    on_success = kwargs.pop("on_success", None)
    loader = Loader(kind, **kwargs)
    return loader.load(open_file(path), on_success=on_success)


def load_records(kind: Kind, records: Iterable[dict], **kwargs) -> LoadResult:
    on_success = kwargs.pop("on_success", None)
    loader = Loader(kind, **kwargs)
    return loader.load(records_source(kind, records), on_success=on_success)


def write_error_report(kind: Kind, errors: Iterable[LoadError], out: io.TextIOBase) -> None:
    """The downloadable report: 行号, natural key, 问题 (CSV, UTF-8 with BOM so that Excel opens it)."""
    writer = csv.writer(out)
    writer.writerow(["行号", kind.key_header, "问题"])
    for e in errors:
        writer.writerow([e.line or "", e.key, e.message])

"""The one Excel import framework: every import of the system is an ``Importer`` subclass.

An importer declares its sheet, its columns (Chinese header → key, required, parser) and three
hooks; the framework does the rest, the same way for every kind of record:

1. the file: size limit, real .xlsx (zip magic and workbook part, not the extension), readable;
2. the header row: each missing required column, unknown or repeated column is named;
3. checking, row by row, with no transaction open (so progress is visible while it runs): every
   cell is parsed (``imports.parsers``), then ``validate_row`` resolves references;
   ``validate_rows`` checks the rows against each other and returns them in the order to apply
   (parents first); ``check_row`` then runs the model's ``full_clean()`` on each;
4. writing, only when no error was found, in ONE ``transaction.atomic()``: ``apply_row`` per row
   (through ``core.services`` so every row is validated again and audited); any error there too
   rolls everything back. Imports are all-or-nothing.

Every problem becomes an ``Issue`` that points at the cell: “第 5 行 C 列（预算编码）：……”.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from core import access, files
from core.xlsx import Sheet, workbook_bytes
from imports.parsers import Parser, Text, normalise

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls and password-protected .xlsx
HEADER_SEARCH_ROWS = 10  # the header may sit below a title row or two
NOTES_SHEET = "填写说明"
EXAMPLE_SHEET = "示例"

ProgressCallback = Callable[[str, int, int], None]


class ImportFileError(Exception):
    """The file as a whole cannot be imported: too large, not .xlsx, unreadable, no data."""


class RowError(Exception):
    """A problem with one row; ``key`` names the column it concerns (None: the row as a whole)."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.message, self.key = message, key


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese column title in row 1
    key: str  # the name the importer uses
    parse: Parser = field(default_factory=Text)
    required: bool = False
    note: str = ""  # shown in the template's notes sheet
    example: object = ""
    text: bool = False  # formatted as text in the template, so codes keep their leading zeros
    aliases: tuple[str, ...] = ()


@dataclass
class Issue:
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""  # the column letter, "" when the column is not in the file
    header: str = ""

    def __str__(self) -> str:
        if self.row and self.column:
            return f"第 {self.row} 行 {self.column} 列（{self.header}）：{self.message}"
        if self.row and self.header:
            return f"第 {self.row} 行（{self.header}）：{self.message}"
        if self.row:
            return f"第 {self.row} 行：{self.message}"
        return self.message

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "message": self.message,
            "text": str(self),
        }


@dataclass
class Row:
    number: int  # the Excel row number, as the user sees it
    values: dict  # key → parsed value, for the columns present in the file
    letters: dict  # key → column letter, for the columns present in the file
    data: dict = field(default_factory=dict)  # what validate_row resolved, for validate_rows/apply_row

    def has(self, key: str) -> bool:
        return key in self.letters

    def get(self, key: str, default=None):
        return self.values.get(key, default)

    def __getitem__(self, key: str):
        return self.values[key]


@dataclass
class Result:
    total: int = 0
    issues: list[Issue] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    sheet: str = ""

    @property
    def ok(self) -> bool:
        return not self.issues

    def summary(self) -> dict:
        return {
            "total": self.total,
            "created": self.counts["created"],
            "updated": self.counts["updated"],
            "unchanged": self.counts["unchanged"],
        }


class Importer:
    """Subclass per kind of record and ``register`` it. See organisations/importers.py."""

    kind = ""  # registry key and URL part
    title = ""  # “机构”
    sheet_name = ""  # the data sheet of the template
    columns: list[Column] = []
    header_groups: list[tuple[str, ...]] = []  # at least one column of each group must be present
    capability = "manage_accounts"  # who may import and export
    export_title = ""  # the export's file name: “机构树”
    list_url_name = ""  # where the pages link back to
    import_url_name = template_url_name = export_url_name = ""
    model = None  # for field labels in messages
    field_columns: dict[str, tuple[str, ...]] = {}  # model field → columns its errors point at
    notes: list[str] = []
    retain_upload = True  # False deletes the stored file once the job ends (initial passwords …)
    progress_every = 50
    do_not_call_in_templates = True  # templates read the class's attributes

    def __init__(self, user, *, reason: str = ""):
        self.user = user
        self.reason = reason or f"Excel 导入{self.title}"
        self.issues: list[Issue] = []
        self.sheet = self.sheet_name
        self._columns = {c.key: c for c in self.columns}

    @classmethod
    def allowed(cls, user) -> bool:
        return access.has_capability(user, cls.capability)

    # --- hooks ------------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Load what the rows are checked against (lookups within the user's reach), once."""

    def validate_row(self, row: Row) -> None:
        """Check one row on its own; raise RowError/ValidationError or call ``report``."""

    def validate_rows(self, rows: list[Row]) -> list[Row]:
        """Check the rows against each other; return them in the order to apply."""
        return rows

    def check_row(self, row: Row) -> None:
        """Check one row again once all rows are known (the model's rules with resolved references)."""

    def apply_row(self, row: Row) -> str:
        """Write one row (through core.services); return "created", "updated" or "unchanged"."""
        raise NotImplementedError

    def export_rows(self) -> Iterable[dict]:
        """Rows (key → cell value) for the re-importable export; empty when there is none."""
        return []

    # --- reporting --------------------------------------------------------------------------------
    def column(self, key: str | None) -> Column | None:
        return self._columns.get(key) if key else None

    def report(self, row: Row | None, key: str | None, message: str) -> None:
        column = self.column(key)
        self.issues.append(
            Issue(
                message=message,
                sheet=self.sheet,
                row=row.number if row else None,
                column=row.letters.get(key, "") if row and key else "",
                header=column.header if column else "",
            )
        )

    def report_exception(self, row: Row | None, exc: Exception) -> None:
        if isinstance(exc, RowError):
            self.report(row, exc.key, exc.message)
        elif isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                key = self._key_for_field(row, name)
                for message in (m for e in errors for m in e.messages):
                    if key is None and name != NON_FIELD_ERRORS:
                        message = f"{self._field_label(name)}：{message}"
                    self.report(row, key, message)
        elif isinstance(exc, ValidationError):
            for message in exc.messages:
                self.report(row, None, message)
        else:
            self.report(row, None, str(exc))

    def _key_for_field(self, row: Row | None, name: str) -> str | None:
        candidates = self.field_columns.get(name, (name,))
        for key in candidates:
            if row is not None and row.has(key):
                return key
        return candidates[0] if self.column(candidates[0]) else None

    def _field_label(self, name: str) -> str:
        try:
            return str(self.model._meta.get_field(name).verbose_name)
        except Exception:
            return name

    # --- workbooks --------------------------------------------------------------------------------
    def workbook_bytes(self, rows: Iterable[dict]) -> bytes:
        """The data sheet (headers, then ``rows``), the notes sheet and the example sheet (core.xlsx: typed, inert
        cells)."""
        headers = [c.header for c in self.columns]
        text_columns = [i for i, c in enumerate(self.columns) if c.text]
        required = [i for i, c in enumerate(self.columns) if c.required]
        return workbook_bytes(
            [
                Sheet(
                    self.sheet_name,
                    headers,
                    ([r.get(c.key, "") for c in self.columns] for r in rows),
                    text_columns=text_columns,
                    highlight=required,
                ),
                Sheet(NOTES_SHEET, ["列名", "是否必填", "格式", "说明", "示例"], self._notes_rows()),
                Sheet(
                    EXAMPLE_SHEET,
                    headers,
                    [[c.example for c in self.columns]],
                    text_columns=text_columns,
                    highlight=required,
                ),
            ]
        )

    def _notes_rows(self) -> list[list]:
        rows = [[c.header, "必填" if c.required else "", c.parse.hint, c.note, c.example] for c in self.columns]
        limit = settings.JIXIAO_MAX_UPLOAD_BYTES / 1024 / 1024
        general = [
            f"数据填写在工作表“{self.sheet_name}”中，第一行为列名；请勿修改列名，不需要的非必填列可以删除，列的顺序不限。",
            "红色列名为必填列。工作表“示例”是一行填写示例，导入时不读取。",
            "导入“全部成功或全部不写入”：只要有一行有误，所有行都不会写入。请按错误清单修改后重新上传整个文件。",
            f"文件须为 .xlsx 格式（Excel 2007 及以上），大小不超过 {limit:g} MB。",
            *self.notes,
        ]
        return [*rows, [""], *[[f"{i}. {text}"] for i, text in enumerate(general, start=1)]]

    def template_bytes(self) -> bytes:
        return self.workbook_bytes([])

    def export(self) -> tuple[bytes, int]:
        rows = list(self.export_rows())
        return self.workbook_bytes(rows), len(rows)


# --- registry -------------------------------------------------------------------------------------
_REGISTRY: dict[str, type[Importer]] = {}


def register(cls: type[Importer]) -> type[Importer]:
    _REGISTRY[cls.kind] = cls
    return cls


def get_importer(kind: str) -> type[Importer] | None:
    return _REGISTRY.get(kind)


def importer_choices() -> list[tuple[str, str]]:
    return [(kind, cls.title) for kind, cls in sorted(_REGISTRY.items())]


# --- the file -------------------------------------------------------------------------------------
def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def check_upload(fileobj, name: str, size: int) -> None:
    """Refuse a file that is too large or is not an .xlsx workbook, with a message saying why."""
    limit = settings.JIXIAO_MAX_UPLOAD_BYTES
    if size > limit:
        raise ImportFileError(f"文件大小为 {_megabytes(size)}，超过上限 {_megabytes(limit)}，请拆分成多个文件分批导入")
    if size == 0:
        raise ImportFileError("文件是空的，请选择填好数据的 Excel 文件")
    position = fileobj.tell()
    head = fileobj.read(4)
    fileobj.seek(position)
    if head == OLE_MAGIC:
        raise ImportFileError(
            "文件是旧版 Excel（.xls）格式或设置了打开密码：请在 Excel 中“另存为”不加密的 .xlsx 文件后再导入"
        )
    if head != ZIP_MAGIC:
        actual = files.FAMILY_LABELS[files.content_family(fileobj)]  # magic bytes, core/files.py
        raise ImportFileError(
            f"“{name}”不是 Excel 工作簿：只支持 .xlsx 格式（Excel 2007 及以上版本保存的文件），文件内容实际是{actual}"
        )
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(f"“{name}”已损坏，无法打开：请在 Excel 中重新保存为 .xlsx 后再导入") from None
    finally:
        fileobj.seek(position)
    if "xl/workbook.xml" not in names:
        raise ImportFileError(f"“{name}”不是 Excel 工作簿（可能是 Word、WPS 表格或压缩包改了扩展名），请另存为 .xlsx")
    if unpacked > 50 * limit:
        raise ImportFileError(f"“{name}”解压后过大（{_megabytes(unpacked)}），请检查文件或拆分后导入")
    if not name.lower().endswith(".xlsx"):
        raise ImportFileError(f"“{name}”的扩展名不是 .xlsx：请使用导入模板，保存为 .xlsx 文件后再导入")


def check_path(path: str | Path) -> None:
    path = Path(path)
    try:
        with path.open("rb") as fh:
            check_upload(fh, path.name, path.stat().st_size)
    except FileNotFoundError:
        raise ImportFileError("上传的文件已不存在，请重新上传") from None


def open_workbook(source) -> CalamineWorkbook:
    try:
        if isinstance(source, (str, Path)):
            return CalamineWorkbook.from_path(str(source))
        source.seek(0)
        return CalamineWorkbook.from_filelike(source)
    except PasswordError:
        raise ImportFileError("文件设置了打开密码，请取消密码后再导入") from None
    except (CalamineError, OSError, ValueError):
        raise ImportFileError(
            "文件无法读取：内容已损坏或不是 Excel 工作簿，请在 Excel 中重新保存为 .xlsx 后再导入"
        ) from None


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_text(value) -> str:
    text = normalise(str(value)) if not _blank(value) else ""
    for suffix in ("(必填)", "必填", "*"):
        text = text.removesuffix(suffix).strip()
    return "".join(text.split())


def _pick_sheet(importer: Importer, book: CalamineWorkbook) -> str:
    if importer.sheet_name in book.sheet_names:
        return importer.sheet_name
    for meta in book.sheets_metadata:
        if (
            meta.typ == SheetTypeEnum.WorkSheet
            and meta.visible == SheetVisibleEnum.Visible
            and meta.name not in (NOTES_SHEET, EXAMPLE_SHEET)
        ):
            return meta.name
    raise ImportFileError(f"文件中没有可导入的工作表，请在工作表“{importer.sheet_name}”中填写数据")


def read_rows(importer: Importer, book: CalamineWorkbook) -> list[Row]:
    """The data rows of the importer's sheet, parsed; header and cell problems are reported."""
    name = importer.sheet = _pick_sheet(importer, book)
    try:
        grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except CalamineError:
        raise ImportFileError(f"工作表“{name}”无法读取，请在 Excel 中重新保存后再导入") from None
    lookup = {}
    for column in importer.columns:
        for text in (column.header, *column.aliases):
            lookup[_header_text(text)] = column
    header_at = next(
        (i for i, cells in enumerate(grid[:HEADER_SEARCH_ROWS]) if any(_header_text(c) in lookup for c in cells)), None
    )
    if header_at is None:
        expected = "、".join(c.header for c in importer.columns)
        raise ImportFileError(f"工作表“{name}”中找不到列名行：第一行应为列名（{expected}），请使用导入模板")

    positions: dict[int, Column] = {}
    seen: dict[str, str] = {}
    for pos, cell in enumerate(grid[header_at]):
        text = _header_text(cell)
        if not text:
            continue
        letter = get_column_letter(pos + 1)
        column = lookup.get(text)
        if column is None:
            importer.issues.append(
                Issue(
                    f"无法识别的列“{str(cell).strip()}”：请使用导入模板中的列名",
                    name,
                    header_at + 1,
                    letter,
                    str(cell).strip(),
                )
            )
        elif column.key in seen:
            importer.issues.append(Issue(f"与 {seen[column.key]} 列重复", name, header_at + 1, letter, column.header))
        else:
            positions[pos] = column
            seen[column.key] = letter
    for column in importer.columns:
        if column.required and column.key not in seen:
            importer.issues.append(Issue(f"缺少必填列“{column.header}”（第 {header_at + 1} 行为列名行）", name))
    for group in importer.header_groups:
        if not any(key in seen for key in group):
            names = "”或“".join(importer.column(k).header for k in group)
            importer.issues.append(Issue(f"缺少列：“{names}”至少需要一列", name))
    if importer.issues:
        return []  # with the columns wrong, row-by-row messages would only mislead

    letters = {column.key: get_column_letter(pos + 1) for pos, column in positions.items()}
    rows = []
    for index, cells in enumerate(grid[header_at + 1 :], start=header_at + 2):
        raw = {pos: (cells[pos] if pos < len(cells) else "") for pos in positions}
        if all(_blank(v) for v in raw.values()):
            continue
        row = Row(number=index, values={}, letters=letters)
        row.data["ok"] = True
        for pos, column in positions.items():
            value = raw[pos]
            if _blank(value):
                row.values[column.key] = column.parse.blank
                if column.required:
                    importer.report(row, column.key, "必填，不能为空")
                    row.data["ok"] = False
                continue
            try:
                row.values[column.key] = column.parse(value)
            except ValueError as exc:
                importer.report(row, column.key, str(exc))
                row.data["ok"] = False
        rows.append(row)
    return rows


class _Rollback(Exception):
    pass


def run(
    importer: Importer,
    source,
    *,
    progress: ProgressCallback | None = None,
    on_success: Callable[[Result], None] | None = None,
) -> Result:
    """Import ``source`` (a path or an open binary file). Writes only when every row is right.

    ``progress(phase, processed, total)`` is called while checking (no transaction is open then);
    ``on_success(result)`` runs inside the writing transaction, so what it records commits with the
    rows or not at all.
    """
    result = Result()

    def emit(phase: str, processed: int) -> None:
        if progress is not None:
            progress(phase, processed, result.total)

    try:
        if isinstance(source, (str, Path)):
            check_path(source)
        else:
            source.seek(0, 2)
            size = source.tell()
            source.seek(0)
            check_upload(source, getattr(source, "name", "") or "upload.xlsx", size)
        book = open_workbook(source)
        try:
            rows = read_rows(importer, book)
        finally:
            book.close()
    except ImportFileError as exc:
        importer.issues.append(Issue(str(exc), importer.sheet))
        rows = []
    result.sheet = importer.sheet
    result.total = len(rows)
    if importer.issues and not rows:
        result.issues = importer.issues
        return result
    if not rows:
        importer.issues.append(Issue(f"工作表“{importer.sheet}”中没有数据行", importer.sheet))
        result.issues = importer.issues
        return result

    # Checking: no transaction, so the job's progress is visible to the page that polls it.
    emit("validate", 0)
    importer.prepare()
    valid = []
    for done, row in enumerate(rows, start=1):
        if row.data["ok"]:
            before = len(importer.issues)
            try:
                importer.validate_row(row)
            except (RowError, ValidationError) as exc:
                importer.report_exception(row, exc)
            if len(importer.issues) == before:
                valid.append(row)
        if done % importer.progress_every == 0 or done == len(rows):
            emit("validate", done)
    ordered = importer.validate_rows(valid)
    emit("check", 0)
    for done, row in enumerate(ordered, start=1):
        try:
            importer.check_row(row)
        except (RowError, ValidationError) as exc:
            importer.report_exception(row, exc)
        if done % importer.progress_every == 0 or done == len(ordered):
            emit("check", done)
    if importer.issues:
        result.issues = sorted(importer.issues, key=lambda i: (i.row or 0, i.column))
        return result

    # Writing: one transaction; an error in any row rolls every row back.
    emit("apply", 0)
    try:
        with transaction.atomic():
            for row in ordered:
                try:
                    with transaction.atomic():
                        result.counts[importer.apply_row(row)] += 1
                except (RowError, ValidationError) as exc:
                    importer.report_exception(row, exc)
                except DatabaseError as exc:
                    importer.report(row, None, f"数据库拒绝写入此行：{exc}")
            if importer.issues:
                raise _Rollback
            if on_success is not None:
                on_success(result)
    except _Rollback:
        result.counts.clear()
        result.issues = sorted(importer.issues, key=lambda i: (i.row or 0, i.column))
    return result

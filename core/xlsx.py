"""Every .xlsx and CSV file the system writes goes through this module (issue 17 §1, §2; ADR 0023).

**Typed, inert cells.** ``put(cell, value)`` is the one place a value becomes a cell: numbers stay numbers
(``Decimal`` included), dates and times stay dates (aware datetimes in the bureau's local time), ``None`` an empty
cell, a boolean 是/否, and everything else text. A text cell is always written as a string (``data_type`` ``s``),
never as a formula or an error value, whatever it begins with. Text that a spreadsheet would read as a formula —
beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (OWASP "CSV injection"), or their full-width
forms — also gets the cell style ``quotePrefix``: Excel, WPS and LibreOffice show the text exactly as written and keep
it text even when the cell is edited (the same as typing a leading ``'``, which is not part of the value). A negative
*number* is a number and is not touched. CSV has no cell types, so ``csv_text`` prefixes such text with ``'`` as
OWASP describes (the apostrophe is then visible in the file).

``save_bytes`` / ``save`` sweep a workbook before writing it: any cell still holding a formula is made inert text, so a
writer that set ``cell.value`` directly cannot produce a live formula either. Workbooks are created only here
(``new_workbook`` for laid-out documents such as the target sheet, ``StreamedWorkbook`` for tables);
core/tests/test_xlsx_cells.py checks that no other module constructs one.

**Bounded memory.** Tables are written by ``StreamedWorkbook`` — openpyxl's write-only mode, which writes each row to
a temporary file as it is appended — so a sheet of a million rows costs the memory of one row. Column widths are
estimated from the header and the first ``WIDTH_SAMPLE`` rows. ``file_response`` serves a finished file from disk.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from urllib.parse import quote

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="DDE6F3")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center")
WIDTH_SAMPLE = 200  # rows looked at to size the columns of a streamed sheet
MAX_CELL_CHARS = 32767  # Excel's limit for one cell

# OWASP CSV injection: a cell beginning with one of these is read as a formula by spreadsheet programs. The
# full-width forms are turned into the ASCII ones by some input methods and programs; they are neutralised too.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_CELL_NEEDED = frozenset(p[0] for p in FORMULA_PREFIXES) | {"#"}  # first characters a plain str cell cannot have
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML: dropped


def formula_like(text: str) -> bool:
    """Would a spreadsheet read ``text`` as a formula (OWASP's list of leading characters)?"""
    return text.startswith(FORMULA_PREFIXES)


def typed(value):
    """The cell value of ``value``: a number, a date/time (naive, local), None, or text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, decimal.Decimal):
        return value if value.is_finite() else str(value)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.time):
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    text = _ILLEGAL.sub("", str(value))
    return text[:MAX_CELL_CHARS]


def put(cell, value):
    """Write ``value`` into ``cell`` (a worksheet cell or a ``WriteOnlyCell``) typed and inert; returns the cell."""
    value = typed(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula ("=…") nor an error value ("#N/A")
        if formula_like(value):
            cell.quotePrefix = True
    return cell


def neutralise(wb: Workbook) -> None:
    """Make every formula cell of a (not write-only) workbook inert text: the sweep before saving."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    put(cell, cell.value)


# --- laid-out documents (normal workbooks) ------------------------------------------------------------------------
def new_workbook() -> Workbook:
    """An empty workbook (no default sheet) for a laid-out document: write its cells with ``put``."""
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def save_bytes(wb: Workbook) -> bytes:
    neutralise(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- tables, streamed ---------------------------------------------------------------------------------------------
@dataclass
class Sheet:
    """One table: a styled header row, then ``rows``. ``text_columns`` (0-based) are formatted as text so that codes
    keep their leading zeros; ``highlight`` headers (required columns) are red."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    text_columns: Iterable[int] = ()
    highlight: Iterable[int] = ()
    widths: Sequence[float] | None = field(default=None)

    @classmethod
    def of(cls, spec) -> Sheet:
        return spec if isinstance(spec, Sheet) else cls(*spec)


class StreamedWorkbook:
    """A write-only workbook: ``add(sheet)`` streams the sheet's rows to a temporary file, ``save(out)`` writes the
    .xlsx. Sheets are added in order; a sheet's rows may be a generator (read once)."""

    def __init__(self):
        self.wb = Workbook(write_only=True)

    def add(self, sheet, *, every: int = 0, progress: Callable[[int], None] | None = None) -> int:
        """Append ``sheet`` (a ``Sheet`` or ``(title, headers, rows)``); the number of data rows written.
        ``progress(rows_so_far)`` is called every ``every`` rows."""
        sheet = Sheet.of(sheet)
        ws = self.wb.create_sheet(title=sheet.title[:31])
        headers = [str(h) for h in sheet.headers]
        rows = iter(sheet.rows)
        sample = list(islice(rows, WIDTH_SAMPLE))
        widths = list(sheet.widths or _widths(headers, sample))
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        text_columns = set(sheet.text_columns)
        for i in text_columns:  # the whole column, so that what is typed into a template stays text
            ws.column_dimensions[get_column_letter(i + 1)].number_format = "@"
        ws.freeze_panes = "A2"
        highlight = set(sheet.highlight)
        header = []
        for i, text in enumerate(headers):
            cell = put(WriteOnlyCell(ws), text)
            cell.font = Font(bold=True, color="C00000" if i in highlight else None)
            cell.fill = HEADER_FILL
            cell.alignment = HEADER_ALIGNMENT
            header.append(cell)
        ws.append(header)
        count = 0
        for row in _chain(sample, rows):
            cells = []
            for i, value in enumerate(row):
                value = typed(value)
                if i in text_columns or (isinstance(value, str) and value[:1] in _CELL_NEEDED):
                    # a cell object only where it carries more than a plain value: the text format, a string that
                    # openpyxl would otherwise take for a formula or an error value, quotePrefix
                    cell = put(WriteOnlyCell(ws), value)
                    if i in text_columns:
                        cell.number_format = "@"
                    value = cell
                cells.append(value)
            ws.append(cells)
            count += 1
            if progress and every and count % every == 0:
                progress(count)
        return count

    def save(self, out) -> None:
        """Write the workbook to ``out`` (a path or a binary file object)."""
        self.wb.save(out)


def _chain(first: list, rest):
    yield from first
    yield from rest


def _widths(headers: Sequence[str], sample: list) -> list[float]:
    widths = [max(8, len(h) * 2 + 2) for h in headers]
    for row in sample:
        for i, value in enumerate(list(row)[: len(widths)]):
            text = "" if value is None else str(value)
            widths[i] = min(60, max(widths[i], len(text) + 4))
    return widths


def write_workbook(out, sheets: Iterable) -> list[int]:
    """Write ``sheets`` (``Sheet`` or ``(title, headers, rows)``) as one streamed workbook to ``out``; the data rows
    of each sheet."""
    book = StreamedWorkbook()
    counts = [book.add(sheet) for sheet in sheets]
    book.save(out)
    return counts


def workbook_bytes(sheets: Iterable) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    return buffer.getvalue()


# --- responses ----------------------------------------------------------------------------------------------------
def _disposition(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


def bytes_response(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_MIME)
    response["Content-Disposition"] = _disposition(filename)
    return response


def temporary_file():
    """Where a streamed workbook is written before it is served: on disk, deleted when closed."""
    return tempfile.TemporaryFile(prefix="jixiao-export-", suffix=".xlsx")


def file_response(filename: str, fileobj) -> FileResponse:
    """Serve a finished file (rewound) in chunks; the file is closed when the response is."""
    fileobj.seek(0)
    response = FileResponse(fileobj, content_type=XLSX_MIME)
    response["Content-Disposition"] = _disposition(filename)
    return response


def xlsx_response(filename: str, sheets: Iterable) -> FileResponse:
    """``sheets`` written to a temporary file and streamed to the client."""
    out = temporary_file()
    write_workbook(out, sheets)
    return file_response(filename, out)


# --- CSV ----------------------------------------------------------------------------------------------------------
def csv_text(value) -> str:
    """A CSV field: typed like a cell, text that a spreadsheet would read as a formula prefixed with ``'``."""
    value = typed(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return f"'{value}" if formula_like(value) else value
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


class CsvWriter:
    """``csv.writer`` whose every field goes through ``csv_text``."""

    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([csv_text(v) for v in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)

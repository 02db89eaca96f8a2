"""Writing .xlsx sheets (openpyxl) in one house style: bold header, frozen first row, widths."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="DDE6F3")


def write_sheet(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    text_columns: Iterable[int] = (),
    highlight: Iterable[int] = (),
):
    """Append a styled sheet. ``text_columns`` (0-based) are formatted as text so codes keep their
    leading zeros; ``highlight`` headers (required columns) are shown in red."""
    ws = wb.create_sheet(title=title[:31])
    ws.append(list(headers))
    highlight = set(highlight)
    for i, cell in enumerate(ws[1]):
        cell.font = Font(bold=True, color="C00000" if i in highlight else None)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
    widths = [max(8, len(str(h)) * 2 + 2) for h in headers]
    for row in rows:
        values = ["" if v is None else v for v in row]
        ws.append(values)
        for i, v in enumerate(values[: len(widths)]):
            widths[i] = min(60, max(widths[i], len(str(v)) + 4))
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for i in text_columns:
        letter = get_column_letter(i + 1)
        ws.column_dimensions[letter].number_format = "@"
        for (cell,) in ws.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
            cell.number_format = "@"
    ws.freeze_panes = "A2"
    return ws


def workbook_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    wb = Workbook(write_only=False)
    wb.remove(wb.active)
    for title, headers, rows in sheets:
        write_sheet(wb, title, headers, rows)
    return save_bytes(wb)


def save_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def bytes_response(filename: str, content: bytes) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=XLSX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def xlsx_response(filename: str, sheets) -> HttpResponse:
    return bytes_response(filename, workbook_bytes(sheets))

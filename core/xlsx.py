"""Writing .xlsx sheets (openpyxl) in one house style: bold header, frozen first row, widths."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    wb = Workbook(write_only=False)
    wb.remove(wb.active)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        ws.append(list(headers))
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE6F3")
            cell.alignment = Alignment(horizontal="center", vertical="center")
        widths = [max(8, len(str(h)) * 2 + 2) for h in headers]
        for row in rows:
            values = ["" if v is None else v for v in row]
            ws.append(values)
            for i, v in enumerate(values[: len(widths)]):
                widths[i] = min(60, max(widths[i], len(str(v)) + 4))
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, sheets) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(workbook_bytes(sheets), content_type=XLSX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response

"""Helpers for tests of importers: Excel files built in memory with openpyxl."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from core.xlsx import XLSX_MIME


def xlsx_bytes(headers, rows, *, sheet: str = "Sheet1", above=()) -> bytes:
    """A workbook with one sheet: the ``above`` rows (a title …), the header row, then ``rows``."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in above:
        ws.append(list(row))
    ws.append(list(headers))
    for row in rows:
        ws.append([row.get(h, "") for h in headers] if isinstance(row, dict) else list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "导入.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX_MIME)


def read_xlsx(content: bytes) -> dict[str, list[list]]:
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return {
        ws.title: [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]
        for ws in wb.worksheets
    }

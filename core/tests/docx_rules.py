"""Checks of the Word print rules (issue 12 §2, core.docx) shared by the tests of every Word output: the target sheet,
the assessment report and the monitoring report assert the same properties through these functions."""

from __future__ import annotations

import io
import re

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

LEADING_ZERO_DATE = re.compile(r"\d{4}年0\d月|年\d{1,2}月0\d日|(?<!\d)0\d月\d{1,2}日")


def document(content: bytes):
    return Document(io.BytesIO(content))


def text_of(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def assert_title_plain(doc, title: str) -> None:
    """The first paragraph is the title (its lines, when broken, joined), not wrapped in 《》."""
    first = doc.paragraphs[0].text.replace("\n", "")
    assert first == title and "《" not in first and "》" not in first, first


def assert_dates_without_leading_zeros(text: str) -> None:
    hits = LEADING_ZERO_DATE.findall(text)
    assert not hits, hits


def assert_money(cell, text: str | None = None) -> None:
    """An amount: right-aligned and kept on one line (w:noWrap)."""
    if text is not None:
        assert cell.text == text, cell.text
    assert cell._tc.tcPr is not None and cell._tc.tcPr.find(qn("w:noWrap")) is not None, cell.text
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.RIGHT for p in cell.paragraphs), cell.text


def merge_marks(table, column: int, rows: range) -> list[str | None]:
    """The w:vMerge mark of ``column``'s cell in each of ``rows``: "restart", "continue" or None (not merged)."""
    marks = []
    for n in rows:
        tc = table.rows[n]._tr.tc_lst[column]
        mark = tc.tcPr.find(qn("w:vMerge")) if tc.tcPr is not None else None
        marks.append(None if mark is None else (mark.get(qn("w:val")) or "continue"))
    return marks


def assert_merged(table, column: int, rows: range) -> None:
    """``column`` is one merged cell over ``rows``."""
    marks = merge_marks(table, column, rows)
    assert marks[0] == "restart" and all(m == "continue" for m in marks[1:]), marks


def cant_split(row) -> bool:
    pr = row._tr.trPr
    return pr is not None and pr.find(qn("w:cantSplit")) is not None


def repeats(row) -> bool:
    pr = row._tr.trPr
    return pr is not None and pr.find(qn("w:tblHeader")) is not None


def assert_signature_kept_together(doc, lines: list[str]) -> None:
    """The signature lines are the document's last paragraphs, right-aligned, each kept with the next, after blank
    room for the seal, and the paragraph before them keeps with them."""
    paragraphs = doc.paragraphs
    tail = paragraphs[-len(lines) :]
    assert [p.text for p in tail] == lines, [p.text for p in tail]
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.RIGHT for p in tail)
    room = paragraphs[-len(lines) - 1]
    assert room.text == "" and room.paragraph_format.space_before is not None  # room for the seal
    assert paragraphs[-len(lines) - 2].paragraph_format.keep_with_next
    assert room.paragraph_format.keep_with_next and all(p.paragraph_format.keep_with_next for p in tail[:-1])

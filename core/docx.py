"""Word documents in the official style: the fonts and the few paragraph and table-cell helpers every
generated report uses (assessments/documents.py, targets/documents/word.py, monitoring/documents.py). East Asian text needs
the font set on ``w:eastAsia`` as well, or Word falls back to its default CJK font."""

from __future__ import annotations

import datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TITLE_FONT = "宋体"


# Page margins in cm (top, bottom, left, right): GB/T 9704 for official documents; a form fills the page more.
OFFICIAL_MARGINS = (3.7, 3.5, 2.8, 2.6)
FORM_MARGINS = (2.2, 2.2, 2.0, 2.0)


def new_document(margins: tuple[float, float, float, float] = OFFICIAL_MARGINS):
    """An A4 portrait document with ``margins`` whose body text is ``BODY_FONT`` (East Asian text included)."""
    doc = Document()
    top, bottom, left, right = (Cm(m) for m in margins)
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = top, bottom, left, right
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    return doc


def set_font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), name)


def paragraph(
    doc_or_cell, text: str, *, font=BODY_FONT, size=14.0, bold=False, align=None, indent=True, space_after=4.0
):
    """A paragraph of ``text``; ``indent`` gives the two-character first-line indent of official documents."""
    para = doc_or_cell.add_paragraph()
    if align is not None:
        para.alignment = align
    if indent:
        para.paragraph_format.first_line_indent = Pt(size * 2)
    para.paragraph_format.space_after = Pt(space_after)
    set_font(para.add_run(text), font, size, bold)
    return para


def cell_text(cell, text, *, bold=False, align=WD_ALIGN_PARAGRAPH.LEFT, size=10.5, font=BODY_FONT) -> None:
    """Replace a table cell's text; each line of ``text`` becomes a paragraph of the cell."""
    cell.text = ""
    lines = str(text if text is not None else "").splitlines() or [""]
    para = cell.paragraphs[0]
    for n, line in enumerate(lines):
        if n:
            para = cell.add_paragraph()
        para.alignment = align
        set_font(para.add_run(line), font, size, bold)


def cn_date(value) -> str:
    """A date as printed on Chinese forms and letters, without leading zeros: 2026年7月1日 ("" for None)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.year}年{value.month}月{value.day}日"


def _tc_pr(cell):
    return cell._tc.get_or_add_tcPr()


def no_wrap(cell) -> None:
    """The cell's text never breaks across lines (w:noWrap): money columns."""
    pr = _tc_pr(cell)
    if pr.find(qn("w:noWrap")) is None:
        pr.append(OxmlElement("w:noWrap"))


def money_cell(cell, text: str, *, size=10.5, bold=False, font=BODY_FONT) -> None:
    """An amount: right-aligned and kept on one line."""
    cell_text(cell, text, bold=bold, align=WD_ALIGN_PARAGRAPH.RIGHT, size=size, font=font)
    no_wrap(cell)


def cant_split(row) -> None:
    """The table row is never split across pages (w:cantSplit): opinion rows with their signature."""
    pr = row._tr.get_or_add_trPr()
    if pr.find(qn("w:cantSplit")) is None:
        pr.append(OxmlElement("w:cantSplit"))


def repeat_header(row) -> None:
    """The row repeats at the top of each page the table runs onto (w:tblHeader)."""
    pr = row._tr.get_or_add_trPr()
    if pr.find(qn("w:tblHeader")) is None:
        pr.append(OxmlElement("w:tblHeader"))


def keep_with_next(cell) -> None:
    """Each paragraph of the cell stays on the page of the next one."""
    for para in cell.paragraphs:
        para.paragraph_format.keep_with_next = True


def cell_width(cell, cm: float) -> None:
    cell.width = Cm(cm)


def vertical_center(cell) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER

"""Word documents in the official style: the fonts and the few paragraph and table helpers every generated report
uses (assessments/documents.py, targets/documents/word.py, monitoring/documents.py). East Asian text needs the font set
on ``w:eastAsia`` as well, or Word falls back to its default CJK font.

The print rules of every output are here, one helper per mechanism (issue 12 §2, ADR 0033): ``money_cell`` (money
right-aligned, never broken across lines), ``merge_down`` (dimension cells merged over their rows), ``cn_date``
(2026年7月1日, no leading zeros), ``opinion_row`` and ``signature_block`` (an opinion or a signature never split across
pages, with room for a seal), ``header_row`` (a table's header repeats and stays with its first row). Titles are plain
text: no 《》 around a document's own title."""

from __future__ import annotations

import datetime

from docx import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
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
# Room for a seal: a round official seal is 4.2 cm across and may overlap the signature lines.
OPINION_HEIGHT = Cm(3.6)  # an opinion row: the opinion, the signature lines and the seal
SEAL_ROOM = Cm(2.0)  # the blank above a report's signature


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


def text_width(text: str, size: float) -> float:
    """The printed width of ``text`` in points at ``size``, on the safe side: a CJK character is a full em, any other
    0.62 em (the digits of the sans fonts a reader's Word, WPS or LibreOffice may fall back to)."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.62 for ch in text)


CELL_PADDING_CM = 0.45  # a cell's left and right margins (0.19 cm each in Word's default) and a little slack


def fit_cm(texts, size: float, minimum: float = 0.0) -> float:
    """The column width (cm) that prints the widest of ``texts`` on one line: money columns are sized with it, since
    w:noWrap alone does not stop Word or LibreOffice from breaking an amount that is wider than its fixed column."""
    widest = max((text_width(str(t), size) for t in texts), default=0.0)
    return max(minimum, round(widest / Cm(1).pt + CELL_PADDING_CM, 2))


def title(doc, parts: list[str], *, size=22.0, width_cm: float = 15.6, font=TITLE_FONT):
    """A document's title, centred and bold, never wrapped in 《》. ``parts`` are the phrases it may be broken between:
    printed on one line when they fit ``width_cm``, otherwise one phrase a line, so a long title breaks between words
    (GB/T 9704: 回行时词意完整) instead of leaving two characters alone on the second line."""
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.space_after = Pt(size / 2)
    one_line = text_width("".join(parts), size) <= Cm(width_cm).pt
    for n, part in enumerate([p for p in parts if p]):
        run = para.add_run(part)
        set_font(run, font, size, bold=True)
        if not one_line and n < len(parts) - 1:
            run.add_break()
    return para


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


# --- tables laid out on a grid ---------------------------------------------------------------------------------


def grid_table(doc, widths: list[float]):
    """A bordered, centred table whose columns are ``widths`` cm, set on the grid (w:gridCol) as well as the cells,
    which LibreOffice and WPS lay out by. Add rows with ``grid_row``."""
    table = doc.add_table(rows=0, cols=len(widths))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    table._jixiao_widths = widths
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    return table


def grid_row(table):
    """A new row of a ``grid_table``: its cells, each with its column's width."""
    row = table.add_row()
    for cell, width in zip(row.cells, table._jixiao_widths, strict=True):
        cell.width = Cm(width)
    return row.cells


def header_row(table, titles: list[str], *, money_columns=(), size=10.5) -> None:
    """The table's header: bold, centred, repeated on each page the table runs onto, never split and kept with the
    first row; the titles of money columns stay on one line like the amounts under them."""
    cells = grid_row(table)
    for n, (cell, title) in enumerate(zip(cells, titles, strict=True)):
        cell_text(cell, title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=size)
        if n in money_columns:
            no_wrap(cell)
        keep_with_next(cell)
    cant_split(table.rows[-1])
    repeat_header(table.rows[-1])


def merge_down(table, first_row: int, column: int, keys: list, *, size=10.5, bold=False) -> None:
    """Dimension cells merged vertically: from ``first_row``, each run of equal ``keys`` (one per row) becomes one
    cell of ``column``, centred, with the text of its first row."""
    start = 0
    for n in range(1, len(keys) + 1):
        if n == len(keys) or keys[n] != keys[start]:
            if n - 1 > start:
                top = table.cell(first_row + start, column)
                text = top.text
                merged = top.merge(table.cell(first_row + n - 1, column))
                cell_text(merged, text, align=WD_ALIGN_PARAGRAPH.CENTER, size=size, bold=bold)
                vertical_center(merged)
            start = n


def opinion_row(table, label: str, opinion: str, signature: list[str], *, size=10.5) -> None:
    """A review opinion in a two-column table: the label, then the opinion with its signature lines right-aligned
    under room for the office's seal. The row never splits across pages and is tall enough for the seal."""
    cells = grid_row(table)
    row = table.rows[-1]
    row.height, row.height_rule = OPINION_HEIGHT, WD_ROW_HEIGHT_RULE.AT_LEAST
    cant_split(row)
    cell_text(cells[0], label, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=size)
    vertical_center(cells[0])
    cell = cells[1]
    cell_text(cell, opinion, size=size)
    cell.add_paragraph()  # room for the seal
    for line in signature:
        para = cell.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        set_font(para.add_run(line), BODY_FONT, size)


def signature_block(doc, lines: list[str], *, size=14.0, seal: bool = True):
    """A report's signature, right-aligned: blank room for the seal (``SEAL_ROOM``) when the paper has one, then
    ``lines`` (who issues it, the date). The paragraphs keep together and with the text before them, so the
    signature never stands alone at the top of a page."""
    paragraphs = []
    if doc.paragraphs:
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
    if seal:
        room = doc.add_paragraph()
        room.paragraph_format.space_before = SEAL_ROOM
        paragraphs.append(room)
    for line in lines:
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        para.paragraph_format.space_after = Pt(2)
        set_font(para.add_run(line), BODY_FONT, size)
        paragraphs.append(para)
    for para in paragraphs[:-1]:
        para.paragraph_format.keep_with_next = True
    for para in paragraphs:
        para.paragraph_format.keep_together = True
    return paragraphs

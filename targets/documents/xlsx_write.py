"""Writing target sheets as Excel workbooks (openpyxl) in the layout of ``xlsx_layout``: one worksheet per
target sheet, printable on A4 (landscape, fitted to the page width, borders, wrapped text, 宋体): the title and
year, the 项目名称/项目编码/主管部门/实施单位/项目资金 rows, the 长期目标 and 年度目标, the 保障措施, the
实施进度计划 and the two indicator tables (长期绩效指标, 年度绩效指标) with the level-1 and level-2 cells merged
over their rows. A sheet without indicators comes out with the empty level-1/level-2 skeleton of 附件1, so the
download of an empty sheet is also the blank template. The 填写说明 worksheet comes last."""

from __future__ import annotations

import re

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from accounts.roles import Action
from core import access
from core.xlsx import new_workbook, put, save_bytes
from targets.choices import LEVEL2_OF, Horizon, Level1, Level2, Standard
from targets.documents.xlsx_layout import (
    BORDER,
    BUYS,
    CENTER,
    CODE,
    COLUMNS,
    FOOTER,
    GOAL_LABELS,
    HORIZON_TITLES,
    INDICATOR_HEADERS,
    MIN_SCHEDULE_ROWS,
    NOTES_SHEET,
    SCHEDULE_HEADERS,
    SCHEDULE_TITLE,
    SECTION_FILL,
    SERVES,
    TITLE,
    TOTAL_LABEL,
    WIDTHS,
    WRAP,
    YEAR,
    font,
    ordered_indicators,
)
from targets.models import TargetIndicator, TargetSheet


def _amounts(subject) -> str:
    row = next((a for a in subject.year_amounts.all() if a.fiscal_year == subject.fiscal_year), None)
    if row is None:
        return "—"
    text = f"本年度申请 {row.requested_amount:,.2f}；上年度 {row.previous_amount:,.2f}"
    if row.arranged_amount is not None:
        text += f"；财政实际安排 {row.arranged_amount:,.2f}"
    return text


class _Writer:
    def __init__(self, ws):
        self.ws = ws
        self.row = 0

    def cell(self, column: int, value="", *, bold=False, align=WRAP, fmt: str | None = None, size=10.5):
        cell = put(self.ws.cell(row=self.row, column=column), value)  # typed, never a formula (core.xlsx)
        cell.font = font(bold, size)
        cell.alignment = align
        cell.border = BORDER
        if fmt:
            cell.number_format = fmt
        return cell

    def merge(self, first: int, last: int, value="", **kwargs):
        cell = self.cell(first, value, **kwargs)
        for column in range(first + 1, last + 1):
            self.cell(column, None)
        if last > first:
            self.ws.merge_cells(start_row=self.row, start_column=first, end_row=self.row, end_column=last)
        return cell

    def next(self, height: float | None = None) -> int:
        self.row += 1
        if height:
            self.ws.row_dimensions[self.row].height = height
        return self.row

    def section(self, title: str) -> None:
        self.next(20)
        cell = self.merge(1, COLUMNS, title, bold=True, align=CENTER)
        for column in range(1, COLUMNS + 1):
            self.ws.cell(row=self.row, column=column).fill = SECTION_FILL
        return cell


def _text_height(text: str, chars_per_line: int) -> float:
    lines = sum(max(1, -(-len(part) // chars_per_line)) for part in (text or "").splitlines() or [""])
    return max(20, 15 * lines)


def write_sheet(wb, sheet: TargetSheet, title: str):
    subject = sheet.subject
    ws = wb.create_sheet(title=title)
    w = _Writer(ws)
    w.next(30)
    title_cell = ws.cell(row=1, column=1, value=TITLE)
    title_cell.font = font(True, 16)
    title_cell.alignment = CENTER
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=COLUMNS)
    w.next(18)
    year_cell = ws.cell(row=2, column=1, value=f"（{sheet.fiscal_year} 年度）")
    year_cell.font = font(False, 12)
    year_cell.alignment = CENTER
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=COLUMNS)
    w.next(18)
    unit_cell = put(ws.cell(row=3, column=1), f"填报单位（盖章）：{subject.organisation.name}")
    unit_cell.font = font()
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=6)
    state = ws.cell(row=3, column=7, value=f"第 {sheet.revision} 版 · {sheet.get_status_display()}")
    state.font = font()
    state.alignment = Alignment(horizontal="right", vertical="center")
    ws.merge_cells(start_row=3, start_column=7, end_row=3, end_column=COLUMNS)

    def pair(left_label, left_value, right_label, right_value, *, fmt=None):
        w.next(22)
        w.cell(1, left_label, bold=True, align=CENTER)
        w.merge(2, 5, left_value, fmt=fmt)
        w.cell(6, right_label, bold=True, align=CENTER)
        w.merge(7, COLUMNS, right_value)

    pair("项目名称", subject.name, CODE, subject.code, fmt="@")
    pair("主管部门", subject.department.name if subject.department_id else "—", "实施单位", subject.organisation.name)
    pair(
        YEAR,
        sheet.fiscal_year,
        "项目期限",
        f"{subject.start_year}—{subject.end_year} 年（{subject.get_duration_display()}）",
    )
    w.next(22)
    w.cell(1, "项目资金（元）", bold=True, align=CENTER)
    w.merge(2, COLUMNS, _amounts(subject))
    pair(SERVES, "是" if sheet.serves_public else "否", BUYS, "是" if sheet.buys_outputs else "否")

    w.section("绩效目标与保障措施")
    for label, name in GOAL_LABELS.items():
        value = getattr(sheet, name)
        w.next(_text_height(value, 70))
        w.cell(1, label, bold=True, align=CENTER)
        w.merge(2, COLUMNS, value)

    w.section(SCHEDULE_TITLE)
    w.next(20)
    w.cell(1, SCHEDULE_HEADERS[0], bold=True, align=CENTER)
    w.merge(2, 6, SCHEDULE_HEADERS[1], bold=True, align=CENTER)
    w.merge(7, 8, SCHEDULE_HEADERS[2], bold=True, align=CENTER)
    w.merge(9, COLUMNS, SCHEDULE_HEADERS[3], bold=True, align=CENTER)
    stages = list(sheet.stages.all())
    for n in range(max(len(stages), MIN_SCHEDULE_ROWS if not stages else 0)):
        stage = stages[n] if n < len(stages) else None
        w.next(20)
        w.cell(1, n + 1, align=CENTER)
        w.merge(2, 6, stage.stage if stage else "")
        w.merge(7, 8, stage.start if stage else None, align=CENTER, fmt="yyyy-mm-dd")
        w.merge(9, COLUMNS, stage.finish if stage else None, align=CENTER, fmt="yyyy-mm-dd")

    by_horizon = ordered_indicators(sheet)
    empty = not any(by_horizon.values())
    for title_text, horizon in HORIZON_TITLES.items():
        w.section(title_text)
        w.next(20)
        for column, header in enumerate(INDICATOR_HEADERS, start=1):
            w.cell(column, header, bold=True, align=CENTER)
        rows = by_horizon[horizon]
        if empty:
            _skeleton(w)
        else:
            _indicator_rows(w, rows)
        if horizon == Horizon.ANNUAL and rows:
            w.next(20)
            w.merge(1, 6, TOTAL_LABEL, bold=True, align=CENTER)
            w.cell(7, sum(i.weight for i in rows), bold=True, align=CENTER)
            w.merge(8, COLUMNS, "")

    w.next(8)
    w.next(22)
    footer = ws.cell(
        row=w.row,
        column=1,
        value=f"{FOOTER}                    填表人（签名）：                    填表日期：            联系电话：",
    )
    footer.font = font()
    ws.merge_cells(start_row=w.row, start_column=1, end_row=w.row, end_column=COLUMNS)

    for column, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = "1:2"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    return ws


def _indicator_rows(w: _Writer, rows: list[TargetIndicator]) -> None:
    first_row = w.row + 1
    for indicator in rows:
        w.next(_text_height(indicator.name, 14))
        values = [
            indicator.get_level1_display(),
            indicator.get_level2_display(),
            indicator.name,
            indicator.get_comparator_display(),
            indicator.target_value,
            indicator.unit,
            indicator.weight,
            indicator.data_source,
            indicator.get_standard_display(),
            indicator.last_year_actual,
        ]
        for column, value in enumerate(values, start=1):
            numeric = column == 7
            w.cell(column, value, align=CENTER if column in (1, 2, 4, 6, 7, 9) else WRAP, fmt=None if numeric else "@")
    _merge_runs(w.ws, first_row, [(i.level1,) for i in rows], 1)
    _merge_runs(w.ws, first_row, [(i.level1, i.level2) for i in rows], 2)


def _skeleton(w: _Writer) -> None:
    """附件1's empty indicator table: every level-1/level-2 pair once, names and values to fill in."""
    pairs = [(l1, l2) for l1, l2s in LEVEL2_OF.items() for l2 in l2s if l2 != Level2.OUTPUT_COST]
    first_row = w.row + 1
    for l1, l2 in pairs:
        w.next(20)
        w.cell(1, Level1(l1).label, align=CENTER)
        w.cell(2, Level2(l2).label, align=CENTER)
        for column in range(3, COLUMNS + 1):
            w.cell(column, "", fmt="@" if column != 7 else None, align=CENTER if column in (4, 6, 7, 9) else WRAP)
    _merge_runs(w.ws, first_row, [(l1,) for l1, _ in pairs], 1)


def _merge_runs(ws, first_row: int, keys: list[tuple], column: int) -> None:
    start = 0
    for n in range(1, len(keys) + 1):
        if n == len(keys) or keys[n] != keys[start]:
            if n - 1 > start:
                ws.merge_cells(
                    start_row=first_row + start, start_column=column, end_row=first_row + n - 1, end_column=column
                )
            start = n


def _notes(wb) -> None:
    ws = wb.create_sheet(title=NOTES_SHEET)
    lines = [
        "填写说明（依据《长治市预算绩效管理办法》附件1 填表说明）",
        "1. 每个工作表是一个项目的绩效目标申报表；系统按“项目编码”和“预算年度”识别项目，请勿修改这两格。",
        "2. 上传只会修改草稿或被退回的申报表；已提交审核或审核通过的申报表不能通过上传修改（批复后的调整请先“申请调整”）。",
        "3. 一级指标可填："
        + "、".join(Level1.labels)
        + "；二级指标须属于所在的一级指标（如“数量指标”属于“产出指标”）。",
        "4. 一级、二级指标为合并单元格；新增行的一级、二级指标留空表示与上一行相同。三级指标为空的行不导入。",
        "5. 指标性质填 ≥（正向）、≤（反向）、=（等于）或 定性；定量指标（≥、≤、=）的指标值须为数值，单位写在“计量单位”列。",
        "6. 分值为 0 到 100 之间的数，最多两位小数；设定依据可填："
        + "、".join(Standard.labels)
        + "（办法第三十二条）。",
        "7. 实施进度的开始、完成时间写作 2026-03-01 或 2026年3月1日，完成时间不能早于开始时间。",
        "8. 文件中任何一处有误，整个文件都不会导入；请按提示逐项改正后重新上传。上传成功后系统立即进行智能审核。",
    ]
    for n, line in enumerate(lines, start=1):
        put(ws.cell(row=n, column=1), line).font = font(n == 1)
    ws.column_dimensions["A"].width = 120


_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def worksheet_title(sheet: TargetSheet, taken: set[str]) -> str:
    base = _BAD_TITLE.sub("", f"{sheet.subject.code} {sheet.subject.name}")[:28].strip() or "申报表"
    if sheet.revision > 1:
        base = f"{base[:24]} 第{sheet.revision}版"
    title, n = base, 2
    while title in taken or title == NOTES_SHEET:
        title = f"{base[:27]}-{n}"
        n += 1
    taken.add(title)
    return title


def workbook_bytes(sheets) -> bytes:
    """The .xlsx of ``sheets`` (already through the gate), one worksheet each, then the notes."""
    wb = new_workbook()
    taken: set[str] = set()
    for sheet in sheets:
        write_sheet(wb, sheet, worksheet_title(sheet, taken))
    _notes(wb)
    return save_bytes(wb)


def export_queryset(user):
    return (
        access.restrict(TargetSheet.objects.all(), user, Action.EXPORT)
        .select_related("subject__organisation", "subject__department")
        .prefetch_related("indicators", "stages", "subject__year_amounts")
    )


def filename(sheets) -> str:
    sheets = list(sheets)
    if len(sheets) == 1:
        return f"{sheets[0].subject.name}{sheets[0].fiscal_year}年度绩效目标申报表.xlsx"
    return f"绩效目标申报表（{len(sheets)} 份）.xlsx"

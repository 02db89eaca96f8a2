"""Writing target sheets as Excel workbooks (openpyxl) in the layout of ``xlsx_layout``: one worksheet per
target sheet, printable on A4 (landscape, fitted to the page width, borders, wrapped text, 宋体), in the order of
the paper form: the title and year, 支出基本情况 and 支出立项情况, 资金情况 in 万元 (``xlsx_sections``), the 长期目标 and
年度目标, the 保障措施, the 实施进度计划, the two indicator tables (长期绩效指标, 年度绩效指标) with the level-1 and
level-2 cells merged over their rows, 评价情况, 其他需要说明的情况 and the 审核意见 of every step. A sheet without indicators comes out with the empty level-1/level-2 skeleton of 附件1, so the
download of an empty sheet is also the blank template. The 填写说明 worksheet comes last."""

from __future__ import annotations

import re

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from accounts.roles import Action
from core import access
from core.docx import cn_date
from core.xlsx import new_workbook, put, save_bytes
from targets.choices import LEVEL2_OF, Horizon, Level1, Level2, Standard
from targets.documents import form_data, xlsx_sections
from targets.documents.xlsx_layout import (
    CENTER,
    COLUMNS,
    FOOTER,
    GOAL_LABELS,
    HORIZON_TITLES,
    INDICATOR_HEADERS,
    MIN_SCHEDULE_ROWS,
    NOTES_SHEET,
    SCHEDULE_HEADERS,
    SCHEDULE_TITLE,
    TITLE,
    TOTAL_LABEL,
    WIDTHS,
    WRAP,
    font,
    ordered_indicators,
)
from targets.documents.xlsx_sections import Writer, text_height
from targets.models import TargetIndicator, TargetSheet

DATE_FORMAT = 'yyyy"年"m"月"d"日"'  # 2026年7月1日: no leading zeros, as on paper


def write_sheet(wb, sheet: TargetSheet, title: str):
    subject = sheet.subject
    ws = wb.create_sheet(title=title)
    w = Writer(ws)
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
    w.next(36)  # room for the unit's seal (填报单位（盖章）)
    unit_cell = put(ws.cell(row=3, column=1), f"填报单位（盖章）：{subject.organisation.name}")
    unit_cell.font = font()
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=6)
    state = ws.cell(row=3, column=7, value=f"第 {sheet.revision} 版 · {sheet.get_status_display()}")
    state.font = font()
    state.alignment = Alignment(horizontal="right", vertical="center")
    ws.merge_cells(start_row=3, start_column=7, end_row=3, end_column=COLUMNS)

    xlsx_sections.basics(w, sheet)
    xlsx_sections.funds(w, sheet)

    w.section("绩效目标与保障措施")
    for label, name in GOAL_LABELS.items():
        value = getattr(sheet, name)
        w.text_row(label, value)

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
        w.merge(7, 8, stage.start if stage else None, align=CENTER, fmt=DATE_FORMAT)
        w.merge(9, COLUMNS, stage.finish if stage else None, align=CENTER, fmt=DATE_FORMAT)

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

    xlsx_sections.evaluation(w, sheet)
    xlsx_sections.opinions(w, sheet)

    w.next(8)
    w.next(22)
    name, when = form_data.submitter(sheet)
    footer = put(
        ws.cell(row=w.row, column=1),
        f"{FOOTER}                    填表人（签名）：{name or '            '}        "
        f"填表日期：{cn_date(when) or '            '}        联系电话：{sheet.subject.leader_phone}",
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


def _indicator_rows(w: Writer, rows: list[TargetIndicator]) -> None:
    first_row = w.row + 1
    for indicator in rows:
        w.next(text_height(indicator.name, 14))
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


def _skeleton(w: Writer) -> None:
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
        "9. 金额以万元为单位（系统按元保存，单元格保留精确值、显示两位小数）；支出明细预算可增删行，测算依据写在“测算依据及说明”列。",
        "10. 支出基本情况和支出立项情况（负责人、联系电话、单位职能、支出概况、立项依据等）随项目填写，请在项目库的项目页面修改，"
        "上传不会改动；资金来源计划中的“本年度实际安排资金”由财政部门安排预算时填写。",
        "11. 前三年绩效评价等级可填：优、良、中、差，或 A、B、C、D（长治市办法附件2 综合评分）；本年度自评计划填写年度，如“列入 2027 年度自评范围”。",
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
        .prefetch_related("indicators", "stages", "budget_items", "subject__year_amounts")
    )


def filename(sheets) -> str:
    sheets = list(sheets)
    if len(sheets) == 1:
        return f"{sheets[0].subject.name}{sheets[0].fiscal_year}年度绩效目标申报表.xlsx"
    return f"绩效目标申报表（{len(sheets)} 份）.xlsx"

"""The self-evaluation form as an official-layout workbook (openpyxl, through ``core.xlsx``: typed cells, never a
formula): the title and year, the unit and subject, the execution block computed from treasury data (全年预算数,
全年执行数, 执行率, 得分), the year's goal and its completion, the indicator table with the level-1 and level-2 cells
merged over their rows, the totals and grade, the narrative rows of the 绩效报告 outline (seed 003 附件4), and a 填写说明
worksheet.

The worksheet is protected: only the cells the unit fills are unlocked (全年实际值, 是否适用, the survey flag of a
satisfaction row, 评价档次 and its share on a qualitative row, 偏差原因, 改进措施, 实际完成情况 and the narratives).
The hidden column P carries the key: the form (P1), the version downloaded (P2) and each indicator row's id, so that
``xlsx_read`` knows the rows and refuses another form's file or a stale one. Printable on A4 landscape, fitted to the
width (the target sheet's page setup)."""

from __future__ import annotations

import re

from openpyxl.styles import Alignment, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins

from core.docx import cn_date
from core.xlsx import new_workbook, put, save_bytes
from evaluations import form_scoring, self_actions
from evaluations.choices import Band, IndicatorKind
from evaluations.documents.xlsx_layout import (
    ACTUAL,
    APPLICABLE,
    BAND,
    BAND_LABELS,
    COLUMNS,
    DIMENSION,
    DIMENSION_HEADER,
    DIMENSION_LABELS,
    DIMENSION_WIDTH,
    EXECUTION_LABEL,
    EXECUTION_TITLE,
    FOOTER,
    FOUR_E_SCORE_LABEL,
    FOUR_E_SCORES_LABEL,
    GOAL_HEADERS,
    GOAL_SPLIT,
    GOAL_TITLE,
    GRADE_LABEL,
    HEADERS,
    IMPROVEMENT,
    INDICATORS_TITLE,
    KEY_COLUMN,
    KEY_HEADER,
    KEY_PREFIX,
    NARRATIVE,
    NO,
    NOTES_SHEET,
    REASON,
    SCORE,
    SCORE_LABEL,
    SHARE,
    SHEET_TITLE,
    SURVEYED,
    TITLE,
    TOTAL_LABEL,
    WIDTHS,
    YES,
)
from targets.choices import Level1, Level2
from targets.documents.xlsx_layout import CENTER, SECTION_FILL, WRAP, font
from targets.documents.xlsx_sections import RIGHT, Writer, text_height

OPEN = Protection(locked=False)
YUAN_FORMAT = "#,##0.00"  # amounts in yuan to the fen, with thousands separators (core.money's format)
POINTS_FORMAT = "0.00"
RATE_FORMAT = "0.00%"
KIND_SIGN = {
    IndicatorKind.POSITIVE: "≥",
    IndicatorKind.NEGATIVE: "≤",
    IndicatorKind.EXACT: "=",
    IndicatorKind.QUALITATIVE: "定性",
}


class FormWriter(Writer):
    """The target sheet's worksheet writer over the self-evaluation sheet's 15 columns."""

    def section(self, title: str) -> None:
        self.next(20)
        self.merge(1, COLUMNS, title, bold=True, align=CENTER)
        for column in range(1, COLUMNS + 1):
            self.ws.cell(row=self.row, column=column).fill = SECTION_FILL

    def typed_cell(self, first: int, last: int, value, **kwargs):
        """A cell the unit fills: unlocked (every cell of a merged range, as Excel checks the first)."""
        cell = self.merge(first, last, value, **kwargs)
        for column in range(first, last + 1):
            self.ws.cell(row=self.row, column=column).protection = OPEN
        return cell

    def key(self, value) -> None:
        put(self.ws.cell(row=self.row, column=KEY_COLUMN), value)


def level_label(code: str, choices) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def rows_of(form) -> list:
    return list(form.indicators.all())


def write_form(wb, form) -> None:
    subject = form.subject
    ws = wb.create_sheet(title=SHEET_TITLE)
    w = FormWriter(ws)

    w.next(30)
    title = put(ws.cell(row=1, column=1), TITLE)
    title.font, title.alignment = font(True, 16), CENTER
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=COLUMNS)
    w.key(f"{KEY_PREFIX}{form.pk}")
    w.next(18)
    year = put(ws.cell(row=2, column=1), f"（{form.fiscal_year} 年度 · {form.get_stage_display()}）")
    year.font, year.alignment = font(False, 12), CENTER
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=COLUMNS)
    w.key(form.version)
    w.next(36)  # room for the unit's seal
    unit = put(ws.cell(row=3, column=1), f"填报单位（盖章）：{form.organisation.name}")
    unit.font = font()
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=9)
    state = put(ws.cell(row=3, column=10), f"状态：{form.get_status_display()}")
    state.font, state.alignment = font(), Alignment(horizontal="right", vertical="center")
    ws.merge_cells(start_row=3, start_column=10, end_row=3, end_column=COLUMNS)

    w.next(22)
    w.cell(1, "项目名称", bold=True, align=CENTER)
    w.merge(2, 7, subject.name)
    w.merge(8, 9, "项目编码", bold=True, align=CENTER)
    w.merge(10, COLUMNS, subject.code, fmt="@")
    w.next(22)
    w.cell(1, "主管部门", bold=True, align=CENTER)
    w.merge(2, 7, form.department.name if form.department_id else "—")
    w.merge(8, 9, "实施单位", bold=True, align=CENTER)
    w.merge(10, COLUMNS, form.organisation.name)

    _execution(w, form)

    w.section(GOAL_TITLE)
    w.next(20)
    w.merge(1, GOAL_SPLIT, GOAL_HEADERS[0], bold=True, align=CENTER)
    w.merge(GOAL_SPLIT + 1, COLUMNS, GOAL_HEADERS[1], bold=True, align=CENTER)
    goal = form.target_sheet.annual_goal if form.target_sheet_id else ""
    w.next(max(text_height(goal, 45), text_height(form.goal_completion, 45), 45))
    w.merge(1, GOAL_SPLIT, goal or "（没有批复的年度绩效目标）", align=Alignment(wrap_text=True, vertical="top"))
    w.typed_cell(GOAL_SPLIT + 1, COLUMNS, form.goal_completion, align=Alignment(wrap_text=True, vertical="top"))

    w.section(INDICATORS_TITLE)
    w.next(32)
    for column, header in enumerate(HEADERS, start=1):
        w.cell(column, header, bold=True, align=CENTER)
    w.key(KEY_HEADER)
    four_e = form_scoring.is_four_e(form)
    if four_e:
        w.cell(DIMENSION, DIMENSION_HEADER, bold=True, align=CENTER)
    rows = rows_of(form)
    first = w.row + 1
    for row in rows:
        _indicator(w, row)
        if four_e:
            w.typed_cell(DIMENSION, DIMENSION, row.get_dimension_display() if row.dimension else "", align=CENTER)
    _merge_runs(ws, first, [(r.level1,) for r in rows], 1)
    _merge_runs(ws, first, [(r.level1, r.level2) for r in rows], 2)
    if rows:
        _validations(ws, first, w.row, rows)
    if rows and four_e:
        _dimension_validation(ws, first, w.row)

    w.next(22)
    w.merge(1, 6, TOTAL_LABEL, bold=True, align=CENTER)
    # 4E: the points the rows are scored out of within their dimensions (the four add up to 100), not the sheet's
    points = form.scheme.rules().dimension_points() if four_e else None
    w.cell(
        7,
        sum(points.values()) if points else sum(r.weight for r in rows),
        bold=True,
        align=CENTER,
        fmt=POINTS_FORMAT,
    )
    w.merge(8, 12, "")
    w.cell(SCORE, form.indicator_score, bold=True, align=CENTER, fmt=POINTS_FORMAT)
    w.merge(14, COLUMNS, "")
    w.next(22)
    w.merge(1, 12, FOUR_E_SCORE_LABEL if four_e else SCORE_LABEL, bold=True, align=CENTER)
    w.cell(SCORE, form.total_score, bold=True, align=CENTER, fmt=POINTS_FORMAT)
    w.merge(14, COLUMNS, "上传后由系统按评价方案重新计分", align=CENTER, size=9)
    w.next(22)
    w.merge(1, 12, GRADE_LABEL, bold=True, align=CENTER)
    w.cell(SCORE, form.grade or "—", bold=True, align=CENTER)
    w.merge(14, COLUMNS, "")
    if four_e:
        _four_e_scores(w, form, rows)

    for label, name in NARRATIVE.items():
        value = getattr(form, name)
        w.next(max(text_height(value, 90), 45))
        w.merge(1, 2, label, bold=True, align=CENTER)
        w.typed_cell(3, COLUMNS, value, align=Alignment(wrap_text=True, vertical="top"))

    w.next(8)
    w.next(22)
    footer = put(
        ws.cell(row=w.row, column=1),
        f"{FOOTER}                    填表人（签名）：                    "
        f"填表日期：{cn_date(form.submitted_at) or '            '}",
    )
    footer.font = font()
    ws.merge_cells(start_row=w.row, start_column=1, end_row=w.row, end_column=COLUMNS)

    for column, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.column_dimensions[get_column_letter(KEY_COLUMN)].hidden = True
    if four_e:
        ws.column_dimensions[get_column_letter(DIMENSION)].width = DIMENSION_WIDTH
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.print_options.horizontalCentered = True
    ws.print_area = f"A1:{get_column_letter(DIMENSION if four_e else COLUMNS)}{w.row}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    # Protected without a password: it guides (the key, the targets and the computed cells are not typed over);
    # the server checks every value again on upload.
    ws.protection.sheet = True
    ws.protection.formatRows = False  # rows may be made taller for long reasons
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


def _execution(w: FormWriter, form) -> None:
    w.section(EXECUTION_TITLE)
    w.next(20)
    for first, last, text in ((1, 3, "项目"), (4, 6, "全年预算数"), (7, 9, "全年执行数"), (10, 10, "分值")):
        w.merge(first, last, text, bold=True, align=CENTER)
    w.merge(11, 12, "预算执行率", bold=True, align=CENTER)
    w.merge(13, COLUMNS, "预算执行率得分", bold=True, align=CENTER)
    w.next(22)
    w.merge(1, 3, EXECUTION_LABEL, align=CENTER)
    w.merge(4, 6, form.budget, align=RIGHT, fmt=YUAN_FORMAT)
    w.merge(7, 9, form.paid, align=RIGHT, fmt=YUAN_FORMAT)
    four_e = form_scoring.is_four_e(form)  # 4E scores the four dimensions only: the rate is shown, not scored
    w.cell(10, "—" if four_e else form.scheme.execution_points, align=CENTER, fmt=POINTS_FORMAT)
    w.merge(11, 12, form.execution_rate, align=CENTER, fmt=RATE_FORMAT)
    shown = "4E 方案不单独计分" if four_e else form.execution_score
    w.merge(13, COLUMNS, shown, align=CENTER, fmt=POINTS_FORMAT)


def _indicator(w: FormWriter, row) -> None:
    qualitative = row.kind == IndicatorKind.QUALITATIVE
    w.next(
        max(
            text_height(row.name, 10),
            text_height(level_label(row.level2, Level2), 6),
            text_height(row.deviation_reason, 14),
            text_height(row.improvement, 14),
        )
    )
    w.cell(1, level_label(row.level1, Level1), align=CENTER)
    w.cell(2, level_label(row.level2, Level2), align=CENTER)
    w.cell(3, row.name)
    w.cell(4, KIND_SIGN.get(row.kind, row.kind), align=CENTER)
    w.cell(5, row.target_value, align=CENTER, fmt="@")
    w.cell(6, row.unit, align=CENTER)
    w.cell(7, row.weight, align=CENTER, fmt=POINTS_FORMAT)
    w.typed_cell(ACTUAL, ACTUAL, row.actual, align=CENTER, fmt="@")
    w.typed_cell(APPLICABLE, APPLICABLE, YES if row.applicable else NO, align=CENTER)
    if row.is_satisfaction:
        w.typed_cell(SURVEYED, SURVEYED, YES if row.surveyed else NO, align=CENTER)
    else:
        w.cell(SURVEYED, "—", align=CENTER)
    if qualitative:
        w.typed_cell(BAND, BAND, Band(row.band).label if row.band in Band.values else "", align=CENTER)
        w.typed_cell(SHARE, SHARE, row.share, align=CENTER)
    else:
        w.cell(BAND, "—", align=CENTER)
        w.cell(SHARE, "—", align=CENTER)
    w.cell(SCORE, row.score, align=CENTER, fmt=POINTS_FORMAT)
    w.typed_cell(REASON, REASON, row.deviation_reason, align=WRAP)
    w.typed_cell(IMPROVEMENT, IMPROVEMENT, row.improvement, align=WRAP)
    w.key(row.pk)


def _four_e_scores(w: FormWriter, form, rows) -> None:
    """The four dimensions' subtotals of a 4E form, as the engine gives them on the stored values."""
    score = form_scoring.score_form(form, rows)
    text = "；".join(f"{d.label} {d.total if d.total is not None else '—'} / {d.full}" for d in score.dimensions)
    w.next(22)
    w.merge(1, 12, FOUR_E_SCORES_LABEL, bold=True, align=CENTER)
    w.merge(13, COLUMNS, text, align=CENTER)


def _dimension_validation(ws, first: int, last: int) -> None:
    dimensions = DataValidation(type="list", formula1='"' + ",".join(DIMENSION_LABELS) + '"', allow_blank=True)
    dimensions.error, dimensions.errorTitle, dimensions.showErrorMessage = (
        "请从下拉列表中选择经济性、效率性、有效性或公平性",
        DIMENSION_HEADER,
        True,
    )
    ws.add_data_validation(dimensions)
    dimensions.add(f"{get_column_letter(DIMENSION)}{first}:{get_column_letter(DIMENSION)}{last}")


def _validations(ws, first: int, last: int, rows) -> None:
    """Drop-down lists on the unit's cells (a help, not the check: the server checks again)."""
    yes_no = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True)
    yes_no.error, yes_no.errorTitle, yes_no.showErrorMessage = f"请选择“{YES}”或“{NO}”", "是否适用", True
    bands = DataValidation(type="list", formula1='"' + ",".join(BAND_LABELS) + '"', allow_blank=True)
    bands.error, bands.errorTitle, bands.showErrorMessage = "请从下拉列表中选择评价档次", "评价档次", True
    ws.add_data_validation(yes_no)
    ws.add_data_validation(bands)
    yes_no.add(f"{get_column_letter(APPLICABLE)}{first}:{get_column_letter(APPLICABLE)}{last}")
    for n, row in enumerate(rows):
        if row.is_satisfaction:
            yes_no.add(f"{get_column_letter(SURVEYED)}{first + n}")
        if row.kind == IndicatorKind.QUALITATIVE:
            bands.add(f"{get_column_letter(BAND)}{first + n}")


def _merge_runs(ws, first_row: int, keys: list[tuple], column: int) -> None:
    start = 0
    for n in range(1, len(keys) + 1):
        if n == len(keys) or keys[n] != keys[start]:
            if n - 1 > start:
                ws.merge_cells(
                    start_row=first_row + start, start_column=column, end_row=first_row + n - 1, end_column=column
                )
            start = n


def _notes(wb, form) -> None:
    ws = wb.create_sheet(title=NOTES_SHEET)
    lines = [
        "填写说明",
        "1. 本文件只对应下载它的那一张自评表；系统按隐藏的行标识识别指标行，请勿删除、复制或调换指标行，也不要把它上传到其他自评表。",
        "2. 只需填写未锁定的单元格：全年实际值、是否适用、已开展满意度调查（满意度指标）、评价档次和档次内得分比例（定性指标）、"
        "偏差原因、改进措施、年度总体目标的实际完成情况，以及表末绩效报告的文字部分（项目主要内容、目标和计划调整情况、"
        "项目管理制度及执行情况、资金超支（节约）原因、社会影响及效益、经验、存在的问题和原因、改进措施和结果应用，"
        f"每项不超过 {self_actions.NARRATIVE_MAX} 字）。",
        "3. 定量指标（≥、≤、=）的全年实际值须为数字，单位与“计量单位”列一致；定性指标选择评价档次（"
        + "、".join(BAND_LABELS)
        + "），档次内得分比例填 0 到 100 之间的数。",
        "4. 全年预算数、全年执行数、执行率及得分由系统按国库数据计算，得分和等级在上传后由系统按评价方案重新计算，不能在表中修改。",
        "5. 实际值与指标值偏差超过规定比例或未完成的指标，须填写偏差原因和改进措施，否则不能报送。",
        "6. 请直接填写数值或文字，不要使用公式。文件中任何一处有误，整个文件都不会写入；请按提示逐项改正后重新上传。",
        f"7. 本文件下载时自评表为第 {form.version} 版；下载之后如果自评表在系统中被修改过，上传会被拒绝，请重新下载。",
    ]
    if form_scoring.is_four_e(form):
        lines.append(
            "8. 本表为政府购买服务 4E 评价表：请在指标表最右侧“4E 维度”列为每项指标选择"
            + "、".join(DIMENSION_LABELS)
            + "之一；同一维度内各指标的分值按比例折算为该维度的分值，预算执行率只列示、不单独计分。"
        )
    for n, line in enumerate(lines, start=1):
        put(ws.cell(row=n, column=1), line).font = font(n == 1)
        ws.cell(row=n, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 110
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def workbook_bytes(form) -> bytes:
    """The .xlsx of one form (already through the gate)."""
    wb = new_workbook()
    write_form(wb, form)
    _notes(wb, form)
    return save_bytes(wb)


_BAD = re.compile(r'[\\/:*?"<>|]')


def filename(form) -> str:
    return _BAD.sub("", f"{form.subject.name}{form.fiscal_year}年度项目支出绩效自评表.xlsx")

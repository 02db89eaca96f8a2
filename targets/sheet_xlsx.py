"""Target sheets as Excel workbooks in the layout of the 项目绩效目标申报表 (《长治市预算绩效管理办法》附件1),
and the upload of a filled sheet.

Writing (openpyxl): one worksheet per target sheet, printable on A4 (landscape, fitted to the page width,
borders, wrapped text, 宋体): the title and year, the 项目名称/项目编码/主管部门/实施单位/项目资金 rows, the
长期目标 and 年度目标, the 保障措施, the 实施进度计划 and the two indicator tables (长期绩效指标, 年度绩效指标)
with the level-1 and level-2 cells merged over their rows. A sheet without indicators comes out with the
empty level-1/level-2 skeleton of 附件1, so the download of an empty sheet is also the blank template.

Reading (python-calamine): every worksheet with a 项目编码 cell is one target sheet. The whole file is
checked before anything is written; every problem names its worksheet, row, column and column title
(“工作表“…”第 12 行 E 列（指标值）：……”). Writing happens only when nothing is wrong, in one transaction,
through ``targets.actions`` (so the automatic review runs as on a save): all sheets or none.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from accounts.roles import Action
from audit import trail
from audit.models import AuditAction
from core import access, files
from core.xlsx import save_bytes
from imports.framework import ImportFileError, check_upload, open_workbook
from imports.parsers import Boolean, Date, normalise
from subjects.models import Subject
from targets import actions
from targets.choices import LEVEL2_OF, QUANTITATIVE, Comparator, Horizon, Level1, Level2, Standard
from targets.models import TargetIndicator, TargetSheet, parse_number
from workflow import guards
from workflow.actions import StaleDocument
from workflow.models import ReviewStatus

TITLE = "项目绩效目标申报表"
NOTES_SHEET = "填写说明"
FONT = "宋体"
COLUMNS = 10  # A–J
WIDTHS = [12, 15, 26, 8, 12, 9, 7, 16, 11, 12]
MIN_SCHEDULE_ROWS = 3  # blank rows offered for the 实施进度计划 when there is none

# Labels of the information block: column A (value B–E) and column F (value G–J).
CODE, YEAR, SERVES, BUYS = "项目编码", "预算年度", "有服务对象", "资金用于购买产出"
GOAL_LABELS = {
    "长期目标": "long_term_goal",
    "年度目标": "annual_goal",
    "组织保障措施": "measure_organisation",
    "制度保障措施": "measure_rules",
    "工作计划": "measure_plan",
}
SCHEDULE_TITLE = "实施进度计划"
SCHEDULE_HEADERS = ["序号", "实施内容", "开始时间", "完成时间"]
SCHEDULE_COLUMNS = {"stage": 2, "start": 7, "finish": 9}  # 1-based first column of each merged cell
HORIZON_TITLES = {"长期绩效指标": Horizon.LONG_TERM, "年度绩效指标": Horizon.ANNUAL}
INDICATOR_HEADERS = [
    "一级指标",
    "二级指标",
    "三级指标",
    "指标性质",
    "指标值",
    "计量单位",
    "分值",
    "数据来源",
    "设定依据",
    "上年实际值",
]
INDICATOR_KEYS = [
    "level1",
    "level2",
    "name",
    "comparator",
    "target_value",
    "unit",
    "weight",
    "data_source",
    "standard",
    "last_year_actual",
]
TOTAL_LABEL = "合计"
FOOTER = "填报单位负责人（签名）："
COMPARATOR_TEXT = {
    "≥": Comparator.GE,
    ">=": Comparator.GE,
    "≤": Comparator.LE,
    "<=": Comparator.LE,
    "=": Comparator.EQ,
    "==": Comparator.EQ,
    "定性": Comparator.QUALITATIVE,
}
# Older printings of 附件1 name two level-2 indicators differently; both spellings are accepted.
LEVEL2_ALIASES = {(Level1.OUTPUT, "成本指标"): Level2.OUTPUT_COST, (Level1.EFFECT, "环境效益指标"): Level2.ECO_BENEFIT}
EDITABLE = (ReviewStatus.DRAFT, ReviewStatus.RETURNED)

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
SECTION_FILL = PatternFill("solid", fgColor="E7EEF7")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")


# --- writing ------------------------------------------------------------------------------------------------


def _font(bold: bool = False, size: float = 10.5) -> Font:
    return Font(name=FONT, size=size, bold=bold)


def _amounts(subject) -> str:
    row = next((a for a in subject.year_amounts.all() if a.fiscal_year == subject.fiscal_year), None)
    if row is None:
        return "—"
    text = f"本年度申请 {row.requested_amount:,.2f}；上年度 {row.previous_amount:,.2f}"
    if row.arranged_amount is not None:
        text += f"；财政实际安排 {row.arranged_amount:,.2f}"
    return text


def _number_text(value) -> str:
    return f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)


def ordered_indicators(sheet) -> dict[str, list[TargetIndicator]]:
    """The sheet's indicators by horizon (长期 first, as in 附件1), each in level-1/level-2 order."""
    level1_rank = {l1: n for n, l1 in enumerate(LEVEL2_OF)}
    level2_rank = {l2: n for l2s in LEVEL2_OF.values() for n, l2 in enumerate(l2s)}
    rows = sorted(
        sheet.indicators.all(),
        key=lambda i: (level1_rank.get(i.level1, 9), level2_rank.get(i.level2, 9), i.order, i.pk),
    )
    return {h: [i for i in rows if i.horizon == h] for h in (Horizon.LONG_TERM, Horizon.ANNUAL)}


class _Writer:
    def __init__(self, ws):
        self.ws = ws
        self.row = 0

    def cell(self, column: int, value="", *, bold=False, align=WRAP, fmt: str | None = None, size=10.5):
        cell = self.ws.cell(row=self.row, column=column, value=value)
        cell.font = _font(bold, size)
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


def write_sheet(wb: Workbook, sheet: TargetSheet, title: str):
    subject = sheet.subject
    ws = wb.create_sheet(title=title)
    w = _Writer(ws)
    w.next(30)
    title_cell = ws.cell(row=1, column=1, value=TITLE)
    title_cell.font = _font(True, 16)
    title_cell.alignment = CENTER
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=COLUMNS)
    w.next(18)
    year_cell = ws.cell(row=2, column=1, value=f"（{sheet.fiscal_year} 年度）")
    year_cell.font = _font(False, 12)
    year_cell.alignment = CENTER
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=COLUMNS)
    w.next(18)
    unit_cell = ws.cell(row=3, column=1, value=f"填报单位（盖章）：{subject.organisation.name}")
    unit_cell.font = _font()
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=6)
    state = ws.cell(row=3, column=7, value=f"第 {sheet.revision} 版 · {sheet.get_status_display()}")
    state.font = _font()
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
    footer.font = _font()
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


def _notes(wb: Workbook) -> None:
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
    for line in lines:
        ws.append([line])
        ws.cell(row=ws.max_row, column=1).font = _font(ws.max_row == 1)
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
    wb = Workbook()
    wb.remove(wb.active)
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


# --- reading ------------------------------------------------------------------------------------------------


@dataclass
class Issue:
    message: str
    sheet: str
    row: int | None = None
    column: int | None = None  # 1-based
    header: str = ""

    def __str__(self) -> str:
        where = f"工作表“{self.sheet}”" if self.sheet else ""
        if self.row and self.column:
            where += f"第 {self.row} 行 {get_column_letter(self.column)} 列（{self.header}）"
        elif self.row:
            where += f"第 {self.row} 行" + (f"（{self.header}）" if self.header else "")
        return f"{where}：{self.message}"


@dataclass
class Parsed:
    """One worksheet, read and checked: the values to write, or its issues."""

    title: str
    code: str = ""
    year: int | None = None
    data: dict = field(default_factory=dict)
    stages: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    subject: Subject | None = None
    sheet: TargetSheet | None = None  # the editable sheet to update; None: create one


class UploadError(Exception):
    def __init__(self, issues: list):
        super().__init__("；".join(str(i) for i in issues))
        self.issues = issues

    @property
    def messages(self) -> list[str]:
        return [str(i) for i in self.issues]


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value) -> str:
    if _blank(value):
        return ""
    if isinstance(value, float):
        return _number_text(Decimal(repr(value)))
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _label(value) -> str:
    return "".join(normalise(_text(value)).split())


class _Reader:
    def __init__(self, title: str, grid: list[list]):
        self.title, self.grid = title, grid
        self.issues: list[Issue] = []
        self.result = Parsed(title)

    def at(self, row: int, column: int):
        cells = self.grid[row - 1] if 0 < row <= len(self.grid) else []
        return cells[column - 1] if column - 1 < len(cells) else None

    def report(self, message: str, row: int | None = None, column: int | None = None, header: str = "") -> None:
        self.issues.append(Issue(message, self.title, row, column, header))

    def text(self, row, column, header, max_length=None, required=False) -> str:
        value = self.at(row, column)
        if isinstance(value, bool):
            self.report("应填写文字，不能是逻辑值（TRUE/FALSE）", row, column, header)
            return ""
        text = _text(value)
        if required and not text:
            self.report("必填，不能为空", row, column, header)
        if max_length and len(text) > max_length:
            self.report(f"长度为 {len(text)} 个字，超过上限 {max_length} 个字", row, column, header)
        return text

    def find(self, label: str, column: int = 1, start: int = 1) -> int | None:
        for row in range(start, len(self.grid) + 1):
            if _label(self.at(row, column)) == label:
                return row
        return None

    # the information block and goals

    def read_head(self) -> None:
        pairs = {}
        for row in range(1, len(self.grid) + 1):
            for label_column, value_column in ((1, 2), (6, 7)):
                label = _label(self.at(row, label_column))
                if label in (CODE, YEAR, SERVES, BUYS) and label not in pairs:
                    pairs[label] = (row, value_column)
            if _label(self.at(row, 1)) in HORIZON_TITLES:
                break
        if CODE not in pairs:
            self.report(f"找不到“{CODE}”：请使用系统下载的申报表，不要删除表头的项目信息")
            return
        row, column = pairs[CODE]
        self.result.code = self.text(row, column, CODE, required=True)
        if YEAR not in pairs:
            self.report(f"找不到“{YEAR}”：请使用系统下载的申报表")
        else:
            row, column = pairs[YEAR]
            value = self.at(row, column)
            try:
                year = int(Decimal(_text(value)))
                if isinstance(value, bool) or not 2000 <= year <= 2100 or Decimal(_text(value)) != year:
                    raise ValueError
            except (InvalidOperation, ValueError):
                self.report(f"“{_text(value)}”不是年度，应为四位数字，如 2026", row, column, YEAR)
            else:
                self.result.year = year
        for label, key in ((SERVES, "serves_public"), (BUYS, "buys_outputs")):
            if label not in pairs:
                continue
            row, column = pairs[label]
            value = self.at(row, column)
            if _blank(value):
                self.report("必填，请填“是”或“否”", row, column, label)
                continue
            try:
                self.result.data[key] = Boolean()(value)
            except ValueError as exc:
                self.report(str(exc), row, column, label)
        for label, key in GOAL_LABELS.items():
            row = self.find(label)
            if row is None:
                self.report(f"找不到“{label}”一行：请使用系统下载的申报表")
                continue
            self.result.data[key] = self.text(row, 2, label, required=key == "annual_goal")

    # 实施进度计划

    def read_schedule(self) -> None:
        title_row = self.find(SCHEDULE_TITLE)
        if title_row is None:
            self.report(f"找不到“{SCHEDULE_TITLE}”：请使用系统下载的申报表")
            return
        row = title_row + 2  # below the header row
        while row <= len(self.grid):
            first = _label(self.at(row, 1))
            if first in HORIZON_TITLES or first.startswith(FOOTER[:6]):
                break
            content = self.text(row, SCHEDULE_COLUMNS["stage"], "实施内容", max_length=200)
            start, finish = self.at(row, SCHEDULE_COLUMNS["start"]), self.at(row, SCHEDULE_COLUMNS["finish"])
            if not content and _blank(start) and _blank(finish):
                row += 1
                continue
            if not content:
                self.report("必填，不能为空", row, SCHEDULE_COLUMNS["stage"], "实施内容")
            dates = {}
            for key, value, header in (("start", start, "开始时间"), ("finish", finish, "完成时间")):
                if _blank(value):
                    self.report("必填，不能为空", row, SCHEDULE_COLUMNS[key], header)
                    continue
                try:
                    dates[key] = Date()(value)
                except ValueError as exc:
                    self.report(str(exc), row, SCHEDULE_COLUMNS[key], header)
            if len(dates) == 2 and dates["finish"] < dates["start"]:
                self.report("完成时间不能早于开始时间", row, SCHEDULE_COLUMNS["finish"], "完成时间")
            self.result.stages.append({"stage": content, **dates})
            row += 1

    # 长期绩效指标 / 年度绩效指标

    def read_indicators(self) -> None:
        for title, horizon in HORIZON_TITLES.items():
            title_row = self.find(title)
            if title_row is None:
                self.report(f"找不到“{title}”：请使用系统下载的申报表")
                continue
            header_row = title_row + 1
            for column, header in enumerate(INDICATOR_HEADERS, start=1):
                if _label(self.at(header_row, column)) != header:
                    self.report(
                        f"指标表的列应依次为：{'、'.join(INDICATOR_HEADERS)}（请勿增删或调换列）",
                        header_row,
                        column,
                        header,
                    )
                    return
            self._indicator_block(horizon, header_row + 1)

    def _indicator_block(self, horizon: str, row: int) -> None:
        level1 = level2 = None  # carried down the merged cells
        while row <= len(self.grid):
            first = _label(self.at(row, 1))
            if first in HORIZON_TITLES or first == TOTAL_LABEL or first.startswith(FOOTER[:6]):
                break
            cells = [self.at(row, c) for c in range(1, COLUMNS + 1)]
            if all(_blank(v) for v in cells):
                row += 1
                continue
            level1 = self._level1(row, level1)
            level2 = self._level2(row, level1, level2)
            if all(_blank(v) for v in cells[2:]):
                row += 1  # a skeleton row of the blank template: level names only
                continue
            values = {"horizon": horizon, "level1": level1, "level2": level2}
            values["name"] = self.text(row, 3, "三级指标", max_length=200, required=True)
            values["comparator"] = self._comparator(row)
            values["target_value"] = self._target_value(row, values["comparator"])
            values["unit"] = self.text(row, 6, "计量单位", max_length=30)
            values["weight"] = self._weight(row)
            values["data_source"] = self.text(row, 8, "数据来源", max_length=200)
            values["standard"] = self._standard(row)
            values["last_year_actual"] = self.text(row, 10, "上年实际值", max_length=200)
            self.result.indicators.append(values)
            row += 1

    def _level1(self, row: int, carried):
        value = _label(self.at(row, 1))
        if not value:
            if carried is None:
                self.report("必填：第一个指标行须填写一级指标", row, 1, "一级指标")
            return carried
        found = next((v for v, label in Level1.choices if label == value or v == value), None)
        if found is None:
            self.report(f"“{value}”不是一级指标，可填：{'、'.join(Level1.labels)}", row, 1, "一级指标")
        return found

    def _level2(self, row: int, level1, carried):
        value = _label(self.at(row, 2))
        if not value:
            carried = carried if carried in LEVEL2_OF.get(level1, ()) else None
            if carried is None and level1 is not None:
                self.report("必填：须填写二级指标（属于“" + Level1(level1).label + "”）", row, 2, "二级指标")
            return carried
        if level1 is None:
            return None
        found = LEVEL2_ALIASES.get((level1, value)) or next(
            (v for v, label in Level2.choices if label == value or v == value), None
        )
        allowed = LEVEL2_OF.get(level1, ())
        if found is None or found not in allowed:
            names = "、".join(Level2(v).label for v in allowed)
            prefix = f"“{value}”不属于“{Level1(level1).label}”" if found else f"“{value}”不是二级指标"
            self.report(f"{prefix}，可填：{names}", row, 2, "二级指标")
            return None
        return found

    def _comparator(self, row: int):
        value = self.at(row, 4)
        text = _label(value)
        if not text:
            self.report("必填，请填 ≥、≤、= 或 定性", row, 4, "指标性质")
            return None
        found = COMPARATOR_TEXT.get(text)
        if found is None:
            self.report(f"“{text}”不是指标性质，请填 ≥（正向）、≤（反向）、=（等于）或 定性", row, 4, "指标性质")
        return found

    def _target_value(self, row: int, comparator) -> str:
        text = self.text(row, 5, "指标值", max_length=200, required=True)
        if text and comparator in QUANTITATIVE and parse_number(text) is None:
            self.report(
                f"定量指标的指标值须为数值（“{text}”不是数值；计量单位请写在 F 列，文字描述请将指标性质改为“定性”）",
                row,
                5,
                "指标值",
            )
        return text

    def _weight(self, row: int) -> Decimal:
        value = self.at(row, 7)
        if _blank(value):
            return Decimal("0")
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(normalise(str(value)))
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.report(f"“{_text(value)}”不是数值：分值须为 0 到 100 之间的数", row, 7, "分值")
            return Decimal("0")
        if not Decimal("0") <= number <= Decimal("100"):
            self.report(f"分值 {_text(value)} 超出范围：须在 0 到 100 之间", row, 7, "分值")
        elif number != number.quantize(Decimal("0.01")):
            self.report(f"分值 {_text(value)} 超过两位小数", row, 7, "分值")
        return number.quantize(Decimal("0.01")) if number.is_finite() and abs(number) < 1000 else Decimal("0")

    def _standard(self, row: int) -> str:
        text = _label(self.at(row, 9))
        if not text:
            return Standard.PLAN
        found = next((v for v, label in Standard.choices if label == text or v == text), None)
        if found is None:
            self.report(f"“{text}”不是可选的设定依据，可填：{'、'.join(Standard.labels)}", row, 9, "设定依据")
            return Standard.PLAN
        return found


def read(upload) -> tuple[list[Parsed], list[Issue]]:
    """Read an uploaded workbook: the parsed worksheets and every problem found (no database access)."""
    try:
        files.validate_upload_size(upload)
    except ValidationError as exc:
        raise ImportFileError(exc.messages[0]) from None
    check_upload(upload.file if hasattr(upload, "file") else upload, upload.name, upload.size)
    book = open_workbook(upload.file if hasattr(upload, "file") else upload)
    parsed, issues = [], []
    for name in book.sheet_names:
        if name == NOTES_SHEET:
            continue
        grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if not any(_label(c) == CODE for cells in grid[:20] for c in cells):
            continue  # not a target sheet (e.g. a scratch worksheet)
        reader = _Reader(name, grid)
        reader.read_head()
        reader.read_schedule()
        reader.read_indicators()
        parsed.append(reader.result)
        issues.extend(reader.issues)
    if not parsed:
        raise ImportFileError(f"文件中没有绩效目标申报表：每个工作表须有“{CODE}”一格，请使用系统下载的申报表或模板")
    codes = {}
    for item in parsed:
        key = (item.code, item.year)
        if item.code and key in codes:
            issues.append(Issue(f"与工作表“{codes[key]}”是同一项目同一年度，请合并为一个工作表", item.title))
        codes[key] = item.title
    return parsed, issues


def resolve(parsed: list[Parsed], user) -> list[Issue]:
    """Find each worksheet's subject (404 outside the user's reach) and the sheet to update or create;
    the problems that refuse the upload as a whole (approved or in review, not the preparer …)."""
    issues = []
    visible = access.restrict(Subject.objects.select_related("organisation"), user)
    for item in parsed:
        if not item.code:
            continue
        subject = visible.filter(code=item.code).first()
        if subject is None:
            trail.record(
                AuditAction.PERMISSION_DENIED,
                object_type="targets.targetsheet",
                object_repr=item.code,
                actor=user,
                reason=f"上传绩效目标申报表：项目“{item.code}”不存在或不在权限范围内",
            )
            raise Http404("项目不存在或无权访问")
        item.subject = subject
        if item.year is None:
            continue
        if not actions.can_create(user, subject):
            issues.append(
                Issue(
                    f"项目“{subject.name}”：只有项目单位的填报人可以上传绩效目标（谁申请资金，谁编制目标）", item.title
                )
            )
            continue
        latest = (
            TargetSheet.objects.select_related("chain", "subject")
            .filter(subject=subject, fiscal_year=item.year)
            .order_by("-revision")
            .first()
        )
        if latest is None:
            if subject.stage not in actions.OPEN_STAGES:
                issues.append(
                    Issue(
                        f"项目“{subject.name}”当前为“{subject.get_stage_display()}”，入库（或安排预算）后才能编制绩效目标",
                        item.title,
                    )
                )
            elif not subject.start_year <= item.year <= max(subject.end_year, subject.fiscal_year):
                issues.append(
                    Issue(
                        f"预算年度 {item.year} 不在项目起止年度（{subject.start_year}—{subject.end_year}）之内",
                        item.title,
                    )
                )
            continue
        if latest.status not in EDITABLE:
            what = "已审核通过，批复后的调整须先“申请调整”" if latest.status == ReviewStatus.APPROVED else "正在审核中"
            issues.append(Issue(f"{latest}{what}，不能通过上传修改", item.title))
            continue
        if not guards.can_edit(user, latest):
            issues.append(Issue(f"{latest}当前不在您的填报环节，不能修改", item.title))
            continue
        item.sheet = latest
    return issues


def _keep_library_links(sheet, rows: list[dict]) -> list[dict]:
    """An indicator that was chosen from the indicator library keeps its link when it comes back unchanged."""
    if sheet is None:
        return rows
    links = {
        (i.horizon, i.level1, i.level2, i.name.strip()): i.library_indicator_id
        for i in sheet.indicators.all()
        if i.library_indicator_id
    }
    return [{**r, "library_indicator": links.get((r["horizon"], r["level1"], r["level2"], r["name"]))} for r in rows]


def apply(parsed: list[Parsed], user, *, reason: str = "", filename: str = "") -> list[TargetSheet]:
    """Write every parsed worksheet (create or update), all in one transaction; any refusal rolls back all.
    Each sheet also gets an ``import`` audit row naming the file and worksheet (even when nothing changed)."""
    saved = []
    reason = reason or "上传绩效目标申报表（Excel）"
    with transaction.atomic():
        for item in parsed:
            sheet = item.sheet
            if sheet is None:
                sheet = actions.create_sheet(item.subject, user, item.year, reason=reason)
            sheet = TargetSheet.objects.select_related("chain", "subject").get(pk=sheet.pk)
            sheet = actions.save_sheet(
                sheet,
                user,
                sheet.version,
                data=item.data,
                indicators=_keep_library_links(item.sheet, item.indicators),
                stages=item.stages,
                reason=reason,
            )
            trail.record(
                AuditAction.IMPORT,
                sheet,
                actor=user,
                reason=reason,
                changes={"文件": [None, f"{filename}（工作表“{item.title}”）"]},
            )
            saved.append(sheet)
    return saved


def upload(user, fileobj, *, reason: str = "") -> list[TargetSheet]:
    """Read, check and write an uploaded workbook. Raises ``UploadError`` (cell-precise issues),
    ``ImportFileError`` (the file as a whole) or ``Http404`` (a subject outside the user's reach);
    nothing is written unless everything is right."""
    parsed, issues = read(fileobj)
    issues += resolve(parsed, user)
    if issues:
        raise UploadError(issues)
    try:
        saved = apply(parsed, user, reason=reason, filename=getattr(fileobj, "name", ""))
    except StaleDocument as exc:
        raise UploadError([Issue(exc.message, "")]) from None
    except (ValidationError, PermissionDenied) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        raise UploadError([Issue(m, "") for m in messages]) from None
    return saved

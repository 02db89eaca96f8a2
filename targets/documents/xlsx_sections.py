"""The worksheet writer of ``xlsx_write`` and the sections of 附件1 around the goals and indicator tables: 支出基本情况,
支出立项情况, 资金情况 (支出明细预算 and 资金来源计划 in 万元), 评价情况 and 审核意见. Every value goes through
``core.xlsx.put`` (typed, never a formula: text beginning with ``=`` stays text)."""

from __future__ import annotations

from openpyxl.styles import Alignment

from core.money import WAN_FORMAT, wan
from core.xlsx import put
from targets.documents import form_data
from targets.documents.xlsx_layout import (
    BASICS_TITLE,
    BORDER,
    BUDGET_HEADERS,
    BUDGET_TITLE,
    BUYS,
    CENTER,
    CODE,
    COLUMNS,
    EVALUATION_TITLE,
    FUND_HEADERS,
    FUND_TITLE,
    FUNDS_TITLE,
    MIN_BUDGET_ROWS,
    OPINIONS_TITLE,
    OTHER_NOTES,
    PRIOR_HEADERS,
    PRIOR_TITLE,
    PROJECT_TITLE,
    SECTION_FILL,
    SELF_EVALUATION,
    SERVES,
    WRAP,
    YEAR,
    font,
)

RIGHT = Alignment(horizontal="right", vertical="center", wrap_text=False)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
EXACT = 6  # 万元 cells keep the exact yuan (six decimals) and show two: an upload gives back the same yuan


class Writer:
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

    def money(self, first: int, last: int, yuan, *, bold=False):
        """An amount in 万元 (exact value, shown with thousands separators and two decimals), right-aligned."""
        return self.merge(first, last, wan(yuan, EXACT), bold=bold, align=RIGHT, fmt=WAN_FORMAT)

    def next(self, height: float | None = None) -> int:
        self.row += 1
        if height:
            self.ws.row_dimensions[self.row].height = height
        return self.row

    def section(self, title: str) -> None:
        self.next(20)
        self.merge(1, COLUMNS, title, bold=True, align=CENTER)
        for column in range(1, COLUMNS + 1):
            self.ws.cell(row=self.row, column=column).fill = SECTION_FILL

    def pair(self, left_label, left_value, right_label, right_value, *, fmt=None):
        self.next(max(22, text_height(str(left_value or ""), 30), text_height(str(right_value or ""), 24)))
        self.cell(1, left_label, bold=True, align=CENTER)
        self.merge(2, 5, left_value, fmt=fmt, align=LEFT)
        self.cell(6, right_label, bold=True, align=CENTER)
        self.merge(7, COLUMNS, right_value)

    def text_row(self, label: str, value: str, chars_per_line: int = 70):
        self.next(max(text_height(value, chars_per_line), text_height(label, 6)))
        self.cell(1, label, bold=True, align=CENTER)
        self.merge(2, COLUMNS, value)


def text_height(text: str, chars_per_line: int) -> float:
    lines = sum(max(1, -(-len(part) // chars_per_line)) for part in (text or "").splitlines() or [""])
    return max(20, 15 * lines)


def basics(w: Writer, sheet) -> None:
    """支出基本情况 and 支出立项情况 (seed 003 附件1; 填表说明 二（二）)."""
    subject = sheet.subject
    w.section(BASICS_TITLE)
    w.pair("项目名称", subject.name, CODE, subject.code, fmt="@")
    w.pair("主管部门", form_data.department_name(subject), "实施单位", subject.organisation.name)
    w.pair("负责人", subject.leader or "", "联系电话", subject.leader_phone or "", fmt="@")
    w.pair(
        YEAR,
        sheet.fiscal_year,
        "项目期限",
        f"{subject.start_year}—{subject.end_year} 年（{subject.get_duration_display()}）",
    )
    w.pair("支出类型", form_data.expense_type_text(subject), "起止时间", form_data.period_text(subject))
    w.pair("预算科目编码", form_data.function_code_text(subject), "项目支出类型", form_data.category_text(subject))
    w.pair(SERVES, "是" if sheet.serves_public else "否", BUYS, "是" if sheet.buys_outputs else "否")
    w.text_row("单位职能概述", subject.unit_functions)
    w.text_row("支出概况", subject.summary)
    w.section(PROJECT_TITLE)
    w.text_row("立项的依据", subject.basis)
    w.text_row("申报的可行性", subject.feasibility)
    w.text_row("申报的必要性", subject.necessity)


def funds(w: Writer, sheet) -> None:
    """资金情况: 支出明细预算 with 测算依据及说明, and 资金来源计划 with 本年度实际安排资金 (万元)."""
    w.section(FUNDS_TITLE)
    w.next(20)
    w.merge(1, COLUMNS, BUDGET_TITLE, bold=True, align=CENTER)
    w.next(20)
    w.cell(1, BUDGET_HEADERS[0], bold=True, align=CENTER)
    w.merge(2, 3, BUDGET_HEADERS[1], bold=True, align=CENTER)
    w.merge(4, 5, BUDGET_HEADERS[2], bold=True, align=CENTER)
    w.merge(6, 7, BUDGET_HEADERS[3], bold=True, align=CENTER)
    w.merge(8, COLUMNS, BUDGET_HEADERS[4], bold=True, align=CENTER)
    rows, total = form_data.budget_rows(sheet)
    for n in range(max(len(rows), 0 if rows else MIN_BUDGET_ROWS)):
        row = rows[n] if n < len(rows) else None
        w.next(max(20, text_height(row.note if row else "", 30), text_height(row.label if row else "", 22)))
        w.cell(1, n + 1, align=CENTER)
        w.merge(2, 3, row.label if row else "")
        w.money(4, 5, row.previous if row else None)
        w.money(6, 7, row.requested if row else None)
        w.merge(8, COLUMNS, row.note if row else "")
    w.next(20)
    w.merge(1, 3, total.label, bold=True, align=CENTER)
    w.money(4, 5, total.previous if rows else None, bold=True)
    w.money(6, 7, total.requested if rows else None, bold=True)
    w.merge(8, COLUMNS, "")

    w.next(20)
    w.merge(1, COLUMNS, FUND_TITLE, bold=True, align=CENTER)
    w.next(30)
    w.merge(1, 3, FUND_HEADERS[0], bold=True, align=CENTER)
    w.merge(4, 5, FUND_HEADERS[1], bold=True, align=CENTER)
    w.merge(6, 7, FUND_HEADERS[2], bold=True, align=CENTER)
    w.merge(8, COLUMNS, FUND_HEADERS[3], bold=True, align=CENTER)
    rows, total = form_data.fund_rows(sheet)
    for row in [*rows, total]:
        w.next(max(20, text_height(row.label, 34)))
        bold = row is total
        w.merge(1, 3, row.label, bold=bold, align=CENTER if bold else WRAP)
        w.money(4, 5, row.previous, bold=bold)
        w.money(6, 7, row.requested, bold=bold)
        w.money(8, COLUMNS, row.arranged, bold=bold)


def evaluation(w: Writer, sheet) -> None:
    """评价情况 (前三年绩效等级, 本年度自评计划) and 其他需要说明的情况 (填表说明 二（七）、（八）)."""
    w.section(EVALUATION_TITLE)
    w.next(20)
    w.merge(1, COLUMNS, PRIOR_TITLE, bold=True, align=CENTER)
    w.next(20)
    w.cell(1, PRIOR_HEADERS[0], bold=True, align=CENTER)
    w.merge(2, 4, PRIOR_HEADERS[1], bold=True, align=CENTER)
    w.merge(5, 7, PRIOR_HEADERS[2], bold=True, align=CENTER)
    w.merge(8, COLUMNS, PRIOR_HEADERS[3], bold=True, align=CENTER)
    for year, own, review, key in form_data.prior_grades(sheet):
        w.next(20)
        w.cell(1, year, align=CENTER)
        w.merge(2, 4, own, align=CENTER)
        w.merge(5, 7, review, align=CENTER)
        w.merge(8, COLUMNS, key, align=CENTER)
    w.text_row(SELF_EVALUATION, form_data.self_evaluation_text(sheet))
    w.text_row(OTHER_NOTES, sheet.other_notes)


def opinions(w: Writer, sheet) -> None:
    """审核意见 of every step of the chain, signed by name and office, with room for the office's seal."""
    w.section(OPINIONS_TITLE)
    for block in form_data.opinions(sheet):
        text = f"{block['opinion'] or form_data.NOT_YET}\n\n\n{form_data.signature_line(block)}"
        w.next(max(75, text_height(text, 60) + 30))
        w.merge(1, 2, block["label"], bold=True, align=CENTER)
        w.merge(3, COLUMNS, text, align=Alignment(wrap_text=True, vertical="top"))

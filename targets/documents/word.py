"""A target sheet as a Word document in the layout of the 项目绩效目标申报表 (《长治市预算绩效管理办法》附件1), in the
paper's order: 支出基本情况, 支出立项情况, 资金情况 (支出明细预算 with 测算依据, 资金来源计划 with 财政实际安排, in 万元),
绩效目标情况 (长期/年度目标, 保障措施, 实施进度计划, the 长期/年度绩效指标 tables with the level-1 and level-2 cells
merged), 评价情况, 其他需要说明的情况 and the 审核意见 blocks — one per step of the sheet's review chain, filled from the
chain's review log: the opinion, who gave it (name and office) and when, with room for the office's seal.

Print rules (issue 12 §2): money is right-aligned and never breaks across lines (w:noWrap); an opinion row never
splits across pages (w:cantSplit); dates have no leading zeros (2026年7月1日); the title is not wrapped in 《》.
Built with python-docx like assessments/documents.py; Chinese text carries East Asian fonts (w:eastAsia)."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from core import docx as style
from core.docx import BODY_FONT, FORM_MARGINS, HEADING_FONT, TITLE_FONT, cn_date, money_cell, new_document
from core.docx import cell_text as _cell
from core.money import wan_text
from targets.documents import form_data
from targets.documents.form_data import NOT_YET, OPINION_LABELS, opinions, submitter  # noqa: F401 (re-exported)
from targets.documents.xlsx_layout import (
    BUDGET_HEADERS,
    FUND_HEADERS,
    GOAL_LABELS,
    HORIZON_TITLES,
    OTHER_NOTES,
    PRIOR_HEADERS,
    SELF_EVALUATION,
    TITLE,
    ordered_indicators,
)

TABLE_SIZE = 10.5
WIDTH = 17.0  # cm between the margins of an A4 page with FORM_MARGINS
CENTER, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT


def _paragraph(doc, text: str, *, font=BODY_FONT, size=12.0, bold=False, align=None, keep=False):
    """The form's paragraphs: smaller, unindented, tighter than a report's."""
    para = style.paragraph(doc, text, font=font, size=size, bold=bold, align=align, indent=False, space_after=3)
    para.paragraph_format.keep_with_next = keep
    return para


def _heading(doc, text: str):
    para = _paragraph(doc, text, font=HEADING_FONT, size=12, keep=True)
    para.paragraph_format.space_before = Pt(8)
    return para


_table, _row = style.grid_table, style.grid_row


def _header(table, titles: list[str], money_columns=()) -> None:
    style.header_row(table, titles, money_columns=money_columns, size=TABLE_SIZE)


def _label_value(table, label: str, value: str) -> None:
    cells = _row(table)
    _cell(cells[0], label, bold=True, align=CENTER)
    style.vertical_center(cells[0])
    _cell(cells[1].merge(cells[-1]), value or "—")


def _pairs(table, pairs) -> None:
    for left, right in pairs:
        cells = _row(table)
        for n, (label, value) in enumerate((left, right)):
            _cell(cells[2 * n], label, bold=True, align=CENTER)
            style.vertical_center(cells[2 * n])
            _cell(cells[2 * n + 1], value or "—")


def _number(value) -> str:
    return f"{value.normalize():f}"


def _basics(doc, sheet) -> None:
    subject = sheet.subject
    _heading(doc, "一、支出基本情况")
    facts = _table(doc, [3.0, 5.5, 3.0, 5.5])
    _pairs(
        facts,
        (
            (("项目名称", subject.name), ("项目编码", subject.code)),
            (("主管部门", form_data.department_name(subject)), ("实施单位", subject.organisation.name)),
            (("负责人", subject.leader), ("联系电话", subject.leader_phone)),
            (
                ("预算年度", f"{sheet.fiscal_year} 年"),
                ("项目期限", f"{subject.start_year}—{subject.end_year} 年（{subject.get_duration_display()}）"),
            ),
            (
                ("起止时间", form_data.period_text(subject, "至\n")),
                ("预算科目编码", form_data.function_code_text(subject)),
            ),
            (("项目支出类型", form_data.category_text(subject)), ("申报状态", sheet.get_status_display())),
        ),
    )
    _label_value(facts, "支出类型", form_data.expense_type_text(subject))
    _label_value(facts, "单位职能概述", subject.unit_functions)
    _label_value(facts, "支出概况", subject.summary)

    _heading(doc, "二、支出立项情况")
    basis = _table(doc, [3.0, 14.0])
    for label, value in (
        ("立项的依据", subject.basis),
        ("申报的可行性", subject.feasibility),
        ("申报的必要性", subject.necessity),
    ):
        _label_value(basis, label, value)


def _funds(doc, sheet) -> None:
    _heading(doc, "三、资金情况（单位：万元）")
    _paragraph(doc, "支出明细预算", size=11, bold=True, keep=True)
    budget = _table(doc, [1.3, 4.0, 2.9, 3.2, 5.6])
    _header(budget, BUDGET_HEADERS, money_columns=(2, 3))
    rows, total = form_data.budget_rows(sheet)
    for n, row in enumerate(rows, start=1):
        cells = _row(budget)
        _cell(cells[0], str(n), align=CENTER)
        _cell(cells[1], row.label)
        money_cell(cells[2], wan_text(row.previous))
        money_cell(cells[3], wan_text(row.requested))
        _cell(cells[4], row.note or "—")
    if not rows:
        cells = _row(budget)
        _cell(cells[0].merge(cells[-1]), "未填写", align=CENTER)
    cells = _row(budget)
    _cell(cells[0].merge(cells[1]), total.label, bold=True, align=CENTER)
    money_cell(cells[2], wan_text(total.previous) if rows else "", bold=True)
    money_cell(cells[3], wan_text(total.requested) if rows else "", bold=True)
    _cell(cells[4], "")

    _paragraph(doc, "资金来源计划", size=11, bold=True, keep=True)
    plan = _table(doc, [6.2, 3.4, 3.4, 4.0])
    _header(plan, FUND_HEADERS, money_columns=(1, 2))
    rows, total = form_data.fund_rows(sheet)
    for row in [*rows, total]:
        bold = row is total
        cells = _row(plan)
        _cell(cells[0], row.label, bold=bold, align=CENTER if bold else LEFT)
        for cell, value in zip(cells[1:], (row.previous, row.requested, row.arranged), strict=True):
            money_cell(cell, wan_text(value), bold=bold)


def _indicator_table(doc, rows) -> None:
    headers = ["一级指标", "二级指标", "三级指标", "指标值", "分值", "数据来源", "设定依据"]
    table = _table(doc, [2.0, 2.4, 3.8, 2.6, 1.2, 2.6, 2.4])
    _header(table, headers)
    if not rows:
        cells = _row(table)
        _cell(cells[0].merge(cells[-1]), "未设置", align=CENTER)
        return
    first = len(table.rows)
    for indicator in rows:
        cells = _row(table)
        values = [
            indicator.get_level1_display(),
            indicator.get_level2_display(),
            indicator.name,
            indicator.display_value,
            _number(indicator.weight),
            indicator.data_source or "—",
            indicator.get_standard_display(),
        ]
        for n, (cell, value) in enumerate(zip(cells, values, strict=True)):
            _cell(cell, value, align=CENTER if n in (0, 1, 3, 4, 6) else LEFT)
        style.vertical_center(cells[0])
        style.vertical_center(cells[1])
    # The dimension cells (一级指标, 二级指标) are merged over their rows, as on the paper form.
    style.merge_down(table, first, 0, [i.level1 for i in rows])
    style.merge_down(table, first, 1, [(i.level1, i.level2) for i in rows])


def _targets(doc, sheet) -> None:
    _heading(doc, "四、绩效目标情况")
    goals = _table(doc, [3.0, 14.0])
    for label, name in GOAL_LABELS.items():
        _label_value(goals, label, getattr(sheet, name))

    _paragraph(doc, "实施进度计划", size=11, bold=True, keep=True)
    schedule = _table(doc, [1.3, 7.7, 4.0, 4.0])
    _header(schedule, ["序号", "实施内容", "开始时间", "完成时间"], money_columns=(2, 3))
    for n, stage in enumerate(sheet.stages.all(), start=1):
        cells = _row(schedule)
        for cell, value, align in zip(
            cells,
            [str(n), stage.stage, cn_date(stage.start), cn_date(stage.finish)],
            (CENTER, LEFT, CENTER, CENTER),
            strict=True,
        ):
            _cell(cell, value, align=align)
        style.no_wrap(cells[2])
        style.no_wrap(cells[3])

    by_horizon = ordered_indicators(sheet)
    for title, horizon in HORIZON_TITLES.items():
        _paragraph(doc, title, size=11, bold=True, keep=True)
        _indicator_table(doc, by_horizon[horizon])
        if horizon == "annual" and by_horizon[horizon]:
            _paragraph(
                doc, f"年度绩效指标分值合计：{_number(sum(i.weight for i in by_horizon[horizon]))} 分", size=10.5
            )


def _evaluation(doc, sheet) -> None:
    _heading(doc, "五、评价情况")
    _paragraph(doc, "以前年度绩效评价情况（跨年度支出填报）", size=11, bold=True, keep=True)
    grades = _table(doc, [3.2, 4.4, 4.4, 5.0])
    _header(grades, PRIOR_HEADERS)
    for year, *values in form_data.prior_grades(sheet):
        cells = _row(grades)
        for cell, value in zip(cells, [f"{year} 年", *values], strict=True):
            _cell(cell, value or "—", align=CENTER)
    plan = _table(doc, [3.2, 13.8])
    _label_value(plan, SELF_EVALUATION, form_data.self_evaluation_text(sheet))
    _heading(doc, f"六、{OTHER_NOTES}")
    notes = _table(doc, [3.2, 13.8])
    _label_value(notes, OTHER_NOTES, sheet.other_notes)


def _opinions(doc, sheet) -> None:
    _heading(doc, "七、审核意见")
    review = _table(doc, [3.2, 13.8])
    for block in opinions(sheet):
        # an opinion and its signature stay on one page, with room for the seal
        style.opinion_row(
            review, block["label"], block["opinion"] or NOT_YET, form_data.signature_lines(block), size=TABLE_SIZE
        )


def build(sheet) -> bytes:
    """The .docx bytes of ``sheet`` (already fetched through the gate)."""
    subject = sheet.subject
    doc = new_document(FORM_MARGINS)

    _paragraph(doc, TITLE, font=TITLE_FONT, size=18, bold=True, align=CENTER)
    _paragraph(doc, f"（{sheet.fiscal_year} 年度）", size=12, align=CENTER)
    version = f"    第 {sheet.revision} 版（调整原因：{sheet.adjustment_reason}）" if sheet.revision > 1 else ""
    _paragraph(doc, f"填报单位（盖章）：{subject.organisation.name}{version}", size=11)
    _paragraph(doc, "", size=11)  # room for the unit's seal next to its name

    _basics(doc, sheet)
    _funds(doc, sheet)
    _targets(doc, sheet)
    _evaluation(doc, sheet)
    _opinions(doc, sheet)

    name, when = submitter(sheet)
    _paragraph(doc, "")
    _paragraph(doc, f"填报单位负责人（签名）：                    填表人：{name or '（签名）'}", size=11)
    _paragraph(
        doc,
        f"填表日期：{cn_date(when) or '      年    月    日'}                    联系电话：{subject.leader_phone}",
        size=11,
    )
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def filename(sheet) -> str:
    suffix = f"（第{sheet.revision}版）" if sheet.revision > 1 else ""
    return f"{sheet.subject.name}{sheet.fiscal_year}年度绩效目标申报表{suffix}.docx"


def text_of(content: bytes) -> str:
    """All paragraph and table text of a .docx (tests and checks)."""
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)

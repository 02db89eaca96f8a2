"""A target sheet as a Word document in the layout of the 项目绩效目标申报表 (《长治市预算绩效管理办法》附件1):
the project facts, 长期目标 and 年度目标, the 保障措施, the 实施进度计划, the 长期/年度绩效指标 tables with
the level-1 and level-2 cells merged, and the 审核意见 blocks — one per step of the sheet's review chain
(单位意见, 主管部门审核意见, 财政部门业务科室审核意见, 财政部门预算绩效管理科审核意见 …) filled from the
chain's review log: the opinion, who gave it and when. Built with python-docx like assessments/documents.py;
Chinese text carries East Asian fonts (w:eastAsia) so Word and WPS render it."""

from __future__ import annotations

import io

from django.utils import timezone
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH

from core import docx as style
from core.docx import BODY_FONT, FORM_MARGINS, TITLE_FONT, new_document
from core.docx import cell_text as _cell
from targets.documents.xlsx_layout import GOAL_LABELS, HORIZON_TITLES, TITLE, ordered_indicators
from workflow.actions import chain_for_display
from workflow.models import ReviewAction
from workflow.views import review_history

TABLE_SIZE = 10.5
# The 审核意见 block of each chain step, named as on 附件1 by the role that acts there; other steps (a
# region's own chain) are named after the step.
OPINION_LABELS = {
    "unit_head": "单位意见",
    "dept_reviewer": "主管部门审核意见",
    "finance_desk": "财政部门业务科室审核意见",
    "performance_section": "财政部门预算绩效管理科审核意见",
    "budget_section": "财政部门预算管理科审核意见",
    "bureau_leader": "财政局领导审批意见",
}
NOT_YET = "（尚未审核）"


def _paragraph(doc, text: str, *, font=BODY_FONT, size=12.0, bold=False, align=None):
    """The form's paragraphs: smaller, unindented, tighter than a report's."""
    return style.paragraph(doc, text, font=font, size=size, bold=bold, align=align, indent=False, space_after=3)


def _table(doc, cols: int):
    table = doc.add_table(rows=0, cols=cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    return table


def _label_value(table, label: str, value: str) -> None:
    row = table.add_row().cells
    _cell(row[0], label, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    merged = row[1].merge(row[-1])
    _cell(merged, value or "—")


def _amounts(subject) -> str:
    row = next((a for a in subject.year_amounts.all() if a.fiscal_year == subject.fiscal_year), None)
    if row is None:
        return "—"
    text = f"本年度申请 {row.requested_amount:,.2f} 元；上年度 {row.previous_amount:,.2f} 元"
    if row.arranged_amount is not None:
        text += f"；财政实际安排 {row.arranged_amount:,.2f} 元"
    return text


def _number(value) -> str:
    return f"{value.normalize():f}"


def _indicator_table(doc, rows) -> None:
    headers = ["一级指标", "二级指标", "三级指标", "指标值", "分值", "数据来源", "设定依据"]
    table = _table(doc, len(headers))
    for cell, header in zip(table.add_row().cells, headers, strict=True):
        _cell(cell, header, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    if not rows:
        row = table.add_row().cells
        _cell(row[0].merge(row[-1]), "未设置", align=WD_ALIGN_PARAGRAPH.CENTER)
        return
    first = len(table.rows)
    for indicator in rows:
        cells = table.add_row().cells
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
            _cell(cell, value, align=WD_ALIGN_PARAGRAPH.CENTER if n in (0, 1, 3, 4, 6) else WD_ALIGN_PARAGRAPH.LEFT)
    for column, key in ((0, lambda i: (i.level1,)), (1, lambda i: (i.level1, i.level2))):
        keys = [key(i) for i in rows]
        start = 0
        for n in range(1, len(keys) + 1):
            if n == len(keys) or keys[n] != keys[start]:
                if n - 1 > start:
                    top = table.cell(first + start, column)
                    text = top.text
                    merged = top.merge(table.cell(first + n - 1, column))
                    _cell(merged, text, align=WD_ALIGN_PARAGRAPH.CENTER)
                start = n


def opinions(sheet) -> list[dict]:
    """One block per review step of the sheet's chain: label, the latest opinion given there (approve or
    return), who and when; a step not reached yet has no opinion."""
    chain = chain_for_display(sheet)
    steps = [s for s in (chain.ordered_steps() if chain else []) if s.order > 0]
    logs = [log for log in review_history(sheet) if log.action in (ReviewAction.APPROVE, ReviewAction.RETURN)]
    blocks = []
    for step in steps:
        mine = [log for log in logs if log.step == step.order]
        last = mine[-1] if mine else None
        opinion = ""
        if last is not None:
            opinion = last.opinion or ("同意。" if last.action == ReviewAction.APPROVE else "")
            if last.action == ReviewAction.RETURN:
                opinion = f"退回：{opinion}" if opinion else "退回"
        blocks.append(
            {
                "label": OPINION_LABELS.get(step.role, f"{step.name}意见"),
                "step": step.name,
                "opinion": opinion,
                "actor": last.signed if last else "",
                "at": timezone.localtime(last.created_at) if last else None,
            }
        )
    return blocks


def submitter(sheet) -> tuple[str, object]:
    logs = [log for log in review_history(sheet) if log.action == ReviewAction.SUBMIT]
    if not logs:
        return "", None
    return logs[-1].signed, timezone.localtime(logs[-1].created_at)


def build(sheet) -> bytes:
    """The .docx bytes of ``sheet`` (already fetched through the gate)."""
    subject = sheet.subject
    doc = new_document(FORM_MARGINS)

    _paragraph(doc, TITLE, font=TITLE_FONT, size=18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, f"（{sheet.fiscal_year} 年度）", size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    version = f"第 {sheet.revision} 版（调整原因：{sheet.adjustment_reason}）" if sheet.revision > 1 else ""
    _paragraph(doc, f"填报单位（盖章）：{subject.organisation.name}    {version}", size=11)

    facts = _table(doc, 4)
    for left, right in (
        (("项目名称", subject.name), ("项目编码", subject.code)),
        (
            ("主管部门", subject.department.name if subject.department_id else "—"),
            ("实施单位", subject.organisation.name),
        ),
        (
            ("预算年度", f"{sheet.fiscal_year} 年"),
            ("项目期限", f"{subject.start_year}—{subject.end_year} 年（{subject.get_duration_display()}）"),
        ),
        (
            ("项目类型", f"{subject.get_category_display()}（{subject.get_sub_category_display()}）"),
            ("申报状态", sheet.get_status_display()),
        ),
    ):
        row = facts.add_row().cells
        for n, (label, value) in enumerate((left, right)):
            _cell(row[2 * n], label, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
            _cell(row[2 * n + 1], value or "—")
    _label_value(facts, "项目资金", _amounts(subject))
    for label, name in GOAL_LABELS.items():
        _label_value(facts, label, getattr(sheet, name))

    _paragraph(doc, "实施进度计划", size=12, bold=True)
    schedule = _table(doc, 4)
    for cell, header in zip(schedule.add_row().cells, ["序号", "实施内容", "开始时间", "完成时间"], strict=True):
        _cell(cell, header, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for n, stage in enumerate(sheet.stages.all(), start=1):
        cells = schedule.add_row().cells
        for cell, value in zip(
            cells, [str(n), stage.stage, f"{stage.start:%Y-%m-%d}", f"{stage.finish:%Y-%m-%d}"], strict=True
        ):
            _cell(cell, value, align=WD_ALIGN_PARAGRAPH.CENTER)

    by_horizon = ordered_indicators(sheet)
    for title, horizon in HORIZON_TITLES.items():
        _paragraph(doc, title, size=12, bold=True)
        _indicator_table(doc, by_horizon[horizon])
        if horizon == "annual" and by_horizon[horizon]:
            _paragraph(
                doc, f"年度绩效指标分值合计：{_number(sum(i.weight for i in by_horizon[horizon]))} 分", size=10.5
            )

    _paragraph(doc, "审核意见", size=12, bold=True)
    review = _table(doc, 2)
    for block in opinions(sheet):
        row = review.add_row().cells
        _cell(row[0], block["label"], bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        signed = (
            f"审核人：{block['actor']}        {block['at']:%Y年%m月%d日}"
            if block["at"]
            else "审核人：                （公章）        年    月    日"
        )
        _cell(row[1], f"{block['opinion'] or NOT_YET}\n\n{signed}")

    name, when = submitter(sheet)
    _paragraph(doc, "")
    _paragraph(
        doc,
        f"填报单位负责人（签名）：            填表人：{name or '          '}            填表日期：{when:%Y年%m月%d日}"
        if when
        else "填报单位负责人（签名）：            填表人（签名）：            填表日期：",
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

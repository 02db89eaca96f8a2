"""The assessment report as a Word document, laid out like an official report:
title, 一、基本情况, 二、评估内容与评分 (a table per point with dimension subtotals), 三、评估结论,
四、意见和建议. Chinese text carries East Asian fonts (w:eastAsia) so Word and WPS render it."""

from __future__ import annotations

import io

from django.utils import timezone
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH

from assessments import scoring
from assessments.choices import AssessmentKind
from core import clock
from core.docx import HEADING_FONT, TITLE_FONT, new_document
from core.docx import cell_text as _cell
from core.docx import paragraph as _paragraph


def _number(value) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():f}"  # 7.20 → 7.2, 100.00 → 100


def _money(value) -> str:
    return f"{value:,.2f} 元" if value is not None else "—"


def basic_facts(assessment) -> list[tuple[str, str]]:
    subject = assessment.subject
    amounts = {a.fiscal_year: a for a in subject.year_amounts.all()}
    current = amounts.get(subject.fiscal_year)
    assessor = (
        f"{assessment.assessor}（受财政部门委托独立评估）"
        if assessment.kind == AssessmentKind.THIRD_PARTY
        else assessment.assessor
    )
    return [
        ("项目名称", subject.name),
        ("项目编码", subject.code),
        ("项目类别", subject.get_kind_display()),
        ("主管部门", subject.department.name if subject.department_id else "—"),
        ("实施单位", subject.organisation.name),
        ("申报年度", f"{subject.fiscal_year} 年"),
        (
            "实施期限",
            f"{subject.start_date:%Y年%m月%d日} 至 {subject.end_date:%Y年%m月%d日}"
            if subject.start_date and subject.end_date
            else f"{subject.start_year}—{subject.end_year} 年",
        ),
        ("本年度申请金额", _money(current.requested_amount if current else None)),
        ("评估方式", assessment.get_kind_display()),
        ("评估主体", assessor),
        ("评估模板", str(assessment.template)),
    ]


def build(assessment) -> bytes:
    """The .docx bytes of ``assessment``'s report (scores as stored; the conclusion once submitted)."""
    subject = assessment.subject
    template = assessment.template
    scores = list(assessment.scores.select_related("point").order_by("point__order"))
    doc = new_document()

    _paragraph(
        doc,
        f"《{subject.name}事前绩效评估报告》",
        font=TITLE_FONT,
        size=22,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
    )
    _paragraph(doc, f"（{assessment.get_kind_display()}）", size=14, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)

    _paragraph(doc, "一、基本情况", font=HEADING_FONT, size=16)
    facts = doc.add_table(rows=0, cols=2)
    facts.style = "Table Grid"
    for label, value in basic_facts(assessment):
        row = facts.add_row().cells
        _cell(row[0], label, bold=True)
        _cell(row[1], value or "—")
    for text in (
        subject.basis and f"立项依据：{subject.basis}",
        subject.necessity and f"必要性说明：{subject.necessity}",
    ):
        if text:
            _paragraph(doc, text)

    _paragraph(doc, "二、评估内容与评分", font=HEADING_FONT, size=16)
    _paragraph(
        doc,
        f"本次评估采用《{template.name}》第 {template.version} 版，满分 100 分。{template.basis.splitlines()[0]}"
        if template.basis
        else f"本次评估采用《{template.name}》第 {template.version} 版，满分 100 分。",
    )
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, ["评估维度", "评估要点", "分值", "得分", "评估意见"], strict=True):
        _cell(cell, header, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    subtotals = dict(
        (d, (w, s)) for d, w, s in scoring.subtotals((x.point.dimension, x.point.weight, x.score) for x in scores)
    )
    for i, score in enumerate(scores):
        row = table.add_row().cells
        _cell(row[0], score.point.dimension)
        _cell(row[1], score.point.name)
        _cell(row[2], _number(score.point.weight), align=WD_ALIGN_PARAGRAPH.CENTER)
        _cell(row[3], _number(score.score), align=WD_ALIGN_PARAGRAPH.CENTER)
        _cell(row[4], score.finding or "—")
        last_of_dimension = i + 1 == len(scores) or scores[i + 1].point.dimension != score.point.dimension
        if last_of_dimension:
            weight, subtotal = subtotals[score.point.dimension]
            row = table.add_row().cells
            _cell(row[0], score.point.dimension, bold=True)
            _cell(row[1], "小计", bold=True)
            _cell(row[2], _number(weight), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
            _cell(row[3], _number(subtotal), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
            _cell(row[4], "")
    total = assessment.total_score if assessment.total_score is not None else scoring.total(s.score for s in scores)
    row = table.add_row().cells
    _cell(row[0], "合计", bold=True)
    _cell(row[1], "")
    _cell(row[2], "100", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell(row[3], _number(total), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell(row[4], "")

    _paragraph(doc, "三、评估结论", font=HEADING_FONT, size=16)
    conclusion = assessment.get_conclusion_display() or "尚未形成（评估提交后按总分确定）"
    _paragraph(doc, f"经评估，该项目总得分 {_number(total)} 分，评估结论为：{conclusion}。")
    _paragraph(
        doc,
        f"（评分标准：总分 {_number(template.support_min)} 分及以上为“予以支持”，"
        f"{_number(template.improve_min)} 分及以上为“完善后予以支持”，其余为“不予支持”。）",
        size=12,
    )
    for line in (assessment.summary or "").splitlines():
        if line.strip():
            _paragraph(doc, line.strip())

    _paragraph(doc, "四、意见和建议", font=HEADING_FONT, size=16)
    lines = [line.strip() for line in (assessment.suggestions or "").splitlines() if line.strip()]
    for line in lines or ["无。"]:
        _paragraph(doc, line)

    signer = assessment.assessor
    when = timezone.localtime(assessment.approved_at or assessment.submitted_at or clock.now())
    _paragraph(doc, signer, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _paragraph(doc, f"{when:%Y年%m月%d日}", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def filename(assessment) -> str:
    return f"{assessment.subject.name}事前绩效评估报告.docx"

"""The assessment report as a Word document, laid out like an official report:
title, 一、基本情况, 二、评估内容与评分 (a table per point, each dimension's cell merged over its points and its
subtotal), 三、评估结论, 四、意见和建议, and the assessor's signature with room for its seal. The print rules of every
Word output (issue 12 §2) come from core.docx: the title is not wrapped in 《》, dates are ``cn_date`` (2026年7月1日),
money is right-aligned on one line, the signature never stands alone on a page. Chinese text carries East Asian fonts
(w:eastAsia) so Word and WPS render it."""

from __future__ import annotations

import io

from docx.enum.text import WD_ALIGN_PARAGRAPH

from assessments import scoring
from assessments.choices import AssessmentKind
from core import clock
from core import docx as style
from core.docx import HEADING_FONT, cn_date, money_cell, new_document
from core.docx import cell_text as _cell
from core.docx import paragraph as _paragraph

CENTER = WD_ALIGN_PARAGRAPH.CENTER
MONEY_FACTS = {"本年度申请金额"}  # printed as money: right-aligned, on one line
# The facts two to a row (label, value, label, value), the long ones across the row; cm of the 15.6 cm between the
# margins of an official A4 page.
FACT_WIDTHS = [3.0, 4.8, 3.0, 4.8]
FACT_ROWS = [
    ("项目名称",),
    ("项目编码", "项目类别"),
    ("主管部门", "实施单位"),
    ("申报年度", "本年度申请金额"),
    ("实施期限",),
    ("评估方式", "评估模板"),
    ("评估主体",),
]
SCORE_WIDTHS = [2.4, 4.4, 1.3, 1.3, 6.2]


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
            f"{cn_date(subject.start_date)}至{cn_date(subject.end_date)}"
            if subject.start_date and subject.end_date
            else f"{subject.start_year}—{subject.end_year} 年",
        ),
        ("本年度申请金额", _money(current.requested_amount if current else None)),
        ("评估方式", assessment.get_kind_display()),
        ("评估主体", assessor),
        ("评估模板", str(assessment.template)),
    ]


def _facts(doc, assessment) -> None:
    facts = style.grid_table(doc, FACT_WIDTHS)
    values = dict(basic_facts(assessment))
    for names in FACT_ROWS:
        cells = style.grid_row(facts)
        if len(names) == 1:
            cells = [cells[0], cells[1].merge(cells[3])]
        for n, name in enumerate(names):
            _cell(cells[2 * n], name, bold=True, align=CENTER)
            style.vertical_center(cells[2 * n])
            (money_cell if name in MONEY_FACTS else _cell)(cells[2 * n + 1], values[name] or "—")


def _scores(doc, assessment, scores):
    """One row per point; each dimension's cell is merged over its points and its 小计 row, as on a scoring sheet."""
    table = style.grid_table(doc, SCORE_WIDTHS)
    style.header_row(table, ["评估维度", "评估要点", "分值", "得分", "评估意见"], money_columns=(2, 3))
    subtotals = {
        d: (w, s) for d, w, s in scoring.subtotals((x.point.dimension, x.point.weight, x.score) for x in scores)
    }
    first, dimensions = len(table.rows), []
    for i, score in enumerate(scores):
        dimension = score.point.dimension
        row = style.grid_row(table)
        _cell(row[0], dimension, align=CENTER)
        _cell(row[1], score.point.name)
        _cell(row[2], _number(score.point.weight), align=CENTER)
        _cell(row[3], _number(score.score), align=CENTER)
        _cell(row[4], score.finding or "—")
        dimensions.append(dimension)
        if i + 1 == len(scores) or scores[i + 1].point.dimension != dimension:
            weight, subtotal = subtotals[dimension]
            row = style.grid_row(table)
            _cell(row[0], dimension, align=CENTER)
            _cell(row[1], "小计", bold=True, align=CENTER)
            _cell(row[2], _number(weight), bold=True, align=CENTER)
            _cell(row[3], _number(subtotal), bold=True, align=CENTER)
            _cell(row[4], "")
            style.cant_split(table.rows[-1])
            dimensions.append(dimension)
    style.merge_down(table, first, 0, dimensions, bold=True)
    total = assessment.total_score if assessment.total_score is not None else scoring.total(s.score for s in scores)
    row = style.grid_row(table)
    _cell(row[0].merge(row[1]), "合计", bold=True, align=CENTER)
    _cell(row[2], "100", bold=True, align=CENTER)
    _cell(row[3], _number(total), bold=True, align=CENTER)
    _cell(row[4], "")
    style.cant_split(table.rows[-1])
    for row in table.rows:  # the scores stay on one line
        style.no_wrap(row.cells[2])
        style.no_wrap(row.cells[3])
    return total


def build(assessment) -> bytes:
    """The .docx bytes of ``assessment``'s report (scores as stored; the conclusion once submitted)."""
    subject = assessment.subject
    template = assessment.template
    scores = list(assessment.scores.select_related("point").order_by("point__order"))
    doc = new_document()

    # The report's own title is plain text (issue 12 §2): 《》 mark a document cited inside another.
    style.title(doc, [subject.name, "事前绩效评估报告"])
    _paragraph(doc, f"（{assessment.get_kind_display()}）", size=14, align=CENTER, indent=False)

    _paragraph(doc, "一、基本情况", font=HEADING_FONT, size=16)
    _facts(doc, assessment)
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
    total = _scores(doc, assessment, scores)

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

    # The assessor signs and seals the report: its name and the date, right-aligned under room for the seal.
    when = assessment.approved_at or assessment.submitted_at or clock.now()
    style.signature_block(doc, [f"{assessment.assessor}（盖章）", cn_date(when)])

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def filename(assessment) -> str:
    return f"{assessment.subject.name}事前绩效评估报告.docx"

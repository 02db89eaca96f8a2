"""The notice (通报) of a spot re-check, as a Word document from the bureau (seed 001 第二十一条: 对未按要求开展自评、
自评和抽评结果差异较大以及抽评结果为差的项目予以通报).

Title, the round and how the sample was drawn (method, share, minimum, the seed that reproduces it), then three lists
as tables — 自评和抽评结果差异较大, 未按要求开展自评 (by department), 抽评结果为差 — and the 提示 of forms not re-checked
whose indicator score is far above their execution (``discrepancy.FLAG_RULE``), then the requirements and the
bureau's signature. The print rules are core.docx's: title without 《》, dates without leading zeros, numbers
right-aligned on one line, header rows repeated. Built from ``discrepancy.report(sample, user)``, so it lists exactly
what the requesting user may read."""

from __future__ import annotations

import io
from decimal import Decimal

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from core import clock
from core import docx as style
from core.docx import HEADING_FONT, cn_date, money_cell, new_document
from core.docx import cell_text as _cell
from core.docx import paragraph as _paragraph
from evaluations.choices import SampleMethod
from organisations.choices import OrgKind

CENTER = WD_ALIGN_PARAGRAPH.CENTER
# cm of the 15.6 cm between the margins of an official A4 page
# (a score column fits "自评得分" and "+100.00" on one line at 10.5 pt: core.docx.fit_cm gives 1.93 cm)
GAP_WIDTHS = [1.2, 3.4, 3.1, 2.0, 2.0, 1.9, 2.0]
POOR_WIDTHS = [1.2, 3.9, 3.4, 2.0, 2.0, 3.1]
LATE_WIDTHS = [1.2, 10.0, 4.4]
FLAG_WIDTHS = [1.2, 3.9, 3.4, 2.4, 2.4, 2.3]
NUMBER_SIZE = 10.5


def _points(value) -> str:
    return "—" if value is None else f"{Decimal(value):,.2f}"


def _percent(value) -> str:
    return f"{(Decimal(value) * 100).normalize():f}%"


def _signed(value) -> str:
    if value is None:
        return "—"
    value = Decimal(value)
    return f"+{value:,.2f}" if value > 0 else f"{value:,.2f}"


def _unit(form) -> str:
    return form.organisation.name if form.organisation_id else "—"


def _table(doc, widths, titles, number_columns=()):
    table = style.grid_table(doc, widths)
    style.header_row(table, titles, money_columns=number_columns)
    return table


def _row(table, values, number_columns=()):
    cells = style.grid_row(table)
    for n, (cell, value) in enumerate(zip(cells, values, strict=True)):
        if n in number_columns:
            money_cell(cell, value, size=NUMBER_SIZE)
        elif n == 0:
            _cell(cell, value, align=CENTER, size=NUMBER_SIZE)
        else:
            _cell(cell, value, size=NUMBER_SIZE)
    style.cant_split(table.rows[-1])


def _heading(doc, text: str) -> None:
    """一、… in 黑体, a little apart from the table above and never left alone at the foot of a page."""
    para = _paragraph(doc, text, font=HEADING_FONT, size=16)
    para.paragraph_format.space_before = Pt(6)
    para.paragraph_format.keep_with_next = True


def _none(doc, text: str) -> None:
    _paragraph(doc, text)


def build(report) -> bytes:
    """The .docx bytes of the notice of ``report`` (``discrepancy.report``)."""
    sample = report.sample
    evaluation_round = sample.round
    bureau = evaluation_round.organisation
    bureau_name = (
        bureau.parent.name if bureau.parent_id and bureau.parent.kind == OrgKind.FINANCE_BUREAU else bureau.name
    )
    year = evaluation_round.fiscal_year
    rechecked_total = sample.items.count()
    doc = new_document()

    style.title(doc, [f"关于{year}年度部门预算绩效自评", "抽查复核情况的通报"])
    _paragraph(doc, "各主管部门、预算单位：", indent=False)
    method = SampleMethod(sample.method).label if sample.method in SampleMethod.values else sample.method
    _paragraph(
        doc,
        f"根据预算绩效管理有关规定，{bureau_name}组织开展了{evaluation_round.name}，并对各部门单位报送的自评结果实施"
        f"抽查复核。现将有关情况通报如下。",
    )

    _heading(doc, "一、抽查复核基本情况")
    _paragraph(
        doc,
        f"本轮已报送自评表 {sample.candidates:,} 份，抽查复核 {rechecked_total:,} 份。抽样方式为{method}，"
        f"各部门抽查比例 {_percent(sample.share)}、每部门至少 {sample.minimum:,} 份（不足的全部抽查），"
        f"随机种子 {sample.seed}（记录在案，以同一种子可重现同一样本），抽样时间 {cn_date(sample.drawn_at)}。"
        f"自评得分与复核得分相差 {_points(sample.threshold_points)} 分及以上"
        f"{'或评价等级不同' if sample.grade_differs else ''}的，列为差异较大。",
    )

    _heading(doc, "二、自评和抽评结果差异较大的项目")
    if report.large_gaps:
        numbers = (3, 4, 5)
        table = _table(
            doc, GAP_WIDTHS, ["序号", "项目名称", "自评单位", "自评得分", "复核得分", "差异", "等级"], numbers
        )
        for n, item in enumerate(report.large_gaps, start=1):
            grades = f"{item.self_grade or '—'}→{item.grade or '—'}"
            _row(
                table,
                [
                    str(n),
                    item.evaluation.subject.name,
                    _unit(item.evaluation),
                    _points(item.self_score),
                    _points(item.total_score),
                    _signed(item.difference),
                    grades,
                ],
                numbers,
            )
        _paragraph(doc, "注：差异 = 自评得分 − 复核得分；等级为“自评等级→复核等级”。", size=12, indent=False)
    else:
        _none(doc, "本次抽查复核未发现自评和抽评结果差异较大的项目。")

    _heading(doc, "三、未按要求开展自评的情况")
    if report.not_self_evaluated:
        numbers = (2,)
        table = _table(doc, LATE_WIDTHS, ["序号", "主管部门", "未报送自评表（份）"], numbers)
        for n, row in enumerate(report.not_self_evaluated, start=1):
            _row(table, [str(n), row["department__name"] or "（未列主管部门）", f"{row['unsubmitted']:,}"], numbers)
    else:
        _none(doc, "各部门均已按要求报送自评表。")

    _heading(doc, "四、抽评结果为差的项目")
    rechecked, by_unit = report.graded_poor
    if rechecked or by_unit:
        numbers = (3, 4)
        table = _table(doc, POOR_WIDTHS, ["序号", "项目名称", "自评单位", "自评得分", "复核得分", "等级"], numbers)
        n = 0
        for item in rechecked:
            n += 1
            _row(
                table,
                [
                    str(n),
                    item.evaluation.subject.name,
                    _unit(item.evaluation),
                    _points(item.self_score),
                    _points(item.total_score),
                    f"{item.grade}（复核）",
                ],
                numbers,
            )
        for form in by_unit:
            n += 1
            _row(
                table,
                [str(n), form.subject.name, _unit(form), _points(form.total_score), "未抽查", f"{form.grade}（自评）"],
                numbers,
            )
    else:
        _none(doc, "本次未发现评价结果为差的项目。")

    _heading(doc, "五、提示")
    if report.flagged:
        scheme = evaluation_round.scheme
        _paragraph(
            doc,
            f"以下项目未被抽中复核，但{report_rule()}：绩效指标得分率减去预算执行率得分率达到 {_percent(sample.flag_gap)}"
            "，请主管部门督促单位对照佐证材料自行核实。",
        )
        _paragraph(
            doc,
            f"（绩效指标满分 {scheme.indicator_points.normalize():f} 分，"
            f"预算执行率满分 {scheme.execution_points.normalize():f} 分。）",
            size=12,
            indent=False,
        )
        numbers = (3, 4, 5)
        table = _table(
            doc,
            FLAG_WIDTHS,
            [
                "序号",
                "项目名称",
                "自评单位",
                "指标得分",
                "执行得分",
                "自评得分",
            ],
            numbers,
        )
        for n, form in enumerate(report.flagged, start=1):
            _row(
                table,
                [
                    str(n),
                    form.subject.name,
                    _unit(form),
                    _points(form.indicator_score),
                    _points(form.execution_score),
                    _points(form.total_score),
                ],
                numbers,
            )
    else:
        _none(doc, "无。")

    _heading(doc, "六、有关要求")
    for line in (
        "（一）自评和抽评结果差异较大的项目，相关单位要查找原因，说明情况，并按复核结果修正自评结论。",
        "（二）未按要求开展自评的部门，要督促所属单位限期补报自评表。",
        "（三）抽评结果为差的项目，相关部门单位要认真整改，整改情况作为以后年度预算安排的重要参考。",
    ):
        _paragraph(doc, line)

    style.signature_block(doc, [bureau_name, cn_date(clock.today())])
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def report_rule() -> str:
    from evaluations.discrepancy import FLAG_RULE

    return FLAG_RULE


def filename(sample) -> str:
    return f"关于{sample.round.fiscal_year}年度部门预算绩效自评抽查复核情况的通报.docx"

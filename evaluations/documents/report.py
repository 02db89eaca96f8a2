"""The self-evaluation report (项目支出绩效自评报告) as Word, in the outline of seed 003 附件4 (绩效报告（提纲）), generated
from the form's data: the subject and its unit, the approved targets, treasury execution as of 31 December, the
indicator rows with their actuals and scores (the engine's, ``form_scoring.score_form`` on the stored values), the
deviation reasons and measures, and the form's narrative fields.

附件4 numbers two chapters 五 (项目执行基本情况 and 资金超支（节约原因）); printed here as 五 and 六, so the self-assessment
is 七. The unit's narrative (``self_actions.FORM_FIELDS``) goes under its heading: 项目主要内容 under 二, the plan
adjustment under 五（二） after the target sheet's revision, 年度总体目标完成情况 under 五（四）, the management rules under
五（五）, the variance reason under 六 after the execution figures, the social impact under 七（二） before the effect
indicators, and the experience, problems and measures as 七（三） 1–3. A field the unit left empty falls back on what the
data says (the subject's summary, the target sheet's 保障措施, the effect indicators); where the data has nothing to
say the report prints “（单位未填写）”.

Printed by the rules of ``core.docx`` (issue 12 §2): the title plain (no 《》), dates without leading zeros, money in
yuan to the fen with thousands separators, right-aligned and unbroken, level-1/level-2 cells merged over their rows,
table headers repeated, and the unit's signature with room for its seal."""

from __future__ import annotations

import io
from collections import OrderedDict
from decimal import Decimal

from docx.enum.text import WD_ALIGN_PARAGRAPH

from core import clock
from core import docx as style
from core.docx import HEADING_FONT, cn_date, money_cell, new_document
from core.docx import cell_text as _cell
from core.docx import paragraph as _paragraph
from evaluations import form_scoring
from evaluations.choices import Band, IndicatorKind, Status
from evaluations.documents.xlsx_write import KIND_SIGN, level_label
from evaluations.scoring import percent, score_text, yuan
from subjects.models import SubjectYearAmount
from targets.choices import Level1, Level2

CENTER = WD_ALIGN_PARAGRAPH.CENTER
TABLE_SIZE = 9.0
FACT_WIDTHS = [3.0, 4.8, 3.0, 4.8]
MONEY_WIDTHS = [7.0, 4.3, 4.3]
INDICATOR_WIDTHS = [1.4, 1.7, 2.9, 1.8, 1.8, 1.1, 1.7, 3.2]  # 15.6 cm between the margins of an official A4 page
SCORE_WIDTHS = [7.8, 2.6, 2.6, 2.6]
NOT_FILLED = "（单位未填写）"


def _heading(doc, text: str) -> None:
    para = _paragraph(doc, text, font=HEADING_FONT, size=16)
    para.paragraph_format.keep_with_next = True


def _subheading(doc, text: str) -> None:
    para = _paragraph(doc, text, font="楷体", size=14)
    para.paragraph_format.keep_with_next = True


def _lines(doc, text: str, empty: str = "无。") -> None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for line in lines or [empty]:
        _paragraph(doc, line)


def _filled(text: str) -> bool:
    return bool((text or "").strip())


def _points(value) -> str:
    return "—" if value is None else score_text(value)


def _number(value) -> str:
    return f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)


def _fact_rows(form) -> list[tuple]:
    subject = form.subject
    period = (
        f"{cn_date(subject.start_date)}至{cn_date(subject.end_date)}"
        if subject.start_date and subject.end_date
        else f"{subject.start_year}—{subject.end_year} 年"
    )
    return [
        (("项目名称", subject.name),),
        (("项目编码", subject.code), ("自评类型", form.get_kind_display())),
        (("主管部门", form.department.name if form.department_id else "—"), ("实施单位", form.organisation.name)),
        (("评价年度", f"{form.fiscal_year} 年度"), ("评价阶段", form.get_stage_display())),
        (("项目负责人", subject.leader or "—"), ("联系电话", subject.leader_phone or "—")),
        (("实施期限", period),),
        (("评价方案", f"{form.scheme.name}（第 {form.scheme.version} 版）"),),
    ]


def _facts(doc, form) -> None:
    table = style.grid_table(doc, FACT_WIDTHS)
    for pairs in _fact_rows(form):
        cells = style.grid_row(table)
        if len(pairs) == 1:
            cells = [cells[0], cells[1].merge(cells[3])]
        for n, (label, value) in enumerate(pairs):
            _cell(cells[2 * n], label, bold=True, align=CENTER, size=TABLE_SIZE + 1.5)
            style.vertical_center(cells[2 * n])
            _cell(cells[2 * n + 1], value or "—", size=TABLE_SIZE + 1.5)


def _money_table(doc, rows: list[tuple[str, Decimal | None, str]]) -> None:
    """项目 | 金额（元） | 说明; each amount right-aligned on one line."""
    widths = list(MONEY_WIDTHS)
    widths[1] = max(widths[1], style.fit_cm([yuan(a) for _, a, _ in rows if a is not None], TABLE_SIZE + 1.5))
    widths[0] = sum(MONEY_WIDTHS) - widths[1] - widths[2]
    table = style.grid_table(doc, widths)
    style.header_row(table, ["项目", "金额", "说明"], money_columns=(1,), size=TABLE_SIZE + 1.5)
    for label, amount, note in rows:
        cells = style.grid_row(table)
        _cell(cells[0], label, size=TABLE_SIZE + 1.5)
        money_cell(cells[1], yuan(amount) if amount is not None else "—", size=TABLE_SIZE + 1.5)
        _cell(cells[2], note, size=TABLE_SIZE + 1.5)


def _arranged(form) -> Decimal | None:
    amount = SubjectYearAmount.objects.filter(subject_id=form.subject_id, fiscal_year=form.fiscal_year).first()
    return amount.arranged_amount if amount is not None else None


def _target_text(row) -> str:
    if row.kind == IndicatorKind.QUALITATIVE:
        return row.target_value or "—"
    sign = KIND_SIGN.get(row.kind, "")
    sign = "" if sign == "=" else sign
    return f"{sign}{row.target_value}{row.unit}" if row.target_value else "—"


def _actual_text(row) -> str:
    if not row.applicable:
        return "不适用"
    if row.kind == IndicatorKind.QUALITATIVE:
        band = Band(row.band).label if row.band in Band.values else ""
        parts = [p for p in (row.actual, band and f"评为“{band}”") if p]
        return "；".join(parts) or "未填写"
    if row.is_satisfaction and not row.surveyed:
        return "未开展调查"
    return f"{row.actual}{row.unit}" if row.actual else "未填写"


def _reason_text(row) -> str:
    parts = []
    if row.deviation_reason.strip():
        parts.append(f"原因：{row.deviation_reason.strip()}")
    if row.improvement.strip():
        parts.append(f"措施：{row.improvement.strip()}")
    return "\n".join(parts)


def _weight_text(row) -> str:
    """The target sheet's points of a row, and under a 4E scheme the points it is scored out of within its dimension
    (``form_scoring``: the sheet's weights rescaled to the dimension's points), as the form page shows them."""
    scored = getattr(row, "scored_weight", row.weight)
    return _number(row.weight) + (f"\n（折算 {_number(scored)}）" if scored != row.weight else "")


def _indicator_table(doc, rows) -> None:
    table = style.grid_table(doc, INDICATOR_WIDTHS)
    style.header_row(
        table,
        ["一级指标", "二级指标", "三级指标", "年度指标值", "全年实际值", "分值", "得分", "偏差原因和改进措施"],
        money_columns=(5, 6),
        size=TABLE_SIZE,
    )
    first = len(table.rows)
    for row in rows:
        cells = style.grid_row(table)
        _cell(cells[0], level_label(row.level1, Level1), align=CENTER, size=TABLE_SIZE)
        _cell(cells[1], level_label(row.level2, Level2), align=CENTER, size=TABLE_SIZE)
        _cell(cells[2], row.name, size=TABLE_SIZE)
        _cell(cells[3], _target_text(row), align=CENTER, size=TABLE_SIZE)
        _cell(cells[4], _actual_text(row), align=CENTER, size=TABLE_SIZE)
        _cell(cells[5], _weight_text(row), align=CENTER, size=TABLE_SIZE)
        _cell(cells[6], _points(row.result.score if row.result is not None else None), align=CENTER, size=TABLE_SIZE)
        _cell(cells[7], _reason_text(row), size=TABLE_SIZE)
        for n in (5, 6):
            style.no_wrap(cells[n])
        style.cant_split(table.rows[-1])
    style.merge_down(table, first, 0, [(r.level1,) for r in rows], size=TABLE_SIZE)
    style.merge_down(table, first, 1, [(r.level1, r.level2) for r in rows], size=TABLE_SIZE)
    cells = style.grid_row(table)
    _cell(cells[0].merge(cells[4]), "合计", bold=True, align=CENTER, size=TABLE_SIZE)
    weights = sum((r.weight for r in rows), Decimal("0"))
    scored = sum((getattr(r, "scored_weight", r.weight) for r in rows), Decimal("0"))
    total = _number(weights) + (f"\n（折算 {_number(scored)}）" if scored != weights else "")
    _cell(cells[5], total, bold=True, align=CENTER, size=TABLE_SIZE)
    _cell(cells[6], "", size=TABLE_SIZE)
    _cell(cells[7], "", size=TABLE_SIZE)
    style.cant_split(table.rows[-1])


def _score_table(doc, form, score) -> None:
    """评价内容 | 分值 | 得分 | 得分率: execution, each level-1 group of indicators, the total; a 4E form (seed 002
    六（二）) lists its four dimensions instead (no execution score)."""
    table = style.grid_table(doc, SCORE_WIDTHS)
    style.header_row(table, ["评价内容", "分值", "得分", "得分率"], money_columns=(1, 2, 3), size=TABLE_SIZE + 1.5)
    execution = score.execution
    groups: OrderedDict[str, list] = OrderedDict()
    for row in score.rows:
        groups.setdefault(level_label(row.level1, Level1), []).append(row)
    if score.dimensions:
        groups.clear()
    lines = [(f"{d.label}（4E）", d.full, d.total) for d in score.dimensions]
    if execution.status != Status.NOT_APPLICABLE:
        lines.append(("预算执行率", execution.full, execution.score))

    def counted(rows):
        return [r for r in rows if r.result is not None and r.result.status != Status.NOT_APPLICABLE]

    # each group's points rescaled as the engine rescales them (indicators that do not apply are left out), rounded
    # once per group, so that the groups add up to the indicators' points
    weights = sum((r.weight for r in counted(score.rows)), Decimal("0"))
    factor = score.indicators.full / weights if weights else Decimal("0")
    for label, rows in groups.items():
        full = (sum((r.weight for r in counted(rows)), Decimal("0")) * factor).quantize(Decimal("0.01"))
        got = sum((r.result.score or Decimal("0") for r in counted(rows)), Decimal("0")) if counted(rows) else None
        lines.append((label, full, got))
    total = score.evaluation.total
    for label, full, got in lines:
        cells = style.grid_row(table)
        _cell(cells[0], label, size=TABLE_SIZE + 1.5)
        _cell(cells[1], _points(full), align=CENTER, size=TABLE_SIZE + 1.5)
        _cell(cells[2], _points(got), align=CENTER, size=TABLE_SIZE + 1.5)
        rate = percent(got / full) if got is not None and full else "—"
        _cell(cells[3], rate, align=CENTER, size=TABLE_SIZE + 1.5)
    cells = style.grid_row(table)
    _cell(cells[0], "自评得分", bold=True, size=TABLE_SIZE + 1.5)
    _cell(cells[1], "100.00", bold=True, align=CENTER, size=TABLE_SIZE + 1.5)
    _cell(cells[2], _points(total), bold=True, align=CENTER, size=TABLE_SIZE + 1.5)
    _cell(cells[3], score.evaluation.grade or "—", bold=True, align=CENTER, size=TABLE_SIZE + 1.5)
    for row in table.rows:
        for n in (1, 2, 3):
            style.no_wrap(row.cells[n])


def _grade_rule(form) -> str:
    lines = sorted(form.scheme.rules().grade_lines, key=lambda g: g.minimum, reverse=True)
    parts = [f"{_number(g.minimum)} 分及以上为“{g.label}”" for g in lines if g.minimum > 0]
    rest = [g.label for g in lines if g.minimum <= 0]
    if rest:
        parts.append(f"其余为“{rest[0]}”")
    return "，".join(parts)


def _effects(rows) -> list[str]:
    found = []
    for row in rows:
        if row.level1 != Level1.EFFECT:
            continue
        found.append(
            f"{level_label(row.level2, Level2)}“{row.name}”：年度目标 {_target_text(row)}；完成情况：{_actual_text(row)}。"
        )
    return found


def build(form) -> bytes:
    """The .docx bytes of ``form``'s self-evaluation report (its stored values, scored by the engine)."""
    subject = form.subject
    sheet = form.target_sheet
    rows = list(form.indicators.all())
    score = form_scoring.score_form(form, rows)
    rows = score.rows
    evaluation = score.evaluation
    doc = new_document()

    style.title(doc, [subject.name, f"{form.fiscal_year}年度项目支出绩效自评报告"])
    _paragraph(doc, f"（{form.get_stage_display()}）", size=14, align=CENTER, indent=False)
    if form.submitted_at is None:
        _paragraph(doc, "草稿：尚未报送，内容以报送的自评表为准", size=12, align=CENTER, indent=False)
    _facts(doc, form)

    _heading(doc, "一、单位基本情况")
    department = form.department.name if form.department_id else ""
    _paragraph(
        doc,
        f"{form.organisation.name}" + (f"，主管部门为{department}" if department else "") + "。",
    )
    _lines(doc, subject.unit_functions, empty="")

    _heading(doc, "二、项目主要内容")
    _lines(
        doc,
        form.main_content if _filled(form.main_content) else subject.summary,
        empty=f"{subject.name}（{subject.get_kind_display()}），{form.fiscal_year} 年度全年预算数 {yuan(form.budget)}。",
    )
    if subject.basis.strip():
        _paragraph(doc, f"立项依据：{subject.basis.strip()}")

    _heading(doc, "三、预期绩效目标")
    _subheading(doc, "（一）项目预期基本目标或阶段性目标")
    if sheet is None:
        _paragraph(doc, f"本项目没有批复的 {form.fiscal_year} 年度绩效目标，本次自评只评价预算执行。")
    else:
        if sheet.long_term_goal.strip():
            _paragraph(doc, f"长期目标：{sheet.long_term_goal.strip()}")
        _paragraph(doc, f"年度目标：{sheet.annual_goal.strip() or '—'}")
    _subheading(doc, "（二）项目预期政治、经济和社会效益")
    effects = [
        f"{level_label(r.level2, Level2)}“{r.name}”：{_target_text(r)}。" for r in rows if r.level1 == Level1.EFFECT
    ]
    for line in effects or ["绩效目标未设效益指标。"]:
        _paragraph(doc, line)

    _heading(doc, "四、资金到位情况")
    arranged = _arranged(form)
    _money_table(
        doc,
        [
            ("财政安排预算", arranged, "预算批复安排的本年度资金"),
            ("全年预算数（资金到位）", form.budget, f"截至{cn_date(_year_end(form))}下达的预算指标"),
        ],
    )
    if arranged is not None and form.budget < arranged:
        _paragraph(doc, f"到位资金比安排预算少 {yuan(arranged - form.budget)}。")

    _heading(doc, "五、项目执行基本情况")
    _subheading(doc, "（一）项目总投入情况")
    _paragraph(doc, f"本年度项目总投入（全年预算数）{yuan(form.budget)}。")
    _subheading(doc, "（二）项目执行过程中目标、计划调整情况及采取的相关措施")
    if sheet is not None and sheet.revision > 1:
        reason = sheet.adjustment_reason.strip()
        _paragraph(
            doc,
            f"本年度绩效目标经调整，按调整后批复的第 {sheet.revision} 版评价"
            + (f"；调整原因：{reason}" if reason else "")
            + "。",
        )
    else:
        _paragraph(doc, "本年度绩效目标未作调整。")
    if _filled(form.plan_adjustment):
        _lines(doc, form.plan_adjustment)
    _subheading(doc, "（三）项目的实际支出情况")
    _paragraph(doc, _execution_text(form, score))
    _subheading(doc, "（四）项目绩效目标或阶段性目标完成情况")
    _lines(doc, form.goal_completion, empty="尚未填写年度总体目标完成情况。")
    if rows:
        _indicator_table(doc, rows)
    _subheading(doc, "（五）项目管理制度及执行情况")
    if _filled(form.management):
        _lines(doc, form.management)
    else:  # the unit left it empty: the target sheet's 保障措施
        _sheet_measures(doc, sheet)

    _heading(doc, "六、资金超支（节约）原因")
    _paragraph(doc, _balance_text(form))
    if _filled(form.variance_reason):
        _paragraph(doc, "原因：")
        _lines(doc, form.variance_reason)
    elif form.paid != form.budget:
        _paragraph(doc, f"原因：{NOT_FILLED}")

    _heading(doc, "七、项目绩效结果自我评价")
    _subheading(doc, "（一）项目实现的绩效目标与预期绩效目标的对比分析情况")
    _score_table(doc, form, score)
    _paragraph(doc, _comparison_text(rows))
    if score.indicators.explanation:
        _paragraph(doc, f"{score.indicators.explanation}。")
    if evaluation.total is not None:
        _paragraph(
            doc,
            f"自评结论：本项目 {form.fiscal_year} 年度自评得分 {score_text(evaluation.total)} 分，"
            f"自评等级为“{evaluation.grade}”。",
        )
    else:
        problems = "；".join(p.message for p in evaluation.problems[:3])
        _paragraph(doc, f"自评结论：尚不能计分（{problems}）。")
    _paragraph(doc, f"（评分标准：{_grade_rule(form)}。）", size=12)
    _subheading(doc, "（二）项目实施对社会的影响以及所起到的政治、经济和社会效益")
    if _filled(form.social_impact):
        _lines(doc, form.social_impact)
    for line in _effects(rows) or ([] if _filled(form.social_impact) else ["绩效目标未设效益指标。"]):
        _paragraph(doc, line)
    _subheading(doc, "（三）项目实施的经验、存在的问题和改进建议")
    _paragraph(doc, "1.项目实施的经验", indent=True)
    _lines(doc, form.experience, empty=NOT_FILLED)
    _paragraph(doc, "2.存在的问题和原因", indent=True)
    _lines(doc, form.problems)
    deviations = [r for r in rows if r.deviation.needs_reason]
    for row in deviations:
        _paragraph(
            doc,
            f"指标“{row.name}”{row.deviation.explanation.split('，须')[0]}"
            + (f"，原因：{row.deviation_reason.strip()}" if row.deviation_reason.strip() else "")
            + "。",
        )
    _paragraph(doc, "3.改进措施和结果应用", indent=True)
    _lines(doc, form.measures)
    for row in deviations:
        if row.improvement.strip():
            _paragraph(doc, f"针对“{row.name}”：{row.improvement.strip()}。")

    when = form.submitted_at or clock.today()
    style.signature_block(doc, [f"{form.organisation.name}（盖章）", cn_date(when)])

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _sheet_measures(doc, sheet) -> None:
    measures = [
        (label, getattr(sheet, name).strip())
        for label, name in (
            ("组织保障", "measure_organisation"),
            ("制度保障", "measure_rules"),
            ("工作计划", "measure_plan"),
        )
        if sheet is not None and getattr(sheet, name).strip()
    ]
    for label, text in measures or [("", "绩效目标未列保障措施。")]:
        _paragraph(doc, f"{label}：{text}" if label else text)


def _year_end(form):
    import datetime

    return datetime.date(form.fiscal_year, 12, 31)


def _execution_text(form, score) -> str:
    execution = score.execution
    if score.dimensions:  # 4E: shown, not scored
        return f"截至{cn_date(_year_end(form))}，全年执行数 {yuan(form.paid)}。{execution.explanation}。"
    if form.budget == 0:
        return f"本年度没有预算（全年预算数为 0），全年执行数 {yuan(form.paid)}；执行率不计分，绩效指标按 100 分折算。"
    rate = percent(form.execution_rate) if form.execution_rate is not None else "—"
    return (
        f"截至{cn_date(_year_end(form))}，全年执行数 {yuan(form.paid)}，预算执行率 {rate}，"
        f"预算执行率得分 {_points(execution.score)} 分（满分 {score_text(execution.full)} 分）。"
    )


def _balance_text(form) -> str:
    if form.paid > form.budget:
        return f"全年执行数超出全年预算数 {yuan(form.paid - form.budget)}。"
    if form.paid < form.budget:
        share = percent((form.budget - form.paid) / form.budget)
        return f"全年结余（未执行）{yuan(form.budget - form.paid)}，占全年预算数的 {share}。"
    return "预算资金全部按计划执行，没有超支或结余。"


def _comparison_text(rows) -> str:
    if not rows:
        return "本项目没有年度绩效指标。"
    applicable = [r for r in rows if r.result is not None and r.result.status != Status.NOT_APPLICABLE]
    met = [r for r in applicable if r.result.score is not None and r.result.full and r.result.score >= r.result.full]
    short = [r for r in applicable if r not in met]
    text = f"本年度共设绩效指标 {len(rows)} 项，其中适用 {len(applicable)} 项，全部完成（得满分）{len(met)} 项"
    if short:
        names = "、".join(f"“{r.name}”" for r in short[:6]) + ("等" if len(short) > 6 else "")
        text += f"，未完全完成 {len(short)} 项：{names}"
    return text + "。"


def filename(form) -> str:
    return f"{form.subject.name}{form.fiscal_year}年度项目支出绩效自评报告.docx"

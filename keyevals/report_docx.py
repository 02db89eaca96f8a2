"""Word documents of a key evaluation's report stage, generated from the data and laid out as seed 003 prints them:

* the evaluation report, 附件5-1: the cover (项目名称, 项目单位, 主管部门, 评价类型 / 评价方式 / 评价机构 ticked ☑ or □,
  the date, "××市财政局（制）"), 一、项目基本概况, 二、项目支出明细情况, 三、项目绩效情况 (the plan's indicators with the
  aggregated scores, subtotals per level-1 indicator, 综合得分 and 评价等次), 四、评价人员 (the working group, with the
  signature lines), 五、评价报告文字部分 with the outline of 附件5-2 (（一）项目基本概况 … （五）附件; 评价发现的问题 from the
  structured problems). It is a draft: the preparer edits it in Word and uploads the result (report_actions).
* the feedback letter, 附件6: the letter with its reply date ("逾期未复，视为无异议") and the evaluated organisation's
  three opinions (项目单位意见) with room for its seal.

The print rules of every Word output come from core.docx (titles not wrapped in 《》, dates without leading zeros,
money right-aligned on one line, merged dimension cells, header rows repeated, signatures kept together)."""

from __future__ import annotations

import io
from decimal import Decimal

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from core import clock
from core import docx as style
from core.docx import HEADING_FONT, cell_text, cn_date, money_cell, new_document, paragraph
from core.money import wan_text
from keyevals.models import EvaluationStage, LetterStatus, MemberRole, ProblemCategory
from organisations.choices import OrgKind

CENTER = WD_ALIGN_PARAGRAPH.CENTER
TICK, BOX = "☑", "□"
FACT_WIDTHS = [3.4, 4.4, 3.4, 4.4]
SCORE_WIDTHS = [2.4, 3.0, 6.0, 2.1, 2.1]
MEMBER_WIDTHS = [2.8, 3.2, 6.4, 3.2]
SPEND_WIDTHS = [8.0, 3.8, 3.8]
LETTER_WIDTHS = [4.2, 11.4]


# ---------------------------------------------------------------------------------------------- shared


def _number(value) -> str:
    if value is None:
        return "—"
    value = Decimal(value)
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value.quantize(Decimal('0.01'))}"


def _heading(doc, text: str, size=16.0):
    para = paragraph(doc, text, font=HEADING_FONT, size=size, indent=False, space_after=6)
    para.paragraph_format.keep_with_next = True
    return para


def _lines(doc, text: str, empty: str = "") -> None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for line in lines or ([empty] if empty else []):
        paragraph(doc, line)


def _page_break(doc) -> None:
    run = doc.add_paragraph().add_run()
    br = OxmlElement("w:br")
    br.set(qn("w:type"), "page")
    run._r.append(br)


def bureau_name(organisation) -> str:
    """The finance bureau of the organiser's region (the cover's “××市财政局（制）”)."""
    from organisations.models import Organisation

    bureau = (
        Organisation.objects.filter(kind=OrgKind.FINANCE_BUREAU, region_id=organisation.region_id)
        .order_by("pk")
        .first()
    )
    return bureau.name if bureau else organisation.name


def issuer_name(evaluation) -> str:
    """Who issues the letter: a finance office in its bureau's name, a department in its own."""
    organiser = evaluation.organiser
    if organiser.kind in (OrgKind.FINANCE_SECTION, OrgKind.TOWN_FINANCE):
        return bureau_name(organiser)
    return organiser.name


def _department_name(organisation) -> str:
    if organisation.kind == OrgKind.DEPARTMENT:
        return organisation.name
    department = getattr(organisation, "department", None)
    return department.name if department is not None else organisation.name


def _save(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------- the report


def _ticks(options) -> str:
    return "  ".join(f"{label}{TICK if on else BOX}" for label, on in options)


def cover_marks(evaluation) -> dict:
    """The three ticked lines of the cover (附件5-2 二、4–6)."""
    department_run = evaluation.organiser.kind in (OrgKind.DEPARTMENT, OrgKind.UNIT)
    stage = evaluation.stage
    return {
        "评价类型": _ticks(
            [
                ("事前评价", stage == EvaluationStage.EX_ANTE),
                ("事中评价", stage == EvaluationStage.IN_PROGRESS),
                ("事后评价", stage == EvaluationStage.EX_POST),
            ]
        ),
        "评价方式": _ticks([("部门（单位）绩效自评", department_run), ("财政部门组织评价", not department_run)]),
        "评价机构": _ticks(
            [
                ("中介机构", bool(evaluation.agency_id)),
                ("部门（单位）评价组", not evaluation.agency_id and department_run),
                ("财政评价组", not evaluation.agency_id and not department_run),
            ]
        ),
    }


def _cover(doc, evaluation, subjects, when) -> None:
    region = evaluation.organiser.region.name
    style.title(doc, [region, "预算绩效评价报告"], size=26)
    for _ in range(2):
        doc.add_paragraph()
    names = "、".join(s.name for s in subjects) or evaluation.title
    units = "、".join(dict.fromkeys(s.organisation.name for s in subjects)) or evaluation.evaluated.name
    table = style.grid_table(doc, [3.6, 12.0])
    for label, value in (
        ("项目名称", names),
        ("项目单位", units),
        ("主管部门", _department_name(evaluation.evaluated)),
    ):
        cells = style.grid_row(table)
        cell_text(cells[0], label, bold=True, align=CENTER, size=14)
        cell_text(cells[1], value, size=14)
    doc.add_paragraph()
    for label, marks in cover_marks(evaluation).items():
        paragraph(doc, f"{label}：{marks}", size=14, indent=False)
    for _ in range(2):
        doc.add_paragraph()
    paragraph(doc, cn_date(when), size=16, align=CENTER, indent=False)
    paragraph(doc, f"{bureau_name(evaluation.organiser)}（制）", size=16, align=CENTER, indent=False)
    _page_break(doc)


def _planned(subjects, year) -> Decimal | None:
    total, found = Decimal("0"), False
    for subject in subjects:
        for amount in subject.year_amounts.all():
            if amount.fiscal_year == year:
                value = amount.arranged_amount if amount.arranged_amount is not None else amount.requested_amount
                total += value or 0
                found = True
    return total if found else None


def _facts(doc, evaluation, subjects) -> None:
    _heading(doc, "一、项目基本概况")
    first = subjects[0] if subjects else None
    planned = _planned(subjects, evaluation.year)
    period = (
        f"{cn_date(first.start_date)}至{cn_date(first.end_date)}"
        if first and first.start_date and first.end_date
        else f"{evaluation.year}年度"
    )
    rows = [
        (("项目负责人", first.leader if first else ""), ("联系电话", first.leader_phone if first else "")),
        (("项目起止时间", period), ("评价对象类型", evaluation.get_object_kind_display())),
        (
            ("计划安排资金（万元）", wan_text(planned if planned is not None else evaluation.object_amount, blank="—")),
            ("涉及资金（万元）", wan_text(evaluation.object_amount, blank="—")),
        ),
    ]
    table = style.grid_table(doc, FACT_WIDTHS)
    for (l1, v1), (l2, v2) in rows:
        cells = style.grid_row(table)
        cell_text(cells[0], l1, bold=True, align=CENTER)
        cell_text(cells[2], l2, bold=True, align=CENTER)
        if "万元" in l1:
            money_cell(cells[1], v1)
        else:
            cell_text(cells[1], v1 or "—")
        if "万元" in l2:
            money_cell(cells[3], v2)
        else:
            cell_text(cells[3], v2 or "—")


def _spending(doc, evaluation, subjects) -> None:
    _heading(doc, "二、项目支出明细情况")
    table = style.grid_table(doc, SPEND_WIDTHS)
    style.header_row(table, ["支出内容（经济科目）", "计划支出数（万元）", "实际支出数（万元）"], money_columns=(1, 2))
    total = Decimal("0")
    for subject in subjects:
        planned = _planned([subject], evaluation.year)
        cells = style.grid_row(table)
        cell_text(cells[0], subject.name)
        money_cell(cells[1], wan_text(planned, blank="—"))
        money_cell(cells[2], "")
        total += planned or 0
    cells = style.grid_row(table)
    cell_text(cells[0], "合计", bold=True, align=CENTER)
    money_cell(cells[1], wan_text(total if subjects else evaluation.object_amount, blank="—"), bold=True)
    money_cell(cells[2], "")
    paragraph(doc, "注：实际支出数按被评价单位提供并经核实的数据填写。", size=12)


def indicator_scores(evaluation) -> tuple[list, Decimal | None, str]:
    """[(indicator, score or None)], the total and the grade: the aggregate of the submitted score sheets when the
    scoring part is installed (keyevals.scoring_actions), else the total stored on the evaluation."""
    try:
        from keyevals import scoring_actions
    except ImportError:  # pragma: no cover - the scoring part is installed with this app
        scoring_actions = None
    if scoring_actions is not None:
        summary = scoring_actions.summarise(evaluation)
        if summary.indicators:
            by_key = {item.key: item.aggregate for item in summary.result.indicators}
            rows = [(i, by_key.get(i.pk)) for i in summary.indicators]
            total = evaluation.total_score if evaluation.total_score is not None else summary.result.total
            return rows, total, evaluation.grade or summary.result.grade
    from keyevals.models import PlanIndicator

    rows = [(i, None) for i in PlanIndicator.objects.filter(evaluation=evaluation).order_by("order", "pk")]
    return rows, evaluation.total_score, evaluation.grade


def _scores(doc, evaluation) -> None:
    _heading(doc, "三、项目绩效情况")
    rows, total, grade = indicator_scores(evaluation)
    table = style.grid_table(doc, SCORE_WIDTHS)
    style.header_row(table, ["基本指标", "二级指标", "具体指标", "指标分值", "评价得分"], money_columns=(3, 4))
    first, groups = len(table.rows), []
    for n, (indicator, score) in enumerate(rows):
        cells = style.grid_row(table)
        cell_text(cells[0], indicator.group, align=CENTER)
        cell_text(cells[1], indicator.level2 or "—")
        cell_text(cells[2], indicator.name)
        cell_text(cells[3], _number(indicator.weight), align=CENTER)
        cell_text(cells[4], _number(score), align=CENTER)
        groups.append(indicator.group)
        if n + 1 == len(rows) or rows[n + 1][0].group != indicator.group:
            members = [(i, s) for i, s in rows if i.group == indicator.group]
            weight = sum((i.weight for i, _ in members), Decimal("0"))
            scored = [s for _, s in members if s is not None]
            cells = style.grid_row(table)
            cell_text(cells[0], indicator.group, align=CENTER)
            cell_text(cells[1].merge(cells[2]), f"{indicator.group}得分小计", bold=True, align=CENTER)
            cell_text(cells[3], _number(weight), bold=True, align=CENTER)
            cell_text(cells[4], _number(sum(scored, Decimal("0")) if scored else None), bold=True, align=CENTER)
            style.cant_split(table.rows[-1])
            groups.append(indicator.group)
    if rows:
        style.merge_down(table, first, 0, groups, bold=True)
    for label, value in (("综合得分", _number(total)), ("评价等次", grade or "—")):
        cells = style.grid_row(table)
        cell_text(cells[0].merge(cells[3]), label, bold=True, align=CENTER)
        cell_text(cells[4], value, bold=True, align=CENTER)
        style.cant_split(table.rows[-1])
    for row in table.rows:
        style.no_wrap(row.cells[3])
        style.no_wrap(row.cells[4])


def _people(doc, evaluation, members) -> None:
    _heading(doc, "四、评价人员")
    table = style.grid_table(doc, MEMBER_WIDTHS)
    style.header_row(table, ["姓名", "职称/职务", "单位", "签字"])
    for member in members:
        cells = style.grid_row(table)
        cell_text(cells[0], member.name, align=CENTER)
        cell_text(cells[1], member.get_role_display(), align=CENTER)
        cell_text(cells[2], member.organisation_name or "—")
        cell_text(cells[3], "")
    lines = ["填报人（签字）：", "评价组组长（签字）：", "单位负责人（签字）："]
    if evaluation.agency_id:
        lines.append("中介机构负责人（签字并盖章）：")
    for line in lines:
        para = paragraph(doc, f"{line}{' ' * 24}年    月    日", size=12, indent=False, space_after=10)
        para.paragraph_format.keep_together = True


def problem_text(problem) -> str:
    parts = [f"责任单位：{problem.responsible.name}"]
    if problem.indicator_id:
        parts.append(f"相关指标：{problem.indicator.name}")
    if problem.amount is not None:
        parts.append(f"涉及金额：{problem.amount:,.2f} 元")
    return f"（{ProblemCategory(problem.category).label}）{problem.description}（{'；'.join(parts)}）"


def _text_part(doc, evaluation, report, problems, total, grade) -> None:
    _heading(doc, "五、评价报告文字部分（报告综述）")
    _lines(doc, report.summary if report else "")
    _heading(doc, "（一）项目基本概况", size=15)
    _lines(doc, report.basic_facts if report else "", "（待填写）")
    if report and report.work_done.strip():
        paragraph(doc, "评价工作开展情况：", bold=True)
        _lines(doc, report.work_done)
    _heading(doc, "（二）项目绩效及评价结论", size=15)
    _lines(doc, report.analysis if report else "")
    if report and report.conclusion.strip():
        _lines(doc, report.conclusion)
    elif total is not None:
        paragraph(doc, f"经评价，综合得分 {_number(total)} 分，评价等次为“{grade}”。")
    else:
        paragraph(doc, "（待填写）")
    _heading(doc, "（三）评价发现的问题", size=15)
    for n, problem in enumerate(problems, 1):
        paragraph(doc, f"{n}. {problem_text(problem)}")
    if not problems:
        paragraph(doc, "（待填写）")
    _heading(doc, "（四）相关意见与建议", size=15)
    _lines(doc, report.suggestions if report else "")
    with_suggestion = [p for p in problems if p.suggestion.strip()]
    for n, problem in enumerate(with_suggestion, 1):
        paragraph(doc, f"{n}. 针对问题{problem.order}：{problem.suggestion.strip()}")
    if not with_suggestion and not (report and report.suggestions.strip()):
        paragraph(doc, "（待填写）")
    _heading(doc, "（五）附件", size=15)
    _lines(doc, report.annexes if report else "", "无。")


def report_document(evaluation, report=None) -> bytes:
    """The .docx bytes of the report of ``evaluation`` (its report's sections; the facts alone without one)."""
    from keyevals.models import WorkingGroupMember

    subjects = list(
        evaluation.subjects.select_related("organisation").prefetch_related("year_amounts").order_by("code")
    )
    members = list(WorkingGroupMember.objects.filter(evaluation=evaluation).order_by("role", "pk"))
    order = {MemberRole.LEADER: 0, MemberRole.MEMBER: 1, MemberRole.AGENCY: 2, MemberRole.EXPERT: 3}
    members.sort(key=lambda m: (order.get(m.role, 9), m.pk))
    problems = list(evaluation.problems.select_related("responsible", "indicator").order_by("order", "pk"))
    when = report.updated_at if report is not None and report.updated_at else clock.now()
    doc = new_document(style.FORM_MARGINS)
    _cover(doc, evaluation, subjects, when)
    _facts(doc, evaluation, subjects)
    _spending(doc, evaluation, subjects)
    _, total, grade = indicator_scores(evaluation)
    _scores(doc, evaluation)
    _people(doc, evaluation, members)
    _text_part(doc, evaluation, report, problems, total, grade)
    author = evaluation.agency.name if evaluation.agency_id else evaluation.organiser.name
    style.signature_block(doc, [f"{author}（盖章）", cn_date(when)])
    return _save(doc)


def report_filename(evaluation) -> str:
    return f"{evaluation.title}-评价报告初稿.docx"


# ---------------------------------------------------------------------------------------------- the letter


def letter_document(letter) -> bytes:
    """附件6: the letter and the evaluated organisation's opinions (as replied, or blank lines for a paper reply)."""
    from keyevals import letters

    evaluation = letter.evaluation
    doc = new_document()
    style.title(doc, ["绩效评价结果反馈意见函"])
    if letter.number:
        paragraph(doc, letter.number, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    paragraph(doc, f"{evaluation.evaluated.name}：", indent=False)
    paragraph(doc, f"{letter.body.strip()}{letters.deadline_sentence(letter)}")
    style.signature_block(doc, [issuer_name(evaluation), cn_date(letter.sent_at)], seal=True)

    _heading(doc, "项目单位意见")
    sections = dict(letters.parse_reply(letter.reply)) if letter.status == LetterStatus.REPLIED else {}
    table = style.grid_table(doc, LETTER_WIDTHS)
    for n, (_key, heading) in enumerate(letters.REPLY_SECTIONS, 1):
        last = n == len(letters.REPLY_SECTIONS)
        signature = ["（盖章）", cn_date(letter.replied_at) if letter.replied_at else "年    月    日"] if last else []
        style.opinion_row(table, f"{n}. {heading}", sections.get(heading, ""), signature)
    if letter.status == LetterStatus.REPLIED:
        paragraph(
            doc,
            f"反馈结论：{'有异议' if letter.objection else '无异议'}（{cn_date(letter.replied_at)}反馈）",
            size=12,
        )
    elif letter.status == LetterStatus.DEEMED:
        paragraph(doc, f"截至{cn_date(letter.reply_due)}未反馈，{letters.DEEMED_TEXT}。", size=12)
    return _save(doc)


def letter_filename(letter) -> str:
    return f"{letter.evaluation.title}-评价结果反馈意见函.docx"

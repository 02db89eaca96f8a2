"""What "归集档案" generates from the evaluation's own records (keyevals/archive.py): one file per kind of material of
seed 003 第四十一条 / seed 004 三(九)2 the system holds, as Excel (core.xlsx: typed, formula-like text inert) or Word
(the report of record and the feedback letters). ``documents(evaluation)`` answers the files, and what it could not
generate with the reason (no approved plan yet, no scoring, no survey …)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core import xlsx
from keyevals.models import (
    ArchiveCategory,
    ConsultationNote,
    EvaluationReport,
    FeeBudgetLine,
    FeedbackLetter,
    KeyEvaluation,
    PlanIndicator,
    ReportFiling,
    SiteVisit,
    WorkingGroupMember,
    WorkPlan,
)
from workflow.models import ReviewStatus

C = ArchiveCategory


def _book(*sheets) -> bytes:
    return xlsx.workbook_bytes(sheets)


def _local(value):
    return timezone.localtime(value) if value is not None and timezone.is_aware(value) else value


def _plan(evaluation):
    return WorkPlan.objects.filter(evaluation=evaluation).select_related("framework").first()


def work_plan(evaluation, plan) -> bytes:
    facts = [
        ("评价名称", evaluation.title),
        ("被评价单位", evaluation.evaluated.name),
        ("指标框架", str(plan.framework)),
        ("审核状态", plan.get_status_display()),
        ("评价目的", plan.purpose),
        ("评价依据", plan.basis),
        ("评价内容", plan.content),
        ("评价方法说明", plan.methods_note),
        ("进度安排", plan.schedule),
        ("抽样及调查方案", plan.sampling),
    ]
    return _book(
        xlsx.Sheet("评价工作方案", ["项目", "内容"], facts, widths=[18, 90]),
        indicator_sheet(plan),
    )


def indicator_sheet(plan) -> xlsx.Sheet:
    rows = [
        [i.order, i.group, i.level2, i.name, i.weight, i.explanation, i.standard]
        for i in PlanIndicator.objects.filter(plan=plan).order_by("order", "pk")
    ]
    return xlsx.Sheet(
        "评价指标体系", ["序号", "一级指标", "二级指标", "三级指标", "分值", "指标解释", "评分标准"], rows
    )


def fee_budget(evaluation) -> bytes | None:
    lines = list(FeeBudgetLine.objects.filter(evaluation=evaluation).order_by("pk"))
    if not lines:
        return None
    rows = [[n, line.item, line.basis, line.amount, line.approved] for n, line in enumerate(lines, 1)]
    approved = [line.approved for line in lines if line.approved is not None]
    rows.append(
        [
            "",
            "合计",
            "",
            sum((line.amount for line in lines), Decimal("0")),
            sum(approved, Decimal("0")) if approved else None,
        ]
    )
    return _book(
        xlsx.Sheet("评价经费预算及审核表", ["序号", "费用项目", "测算依据", "申报金额（元）", "审核金额（元）"], rows)
    )


def members(evaluation) -> bytes | None:
    rows = [
        [m.name, m.get_role_display(), m.organisation_name, "是" if m.scores else "否"]
        for m in WorkingGroupMember.objects.filter(evaluation=evaluation).order_by("role", "pk")
    ]
    if not rows:
        return None
    return _book(xlsx.Sheet("评价工作组及专家名单", ["姓名", "职责", "单位", "参与评分"], rows))


def score_summary(evaluation) -> bytes | None:
    try:
        from keyevals import scoring_actions
    except ImportError:  # pragma: no cover - the scoring part is installed with this app
        return None
    summary = scoring_actions.summarise(evaluation)
    if not summary.submitted or summary.result.total is None:
        return None
    submitted = summary.submitted
    names = [s.member.name for s in submitted]
    rows = []
    for indicator, item in zip(summary.indicators, summary.result.indicators, strict=True):
        given = dict(item.scores)
        rows.append(
            [indicator.order, indicator.group, indicator.name, indicator.weight]
            + [given.get(s.pk) for s in submitted]
            + [item.aggregate, item.explanation]
        )
    rows.append(["", "合计", "", summary.result.full] + ["" for _ in names] + [summary.result.total, ""])
    rows.append(["", "评价等级", "", ""] + ["" for _ in names] + [summary.result.grade, ""])
    comments = [
        [indicator.name, s.member.name, *summary.comments.get((s.pk, indicator.pk), (None, ""))]
        for indicator in summary.indicators
        for s in submitted
    ]
    return _book(
        xlsx.Sheet("评分汇总", ["序号", "一级指标", "三级指标", "分值", *names, "指标得分", "说明"], rows),
        xlsx.Sheet("评分说明", ["三级指标", "评分人", "得分", "评分说明"], comments),
    )


def site_visits(evaluation) -> bytes | None:
    rows = [
        [v.visited_on, v.place, v.people, v.findings, v.photos.count()]
        for v in SiteVisit.objects.filter(evaluation=evaluation).order_by("visited_on", "pk")
    ]
    if not rows:
        return None
    return _book(xlsx.Sheet("现场勘查记录", ["勘查日期", "地点", "参加人员", "勘查发现", "照片数"], rows))


def consultations(evaluation) -> bytes | None:
    rows = [
        [c.held_on, c.topic, c.experts, c.opinion]
        for c in ConsultationNote.objects.filter(evaluation=evaluation).order_by("held_on", "pk")
    ]
    if not rows:
        return None
    return _book(xlsx.Sheet("专家咨询记录", ["日期", "议题", "参加专家", "专家意见"], rows))


def questionnaires(evaluation) -> list[tuple[str, bytes]]:
    """Each survey of the evaluation (surveys app, linked by content type): its questions and every response."""
    try:
        from surveys.models import Answer, Question, Survey
    except ImportError:  # pragma: no cover - the surveys app is installed with this one
        return []
    content_type = ContentType.objects.get_for_model(KeyEvaluation)
    out = []
    for survey in Survey.objects.filter(content_type=content_type, object_id=evaluation.pk).order_by("pk"):
        questions = list(Question.objects.filter(survey=survey).order_by("order", "pk"))
        answers: dict = {}
        for answer in Answer.objects.filter(response__survey=survey).select_related("response"):
            value = answer.text or (
                answer.rating if answer.rating is not None else "、".join(str(c) for c in answer.choices or [])
            )
            answers.setdefault(answer.response_id, {"at": answer.response.submitted_at})[answer.question_id] = value
        question_rows = [
            [
                q.order,
                q.get_kind_display(),
                q.text,
                "、".join(str(o) for o in q.options or []),
                "是" if q.required else "否",
            ]
            for q in questions
        ]
        response_rows = [
            [n, _local(found["at"]), *[found.get(q.pk) for q in questions]]
            for n, (_pk, found) in enumerate(sorted(answers.items()), 1)
        ]
        out.append(
            (
                survey.title,
                _book(
                    xlsx.Sheet("题目", ["序号", "题型", "题目", "选项", "必答"], question_rows),
                    xlsx.Sheet(
                        "答卷", ["答卷序号", "提交时间", *[f"{q.order}. {q.text}" for q in questions]], response_rows
                    ),
                ),
            )
        )
    return out


def problems(evaluation) -> bytes | None:
    from keyevals.models import Problem

    rows = [
        [
            p.order,
            p.get_category_display(),
            p.description,
            p.suggestion,
            p.responsible.name,
            p.indicator.name if p.indicator_id else "",
            p.amount,
        ]
        for p in Problem.objects.filter(evaluation=evaluation)
        .select_related("responsible", "indicator")
        .order_by("order")
    ]
    if not rows:
        return None
    return _book(
        xlsx.Sheet(
            "评价发现的问题",
            ["序号", "问题类别", "问题描述", "整改建议", "责任单位", "相关指标", "涉及金额（元）"],
            rows,
            text_columns=(2, 3),
        )
    )


def filings(evaluation) -> bytes | None:
    rows = [
        [f.get_filed_with_display(), f.filed_on, f.document_number, (f.filed_by.name if f.filed_by_id else "")]
        for f in ReportFiling.objects.filter(evaluation=evaluation).select_related("filed_by").order_by("filed_on")
    ]
    if not rows:
        return None
    return _book(xlsx.Sheet("评价报告报送情况", ["报送对象", "报送日期", "报送文号", "报送人"], rows))


def documents(evaluation) -> tuple[list[tuple[str, str, str, bytes]], list[str]]:
    """[(category, title, file name, bytes)] of everything the system can put in the archive now, and what it could
    not (with the reason)."""
    from keyevals import report_docx

    found, missing = [], []

    def add(category, title, extension, content):
        if content is None:
            return
        found.append((category, title, f"{title}.{extension}", content))

    plan = _plan(evaluation)
    if plan is None:
        missing.append("评价工作方案（尚未编制）")
    else:
        add(C.WORK_PLAN, "评价工作方案", "xlsx", work_plan(evaluation, plan))
        add(C.INDICATORS, "评价指标体系", "xlsx", _book(indicator_sheet(plan)))
    add(C.FEE_BUDGET, "评价经费预算及审核表", "xlsx", fee_budget(evaluation))
    add(C.EXPERTS, "评价工作组及专家名单", "xlsx", members(evaluation))
    summary = score_summary(evaluation)
    if summary is None:
        missing.append("评分汇总表（尚无已提交的评分）")
    add(C.WORKING_PAPERS, "评分汇总表", "xlsx", summary)
    add(C.WORKING_PAPERS, "现场勘查记录", "xlsx", site_visits(evaluation))
    add(C.EXPERT_OPINIONS, "专家咨询记录", "xlsx", consultations(evaluation))
    for title, content in questionnaires(evaluation):
        add(C.QUESTIONNAIRES, f"满意度调查问卷及结果-{title}", "xlsx", content)
    report = EvaluationReport.objects.filter(evaluation=evaluation).first()
    if report is None:
        missing.append("评价报告（尚未撰写）")
    else:
        approved = "" if report.status == ReviewStatus.APPROVED else "（未审核通过稿）"
        if report.edited_file:
            with report.edited_file.open("rb") as handle:
                content = handle.read()
            extension = report.edited_file.name.rsplit(".", 1)[-1].lower()
            add(C.REPORT, f"评价报告{approved}", extension, content)
        else:
            add(C.REPORT, f"评价报告{approved}", "docx", report_docx.report_document(evaluation, report))
    add(C.REPORT, "评价发现的问题清单", "xlsx", problems(evaluation))
    for n, letter in enumerate(
        FeedbackLetter.objects.filter(evaluation=evaluation).select_related("evaluation").order_by("sent_at", "pk"), 1
    ):
        suffix = "" if n == 1 else f"（{n}）"
        add(C.REPORT, f"评价结果反馈意见函及反馈{suffix}", "docx", report_docx.letter_document(letter))
    add(C.RESULTS_USE, "评价报告报送情况", "xlsx", filings(evaluation))
    return found, missing

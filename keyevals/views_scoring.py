"""Pages of a key evaluation's scoring (seed 003 第三十九条; 附件5 score table): the scorer's own sheet, the summary
(progress, the aggregate per indicator with disagreement flags and agreement, per-scorer agreement, total and grade),
closing the scoring (the lifecycle step 结束评分并汇总) and the summary's Excel export.

Every read goes through the gate (``core.access``: an evaluation out of reach is 404); every change through
``keyevals.scoring_actions``; what a reader sees of others' scores is ``scoring_actions.visibility`` (blind until
one's own sheet is submitted)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.roles import Action
from audit import trail
from audit.models import AuditAction
from core import access, xlsx
from core.views import audit_history
from keyevals import aggregation, scoring_actions
from keyevals.models import KeyEvaluation, KeyStatus, SheetStatus
from workflow.actions import StaleDocument

STALE_FORM = "页面版本号缺失，请刷新页面后重新填写"


def _evaluation(request, pk, action=Action.VIEW) -> KeyEvaluation:
    return access.get_object_or_404(
        KeyEvaluation.objects.select_related("organiser", "evaluated", "agency"), request.user, action, pk=pk
    )


# ---------------------------------------------------------------------------------------------- the sheet


def _posted_rows(data, scores) -> dict:
    """{indicator id: {"points": typed, "comment": text}} from the form's ``points-<id>`` / ``comment-<id>``."""
    rows = {}
    for score in scores:
        key = score.indicator_id
        if f"points-{key}" in data or f"comment-{key}" in data:
            rows[key] = {"points": data.get(f"points-{key}", ""), "comment": data.get(f"comment-{key}", "")}
    return rows


def _sheet_rows(sheet, posted: dict | None, problems: dict) -> list[dict]:
    rows = []
    for position, score in enumerate(sheet.scores.select_related("indicator").order_by("indicator__order", "pk"), 1):
        indicator = score.indicator
        typed = (posted or {}).get(indicator.pk)
        rows.append(
            {
                "position": position,
                "score": score,
                "indicator": indicator,
                "points": typed["points"] if typed else ("" if score.points is None else score.points),
                "comment": typed["comment"] if typed else score.comment,
                "problems": problems.get(indicator.pk, []),
                "needs_comment": aggregation.comment_required(score.points, indicator.weight)
                and not score.comment.strip(),
            }
        )
    return rows


def _problems(exc: ValidationError) -> tuple[list[str], dict]:
    """(messages for the top of the form, {indicator id: messages for its row})."""
    if not hasattr(exc, "error_dict"):
        return exc.messages, {}
    general, by_row = [], {}
    for key, errors in exc.error_dict.items():
        found = [m for e in errors for m in e.messages]
        parts = key.split("-")
        if key.startswith("row-") and len(parts) >= 2 and parts[1].isdigit():
            by_row.setdefault(int(parts[1]), []).extend(found)
        general.extend(found)
    return general, by_row


@login_required
def scoring_sheet(request, pk):
    """评分表: the scorer's own sheet only (anyone else: 404). Save (htmx swaps the card) and submit."""
    evaluation = _evaluation(request, pk)
    user = request.user
    scoring_actions.ensure_sheets(evaluation)
    sheet = scoring_actions.own_sheet(evaluation, user)
    if sheet is None:
        raise Http404(scoring_actions.NOT_A_SCORER)
    errors: list[str] = []
    by_row: dict = {}
    posted = None
    saved = ""
    if request.method == "POST":
        scores = list(sheet.scores.all())
        posted = _posted_rows(request.POST, scores)
        submit = request.POST.get("do") == "submit"
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            errors = [STALE_FORM]
        else:
            try:
                if submit:
                    sheet = scoring_actions.submit_sheet(user, sheet, version, posted)
                else:
                    sheet = scoring_actions.save_scores(user, sheet, version, posted)
            except PermissionDenied:
                raise Http404(scoring_actions.NOT_YOURS) from None
            except StaleDocument as exc:
                errors = [exc.message]
            except ValidationError as exc:
                errors, by_row = _problems(exc)
            else:
                saved = "评分表已提交" if submit else "评分已保存"
                posted = None
                if submit or not request.htmx:
                    messages.success(request, saved)
                    url = reverse("keyevals:scoring_sheet", args=[evaluation.pk])
                    if request.htmx:  # the whole page changes (status, totals): reload it
                        return HttpResponse(status=204, headers={"HX-Redirect": url})
                    return redirect(url)
        sheet.refresh_from_db()
    return render(
        request,
        "keyevals/scoring_sheet.html",
        _sheet_context(request, evaluation, sheet, posted, errors, by_row, saved),
    )


def _sheet_context(request, evaluation, sheet, posted, errors, by_row, saved) -> dict:
    past_due = scoring_actions.past_due(evaluation)
    submitted = sheet.status == SheetStatus.SUBMITTED
    in_scoring = evaluation.status == KeyStatus.SCORING
    editable = in_scoring and not submitted and not past_due and sheet.member.scores
    if submitted:
        why = "评分表已提交，不能再修改。"
    elif not in_scoring:
        why = f"该评价当前处于“{evaluation.get_status_display()}”阶段，不在评分阶段。"
    elif past_due:
        why = f"评分已于 {evaluation.scoring_due:%Y-%m-%d} 截止，不能再评分或提交。"
    else:
        why = ""
    counts = list(evaluation.score_sheets.values_list("status", flat=True))
    rows = _sheet_rows(sheet, posted, by_row)
    return {
        "title": f"评分表：{evaluation.title}",
        "evaluation": evaluation,
        "sheet": sheet,
        "rows": rows,
        "full": sum((r["indicator"].weight for r in rows), aggregation.ZERO),
        "own_total": sum((r["score"].points or 0 for r in rows), aggregation.ZERO),
        "editable": editable,
        "why": why,
        "errors": errors,
        "saved": saved,
        "comment_rule": scoring_actions.COMMENT_RULE,
        "submitted_count": sum(1 for s in counts if s == SheetStatus.SUBMITTED),
        "sheet_count": len(counts),
        "summary_url": reverse("keyevals:scoring_summary", args=[evaluation.pk]),
    }


# ---------------------------------------------------------------------------------------------- the summary


def _summary_context(evaluation, user) -> dict:
    scoring_actions.ensure_sheets(evaluation)
    own = scoring_actions.own_sheet(evaluation, user)
    seen = scoring_actions.visibility(evaluation, user, own)
    summary = scoring_actions.summarise(evaluation)
    result = summary.result
    submitted = summary.submitted
    context = {
        "evaluation": evaluation,
        "seen": seen,
        "own": own,
        "plan": summary.plan,
        "submitted_count": len(submitted),
        "sheet_count": len(summary.sheets),
        "progress": summary.sheets if seen.names else [],
        "rule_text": scoring_actions.PARAMS.rule_text(),
        "agreement_text": scoring_actions.PARAMS.agreement_text(),
        "grade_text": aggregation.grade_text(summary.grade_lines),
        "comment_rule": scoring_actions.COMMENT_RULE,
    }
    if not seen.aggregate:
        return context
    scorers = submitted if seen.individual else []
    rows = []
    for indicator, item in zip(summary.indicators, result.indicators, strict=True):
        given = dict(item.scores)
        rows.append(
            {
                "indicator": indicator,
                "result": item,
                "cells": [{"points": given.get(s.pk), "dropped": s.pk in item.dropped, "sheet": s} for s in scorers],
                "comments": [
                    {
                        "sheet": s,
                        "points": given.get(s.pk),
                        "comment": summary.comments.get((s.pk, indicator.pk), ("", ""))[1],
                    }
                    for s in scorers
                ],
                "agreement": aggregation.percent(item.agreement) if item.agreement is not None else "—",
            }
        )
    by_pk = {s.pk: s for s in submitted}
    context.update(
        {
            "result": result,
            "rows": rows,
            "scorers": scorers,
            "scorer_rows": [
                {
                    "sheet": by_pk[r.key],
                    "result": r,
                    "deviation": aggregation.percent(r.deviation) if r.deviation is not None else "—",
                }
                for r in result.scorers
            ]
            if seen.individual
            else [],
        }
    )
    return context


@login_required
def scoring_summary(request, pk):
    """评分汇总: progress for every reader of the evaluation; the aggregate for whoever may see it (blind scoring)."""
    evaluation = _evaluation(request, pk)
    user = request.user
    context = _summary_context(evaluation, user)
    seen = context["seen"]
    in_scoring = evaluation.status == KeyStatus.SCORING
    context.update(
        {
            "title": f"评分汇总：{evaluation.title}",
            "in_scoring": in_scoring,
            "past_due": scoring_actions.past_due(evaluation),
            "can_close": in_scoring and scoring_actions.may_close(user, evaluation),
            "close_refusal": "评分人尚未全部提交评分，且评分截止日期未到" if in_scoring and seen.organiser else "",
            "can_export": seen.aggregate and access.can(user, Action.EXPORT, evaluation),
            "history": audit_history(evaluation, limit=10) if seen.organiser else [],
        }
    )
    return render(request, "keyevals/scoring_summary.html", context)


@require_POST
@login_required
def scoring_close(request, pk):
    """结束评分并汇总 (the lifecycle step): stores the total and the grade on the evaluation."""
    evaluation = _evaluation(request, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, STALE_FORM)
        return redirect("keyevals:scoring_summary", pk=evaluation.pk)
    try:
        evaluation = scoring_actions.close_scoring(
            request.user, evaluation, version, reason=request.POST.get("reason", "")
        )
    except PermissionDenied:
        raise Http404("无权操作") from None
    except StaleDocument as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request, f"评分已结束并汇总：评价得分 {evaluation.total_score} 分，评价等级“{evaluation.grade}”"
        )
    return redirect("keyevals:scoring_summary", pk=evaluation.pk)


# ---------------------------------------------------------------------------------------------- export


def export_sheets(evaluation, context) -> list[xlsx.Sheet]:
    """The summary as tables: the indicators (with each scorer's points once closed), the scorers, the comments."""
    result = context["result"]
    scorers = context["scorers"]
    names = [s.member.name for s in scorers]
    headers = [
        "序号",
        "一级指标",
        "二级指标",
        "三级指标",
        "分值",
        *names,
        "指标得分",
        "计算方法",
        "极差",
        "分歧提示",
        "一致度",
        "说明",
    ]
    rows = []
    for n, row in enumerate(context["rows"], 1):
        item = row["result"]
        indicator = row["indicator"]
        rows.append(
            [
                n,
                indicator.group,
                indicator.level2,
                indicator.name,
                indicator.weight,
                *[cell["points"] for cell in row["cells"]],
                item.aggregate,
                {"trimmed": "去掉最高分和最低分后平均", "mean": "算术平均"}.get(item.method, "—"),
                item.spread,
                "分歧较大" if item.flagged else "",
                row["agreement"],
                item.explanation,
            ]
        )
    rows.append(
        ["", "合计", "", "", result.full, *["" for _ in names], result.total, "", "", "", "", result.explanation]
    )
    rows.append(["", "评价等级", "", "", "", *["" for _ in names], result.grade, "", "", "", "", context["grade_text"]])
    rows.append(["", "汇总规则", "", "", "", *["" for _ in names], "", "", "", "", "", context["rule_text"]])
    sheets = [xlsx.Sheet("指标得分汇总", headers, rows, text_columns=(1, 2, 3))]
    if context["scorer_rows"]:
        sheets.append(
            xlsx.Sheet(
                "评分人一致性",
                ["评分人", "职责", "单位", "提交时间", "评分指标数", "平均偏离度", "说明"],
                [
                    [
                        r["sheet"].member.name,
                        r["sheet"].member.get_role_display(),
                        r["sheet"].member.organisation_name,
                        r["sheet"].submitted_at,
                        r["result"].indicators,
                        r["deviation"],
                        r["result"].explanation,
                    ]
                    for r in context["scorer_rows"]
                ],
            )
        )
        sheets.append(
            xlsx.Sheet(
                "评分说明",
                ["三级指标", "评分人", "得分", "评分说明"],
                [
                    [row["indicator"].name, c["sheet"].member.name, c["points"], c["comment"]]
                    for row in context["rows"]
                    for c in row["comments"]
                ],
            )
        )
    return sheets


@login_required
def scoring_export(request, pk) -> HttpResponse:
    """The summary as Excel, for readers who may export the evaluation (an agency only with finance's authorisation,
    seed 004 三(九)2) and see its aggregate; audited."""
    evaluation = _evaluation(request, pk, Action.EXPORT)
    context = _summary_context(evaluation, request.user)
    if not context["seen"].aggregate or context["result"].total is None:
        raise Http404("评分尚未汇总")
    trail.record(
        AuditAction.EXPORT,
        evaluation,
        actor=request.user,
        reason="导出评分汇总",
        changes={"评价得分": [None, f"{context['result'].total}"]},
    )
    return xlsx.xlsx_response(f"{evaluation.title}-评分汇总.xlsx", export_sheets(evaluation, context))

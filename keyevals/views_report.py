"""Pages of a key evaluation's report stage (seed 003 第四十条, 附件5, 附件6; seed 004 三(七)): the report page (sections,
problems found as htmx rows, the Word draft and the edited Word, the review chain, the feedback letter, filings and
完成评价), and the feedback letter's own page, where the evaluated organisation replies.

Every read goes through the gate (an evaluation or a letter out of reach is 404); every change through the actions
(keyevals.report_actions, keyevals.letters); a refused action is 404 to who may not do it and a message to who may
but not now. Downloads of the evaluation's data ask the gate for Action.EXPORT (an agency needs finance's
authorisation, seed 004 三(九)2)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.roles import Action
from core import access, files
from core.views import audit_history
from keyevals import letters, report_actions, report_docx
from keyevals.models import FeedbackLetter, KeyEvaluation, KeyStatus, LetterStatus, Problem
from keyevals.report_forms import FilingForm, LetterForm, ProblemForm, ReplyForm, ReportSectionsForm
from workflow import actions as review
from workflow import guards
from workflow.actions import StaleDocument
from workflow.models import ReviewLog, ReviewStatus

STALE_FORM = "页面版本号缺失，请刷新页面后重试"
ACTION_LABELS = {"submit": "提交审核", "approve": "审核通过", "return": "退回"}


def _evaluation(request, pk, action=Action.VIEW) -> KeyEvaluation:
    return access.get_object_or_404(
        KeyEvaluation.objects.select_related("organiser__region", "evaluated", "agency", "contract"),
        request.user,
        action,
        pk=pk,
    )


def _version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _messages_of(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _back(evaluation, anchor: str = ""):
    return redirect(reverse("keyevals:report", args=[evaluation.pk]) + (f"#{anchor}" if anchor else ""))


# ---------------------------------------------------------------------------------------------- the page


def _context(request, evaluation, *, sections_form=None, problem_form=None, letter_form=None, filing_form=None):
    user = request.user
    letters.deem_overdue(evaluation=evaluation)
    report = report_actions.report_of(evaluation)
    editable = bool(report) and guards.can_edit(user, report) and evaluation.status == KeyStatus.REPORTING
    all_letters = list(
        FeedbackLetter.objects.filter(evaluation=evaluation).select_related("sent_by", "replied_by").order_by("sent_at")
    )
    organiser = report_actions.is_organiser(user, evaluation)
    refusal = letters.send_refusal(evaluation) if organiser else ""
    approved = bool(report) and report.status == ReviewStatus.APPROVED
    can_export = access.can(user, Action.EXPORT, evaluation)
    context = {
        "title": f"评价报告：{evaluation.title}",
        "evaluation": evaluation,
        "report": report,
        "editable": editable,
        "organiser": organiser,
        "may_prepare": report_actions.may_prepare(user, evaluation),
        "can_create": report is None
        and evaluation.status == KeyStatus.REPORTING
        and report_actions.may_prepare(user, evaluation),
        "not_reporting": evaluation.status in (KeyStatus.PREPARING, KeyStatus.FIELDWORK, KeyStatus.SCORING),
        "sections_form": sections_form or (ReportSectionsForm(instance=report) if editable else None),
        "problems": list(report_actions.problems_of(evaluation)),
        "problem_form": problem_form or (ProblemForm(evaluation=evaluation) if editable else None),
        "current": report_actions.current_document(report),
        "edited_name": files.filename_of(report.edited_file) if report else "",
        "can_export": can_export,
        "export_refused": bool(report) and not can_export,
        "can_upload": bool(report) and report_actions.may_upload_edited(user, report),
        "actions": review.allowed_actions(user, report) if report else [],
        "action_labels": ACTION_LABELS,
        "return_targets": review.return_targets(report) if report else [],
        "reviews": list(
            ReviewLog.objects.filter(content_type__model="evaluationreport", object_id=report.pk)
            .select_related("actor__organisation")
            .order_by("created_at", "pk")
        )
        if report
        else [],
        "chain": review.chain_for_display(report) if report else None,
        "letters": all_letters,
        "letter_refusal": refusal,
        "letter_form": letter_form
        or (
            LetterForm(initial={"reply_due": letters.default_reply_due(), "body": letters.default_body(evaluation)})
            if organiser and not refusal
            else None
        ),
        "feedback_days": letters.feedback_days(),
        "filings": report_actions.filing_rows(evaluation),
        "filing_form": filing_form or (FilingForm(initial={"filed_on": _today()}) if organiser and approved else None),
        "can_conclude": report_actions.may_conclude(user, evaluation),
        "conclude_refusal": keyevals_refusal(evaluation)
        if organiser and evaluation.status == KeyStatus.REPORTING
        else "",
        "history": audit_history(report, limit=10) if report and organiser else [],
    }
    return context


def _today():
    from core import clock

    return clock.today()


def keyevals_refusal(evaluation) -> str:
    from keyevals import lifecycle

    if lifecycle.may_conclude(evaluation):
        return ""
    return lifecycle.LIFECYCLE.steps["conclude"].refusal


@login_required
def report_page(request, pk):
    evaluation = _evaluation(request, pk)
    return render(request, "keyevals/report_detail.html", _context(request, evaluation))


@require_POST
@login_required
def report_create(request, pk):
    evaluation = _evaluation(request, pk)
    try:
        report_actions.create_report(request.user, evaluation)
    except PermissionDenied:
        raise Http404("无权撰写报告") from None
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, "已开始撰写评价报告：基本情况和评价结论已按评价数据预填，请修改完善")
    return _back(evaluation)


@require_POST
@login_required
def report_save(request, pk):
    evaluation = _evaluation(request, pk)
    report = report_actions.report_of(evaluation)
    if report is None or not report_actions.may_prepare(request.user, evaluation):
        raise Http404("无权修改报告")
    version = _version(request)
    form = ReportSectionsForm(request.POST, instance=report_actions.report_of(evaluation))
    if version is None:
        messages.error(request, STALE_FORM)
        return _back(evaluation, "sections")
    if not form.is_valid():
        return render(request, "keyevals/report_detail.html", _context(request, evaluation, sections_form=form))
    try:
        report_actions.save_sections(request.user, report, version, form.cleaned_data)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except StaleDocument as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, "评价报告已保存")
    return _back(evaluation, "sections")


@require_POST
@login_required
def report_transition(request, pk):
    evaluation = _evaluation(request, pk)
    report = report_actions.report_of(evaluation)
    action = request.POST.get("action", "")
    if report is None or action not in review.allowed_actions(request.user, report):
        raise Http404("无权办理")
    version = _version(request)
    if version is None:
        messages.error(request, STALE_FORM)
        return _back(evaluation)
    target = request.POST.get("target_step", "")
    try:
        report_actions.transition(
            request.user,
            report,
            action,
            version,
            request.POST.get("opinion", ""),
            int(target) if target.isdecimal() else None,
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except StaleDocument as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, f"评价报告已{ACTION_LABELS[action]}")
    return _back(evaluation)


@login_required
def report_docx_view(request, pk):
    """生成报告初稿（Word）: from the data, for readers who may export the evaluation; audited."""
    from audit import trail
    from audit.models import AuditAction

    evaluation = _evaluation(request, pk, Action.EXPORT)
    report = report_actions.report_of(evaluation)
    content = report_docx.report_document(evaluation, report)
    trail.record(AuditAction.EXPORT, report or evaluation, actor=request.user, reason="生成评价报告初稿（Word）")
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(report_docx.report_filename(evaluation))}"
    return response


@require_POST
@login_required
def report_upload(request, pk):
    evaluation = _evaluation(request, pk)
    report = report_actions.report_of(evaluation)
    if report is None or not report_actions.may_upload_edited(request.user, report):
        raise Http404("无权上传")
    try:
        report_actions.upload_edited(request.user, report, request.FILES.get("edited_file"))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, "已上传修改后的评价报告，此后以该文件为准")
    return _back(evaluation, "document")


@login_required
def report_edited(request, pk):
    evaluation = _evaluation(request, pk, Action.EXPORT)
    report = report_actions.report_of(evaluation)
    if report is None or not report.edited_file:
        raise Http404("没有修改后的报告")
    return files.download(report, report.edited_file, what="修改后的评价报告")


# ---------------------------------------------------------------------------------------------- problems (htmx rows)


def _problems_response(request, evaluation, form=None, editing=None, errors=None):
    if request.htmx:
        context = _context(request, evaluation, problem_form=form)
        context.update({"editing": editing, "row_errors": errors or {}})
        return render(request, "keyevals/report_problems.html", context)
    return _back(evaluation, "problems")


def _problem(evaluation, problem_pk) -> Problem:
    problem = Problem.objects.filter(evaluation=evaluation, pk=problem_pk).select_related("evaluation").first()
    if problem is None:
        raise Http404("没有该问题")
    return problem


@require_POST
@login_required
def problem_add(request, pk):
    evaluation = _evaluation(request, pk)
    if not report_actions.may_prepare(request.user, evaluation):
        raise Http404("无权修改")
    form = ProblemForm(request.POST, evaluation=evaluation)
    if form.is_valid():
        try:
            report_actions.add_problem(request.user, evaluation, form.cleaned_data)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            for name, errors in getattr(exc, "error_dict", {}).items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
            if not hasattr(exc, "error_dict"):
                form.add_error(None, _messages_of(exc))
        else:
            if not request.htmx:
                messages.success(request, "已列出问题")
            return _problems_response(request, evaluation)
    if not request.htmx:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return _problems_response(request, evaluation, form=form)


@require_POST
@login_required
def problem_edit(request, pk, problem_pk):
    evaluation = _evaluation(request, pk)
    if not report_actions.may_prepare(request.user, evaluation):
        raise Http404("无权修改")
    problem = _problem(evaluation, problem_pk)
    form = ProblemForm(request.POST, evaluation=evaluation)
    problems = []
    if form.is_valid():
        try:
            report_actions.update_problem(request.user, problem, form.cleaned_data)
        except PermissionDenied as exc:
            problems = [str(exc)]
        except ValidationError as exc:
            problems = exc.messages
    else:
        problems = [e for errors in form.errors.values() for e in errors]
    if problems and not request.htmx:
        messages.error(request, "；".join(problems))
    return _problems_response(
        request, evaluation, editing=problem.pk if problems else None, errors={problem.pk: problems}
    )


@require_POST
@login_required
def problem_delete(request, pk, problem_pk):
    evaluation = _evaluation(request, pk)
    if not report_actions.may_prepare(request.user, evaluation):
        raise Http404("无权修改")
    problem = _problem(evaluation, problem_pk)
    try:
        report_actions.delete_problem(request.user, problem)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, str(exc) if isinstance(exc, PermissionDenied) else _messages_of(exc))
    return _problems_response(request, evaluation)


# ---------------------------------------------------------------------------------------------- filings, conclusion


@require_POST
@login_required
def filing_add(request, pk):
    evaluation = _evaluation(request, pk)
    if not report_actions.is_organiser(request.user, evaluation):
        raise Http404("无权登记")
    form = FilingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return _back(evaluation, "filings")
    try:
        filing = report_actions.record_filing(request.user, evaluation, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, f"已登记报送{filing.get_filed_with_display()}")
    return _back(evaluation, "filings")


@require_POST
@login_required
def report_conclude(request, pk):
    evaluation = _evaluation(request, pk)
    if not report_actions.is_organiser(request.user, evaluation):
        raise Http404("无权操作")
    version = _version(request)
    if version is None:
        messages.error(request, STALE_FORM)
        return _back(evaluation)
    try:
        report_actions.conclude(request.user, evaluation, version, request.POST.get("reason", ""))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except StaleDocument as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, "评价已完成。请归集评价档案")
    return _back(evaluation)


# ---------------------------------------------------------------------------------------------- the feedback letter


@require_POST
@login_required
def letter_send(request, pk):
    evaluation = _evaluation(request, pk)
    if not letters.may_send(request.user, evaluation):
        raise Http404("无权发函")
    form = LetterForm(request.POST)
    if not form.is_valid():
        return render(request, "keyevals/report_detail.html", _context(request, evaluation, letter_form=form))
    try:
        letter = letters.send_letter(request.user, evaluation, **form.cleaned_data)
    except ValidationError as exc:
        for name, errors in getattr(exc, "error_dict", {}).items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
        if not hasattr(exc, "error_dict"):
            form.add_error(None, _messages_of(exc))
        return render(request, "keyevals/report_detail.html", _context(request, evaluation, letter_form=form))
    messages.success(request, f"反馈意见函已发送{evaluation.evaluated.name}，反馈截止 {letter.reply_due:%Y-%m-%d}")
    return _back(evaluation, "letters")


def _letter(request, pk, action=Action.VIEW) -> FeedbackLetter:
    letter = access.get_object_or_404(
        FeedbackLetter.objects.select_related("evaluation__organiser__region", "evaluation__evaluated", "sent_by"),
        request.user,
        action,
        pk=pk,
    )
    letters.deem_overdue(letter=letter)
    return letter


def _letter_context(request, letter, form=None) -> dict:
    user = request.user
    may_reply = letters.may_reply(user, letter)
    awaiting = letter.status == LetterStatus.AWAITING
    return {
        "title": f"评价结果反馈意见函：{letter.evaluation.title}",
        "letter": letter,
        "evaluation": letter.evaluation,
        "deadline": letters.deadline_sentence(letter),
        "sections": letters.parse_reply(letter.reply),
        "may_reply": may_reply and awaiting,
        "form": form or (ReplyForm() if may_reply and awaiting else None),
        "too_late": may_reply and letter.status == LetterStatus.DEEMED,
        "too_late_text": letters.TOO_LATE,
        "reaches_evaluation": access.can(user, Action.VIEW, letter.evaluation),
        "can_download": access.can(user, Action.EXPORT, letter),
    }


@login_required
def letter_page(request, pk):
    letter = _letter(request, pk)
    return render(request, "keyevals/letter_detail.html", _letter_context(request, letter))


@require_POST
@login_required
def letter_reply(request, pk):
    letter = _letter(request, pk)
    if not letters.may_reply(request.user, letter):
        raise Http404("无权反馈")
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return render(request, "keyevals/letter_detail.html", _letter_context(request, letter, form))
    data = dict(form.cleaned_data)
    objection = data.pop("objection")
    try:
        letters.reply(request.user, letter, objection=objection, sections=data)
    except ValidationError as exc:
        for name, errors in getattr(exc, "error_dict", {}).items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
        if not hasattr(exc, "error_dict"):
            messages.error(request, _messages_of(exc))
            return redirect("keyevals:letter", pk=letter.pk)
        return render(request, "keyevals/letter_detail.html", _letter_context(request, letter, form))
    messages.success(request, "已反馈意见")
    return redirect("keyevals:letter", pk=letter.pk)


@login_required
def letter_docx(request, pk):
    """附件6 as Word, with the reply (the letter's own export reach: the evaluated organisation and the organiser)."""
    from urllib.parse import quote

    from audit import trail
    from audit.models import AuditAction

    letter = _letter(request, pk, Action.EXPORT)
    trail.record(AuditAction.EXPORT, letter, actor=request.user, reason="下载评价结果反馈意见函（Word）")
    response = HttpResponse(
        report_docx.letter_document(letter),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(report_docx.letter_filename(letter))}"
    return response

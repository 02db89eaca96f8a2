"""Pages of the work plan (评价工作方案 with its indicator system, htmx rows) and of the evaluation notice (评价通知书:
issued by the organiser, read and signed for by the evaluated unit). Reads through the gate; changes through
``keyevals.plan``; out of reach → 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import access
from keyevals import frameworks, plan
from keyevals.forms_plan import IndicatorForm, NoticeForm, PlanForm
from keyevals.models import KeyStatus, Notice, PlanIndicator, WorkPlan
from keyevals.views import _add_errors, _form_errors, error_text, evaluation_or_404, organised_or_404, refuse
from workflow.actions import StaleDocument
from workflow.forms import TransitionForm
from workflow.views import review_context


def plan_or_404(request, pk) -> WorkPlan:
    return access.get_object_or_404(
        WorkPlan.objects.select_related(
            "framework", "chain", "evaluation__organiser", "evaluation__evaluated", "evaluation__agency"
        ),
        request.user,
        pk=pk,
    )


@login_required
def plan_create(request, pk):
    evaluation = evaluation_or_404(request, pk)
    if not plan.may_prepare(request.user, evaluation):
        raise refuse(evaluation, request.user, plan.NOT_PREPARER)
    existing = plan.plan_of(evaluation)
    if existing is not None:
        return redirect(existing.get_absolute_url())
    form = PlanForm(request.POST or None, evaluation=evaluation)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        framework = data.pop("framework")
        try:
            work_plan = plan.create_plan(request.user, evaluation, framework, data)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "已新建评价工作方案，请逐项填写评价指标")
            return redirect(work_plan.get_absolute_url())
    return render(
        request,
        "keyevals/plan_form.html",
        {"form": form, "evaluation": evaluation, "title": "编制评价工作方案", "frameworks": _frameworks(evaluation)},
    )


def _frameworks(evaluation) -> list[dict]:
    return [
        {
            "framework": f,
            "groups": f.groups,
            "rules": frameworks.describe_rules(f.share_rules),
            "grades": "、".join(f"{g['label']} ≥ {g['min']}" for g in f.grade_lines),
        }
        for f in plan.frameworks_in_force(evaluation)
    ]


def _plan_context(request, work_plan, **extra) -> dict:
    evaluation = work_plan.evaluation
    user = request.user
    indicators = list(work_plan.indicators.all())
    editable = plan.may_edit(user, work_plan)
    totals = frameworks.group_totals(plan.rows_of(indicators))
    context = {
        "object": work_plan,
        "plan": work_plan,
        "evaluation": evaluation,
        "title": f"{evaluation.title} · 评价工作方案",
        "indicators": indicators,
        "total": sum((i.weight for i in indicators), 0),
        "group_totals": [
            {"name": name, "total": totals.get(name, 0), "suggested": g.get("suggested") if isinstance(g, dict) else ""}
            for name, g in zip(
                frameworks.group_names(work_plan.framework.groups), work_plan.framework.groups, strict=True
            )
        ],
        "problems": plan.check_indicators(work_plan.framework, indicators),
        "rules": frameworks.describe_rules(work_plan.framework.share_rules),
        "editable": editable,
        "plan_form": PlanForm(evaluation=evaluation, instance=work_plan) if editable else None,
        "indicator_form": IndicatorForm(framework=work_plan.framework) if editable else None,
        "transition_url": reverse("keyevals:plan_transition", args=[work_plan.pk]),
    }
    context.update(review_context(work_plan, user))
    if evaluation.status != KeyStatus.PREPARING:
        context["review_actions"] = []
    context.update(extra)
    return context


@login_required
def plan_detail(request, pk):
    work_plan = plan_or_404(request, pk)
    if request.method == "POST":
        if not plan.may_edit(request.user, work_plan):
            raise refuse(work_plan, request.user, plan.NOT_EDITABLE)
        form = PlanForm(request.POST, evaluation=work_plan.evaluation, instance=work_plan)
        if form.is_valid():
            try:
                plan.save_plan(request.user, work_plan, form.cleaned_data.get("version") or 0, form.cleaned_data)
            except StaleDocument as exc:
                form.add_error(None, exc.message)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(request, "已保存工作方案")
                return redirect(work_plan.get_absolute_url())
        return render(request, "keyevals/plan_detail.html", _plan_context(request, work_plan, plan_form=form))
    return render(request, "keyevals/plan_detail.html", _plan_context(request, work_plan))


def _rows_response(request, work_plan, form=None, error=""):
    """The indicator table (htmx) or, without htmx, back to the plan page."""
    if getattr(request, "htmx", False):
        work_plan.refresh_from_db()
        context = _plan_context(request, work_plan)
        if form is not None:
            context["indicator_form"] = form
        context["row_error"] = error
        return render(request, "keyevals/_plan_rows.html", context)
    if error:
        messages.error(request, error)
    return redirect(work_plan.get_absolute_url() + "#indicators")


@login_required
@require_POST
def indicator_add(request, pk):
    work_plan = plan_or_404(request, pk)
    if not plan.may_edit(request.user, work_plan):
        raise refuse(work_plan, request.user, plan.NOT_EDITABLE)
    form = IndicatorForm(request.POST, framework=work_plan.framework)
    if not form.is_valid():
        return _rows_response(request, work_plan, form, _form_errors(form))
    try:
        plan.add_indicator(request.user, work_plan, form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        return _rows_response(request, work_plan, form, error_text(exc))
    return _rows_response(request, work_plan)


def _indicator(request, pk, row_pk):
    work_plan = plan_or_404(request, pk)
    indicator = PlanIndicator.objects.filter(plan=work_plan, pk=row_pk).first()
    if indicator is None:
        raise Http404("没有这项指标")
    if not plan.may_edit(request.user, work_plan):
        raise refuse(work_plan, request.user, plan.NOT_EDITABLE)
    return work_plan, indicator


@login_required
@require_POST
def indicator_edit(request, pk, row_pk):
    work_plan, indicator = _indicator(request, pk, row_pk)
    form = IndicatorForm(request.POST, framework=work_plan.framework)
    if not form.is_valid():
        return _rows_response(request, work_plan, None, f"第 {indicator.order} 项：{_form_errors(form)}")
    try:
        plan.update_indicator(request.user, indicator, form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        return _rows_response(request, work_plan, None, error_text(exc))
    return _rows_response(request, work_plan)


@login_required
@require_POST
def indicator_delete(request, pk, row_pk):
    work_plan, indicator = _indicator(request, pk, row_pk)
    try:
        plan.delete_indicator(request.user, indicator)
    except (ValidationError, PermissionDenied) as exc:
        return _rows_response(request, work_plan, None, error_text(exc))
    return _rows_response(request, work_plan)


@login_required
@require_POST
def plan_transition(request, pk):
    """Submit / approve / return the plan; a plan that breaks its framework's rules is refused, nothing changed."""
    work_plan = plan_or_404(request, pk)
    from workflow import actions as review

    form = TransitionForm(request.POST, targets=review.return_targets(work_plan))
    if not form.is_valid():
        messages.error(request, "提交的内容有误：" + _form_errors(form))
        return redirect(work_plan.get_absolute_url())
    data = form.cleaned_data
    try:
        plan.transition(
            request.user, work_plan, data["action"], data["version"], data["opinion"], data.get("target_step")
        )
    except StaleDocument as exc:
        messages.error(request, exc.message)
    except PermissionDenied:
        raise Http404("无权办理") from None
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已办理")
    return redirect(work_plan.get_absolute_url())


# ---------------------------------------------------------------------------------------------- notice


@login_required
def notice_new(request, pk):
    evaluation = organised_or_404(request, pk)
    if not plan.may_issue_notice(request.user, evaluation):
        messages.error(request, "工作方案审批通过后才能发出评价通知书")
        return redirect(evaluation.get_absolute_url())
    form = NoticeForm(request.POST or None, initial=plan.notice_defaults(evaluation))
    if request.method == "POST" and form.is_valid():
        try:
            notice = plan.issue_notice(request.user, evaluation, form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, f"已向{evaluation.evaluated.name}发出评价通知书")
            return redirect(notice.get_absolute_url())
    return render(
        request,
        "keyevals/notice_form.html",
        {"form": form, "evaluation": evaluation, "title": "发出评价通知书"},
    )


@login_required
def notice_detail(request, pk):
    notice = access.get_object_or_404(
        Notice.objects.select_related("evaluation__evaluated", "evaluation__organiser", "sent_by", "read_by"),
        request.user,
        pk=pk,
    )
    evaluation = notice.evaluation
    context = {
        "object": notice,
        "notice": notice,
        "evaluation": evaluation,
        "title": f"评价通知书：{evaluation.title}",
        "may_sign": plan.may_sign(request.user, notice),
        "sees_hub": access.can(request.user, "view", evaluation),
        "requests": list(access.restrict(evaluation.document_requests.all(), request.user)),
        "plan_total": evaluation.indicators.aggregate(total=Sum("weight"))["total"],
    }
    return render(request, "keyevals/notice_detail.html", context)


@login_required
@require_POST
def notice_sign(request, pk):
    notice = access.get_object_or_404(Notice.objects.select_related("evaluation__evaluated"), request.user, pk=pk)
    try:
        plan.sign_notice(request.user, notice)
    except PermissionDenied:
        raise Http404("无权签收") from None
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "已签收评价通知书")
    return redirect(notice.get_absolute_url())

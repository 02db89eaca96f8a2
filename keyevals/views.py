"""Pages of the key evaluation itself: the list in reach, creating and editing one, and its page — the hub with the
facts, the lifecycle buttons and the panels (working group, fee budget, plan, notice, fieldwork, then the scoring,
report, survey and archive panels of the other parts). Every read goes through the gate (``core.access``); every
change through ``keyevals.actions`` / ``keyevals.lifecycle``. Out of reach → 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.roles import Capability
from audit import trail
from audit.models import AuditAction
from core import access
from core.views import GatedListView, audit_history
from keyevals import actions, fieldwork, plan
from keyevals.filtersets import KeyEvaluationFilterSet
from keyevals.forms import DrawForm, EvaluationForm, FeeLineForm, MemberForm
from keyevals.lifecycle import LIFECYCLE
from keyevals.models import FeeBudgetLine, KeyEvaluation, KeyStatus, WorkingGroupMember
from keyevals.tables import KeyEvaluationTable
from workflow.actions import StaleDocument


def error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return getattr(exc, "message", None) or str(exc)


def refuse(obj, user, reason: str):
    trail.record(AuditAction.PERMISSION_DENIED, obj, actor=user, reason=reason)
    return Http404("无权操作")


def evaluation_or_404(request, pk, *related):
    return access.get_object_or_404(
        KeyEvaluation.objects.select_related("organiser", "evaluated", "agency", "contract", *related),
        request.user,
        pk=pk,
    )


def organised_or_404(request, pk) -> KeyEvaluation:
    """The evaluation, only for its organiser (anyone else: 404, audited)."""
    evaluation = evaluation_or_404(request, pk)
    if not actions.is_organiser(request.user, evaluation):
        raise refuse(evaluation, request.user, actions.NOT_ORGANISER)
    return evaluation


# ---------------------------------------------------------------------------------------------- list


class KeyEvaluationListView(GatedListView):
    model = KeyEvaluation
    table_class = KeyEvaluationTable
    filterset_class = KeyEvaluationFilterSet
    title = "重点评价"
    create_url_name = "keyevals:create"
    create_capability = Capability.ORGANISE_KEY_EVALUATIONS

    def base_queryset(self):
        return KeyEvaluation.objects.select_related("organiser", "evaluated", "agency")


# ---------------------------------------------------------------------------------------------- create / edit


@login_required
def create(request):
    if not actions.may_create(request.user):
        trail.record(
            AuditAction.PERMISSION_DENIED,
            object_type="keyevals.keyevaluation",
            object_repr=request.path,
            reason="只有预算绩效管理科或主管部门审核人可以组织重点评价",
        )
        raise Http404("页面不存在")
    form = EvaluationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = actions.create_evaluation(
                request.user,
                form.values(),
                subjects=form.cleaned_data.get("subjects") or [],
                reason=form.cleaned_data.get("reason", ""),
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"已新建重点评价：{evaluation.title}")
            return redirect(evaluation.get_absolute_url())
    return render(
        request,
        "keyevals/evaluation_form.html",
        {"form": form, "title": "新建重点评价", "organiser": actions.organiser_of(request.user)},
    )


@login_required
def edit(request, pk):
    evaluation = organised_or_404(request, pk)
    if evaluation.status != KeyStatus.PREPARING:
        messages.error(request, actions.NOT_PREPARING.format(status=evaluation.get_status_display()))
        return redirect(evaluation.get_absolute_url())
    form = EvaluationForm(request.POST or None, user=request.user, instance=evaluation)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_evaluation(
                request.user,
                evaluation,
                form.cleaned_data.get("version") or 0,
                form.values(),
                subjects=form.cleaned_data.get("subjects") or [],
                reason=form.cleaned_data.get("reason", ""),
            )
        except StaleDocument as exc:
            form.add_error(None, exc.message)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect(evaluation.get_absolute_url())
    return render(
        request,
        "keyevals/evaluation_form.html",
        {"form": form, "title": f"修改重点评价：{evaluation.title}", "object": evaluation},
    )


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# ---------------------------------------------------------------------------------------------- the hub


@login_required
def detail(request, pk):
    evaluation = access.get_object_or_404(
        KeyEvaluation.objects.select_related(
            "organiser", "evaluated", "agency", "contract", "created_by"
        ).prefetch_related("subjects"),
        request.user,
        pk=pk,
    )
    user = request.user
    organiser = actions.is_organiser(user, evaluation)
    worker = organiser or actions.is_assignee(user, evaluation)
    members = list(evaluation.members.select_related("user__organisation", "expert"))
    fee_lines = list(evaluation.fee_lines.all())
    work_plan = plan.plan_of(evaluation)
    indicator_totals = (
        work_plan.indicators.aggregate(n=Count("id"), total=Sum("weight")) if work_plan else {"n": 0, "total": None}
    )
    requests = list(evaluation.document_requests.annotate(file_count=Count("files")).select_related("answered_by"))
    for row in requests:
        row.late = fieldwork.is_late(row)
    steps = LIFECYCLE.allowed(user, evaluation)
    context = {
        "object": evaluation,
        "evaluation": evaluation,
        "title": evaluation.title,
        "is_organiser": organiser,
        "may_edit": organiser and evaluation.status == KeyStatus.PREPARING,
        "steps": [(name, LIFECYCLE.steps[name].label) for name in steps],
        "members": members,
        "member_form": MemberForm(user=user, evaluation=evaluation) if organiser else None,
        "draw_form": DrawForm() if organiser and _draw_available() else None,
        "fee_lines": fee_lines,
        "fee_total": sum((line.amount for line in fee_lines), 0),
        "fee_approved_total": sum((line.approved or 0 for line in fee_lines), 0),
        "fee_form": FeeLineForm()
        if organiser and evaluation.status in (KeyStatus.PREPARING, KeyStatus.FIELDWORK)
        else None,
        "work_plan": work_plan,
        "indicator_count": indicator_totals["n"],
        "indicator_total": indicator_totals["total"],
        "may_create_plan": work_plan is None
        and evaluation.status == KeyStatus.PREPARING
        and plan.may_prepare(user, evaluation),
        "notices": list(evaluation.notices.select_related("sent_by", "read_by")),
        "may_issue_notice": plan.may_issue_notice(user, evaluation),
        "requests": requests,
        "may_request": fieldwork.may_request(user, evaluation),
        "visits": list(evaluation.site_visits.annotate(photo_count=Count("photos")).select_related("recorded_by")),
        "consultations": list(evaluation.consultations.select_related("recorded_by")),
        "may_record": worker and fieldwork.may_record(user, evaluation),
        "methods": _methods(evaluation),
        "standing": actions.agency_standing(evaluation.agency)[1] if evaluation.agency_id else "",
        "history": audit_history(evaluation),
    }
    context.update(_survey_panel(evaluation, user))
    return render(request, "keyevals/detail.html", context)


def _methods(evaluation) -> str:
    from keyevals.models import Method

    labels = dict(Method.choices)
    return "、".join(str(labels.get(m, m)) for m in evaluation.methods) or "—"


def _survey_panel(evaluation, user) -> dict:
    try:
        from surveys.panels import panel_for
    except ImportError:
        return {}
    return {"survey_panel": panel_for(evaluation, user)}


def _draw_available() -> bool:
    try:
        from agencies import draw
    except ImportError:
        return False
    return hasattr(draw, "draw_experts")


@login_required
@require_POST
def step(request, pk, name):
    """A lifecycle step (开始评价实施 …) through keyevals.lifecycle; refusals are shown, nothing changes."""
    evaluation = evaluation_or_404(request, pk)
    if name not in LIFECYCLE.steps:
        raise Http404("没有这个操作")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, "页面已过期，请刷新后重试")
        return redirect(evaluation.get_absolute_url())
    try:
        from keyevals.lifecycle import run

        run(name, evaluation, request.user, version=version, reason=request.POST.get("reason", ""))
    except StaleDocument as exc:
        messages.error(request, exc.message)
    except PermissionDenied:
        raise Http404("无权操作") from None
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已{LIFECYCLE.steps[name].label}")
    return redirect(evaluation.get_absolute_url())


# ---------------------------------------------------------------------------------------------- fee budget


@login_required
@require_POST
def fee_add(request, pk):
    evaluation = organised_or_404(request, pk)
    form = FeeLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            actions.add_fee_line(request.user, evaluation, form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"已添加经费项目：{form.cleaned_data['item']}")
    return redirect(evaluation.get_absolute_url() + "#fees")


@login_required
@require_POST
def fee_edit(request, pk, line_pk):
    evaluation = organised_or_404(request, pk)
    line = FeeBudgetLine.objects.filter(evaluation=evaluation, pk=line_pk).first()
    if line is None:
        raise Http404("没有这项经费")
    form = FeeLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            actions.update_fee_line(request.user, line, form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"已修改经费项目：{line.item}")
    return redirect(evaluation.get_absolute_url() + "#fees")


@login_required
@require_POST
def fee_delete(request, pk, line_pk):
    evaluation = organised_or_404(request, pk)
    line = FeeBudgetLine.objects.filter(evaluation=evaluation, pk=line_pk).first()
    if line is None:
        raise Http404("没有这项经费")
    try:
        actions.delete_fee_line(request.user, line)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已删除经费项目：{line.item}")
    return redirect(evaluation.get_absolute_url() + "#fees")


def _form_errors(form) -> str:
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        parts.append(f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
    return "；".join(parts)


# ---------------------------------------------------------------------------------------------- working group


@login_required
@require_POST
def member_add(request, pk):
    evaluation = organised_or_404(request, pk)
    form = MemberForm(request.POST, user=request.user, evaluation=evaluation)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            member = actions.add_member(request.user, evaluation, form.values())
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"已将{member.name}加入评价工作组")
    return redirect(evaluation.get_absolute_url() + "#group")


@login_required
@require_POST
def member_delete(request, pk, member_pk):
    evaluation = organised_or_404(request, pk)
    member = WorkingGroupMember.objects.filter(evaluation=evaluation, pk=member_pk).first()
    if member is None:
        raise Http404("没有这名成员")
    try:
        actions.remove_member(request.user, member)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已将{member.name}移出评价工作组")
    return redirect(evaluation.get_absolute_url() + "#group")


@login_required
@require_POST
def draw(request, pk):
    evaluation = organised_or_404(request, pk)
    form = DrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            _, members = actions.draw_experts(
                request.user, evaluation, form.cleaned_data["field"], form.cleaned_data["count"]
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
        else:
            names = "、".join(m.name for m in members)
            messages.success(request, f"已抽取专家并加入工作组：{names}" if names else "已抽取，抽中的专家已在工作组中")
    return redirect(evaluation.get_absolute_url() + "#group")

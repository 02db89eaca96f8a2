"""Pages of the self-evaluation rounds (单位自评): the list, opening a round, the round's page with its progress, the
count of forms by status, who is left off and why, the transfer-payment list, running the opening again and closing
the round. Every change is a call of ``evaluations.self_actions`` (or the round's lifecycle)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from audit import trail
from audit.models import AuditAction
from core import access, clock
from core.views import GatedListView
from evaluations import self_actions
from evaluations.choices import LeftOutReason, RoundStatus
from evaluations.models import RecheckSample, SelfEvaluation, SelfEvaluationRound
from evaluations.self_filtersets import SelfEvaluationRoundFilterSet, late_q
from evaluations.self_forms import RoundOpenForm, TransferListForm
from evaluations.self_tables import SelfEvaluationRoundTable
from subjects.models import Subject
from workflow.models import ReviewStatus

LEFT_OUT_SHOWN = 200  # subjects named one by one on the round page; the rest are counted


def error_text(exc) -> str:
    return "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


def add_errors(form, exc: ValidationError) -> None:
    """An action's refusal on the form: each message on the field it names, when the form has that field."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.error_dict.items():
        form.add_error(key if key in form.fields else None, [e for error in errors for e in error.messages])


class SelfEvaluationRoundListView(GatedListView):
    model = SelfEvaluationRound
    table_class = SelfEvaluationRoundTable
    filterset_class = SelfEvaluationRoundFilterSet
    title = "单位自评"
    create_url_name = "evaluations:round_create"

    def base_queryset(self):
        return SelfEvaluationRound.objects.select_related("organisation")

    def can_create(self):
        return self_actions.can_open_round(self.request.user)


def _refuse(request, what: str, obj=None):
    """404 for someone who may not do ``what`` (the gate's rule: no hint that the action exists), audited."""
    if obj is not None:
        trail.record(AuditAction.PERMISSION_DENIED, obj, reason=what)
    else:
        trail.record(
            AuditAction.PERMISSION_DENIED,
            object_type="evaluations.selfevaluationround",
            object_repr="组织单位自评",
            reason=what,
        )
    raise Http404("无权操作")


@login_required
def round_create(request):
    """开启单位自评: the performance section opens the closed year of its own region."""
    user = request.user
    if not self_actions.can_open_round(user):
        _refuse(request, self_actions.OPEN_DENIED)
    year = clock.today().year - 1
    region = self_actions.round_organisation(user).region
    initial = {
        "fiscal_year": year,
        "due_date": self_actions.proposed_due_date(year).isoformat(),
        "name": f"{region.name} {year} 年度绩效自评",
    }
    form = RoundOpenForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            evaluation_round = self_actions.open_round(
                user,
                fiscal_year=data["fiscal_year"],
                due_date=data["due_date"],
                name=data["name"],
                notice=data["notice"],
                transfer_subjects=list(data["transfer_subjects"]),
                reason=data["reason"],
                purchased_service_four_e=data["purchased_service_four_e"],
            )
        except PermissionDenied:
            raise Http404("无权操作") from None
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"已开启：{evaluation_round}，正在后台生成绩效自评表")
            return redirect(evaluation_round)
    intro = (
        "年度终了，对本级已安排预算的全部项目、政策、部门整体支出开展单位自评（谁支出、谁自评）；转移支付项目按主管部门会同"
        "财政部门确定的清单纳入。自评表由后台按批复的绩效目标和截至 12 月 31 日的国库支付数据生成，不需手工填写预算执行数。"
    )
    return render(request, "core/form.html", {"title": "开启单位自评", "form": form, "intro": intro})


def _round(request, pk):
    return access.get_object_or_404(
        SelfEvaluationRound.objects.select_related("organisation", "region", "scheme", "purchased_service_scheme"),
        request.user,
        pk=pk,
    )


def form_counts(evaluation_round, user) -> dict:
    """The round's forms the user reaches, by status, late, and without approved targets; one query."""
    forms = access.restrict(SelfEvaluation.objects.filter(round=evaluation_round), user)
    by = {s: Count("pk", filter=Q(status=s)) for s in ReviewStatus.values}
    return forms.aggregate(
        total=Count("pk"), late=Count("pk", filter=late_q()), no_targets=Count("pk", filter=Q(target_sheet=None)), **by
    )


def left_out(evaluation_round, user) -> dict:
    """Who of the year's funded subjects has no form and why: subjects named and linked when the user reaches them,
    the regions below as a count each."""
    entries = evaluation_round.left_out or []
    ids = [e["subject"] for e in entries if e.get("subject")]
    shown = ids[:LEFT_OUT_SHOWN]
    reachable = access.restrict(Subject.objects.filter(pk__in=shown), user).select_related("organisation")
    found = {s.pk: s for s in reachable}
    labels = dict(LeftOutReason.choices)
    subjects = [
        {"subject": found[e["subject"]], "reason": labels.get(e["reason"], e["reason"])}
        for e in entries
        if e.get("subject") in found
    ]
    regions = [
        f"{e.get('region_name', '')}：{e.get('count', 0):,} 个项目由该区划财政部门组织"
        for e in entries
        if e.get("reason") == LeftOutReason.OTHER_REGION
    ]
    return {"subjects": subjects, "regions": regions, "hidden": len(ids) - len(subjects)}


@login_required
def round_detail(request, pk):
    evaluation_round = _round(request, pk)
    user = request.user
    can_manage = self_actions.can_manage_round(user, evaluation_round)
    transfer_form = None
    if can_manage and evaluation_round.status != RoundStatus.CLOSED:
        transfer_form = TransferListForm(
            user=user, initial={"transfer_subjects": list(evaluation_round.transfer_subjects.all())}
        )
    from core.views import audit_history

    return render(
        request,
        "evaluations/round_detail.html",
        {
            "title": evaluation_round.name,
            "object": evaluation_round,
            "counts": form_counts(evaluation_round, user),
            "left_out": left_out(evaluation_round, user),
            "can_manage": can_manage,
            "can_close": can_manage and self_actions.LIFECYCLE.may(user, evaluation_round, "close"),
            "transfer_form": transfer_form,
            "transfer_count": evaluation_round.transfer_subjects.count(),
            "sample": RecheckSample.objects.filter(round=evaluation_round).first(),  # the spot re-check's
            "history": audit_history(evaluation_round),
        },
    )


@require_GET
@login_required
def round_progress(request, pk):
    """htmx: the progress bar while the forms are created; once they are, the page reloads to show the counts."""
    evaluation_round = _round(request, pk)
    if request.GET.get("opening") and evaluation_round.status != RoundStatus.OPENING:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    return render(request, "evaluations/round_progress.html", {"object": evaluation_round})


def _managed(request, pk):
    evaluation_round = _round(request, pk)
    if not self_actions.can_manage_round(request.user, evaluation_round):
        _refuse(request, "只有组织本轮自评的预算绩效管理科可以办理", evaluation_round)
    return evaluation_round


@require_POST
@login_required
def round_rerun(request, pk):
    evaluation_round = _managed(request, pk)
    try:
        self_actions.rerun(evaluation_round, request.user)
    except PermissionDenied:
        raise Http404("无权操作") from None
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "已重新开始生成绩效自评表（已生成的不会重复生成）")
    return redirect(evaluation_round)


@require_POST
@login_required
def round_close(request, pk):
    evaluation_round = _managed(request, pk)

    def stamp(fresh):
        return {"_fields": {"closed_at": clock.now()}}

    try:
        self_actions.LIFECYCLE.run(
            "close", evaluation_round, request.user, reason=request.POST.get("reason", "")[:500], apply=stamp
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "本轮自评已结束，不能再报送自评表")
    return redirect(evaluation_round)


@require_POST
@login_required
def round_transfers(request, pk):
    """The agreed transfer-payment list; forms for newly listed subjects are created by running the opening again."""
    evaluation_round = _managed(request, pk)
    form = TransferListForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect(evaluation_round)
    try:
        self_actions.set_transfer_list(evaluation_round, request.user, form.cleaned_data["transfer_subjects"])
        self_actions.rerun(evaluation_round, request.user)
    except PermissionDenied:
        raise Http404("无权操作") from None
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            f"已确定转移支付自评清单（{len(form.cleaned_data['transfer_subjects'])} 个项目），新列入的项目正在生成自评表",
        )
    return redirect(evaluation_round)

"""A department's summary of its self-evaluation (部门自评汇总报告; 转移支付办法 第二十三条, seed 001 第二十条（一）):
the figures rolled up from its units' forms in one aggregate (``rollup``), the narrative it writes, and its way to
finance along the chain 主管部门 → 财政业务科室 → 预算绩效管理科 (migration 0008). The summary is sent only once the
department has reviewed every form of its units: none left with the units, none waiting at its own step.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.roles import Role
from core import access, services
from core.views import GatedDetailView
from evaluations.models import DepartmentSummary, SelfEvaluation
from workflow import guards, hooks
from workflow.forms import ReviewableForm
from workflow.models import EDITABLE_STATUSES, ReviewAction, ReviewStatus
from workflow.views import ReviewableEditView, TransitionView, review_context

DEPARTMENT_STEP_ROLES = (Role.UNIT_PREPARER, Role.UNIT_HEAD, Role.DEPT_REVIEWER)


@dataclass(frozen=True)
class Rollup:
    forms: int
    submitted: int
    approved: int
    pending_below: int  # still with the units or at the department's own step
    budget: Decimal
    paid: Decimal
    mean_score: Decimal | None
    grades: dict  # grade label -> count
    by_kind: dict  # FormKind value -> count

    @property
    def execution_rate(self) -> Decimal | None:
        return (self.paid / self.budget) if self.budget else None


def department_forms(evaluation_round, department):
    return SelfEvaluation.objects.filter(round=evaluation_round).filter(
        Q(department=department) | Q(organisation=department)
    )


def rollup(evaluation_round, department) -> Rollup:
    """The department's figures over its units' forms, in one aggregate (and one for grades, one for kinds)."""
    forms_ = department_forms(evaluation_round, department)
    pending = Q(status__in=list(EDITABLE_STATUSES)) | Q(
        status=ReviewStatus.IN_REVIEW, current_role__in=DEPARTMENT_STEP_ROLES
    )
    totals = forms_.aggregate(
        forms=Count("pk"),
        submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
        approved=Count("pk", filter=Q(status=ReviewStatus.APPROVED)),
        pending_below=Count("pk", filter=pending),
        budget=Sum("budget"),
        paid=Sum("paid"),
        score_sum=Sum("total_score", filter=Q(submitted_at__isnull=False)),
        scored=Count("total_score", filter=Q(submitted_at__isnull=False)),
    )
    grades = dict(
        forms_.filter(submitted_at__isnull=False)
        .exclude(grade="")
        .values_list("grade")
        .annotate(n=Count("pk"))
        .order_by("grade")
    )
    kinds = dict(forms_.values_list("kind").annotate(n=Count("pk")).order_by("kind"))
    mean = None
    if totals["scored"]:
        mean = (Decimal(totals["score_sum"]) / totals["scored"]).quantize(Decimal("0.01"))
    return Rollup(
        forms=totals["forms"],
        submitted=totals["submitted"],
        approved=totals["approved"],
        pending_below=totals["pending_below"],
        budget=Decimal(totals["budget"] or 0),
        paid=Decimal(totals["paid"] or 0),
        mean_score=mean,
        grades=grades,
        by_kind=kinds,
    )


def can_start(user, evaluation_round, department) -> bool:
    return guards.can_prepare(user, DepartmentSummary, department, probe=DepartmentSummary(round=evaluation_round))


def start(user, evaluation_round, department) -> DepartmentSummary:
    if not can_start(user, evaluation_round, department):
        raise PermissionDenied("只有主管部门的审核人可以撰写本部门的自评汇总报告")
    try:
        with transaction.atomic():
            return services.create_record(
                DepartmentSummary(round=evaluation_round, department=department), reason="撰写自评汇总报告"
            )
    except IntegrityError:
        raise ValidationError("本部门本轮的自评汇总报告已经建立") from None


@hooks.before_transition("evaluations.departmentsummary")
def before_transition(summary, action: str, to_status: str, user) -> dict:
    """Sent only when the department reviewed every form of its units, and with its narrative written."""
    if action != ReviewAction.SUBMIT:
        return {}
    figures = rollup(summary.round, summary.department)
    problems = []
    if figures.pending_below:
        problems.append(f"尚有 {figures.pending_below} 张所属单位的自评表未报送或未经本部门审核")
    for field in ("overview", "findings", "measures"):
        if not (getattr(summary, field) or "").strip():
            problems.append(f"尚未填写“{DepartmentSummary._meta.get_field(field).verbose_name}”")
    if problems:
        raise ValidationError("不能报送：" + "；".join(problems))
    if summary.submitted_at is None:
        from core import clock

        DepartmentSummary.objects.filter(pk=summary.pk).update(submitted_at=clock.now())
    return {}


# --- pages ----------------------------------------------------------------------------------------------------------


class SummaryForm(ReviewableForm):
    class Meta:
        model = DepartmentSummary
        fields = ["overview", "findings", "measures"]
        widgets = {f: forms.Textarea(attrs={"rows": 5}) for f in ["overview", "findings", "measures"]}


class SummaryDetailView(GatedDetailView):
    model = DepartmentSummary
    template_name = "evaluations/summary_detail.html"

    def base_queryset(self):
        return DepartmentSummary.objects.select_related("round", "department", "chain__region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        summary = self.object
        context.update(review_context(summary, self.request.user))
        context.update(
            {
                "title": str(summary),
                "transition_url": reverse("evaluations:summary_transition", args=[summary.pk]),
                "rollup": rollup(summary.round, summary.department),
                "forms_url": reverse("evaluations:forms") + f"?round={summary.round_id}"
                if _has_route("evaluations:forms")
                else "",
            }
        )
        return context


def _has_route(name: str) -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


class SummaryEditView(ReviewableEditView):
    model = DepartmentSummary
    form_class = SummaryForm
    template_name = "core/form.html"


class SummaryTransitionView(TransitionView):
    model = DepartmentSummary


@login_required
def start_view(request, round_pk):
    """POST: the department reviewer starts its department's summary of the round (or opens the existing one)."""
    from evaluations.models import SelfEvaluationRound
    from organisations.models import Organisation

    if request.method != "POST":
        raise Http404("页面不存在")
    evaluation_round = SelfEvaluationRound.objects.filter(pk=round_pk).first()
    department = access.restrict(
        Organisation.objects.filter(pk=request.POST.get("department") or 0), request.user
    ).first()
    if evaluation_round is None or department is None or not can_start(request.user, evaluation_round, department):
        raise Http404("无权操作")
    existing = DepartmentSummary.objects.filter(round=evaluation_round, department=department).first()
    if existing is not None:
        return redirect(existing)
    try:
        summary = start(request.user, evaluation_round, department)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        return redirect(request.META.get("HTTP_REFERER") or "/")
    return redirect(summary)


def startable(user, evaluation_round) -> list:
    """The departments ``user`` may write a summary for in ``evaluation_round`` (its own, as department reviewer)."""
    result = []
    for assignment in user.role_assignments():
        if assignment.role == Role.DEPT_REVIEWER and assignment.organisation.region_id == evaluation_round.region_id:
            if can_start(user, evaluation_round, assignment.organisation):
                result.append(assignment.organisation)
    return result


@login_required
def summaries_of_round(request, round_pk):
    """The round's summaries the user may read, and the button to write one's own."""
    from evaluations.models import SelfEvaluationRound

    evaluation_round = SelfEvaluationRound.objects.filter(pk=round_pk).first()
    if evaluation_round is None:
        raise Http404("记录不存在")
    summaries = access.restrict(
        DepartmentSummary.objects.filter(round=evaluation_round).select_related("department", "chain"), request.user
    )
    if (
        not summaries.exists()
        and not startable(request.user, evaluation_round)
        and not access.can(request.user, "view", evaluation_round)
    ):
        raise Http404("记录不存在或无权访问")
    own = {s.department_id for s in summaries}
    return render(
        request,
        "evaluations/summary_list.html",
        {
            "title": f"{evaluation_round.name}：部门自评汇总报告",
            "round": evaluation_round,
            "summaries": summaries,
            "startable": [d for d in startable(request.user, evaluation_round) if d.pk not in own],
        },
    )


@login_required
def summary_index(request):
    """Every summary the user may read, and for a department reviewer the open rounds of its region it may still
    write one for."""
    from evaluations.choices import RoundStatus
    from evaluations.models import SelfEvaluationRound

    summaries_ = access.restrict(
        DepartmentSummary.objects.select_related("department", "round", "chain"), request.user
    ).order_by("-round__fiscal_year", "department__name")
    written = set(summaries_.values_list("round_id", "department_id"))
    regions = {a.organisation.region_id for a in request.user.role_assignments() if a.role == Role.DEPT_REVIEWER}
    startable_ = []
    for evaluation_round in SelfEvaluationRound.objects.filter(region_id__in=regions, status=RoundStatus.OPEN):
        for department in startable(request.user, evaluation_round):
            if (evaluation_round.pk, department.pk) not in written:
                startable_.append((evaluation_round, department))
    return render(
        request,
        "evaluations/summary_index.html",
        {"title": "部门自评汇总报告", "summaries": summaries_, "startable": startable_},
    )

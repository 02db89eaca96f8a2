"""Pages of the ex-ante assessment: list, detail with the scoring form and the review panel, the
side-by-side comparison of a subject's assessments, the Word report, starting and commissioning; the evidence
panel is assessments/evidence.py. Every read goes through the access gate; every change through assessments.actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.roles import Action, Capability
from assessments import actions, documents
from assessments.choices import AssessmentKind
from assessments.evidence import EVIDENCE
from assessments.filtersets import AssessmentFilterSet
from assessments.forms import CommissionForm, StartForm
from assessments.gating import assessment_clears
from assessments.models import Assessment, AssessmentScore
from assessments.tables import AssessmentTable
from audit import trail
from audit.models import AuditAction
from core import access, kept_input
from core.views import GatedDetailView, GatedListView
from subjects.models import Subject
from workflow import guards
from workflow.actions import StaleDocument
from workflow.models import ReviewStatus
from workflow.views import TransitionView, review_context


def _scores_prefetch():
    return Prefetch("scores", queryset=AssessmentScore.objects.select_related("point").order_by("point__order"))


class AssessmentListView(GatedListView):
    model = Assessment
    table_class = AssessmentTable
    filterset_class = AssessmentFilterSet
    title = "事前绩效评估"

    def base_queryset(self):
        return Assessment.objects.select_related("subject__organisation", "agency", "chain").prefetch_related(
            "chain__steps"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        buttons = []
        if actions.preparable_kinds(self.request.user):
            buttons.append(("assessments:start", "发起事前评估", "bi-plus-lg"))
        if access.has_capability(self.request.user, Capability.COMMISSION_ASSESSMENTS):
            buttons.append(("assessments:commission", "委托第三方评估", "bi-building"))
        context["extra_actions"] = buttons
        return context


def group_by_dimension(scores, evidence) -> list[dict]:
    """[{dimension, weight, score, rows: [score with .files]}] in template order."""
    by_score: dict[int, list] = {}
    for item in evidence:
        by_score.setdefault(item.score_id, []).append(item)
    groups: list[dict] = []
    for score in scores:
        score.files = by_score.get(score.pk, [])
        if not groups or groups[-1]["dimension"] != score.point.dimension:
            groups.append({"dimension": score.point.dimension, "weight": 0, "score": 0, "rows": []})
        group = groups[-1]
        group["rows"].append(score)
        group["weight"] += score.point.weight
        group["score"] += score.score or 0
    return groups


class AssessmentDetailView(GatedDetailView):
    model = Assessment
    template_name = "assessments/assessment_detail.html"

    def base_queryset(self):
        return Assessment.objects.select_related(
            "subject__organisation", "subject__department", "agency", "template", "chain__region"
        ).prefetch_related(_scores_prefetch())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj, user = self.object, self.request.user
        context.update(review_context(obj, user))
        context.update(EVIDENCE.panel(obj, user))  # 佐证材料 (core/attachments.py)
        context.update(
            {
                "title": str(obj),
                "transition_url": reverse("assessments:transition", args=[obj.pk]),
                "groups": group_by_dimension(list(obj.scores.all()), context["attachment_panel"]["items"]),
                "subject_visible": access.can(user, Action.VIEW, obj.subject),
                "siblings": access.restrict(Assessment.objects.filter(subject_id=obj.subject_id), user).count(),
                "gate": assessment_clears(obj.subject),
            }
        )
        # A refused save shows every score and opinion as typed, not as stored (core/kept_input.py).
        kept = kept_input.take(self.request, f"assessment-scores-{obj.pk}")
        for group in context["groups"]:
            for row in group["rows"]:
                row.shown_score = kept.get(f"score_{row.point_id}", row.score)
                row.shown_finding = kept.get(f"finding_{row.point_id}", row.finding)
        context["shown_summary"] = kept.get("summary", obj.summary)
        context["shown_suggestions"] = kept.get("suggestions", obj.suggestions)
        return context


class AssessmentTransitionView(TransitionView):
    model = Assessment


def _login_redirect(request):
    return redirect(f"{reverse('accounts:login')}?next={request.path}")


@require_POST
@login_required
def save(request, pk):
    """The scoring form: scores, findings, summary and suggestions (preparer only); evidence has its own panel."""
    assessment = access.get_object_or_404(Assessment.objects.select_related("chain"), request.user, pk=pk)
    if not guards.can_edit(request.user, assessment):
        trail.record(AuditAction.PERMISSION_DENIED, assessment, reason="评估不在可修改状态或无编辑权限")
        raise Http404("无权编辑")
    scores = {}
    rows = list(assessment.scores.all())
    for row in rows:
        key = f"score_{row.point_id}"
        if key in request.POST:
            scores[row.point_id] = {
                "score": request.POST.get(key, "").strip() or None,
                "finding": request.POST.get(f"finding_{row.point_id}", row.finding),
            }
    try:
        version = int(request.POST.get("version", "0"))
        actions.save_scores(
            assessment,
            request.user,
            version,
            scores=scores,
            summary=request.POST.get("summary"),
            suggestions=request.POST.get("suggestions"),
            reason=request.POST.get("reason", ""),
        )
    except StaleDocument as exc:
        messages.error(request, exc.message)
    except ValueError:
        messages.error(request, "版本号无效，请刷新后重试")
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        kept_input.keep(request, f"assessment-scores-{assessment.pk}", request.POST)  # every score stays typed
    else:
        messages.success(request, "已保存评分")
    return redirect(assessment.get_absolute_url())


def download_report(request, pk):
    """The Word report, through the gate (404 outside reach), recorded as an export."""
    if not request.user.is_authenticated:
        return _login_redirect(request)
    assessment = access.get_object_or_404(
        Assessment.objects.select_related("subject__organisation", "subject__department", "agency", "template"),
        request.user,
        pk=pk,
    )
    content = documents.build(assessment)
    trail.record(AuditAction.EXPORT, assessment, reason="下载事前绩效评估报告（Word）")
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    from django.utils.encoding import escape_uri_path

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(documents.filename(assessment))}"
    return response


@login_required
def compare(request, subject_pk):
    """A subject's assessments side by side (department and third party), per dimension."""
    subject = access.get_object_or_404(Subject.objects.select_related("organisation"), request.user, pk=subject_pk)
    columns = list(
        access.restrict(Assessment.objects.filter(subject=subject), request.user)
        .select_related("agency", "template")
        .prefetch_related(_scores_prefetch())
        .order_by("kind", "created_at")
    )
    return render(
        request,
        "assessments/compare.html",
        {
            "title": f"{subject.name} · 评估结果对比",
            "subject": subject,
            "columns": columns,
            "rows": actions.comparable(columns),
            "gate": assessment_clears(subject),
        },
    )


def _startable_subjects(user, kinds: dict):
    """The subjects ``user`` may start one of ``kinds`` ({kind: preparing organisations}) for, without one of that
    kind already open: under the preparing department or unit; in the preparing bureau's own region for finance's
    direct assessment."""
    reach = Q(pk__in=[])
    for kind, orgs in kinds.items():
        if kind == AssessmentKind.FINANCE:
            q = Q(organisation__region_id__in={org.region_id for org in orgs})
        else:
            q = Q(pk__in=[])
            for org in orgs:
                q |= Q(organisation__path__startswith=org.path)
            if kind == AssessmentKind.PURCHASER:
                q &= Q(kind="purchased_service")
        open_ids = Assessment.objects.filter(kind=kind).exclude(status=ReviewStatus.APPROVED).values("subject_id")
        reach |= q & ~Q(pk__in=open_ids)
    return access.restrict(Subject.objects.select_related("organisation"), user).filter(reach)


@login_required
def start(request):
    kinds = actions.preparable_kinds(request.user)
    if not kinds:
        raise Http404("页面不存在")  # only who prepares some kind of assessment may start one
    subjects = _startable_subjects(request.user, kinds)
    initial = {"subject": request.GET.get("subject"), "kind": request.GET.get("kind")}
    form = StartForm(request.POST or None, subjects=subjects, kinds=list(kinds), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = actions.start_assessment(
                form.cleaned_data["subject"],
                request.user,
                kind=form.cleaned_data["kind"] or None,
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, f"已发起：{assessment}")
            return redirect(assessment.get_absolute_url())
    return render(request, "core/form.html", {"title": "发起事前绩效评估", "form": form})


@login_required
def commission(request):
    if not access.has_capability(request.user, Capability.COMMISSION_ASSESSMENTS):
        raise Http404("页面不存在")
    subjects = access.restrict(Subject.objects.select_related("organisation"), request.user)
    form = CommissionForm(request.POST or None, subjects=subjects, initial={"subject": request.GET.get("subject")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = actions.commission_third_party(data["subject"], request.user, data["agency"], data["reason"])
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, f"已委托{assessment.agency.name}独立评估")
            return redirect(assessment.get_absolute_url())
    return render(request, "core/form.html", {"title": "委托第三方机构开展事前绩效评估", "form": form})

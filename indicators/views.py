from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from core import access
from core.views import GatedCreateView, GatedDetailView, GatedListView
from indicators.filtersets import IndicatorFilterSet, IndicatorProposalFilterSet, search_indicators
from indicators.forms import IndicatorProposalForm
from indicators.models import Indicator, IndicatorProposal
from indicators.tables import IndicatorProposalTable, IndicatorTable
from workflow import guards
from workflow.views import ReviewableEditView, TransitionView, review_context

PICK_LIMIT = 20


def readable_indicators(user):
    """The library every signed-in business user reads (the three administrators work only in 系统管理)."""
    if not user.is_authenticated or user.is_admin_role:
        return Indicator.objects.none()
    return access.restrict(Indicator.objects.all(), user)


class IndicatorListView(GatedListView):
    model = Indicator
    table_class = IndicatorTable
    filterset_class = IndicatorFilterSet
    title = "指标库"
    export_name = "指标库"
    paginate_by = 50

    def base_queryset(self):
        return Indicator.objects.all()

    def can_export(self) -> bool:
        return access.may_reach(self.request.user, Indicator)

    def export_queryset(self):
        # Reference data: whoever may read the library may export it (the gate's EXPORT action is
        # scoped to organisations, which library rows do not have).
        return readable_indicators(self.request.user)

    def can_create(self):
        return False


class IndicatorDetailView(GatedDetailView):
    model = Indicator
    template_name = "indicators/indicator_detail.html"

    def base_queryset(self):
        return Indicator.objects.select_related("proposal__organisation")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = str(self.object)
        return context


class IndicatorPickView(LoginRequiredMixin, View):
    """The picker a target sheet uses: ?q=… (plus kind/sector/level1/level2), top 20, as an htmx partial
    (default) or JSON (?format=json)."""

    def get(self, request):
        queryset = readable_indicators(request.user).filter(is_active=True)
        queryset = search_indicators(queryset, request.GET.get("q", ""))
        for field in ("kind", "sector", "level1", "level2", "direction"):
            if request.GET.get(field):
                queryset = queryset.filter(**{field: request.GET[field]})
        rows = list(queryset.order_by("kind", "code")[:PICK_LIMIT])
        if request.GET.get("format") == "json":
            return JsonResponse({"results": [pick_row(i) for i in rows]})
        return render(
            request,
            "indicators/pick.html",
            {"indicators": rows, "q": request.GET.get("q", ""), "target": request.GET.get("target", "")},
        )


def pick_row(indicator: Indicator) -> dict:
    return {
        "id": indicator.pk,
        "code": indicator.code,
        "name": indicator.name,
        "kind": indicator.kind,
        "level1": indicator.level1,
        "level2": indicator.level2,
        "sector": indicator.sector,
        "sector_display": indicator.get_sector_display() if indicator.sector else "",
        "formula": indicator.formula,
        "unit": indicator.unit,
        "direction": indicator.direction,
        "weight": str(indicator.weight) if indicator.weight is not None else None,
        "url": indicator.get_absolute_url(),
    }


class ProposalListView(GatedListView):
    model = IndicatorProposal
    table_class = IndicatorProposalTable
    filterset_class = IndicatorProposalFilterSet
    title = "指标提议"
    create_url_name = "indicators:proposal_create"

    def base_queryset(self):
        return IndicatorProposal.objects.select_related("organisation", "chain").prefetch_related("chain__steps")

    def can_create(self):
        return guards.may_prepare(self.request.user, IndicatorProposal)


class ProposalDetailView(GatedDetailView):
    model = IndicatorProposal
    template_name = "indicators/proposal_detail.html"

    def base_queryset(self):
        return IndicatorProposal.objects.select_related("organisation", "chain__region", "indicator")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(review_context(self.object, self.request.user))
        context["transition_url"] = reverse("indicators:proposal_transition", args=[self.object.pk])
        context["title"] = str(self.object)
        return context


class ProposalCreateView(GatedCreateView):
    model = IndicatorProposal
    form_class = IndicatorProposalForm

    def get_initial(self):
        return {"kind": "sector"}

    def creation_allowed(self, instance) -> bool:
        return guards.can_prepare(self.request.user, IndicatorProposal, instance.organisation)


class ProposalEditView(ReviewableEditView):
    """Only the proposing department, only while the proposal is a draft or has been returned."""

    model = IndicatorProposal
    form_class = IndicatorProposalForm


class ProposalTransitionView(TransitionView):
    model = IndicatorProposal

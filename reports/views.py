from django.shortcuts import redirect
from django.urls import reverse

from core import access, files, fiscal
from core.views import GatedCreateView, GatedDetailView, GatedListView
from reports.filtersets import WorkReportFilterSet
from reports.forms import WorkReportForm
from reports.models import WorkReport
from reports.tables import WorkReportTable
from workflow import guards
from workflow.views import ReviewableEditView, TransitionView, review_context


class WorkReportListView(GatedListView):
    model = WorkReport
    table_class = WorkReportTable
    filterset_class = WorkReportFilterSet
    title = "工作报告"
    create_url_name = "reports:create"

    def base_queryset(self):
        return WorkReport.objects.select_related("organisation", "chain").prefetch_related("chain__steps")

    def can_create(self):
        return guards.may_prepare(self.request.user, WorkReport)


class WorkReportDetailView(GatedDetailView):
    model = WorkReport
    template_name = "reports/workreport_detail.html"

    def base_queryset(self):
        return WorkReport.objects.select_related("organisation", "chain__region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(review_context(self.object, self.request.user))
        context["transition_url"] = reverse("reports:transition", args=[self.object.pk])
        context["title"] = str(self.object)
        return context


class WorkReportCreateView(GatedCreateView):
    model = WorkReport
    form_class = WorkReportForm

    def creation_possible(self) -> bool:
        return guards.may_prepare(self.request.user, WorkReport)

    def get_initial(self):
        return {"fiscal_year": fiscal.current_year(self.request) - 1}

    def creation_allowed(self, instance) -> bool:
        return guards.can_prepare(self.request.user, WorkReport, instance.organisation)


class WorkReportEditView(ReviewableEditView):
    """Only the preparer, only while the report is a draft or has been returned."""

    model = WorkReport
    form_class = WorkReportForm


class WorkReportTransitionView(TransitionView):
    model = WorkReport


def attachment(request, pk):
    """The attachment, through the gate (no public media URL)."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    report = access.get_object_or_404(WorkReport.objects.all(), request.user, pk=pk)
    return files.download(report, report.attachment)

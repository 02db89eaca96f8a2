from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse

from audit import trail
from audit.models import AuditAction
from core import access, fiscal
from core.views import GatedCreateView, GatedDetailView, GatedListView, GatedUpdateView
from reports.filtersets import WorkReportFilterSet
from reports.forms import WorkReportForm
from reports.models import WorkReport
from reports.tables import WorkReportTable
from workflow import actions, guards
from workflow.views import TransitionView, review_context


class WorkReportListView(GatedListView):
    model = WorkReport
    table_class = WorkReportTable
    filterset_class = WorkReportFilterSet
    title = "工作报告"
    create_url_name = "reports:create"

    def base_queryset(self):
        return WorkReport.objects.select_related("organisation", "chain").prefetch_related("chain__steps")

    def can_create(self):
        return guards.preparer_organisations(self.request.user, WorkReport).exists()


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

    def get_initial(self):
        return {"fiscal_year": fiscal.current_year(self.request) - 1}

    def creation_allowed(self, instance) -> bool:
        return guards.can_prepare(self.request.user, WorkReport, instance.organisation)


class WorkReportEditView(GatedUpdateView):
    """Only the preparer, only while the report is a draft or has been returned."""

    model = WorkReport
    form_class = WorkReportForm

    def get_object(self, queryset=None):
        obj = access.get_object_or_404(WorkReport.objects.select_related("chain"), self.request.user, pk=self.kwargs["pk"])
        if not guards.can_edit(self.request.user, obj):
            trail.record(AuditAction.PERMISSION_DENIED, obj, reason="文档不在可修改状态或无编辑权限")
            raise Http404("无权编辑")
        return obj

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        before = trail.snapshot(WorkReport.objects.get(pk=self.object.pk))
        version = form.cleaned_data.get("version") or 0
        try:
            _, changes = actions.save_edit(form.instance, self.request.user, version, before=before,
                                           reason=form.cleaned_data.get("reason", ""))
        except actions.StaleDocument as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
            return self.form_invalid(form)
        messages.success(self.request, "已保存" if changes else "没有修改")
        return redirect(self.object.get_absolute_url())


class WorkReportTransitionView(TransitionView):
    model = WorkReport


def attachment(request, pk):
    """The attachment, through the gate (no public media URL)."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    report = access.get_object_or_404(WorkReport.objects.all(), request.user, pk=pk)
    if not report.attachment:
        raise Http404("没有附件")
    trail.record(AuditAction.EXPORT, report, reason=f"下载附件 {report.attachment.name}")
    return FileResponse(report.attachment.open("rb"), as_attachment=True,
                        filename=report.attachment.name.rsplit("/", 1)[-1])

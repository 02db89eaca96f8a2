from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.views.generic import DetailView

from audit.filtersets import AuditEntryFilterSet
from audit.models import AuditEntry
from audit.tables import AuditEntryTable
from core import access
from core.views import GatedListView


class AuditEntryListView(GatedListView):
    """The audit admin's view of the trail: search, filter, export. Nobody else reads it."""

    model = AuditEntry
    table_class = AuditEntryTable
    filterset_class = AuditEntryFilterSet
    capability = "read_audit"
    title = "审计日志"
    paginate_by = 50

    def get_queryset(self):
        return AuditEntry.objects.all()

    def base_queryset(self):
        return AuditEntry.objects.all()

    def export_queryset(self):
        return AuditEntry.objects.all()

    def can_export(self) -> bool:
        return access.has_capability(self.request.user, "export_audit")


class AuditEntryDetailView(LoginRequiredMixin, DetailView):
    model = AuditEntry
    template_name = "audit/entry_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not access.has_capability(request.user, "read_audit"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

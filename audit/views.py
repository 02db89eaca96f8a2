from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.utils import timezone
from django.views.generic import DetailView

from audit import checkpoints
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

    def export_extra_sheets(self) -> list:
        """The export carries a checkpoint of the whole trail (not only the filtered rows), taken after the
        export's own row and logged too: the audit admin's copy of the chain's state outside the database."""
        checkpoint = checkpoints.take()
        checkpoints.log(checkpoint)
        headers = [
            "检查点时间",
            "记录数",
            "最后序号",
            "最后哈希",
            "检查点行（可存入文件，用 verify_audit --checkpoints 校验）",
        ]
        taken_at = timezone.localtime(checkpoint.taken_at).strftime("%Y-%m-%d %H:%M:%S")
        row = [taken_at, checkpoint.count, checkpoint.last_id, checkpoint.last_hash, checkpoint.as_line()]
        return [("检查点", headers, [row])]


class AuditEntryDetailView(LoginRequiredMixin, DetailView):
    model = AuditEntry
    template_name = "audit/entry_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not access.has_capability(request.user, "read_audit"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

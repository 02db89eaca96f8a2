import django_tables2 as tables

from reports.models import WorkReport
from workflow.tables import ReviewableTable


class WorkReportTable(ReviewableTable):
    title = tables.Column(linkify=True, verbose_name="标题")
    organisation = tables.Column(accessor="organisation__name", verbose_name="报送单位", order_by="organisation__path")

    class Meta:
        model = WorkReport
        fields = ["title", "organisation", "fiscal_year", "kind", "status", "current_step", "step_due_at", "updated_at"]
        order_by = ("-updated_at",)
        attrs = {"class": "table table-vcenter card-table table-striped"}

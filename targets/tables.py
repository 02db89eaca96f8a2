import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html

from targets.models import TargetSheet
from workflow.tables import ReviewableTable


class TargetSheetTable(ReviewableTable):
    subject = tables.Column(
        accessor="subject__name",
        verbose_name="项目",
        linkify=lambda record: record.get_absolute_url(),
        order_by="subject__name",
    )
    organisation = tables.Column(
        accessor="subject__organisation__name", verbose_name="实施单位", order_by="subject__organisation__path"
    )
    revision = tables.Column(verbose_name="目标版本")
    blocking_count = tables.Column(verbose_name="智能审核")
    step_due_at = tables.Column(verbose_name="期限")

    class Meta:
        model = TargetSheet
        fields = [
            "subject",
            "organisation",
            "fiscal_year",
            "revision",
            "blocking_count",
            "status",
            "current_step",
            "updated_at",
        ]
        # newest year, most recently changed first: what an index on the sheet serves under any reach (issue 16);
        # sorting by project name joins every sheet in reach before the first row
        order_by = ("-fiscal_year", "-updated_at")
        attrs = {"class": "table table-vcenter card-table table-striped"}

    def render_revision(self, record):
        return f"第 {record.revision} 版{'（现行）' if record.is_current and record.status == 'approved' else ''}"

    def value_revision(self, record):
        return record.revision

    def render_blocking_count(self, record):
        if record.blocking_count:
            return format_html(
                '<span class="badge bg-red-lt">阻断 {}</span> <span class="badge bg-yellow-lt">提示 {}</span>',
                record.blocking_count,
                record.warning_count,
            )
        if record.warning_count:
            return format_html('<span class="badge bg-yellow-lt">提示 {}</span>', record.warning_count)
        return format_html('<span class="badge bg-green-lt">{}</span>', "通过")

    def render_step_due_at(self, record):
        """The deadline with what it is for: 报送 (first submission), 整改 (after a return or for an adjustment,
        seed 004 三(五)2) or the review step's 办理期限; overdue ones flagged."""
        if record.status == "approved" or not record.step_due_at:
            return "—"
        text = f"{record.deadline_label}：{timezone.localtime(record.step_due_at):%Y-%m-%d}"
        if record.overdue:
            return format_html('{} <span class="badge bg-red text-white">已逾期</span>', text)
        return text

    def value_step_due_at(self, record):
        if record.status == "approved" or not record.step_due_at:
            return ""
        return f"{record.deadline_label}：{timezone.localtime(record.step_due_at):%Y-%m-%d}{'（已逾期）' if record.overdue else ''}"

    def value_blocking_count(self, record):
        return f"阻断 {record.blocking_count}，提示 {record.warning_count}"

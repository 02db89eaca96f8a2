"""Columns every reviewable document's table shows: status, current step, deadline."""

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html

from workflow.models import ReviewStatus

STATUS_BADGE = {
    ReviewStatus.DRAFT: "bg-secondary-lt",
    ReviewStatus.IN_REVIEW: "bg-blue-lt",
    ReviewStatus.RETURNED: "bg-orange-lt",
    ReviewStatus.APPROVED: "bg-green-lt",
}


class ReviewableTable(tables.Table):
    status = tables.Column(verbose_name="状态")
    current_step = tables.Column(verbose_name="当前环节", order_by=("status", "current_step"))
    step_due_at = tables.Column(verbose_name="办理期限")

    def render_status(self, record):
        return format_html(
            '<span class="badge {}">{}</span>', STATUS_BADGE.get(record.status, ""), record.get_status_display()
        )

    def render_current_step(self, record):
        return record.current_step_name

    def value_current_step(self, record):
        return record.current_step_name

    def render_step_due_at(self, record):
        if record.status == ReviewStatus.APPROVED:
            return "—"
        text = f"{timezone.localtime(record.step_due_at):%Y-%m-%d}"
        if record.overdue:
            return format_html('{} <span class="badge bg-red text-white">已逾期</span>', text)
        return text

import django_tables2 as tables
from django.utils.html import format_html

from execution.models import BudgetAllocation, Payment

MATCH_BADGE = {
    "matched": "bg-green-lt",
    "manual": "bg-teal-lt",
    "unmatched": "bg-orange-lt",
    "ignored": "bg-secondary-lt",
}


class _ExecutionTable(tables.Table):
    organisation = tables.Column(accessor="organisation__name", verbose_name="预算单位", order_by="organisation__path")
    subject = tables.Column(accessor="subject__name", verbose_name="项目", default="—")
    amount = tables.Column(verbose_name="金额（元）", attrs={"td": {"class": "text-end text-nowrap"}})

    def render_amount(self, value):
        return f"{value:,.2f}"

    def value_amount(self, value):
        return value  # the export writes a number (core.xlsx)

    def render_match_status(self, record):
        return format_html(
            '<span class="badge {}">{}</span>',
            MATCH_BADGE.get(record.match_status, ""),
            record.get_match_status_display(),
        )

    def value_match_status(self, record):
        return record.get_match_status_display()


class PaymentTable(_ExecutionTable):
    class Meta:
        model = Payment
        fields = [
            "voucher_number",
            "paid_on",
            "fiscal_year",
            "payer_code",
            "organisation",
            "project_code",
            "subject",
            "amount",
            "budget_kind",
            "fund_source",
            "economic_code",
            "payee",
            "summary",
            "match_status",
            "source",
        ]
        order_by = ("-paid_on", "voucher_number")
        attrs = {"class": "table table-vcenter card-table table-striped", "id": "payments"}


class AllocationTable(_ExecutionTable):
    class Meta:
        model = BudgetAllocation
        fields = [
            "document_number",
            "issued_on",
            "fiscal_year",
            "payer_code",
            "organisation",
            "project_code",
            "subject",
            "amount",
            "budget_kind",
            "fund_source",
            "summary",
            "match_status",
            "source",
        ]
        order_by = ("-issued_on", "document_number")
        attrs = {"class": "table table-vcenter card-table table-striped", "id": "allocations"}

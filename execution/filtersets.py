import django_filters
from django.db.models import Q

from core.filters import GatedFilterSet, PickerFilter
from execution.choices import MatchStatus
from execution.models import BudgetAllocation, Payment


class _ExecutionFilterSet(GatedFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    fiscal_year = django_filters.NumberFilter(label="预算年度")
    organisation = PickerFilter("organisation", label="预算单位")
    subject = django_filters.CharFilter(method="by_subject", label="项目（编码或名称）")
    # The source system's project code exactly as loaded (matched or not): what treasury looks a project's records
    # up by; the table's project_code index serves it.
    project_code = django_filters.CharFilter(label="项目编码（完整）")
    match_status = django_filters.ChoiceFilter(choices=MatchStatus.choices, label="匹配状态")
    date_from = django_filters.DateFilter(method="since", label="起始日期")
    date_to = django_filters.DateFilter(method="until", label="截止日期")

    date_field = ""
    key_field = ""

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(**{f"{self.key_field}__icontains": value})
            | Q(project_code__icontains=value)
            | Q(payer_code__icontains=value)
        )

    def by_subject(self, queryset, name, value):
        return queryset.filter(Q(subject__code__icontains=value) | Q(subject__name__icontains=value))

    def since(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__gte": value})

    def until(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__lte": value})


class PaymentFilterSet(_ExecutionFilterSet):
    date_field, key_field = "paid_on", "voucher_number"

    class Meta:
        model = Payment
        fields = ["q", "fiscal_year", "organisation", "subject", "project_code", "match_status", "date_from", "date_to"]


class AllocationFilterSet(_ExecutionFilterSet):
    date_field, key_field = "issued_on", "document_number"

    class Meta:
        model = BudgetAllocation
        fields = ["q", "fiscal_year", "organisation", "subject", "project_code", "match_status", "date_from", "date_to"]

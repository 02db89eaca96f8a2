import django_filters
from django.db.models import Q

from reports.models import WorkReport, WorkReportKind
from workflow.filtersets import ReviewableFilterSet


class WorkReportFilterSet(ReviewableFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    fiscal_year = django_filters.NumberFilter(label="预算年度")
    kind = django_filters.ChoiceFilter(choices=WorkReportKind.choices, label="报告类型")

    class Meta:
        model = WorkReport
        fields = ["q", "fiscal_year", "kind", "status", "overdue", "mine"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(organisation__name__icontains=value))

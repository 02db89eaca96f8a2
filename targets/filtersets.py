import django_filters
from django.db.models import Q

from core.filters import YesNoFilter
from targets.models import TargetSheet
from workflow.filtersets import ReviewableFilterSet


class TargetSheetFilterSet(ReviewableFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    fiscal_year = django_filters.NumberFilter(label="预算年度")
    has_blocking = YesNoFilter(method="by_blocking", label="有阻断问题")

    class Meta:
        model = TargetSheet
        fields = ["q", "status", "fiscal_year", "has_blocking", "overdue", "mine"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(subject__name__icontains=value) | Q(subject__code__icontains=value)
                               | Q(subject__organisation__name__icontains=value))

    def by_blocking(self, queryset, name, value):
        return queryset.filter(blocking_count__gt=0) if value else queryset.filter(blocking_count=0)

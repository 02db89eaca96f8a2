import django_filters
from django import forms
from django.db.models import Q

from core.filters import YesNoFilter
from targets.models import TargetSheet
from workflow.filtersets import ReviewableFilterSet


class TargetSheetFilterSet(ReviewableFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    fiscal_year = django_filters.NumberFilter(label="预算年度")
    has_blocking = YesNoFilter(method="by_blocking", label="有阻断问题")
    has_warning = YesNoFilter(method="by_warning", label="有提示问题")
    department = django_filters.NumberFilter(
        field_name="subject__department_id", label="主管部门", widget=forms.HiddenInput
    )
    is_current = YesNoFilter(field_name="is_current", label="现行版本")

    class Meta:
        model = TargetSheet
        fields = [
            "q",
            "status",
            "fiscal_year",
            "has_blocking",
            "has_warning",
            "overdue",
            "mine",
            "department",
            "is_current",
        ]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(subject__name__icontains=value)
            | Q(subject__code__icontains=value)
            | Q(subject__organisation__name__icontains=value)
        )

    def by_blocking(self, queryset, name, value):
        return queryset.filter(blocking_count__gt=0) if value else queryset.filter(blocking_count=0)

    def by_warning(self, queryset, name, value):
        return queryset.filter(warning_count__gt=0) if value else queryset.filter(warning_count=0)

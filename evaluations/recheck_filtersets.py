"""Filters of the re-check list (the page and its export share them)."""

import django_filters
from django.db.models import Q

from core.filters import GatedFilterSet, PickerFilter
from evaluations.choices import RecheckStatus
from evaluations.models import RecheckItem


class RecheckItemFilterSet(GatedFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    fiscal_year = django_filters.NumberFilter(field_name="sample__round__fiscal_year", label="评价年度")
    sample = django_filters.NumberFilter(field_name="sample_id", label="抽查复核样本")
    status = django_filters.ChoiceFilter(choices=RecheckStatus.choices, label="状态")
    department = PickerFilter("department", label="主管部门")

    class Meta:
        model = RecheckItem
        fields = ["q", "fiscal_year", "sample", "status", "department"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(evaluation__subject__name__icontains=value)
            | Q(evaluation__subject__code__startswith=value)
            | Q(evaluation__organisation__name__icontains=value)
        )

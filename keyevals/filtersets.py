"""Filters of the key-evaluation list (the page and its export share them)."""

import django_filters
from django.db.models import Q

from core.filters import GatedFilterSet, PickerFilter
from keyevals.models import EvaluationStage, KeyEvaluation, KeyStatus, ObjectKind


class KeyEvaluationFilterSet(GatedFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    year = django_filters.NumberFilter(field_name="year", label="评价年度")
    status = django_filters.ChoiceFilter(choices=KeyStatus.choices, label="状态")
    stage = django_filters.ChoiceFilter(choices=EvaluationStage.choices, label="评价阶段")
    object_kind = django_filters.ChoiceFilter(choices=ObjectKind.choices, label="评价对象类型")
    evaluated = PickerFilter("organisation", label="被评价单位")

    class Meta:
        model = KeyEvaluation
        fields = ["q", "year", "status", "stage", "object_kind", "evaluated"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(evaluated__name__icontains=value))

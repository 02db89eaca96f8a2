"""Filters of the self-evaluation lists (the page and its export share them)."""

import django_filters
from django.db.models import F, Q

from core import clock
from core.filters import GatedFilterSet, PickerFilter, YesNoFilter
from evaluations.choices import EvaluationStage, FormKind, RoundStatus
from evaluations.models import SelfEvaluation, SelfEvaluationRound
from workflow.filtersets import ReviewableFilterSet
from workflow.models import ReviewStatus

GRADES = [("优", "优"), ("良", "良"), ("中", "中"), ("差", "差")]


def late_q() -> Q:
    """逾期: not submitted by the round's due date and still with the unit, or first submitted after it (the same
    rule as ``SelfEvaluation.is_late``)."""
    waiting = Q(
        submitted_at__isnull=True,
        status__in=[ReviewStatus.DRAFT, ReviewStatus.RETURNED],
        round__due_date__lt=clock.today(),
    )
    return waiting | Q(submitted_at__date__gt=F("round__due_date"))


class SelfEvaluationRoundFilterSet(GatedFilterSet):
    fiscal_year = django_filters.NumberFilter(label="评价年度")
    status = django_filters.ChoiceFilter(choices=RoundStatus.choices, label="状态")

    class Meta:
        model = SelfEvaluationRound
        fields = ["fiscal_year", "status"]


class SelfEvaluationFilterSet(ReviewableFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    fiscal_year = django_filters.NumberFilter(label="评价年度")
    round = django_filters.NumberFilter(field_name="round_id", label="自评轮次")
    grade = django_filters.ChoiceFilter(choices=GRADES, label="自评等级")
    stage = django_filters.ChoiceFilter(choices=EvaluationStage.choices, label="评价阶段")
    kind = django_filters.ChoiceFilter(choices=FormKind.choices, label="自评类型")
    late = YesNoFilter(method="by_late", label="逾期")
    organisation = PickerFilter("organisation", field_name="organisation", label="自评单位")
    department = PickerFilter("department", field_name="department", label="主管部门")

    class Meta:
        model = SelfEvaluation
        fields = [
            "q",
            "fiscal_year",
            "round",
            "status",
            "grade",
            "stage",
            "kind",
            "late",
            "organisation",
            "department",
            "mine",
        ]

    def search(self, queryset, name, value):
        return queryset.filter(Q(subject__name__icontains=value) | Q(subject__code__startswith=value))

    def by_late(self, queryset, name, value):
        return queryset.filter(late_q()) if value else queryset.exclude(late_q())

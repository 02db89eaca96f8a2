import django_filters
from django.db.models import Q

from assessments.choices import AssessmentKind, Conclusion
from assessments.models import Assessment
from core.filters import PickerFilter
from workflow.filtersets import ReviewableFilterSet


class AssessmentFilterSet(ReviewableFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    fiscal_year = django_filters.NumberFilter(field_name="subject__fiscal_year", label="申报年度")
    kind = django_filters.ChoiceFilter(choices=AssessmentKind.choices, label="评估方式")
    conclusion = django_filters.ChoiceFilter(choices=Conclusion.choices, label="评估结论")
    subject = PickerFilter("subject", label="项目")

    class Meta:
        model = Assessment
        fields = ["q", "fiscal_year", "kind", "conclusion", "status", "overdue", "mine", "subject"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(subject__name__icontains=value)
            | Q(subject__code__icontains=value)
            | Q(subject__organisation__name__icontains=value)
        )

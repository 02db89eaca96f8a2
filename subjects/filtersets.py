import django_filters
from django.db.models import Q

from core.filters import PickerFilter, YesNoFilter
from subjects.choices import Category, LibraryStage, SubjectKind
from subjects.models import Subject
from workflow.filtersets import ReviewableFilterSet

# seed 000 第九条: the flags that make an ex-ante assessment necessary (Subject.needs_assessment).
NEEDS_ASSESSMENT = (
    Q(is_new=True)
    | Q(substantial_change=True)
    | Q(new_task_in_fund=True)
    | Q(extension_at_expiry=True)
    | Q(finance_marked=True)
)


class SubjectFilterSet(ReviewableFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    kind = django_filters.ChoiceFilter(choices=SubjectKind.choices, label="项目类别")
    category = django_filters.ChoiceFilter(choices=Category.choices, label="项目类型")
    stage = django_filters.ChoiceFilter(choices=LibraryStage.choices, label="库内阶段")
    department = PickerFilter("department", label="主管部门")
    fiscal_year = django_filters.NumberFilter(label="申报年度")
    needs_assessment = YesNoFilter(method="by_needs_assessment", label="须事前评估")

    class Meta:
        model = Subject
        fields = [
            "q",
            "kind",
            "category",
            "stage",
            "status",
            "department",
            "fiscal_year",
            "needs_assessment",
            "overdue",
            "mine",
        ]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(code__icontains=value) | Q(organisation__name__icontains=value)
        )

    def by_needs_assessment(self, queryset, name, value):
        return queryset.filter(NEEDS_ASSESSMENT) if value else queryset.exclude(NEEDS_ASSESSMENT)

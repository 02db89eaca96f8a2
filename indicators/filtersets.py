import django_filters
from django.db.models import Q

from core.filters import GatedFilterSet, YesNoFilter
from indicators.choices import Direction, IndicatorKind, Level1, Level2, Sector, Source
from indicators.models import Indicator, IndicatorProposal
from workflow.filtersets import ReviewableFilterSet


def search_indicators(queryset, value: str):
    """Chinese search: every whitespace-separated word must occur in the indicator's search text."""
    for word in (value or "").split():
        queryset = queryset.filter(search_text__icontains=word)
    return queryset


class IndicatorFilterSet(GatedFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    kind = django_filters.ChoiceFilter(choices=IndicatorKind.choices, label="指标类别")
    sector = django_filters.ChoiceFilter(choices=Sector.choices, label="行业")
    level1 = django_filters.ChoiceFilter(choices=Level1.choices, label="一级指标")
    level2 = django_filters.ChoiceFilter(choices=Level2.choices, label="二级指标")
    direction = django_filters.ChoiceFilter(choices=Direction.choices, label="指标方向")
    source = django_filters.ChoiceFilter(choices=Source.choices, label="来源")
    is_active = YesNoFilter(label="启用")

    class Meta:
        model = Indicator
        fields = ["q", "kind", "sector", "level1", "level2", "direction", "source", "is_active"]

    def search(self, queryset, name, value):
        return search_indicators(queryset, value)


class IndicatorProposalFilterSet(ReviewableFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    sector = django_filters.ChoiceFilter(choices=Sector.choices, label="行业")

    class Meta:
        model = IndicatorProposal
        fields = ["q", "sector", "status", "overdue", "mine"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(definition__icontains=value)
            | Q(formula__icontains=value)
            | Q(organisation__name__icontains=value)
        )

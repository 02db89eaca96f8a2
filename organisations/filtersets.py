import django_filters
from django.db.models import Q

from core.filters import GatedFilterSet, PickerFilter, YesNoFilter
from organisations.choices import OrgKind, RegionLevel
from organisations.models import Organisation, Region


class OrganisationFilterSet(GatedFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    kind = django_filters.ChoiceFilter(choices=OrgKind.choices, label="类型")
    region = PickerFilter("region", label="行政区划")
    is_active = YesNoFilter(label="启用")

    class Meta:
        model = Organisation
        fields = ["q", "kind", "region", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(budget_code__startswith=value) | Q(short_name__icontains=value)
        )


class RegionFilterSet(GatedFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    level = django_filters.ChoiceFilter(choices=RegionLevel.choices, label="级次")

    class Meta:
        model = Region
        fields = ["q", "level"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))

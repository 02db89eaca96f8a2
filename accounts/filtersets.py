import django_filters
from django.db.models import Q

from accounts.models import User
from accounts.roles import Role
from core.filters import GatedFilterSet, YesNoFilter


class UserFilterSet(GatedFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    role = django_filters.ChoiceFilter(choices=Role.choices, label="角色", method="by_role")
    is_active = YesNoFilter(label="启用")

    class Meta:
        model = User
        fields = ["q", "role", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(username__icontains=value) | Q(name__icontains=value) | Q(organisation__name__icontains=value)
        )

    def by_role(self, queryset, name, value):
        return queryset.filter(roles__role=value).distinct()

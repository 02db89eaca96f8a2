import django_filters
from django import forms
from django.db.models import Q

from audit.models import SECURITY_ACTIONS, AuditAction, AuditEntry
from core.filters import GatedFilterSet, YesNoFilter


class AuditEntryFilterSet(GatedFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label="操作")
    security = YesNoFilter(method="security_only", label="仅安全事件")
    object_type = django_filters.CharFilter(label="对象类型")
    object_id = django_filters.CharFilter(label="对象编号")
    actor_name = django_filters.CharFilter(lookup_expr="icontains", label="操作人")
    ip = django_filters.CharFilter(label="来源地址")
    since = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label="起始日期",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label="截止日期",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEntry
        fields = ["q", "security", "action", "actor_name", "object_type", "object_id", "ip", "since", "until"]

    def security_only(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(action__in=SECURITY_ACTIONS) if value else queryset.exclude(action__in=SECURITY_ACTIONS)

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(object_repr__icontains=value) | Q(reason__icontains=value) | Q(actor_name__icontains=value)
        )

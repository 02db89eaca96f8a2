import django_filters
from django.db.models import Q

from core.filters import GatedFilterSet, PickerFilter, YesNoFilter
from monitoring.choices import Light, WarningStatus
from monitoring.models import DisbursementHold, MonitoringRound, MonitoringTable, PerformanceWarning, WarningRule
from workflow.filtersets import ReviewableFilterSet


class MonitoringTableFilterSet(ReviewableFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    round = django_filters.NumberFilter(field_name="round_id", label="监控轮次")
    execution_light = django_filters.ChoiceFilter(choices=Light.choices, label="执行灯")
    target_light = django_filters.ChoiceFilter(choices=Light.choices, label="目标灯")
    late = YesNoFilter(method="by_late", label="逾期未报")

    class Meta:
        model = MonitoringTable
        fields = ["q", "round", "status", "execution_light", "target_light", "late", "mine"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(subject__name__icontains=value) | Q(subject__organisation__name__icontains=value))

    def by_late(self, queryset, name, value):
        from monitoring.actions import late_q

        return queryset.filter(late_q()) if value else queryset.exclude(late_q())


def _rule_choices():
    # A callable, read each time the form field iterates its choices: a list computed once would be frozen into
    # the filter's cached form field (the OpenAPI schema builds it before any rule may exist).
    return list(WarningRule.objects.filter(is_current=True).order_by("code").values_list("code", "name"))


class PerformanceWarningFilterSet(GatedFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    light = django_filters.ChoiceFilter(choices=Light.choices, label="灯色")
    rule = django_filters.ChoiceFilter(field_name="rule__code", label="预警规则", choices=_rule_choices)
    status = django_filters.ChoiceFilter(choices=WarningStatus.choices, label="状态")
    department = PickerFilter("department", field_name="subject__department", label="主管部门")
    round = django_filters.NumberFilter(field_name="round_id", label="监控轮次")

    class Meta:
        model = PerformanceWarning
        fields = ["q", "light", "rule", "status", "department", "round"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(subject__name__icontains=value) | Q(message__icontains=value))


class DisbursementHoldFilterSet(GatedFilterSet):
    in_force = YesNoFilter(field_name="lifted_at", lookup_expr="isnull", label="生效中")

    class Meta:
        model = DisbursementHold
        fields = ["kind", "in_force"]


class MonitoringRoundFilterSet(GatedFilterSet):
    fiscal_year = django_filters.NumberFilter(label="预算年度")

    class Meta:
        model = MonitoringRound
        fields = ["fiscal_year", "kind", "status"]

"""Filters of the register's lists (the page, its export and the API share them)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from agencies.models import (
    AgencyContract,
    AgencyProfile,
    AgencyType,
    ContractStatus,
    Expert,
    ExpertDraw,
    ExpertField,
    ExpertStatus,
    RegisterStatus,
    TeamProposal,
)
from core.filters import GatedFilterSet, YesNoFilter
from workflow.models import ReviewStatus


class AgencyProfileFilterSet(GatedFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    agency_type = django_filters.ChoiceFilter(choices=AgencyType.choices, label="机构类型")
    status = django_filters.ChoiceFilter(choices=RegisterStatus.choices, label="在库状态")

    class Meta:
        model = AgencyProfile
        fields = ["q", "agency_type", "status"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(organisation__name__icontains=value)
            | Q(fields__icontains=value)
            | Q(qualifications__icontains=value)
            | Q(organisation__credit_code__startswith=value)
        )


class ContractFilterSet(GatedFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    status = django_filters.ChoiceFilter(choices=ContractStatus.choices, label="状态")
    agency = django_filters.NumberFilter(field_name="agency_id", label="受托机构")

    class Meta:
        model = AgencyContract
        fields = ["q", "status", "agency"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value) | Q(title__icontains=value) | Q(agency__organisation__name__icontains=value)
        )


class TeamProposalFilterSet(GatedFilterSet):
    contract = django_filters.NumberFilter(field_name="contract_id", label="委托合同")
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices, label="状态")
    in_force = YesNoFilter(label="现行团队")

    class Meta:
        model = TeamProposal
        fields = ["contract", "status", "in_force"]


class ExpertFilterSet(GatedFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    field = django_filters.ModelChoiceFilter(
        field_name="fields", queryset=ExpertField.objects.order_by("code"), label="专业领域"
    )
    status = django_filters.ChoiceFilter(choices=ExpertStatus.choices, label="在库状态")
    available = YesNoFilter(label="可抽取")

    class Meta:
        model = Expert
        fields = ["q", "field", "status", "available"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(employer_name__icontains=value) | Q(title__icontains=value))


class ExpertDrawFilterSet(GatedFilterSet):
    field = django_filters.ModelChoiceFilter(queryset=ExpertField.objects.order_by("code"), label="专业领域")
    evaluated = django_filters.NumberFilter(field_name="evaluated_id", label="被评价单位")

    class Meta:
        model = ExpertDraw
        fields = ["field", "evaluated"]

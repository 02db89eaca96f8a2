"""Filters every reviewable document's list page and API share: status, overdue, waiting for me."""

import django_filters
from django.db.models import Q

from core import clock
from core.access import NOTHING
from core.filters import GatedFilterSet, YesNoFilter
from workflow.guards import acting_q
from workflow.models import ReviewStatus


class ReviewableFilterSet(GatedFilterSet):
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices, label="状态")
    overdue = YesNoFilter(method="by_overdue", label="已逾期")
    mine = YesNoFilter(method="by_mine", label="待我办理")

    def by_overdue(self, queryset, name, value):
        late = Q(step_due_at__lt=clock.now()) & ~Q(status=ReviewStatus.APPROVED)
        return queryset.filter(late) if value else queryset.exclude(late)

    def by_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        q = acting_q(user, queryset.model)
        if q is NOTHING:
            return queryset.none() if value else queryset
        return queryset.filter(q) if value else queryset.exclude(q)

"""Monitoring feeds 指标推荐 (targets.recommend): the actual of an earlier year's indicator is what the latest
approved monitoring table reported for it, marked with its data date until evaluation provides year-end actuals."""

from __future__ import annotations

from targets.recommend import register_actual_source
from workflow.models import ReviewStatus


@register_actual_source
def monitored_actuals(indicators) -> dict[int, str]:
    from monitoring.models import MonitoringIndicator

    rows = (
        MonitoringIndicator.objects.filter(
            target_indicator__in=[i.pk for i in indicators], table__status=ReviewStatus.APPROVED
        )
        .exclude(actual_to_date="")
        .order_by("target_indicator_id", "-table__round__data_as_of")
        .values_list("target_indicator_id", "actual_to_date", "table__round__data_as_of")
    )
    result: dict[int, str] = {}
    for pk, actual, as_of in rows:
        if pk not in result:
            result[pk] = f"{actual}（截至 {as_of.month} 月 {as_of.day} 日监控）"
    return result

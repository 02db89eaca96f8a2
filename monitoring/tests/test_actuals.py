"""Monitoring reports feed 指标推荐: an earlier indicator's actual is its latest approved monitored value."""

import datetime

import pytest

from monitoring.actuals import monitored_actuals
from monitoring.models import MonitoringIndicator, MonitoringRound, MonitoringTable
from organisations.choices import OrgKind
from organisations.models import Organisation
from targets.models import TargetIndicator
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db


def test_latest_approved_monitored_value_is_the_actual():
    """Only approved tables count, and the latest data date wins; the value says when it was measured."""
    indicator = (
        TargetIndicator.objects.filter(sheet__status=ReviewStatus.APPROVED).select_related("sheet__subject").first()
    )
    assert indicator is not None
    subject = indicator.sheet.subject
    bureau = Organisation.objects.filter(kind=OrgKind.FINANCE_BUREAU).first()
    for month, status, actual in [
        (3, ReviewStatus.APPROVED, "40"),
        (8, ReviewStatus.APPROVED, "70"),
        (9, ReviewStatus.DRAFT, "95"),
    ]:
        last = {3: 31, 8: 31, 9: 30}[month]
        round_ = MonitoringRound.objects.create(
            organisation=bureau,
            fiscal_year=indicator.sheet.fiscal_year,
            name=f"测试轮次{month}",
            data_as_of=datetime.date(indicator.sheet.fiscal_year, month, last),
            due_date=datetime.date(indicator.sheet.fiscal_year, month + 1, 20),
        )
        table = MonitoringTable.objects.create(round=round_, subject=subject)
        MonitoringIndicator.objects.create(
            table=table,
            target_indicator=indicator,
            level1=indicator.level1,
            level2=indicator.level2,
            name=indicator.name,
            comparator=indicator.comparator,
            annual_target=indicator.target_value,
            actual_to_date=actual,
        )
        # Rows first: an approved table's rows cannot be added afterwards (core/immutability.py).
        MonitoringTable.objects.filter(pk=table.pk).update(status=status)
    assert monitored_actuals([indicator]) == {indicator.pk: "70（截至 8 月 31 日监控）"}
    from targets.recommend import actual_of

    assert actual_of(indicator) == "70（截至 8 月 31 日监控）"

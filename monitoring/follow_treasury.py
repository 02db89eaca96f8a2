"""Monitoring follows the treasury (issue 12 §4; 长治市《预算绩效管理办法》第十九条（二）: 财政部门……根据国库支付数据……
对预算执行进度缓慢的……进行绩效预警).

After every committed load of payments or allocations (``execution.signals.records_loaded``) the figures of the
loading bureau's region are recomputed as of the business date (within the load's fiscal year) and scanned with the
active warning rules, in the background (``monitoring.figures.refresh_task``): the warnings come from the treasury
data itself, outside any monitoring round, and reach the budget and treasury sections with the performance section.
A load that changed nothing (every record already there) starts nothing.
"""

from __future__ import annotations

import datetime

from core import fiscal
from execution.signals import records_loaded


def data_date(fiscal_year: int) -> datetime.date:
    """The business date, kept within the fiscal year (a load of last year's data is seen as of 31 December)."""
    return fiscal.business_date_in_year(fiscal_year)


def follow_load(sender, *, fiscal_year, bureau, user, result, **kwargs) -> None:
    from monitoring.figures import refresh_task

    if not (result.inserted or result.corrected or result.rematched):
        return
    refresh_task.enqueue(
        int(fiscal_year), data_date(int(fiscal_year)).isoformat(), bureau.region_id, user.pk if user else None
    )


records_loaded.connect(follow_load, dispatch_uid="monitoring_follows_treasury_loads")

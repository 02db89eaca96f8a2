"""Shared set-up of the monitoring tests: rounds opened by the city's performance section (李绩效) over the
demo city's funded subjects (示范市第一中学's approved target sheets come from the targets demo)."""

from __future__ import annotations

import datetime

from core import fiscal
from monitoring import actions
from monitoring.choices import RoundScope
from subjects.models import Subject

SECURITY = "第一中学校园安保服务"  # executing, purchased service, approved target sheet
CANTEEN = "第一中学食堂设施改造项目"  # funded, approved sheet v1 (v2 in review)
SPORTS = "第一中学体育器材购置项目"  # funded, its targets approved; its monitoring table waits for the unit head
UNFUNDED = (
    "第一中学体育场地改造项目"  # admitted, its target sheet still in review: no budget yet (seed 003 第十一条（一）)
)


def subject(name: str) -> Subject:
    return Subject.objects.get(name=name)


def open_round(user, *, scope=RoundScope.ALL_FUNDED, key=(), name="测试监控轮次", as_of=None, due=None):
    year = fiscal.default_year()
    return actions.open_round(
        user,
        name=name,
        fiscal_year=year,
        data_as_of=as_of or datetime.date(year, 7, 31),
        due_date=due or datetime.date(year, 8, 20),
        scope=scope,
        key_subjects=[subject(n) if isinstance(n, str) else n for n in key],
    )


def table_of(monitoring_round, name: str):
    return monitoring_round.tables.select_related("subject").get(subject__name=name)


def fill_rows(table, *, not_met_row: int | None = None, reason: str = "objective", measures: str = "加快进度"):
    rows = {}
    for i, row in enumerate(table.indicators.all()):
        values = {"will_be_met": True, "actual_to_date": "1", "qualitative_level": "achieved"}
        if i == not_met_row:
            values.update(will_be_met=False, deviation_reason=reason, measures=measures)
        rows[row.pk] = values
    return rows

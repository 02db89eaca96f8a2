"""待办 of execution data: the 待匹配 queue, for whoever matches codes (the treasury and the performance section): one
item saying how many unknown project codes wait, linking to the queue (issue 12 §6). One query, also the count."""

from __future__ import annotations

from django.urls import reverse

from accounts.roles import Action
from core import access
from core.todo import TodoItem


def waiting_codes(user) -> int:
    from execution.choices import MatchStatus
    from execution.models import Payment
    from execution.permissions import can_match

    if not can_match(user):
        return 0
    queued = access.restrict(Payment.objects.filter(match_status=MatchStatus.UNMATCHED), user, Action.VIEW)
    return queued.order_by().values("project_code", "fiscal_year").distinct().count()


def provider(user) -> list[TodoItem]:
    n = waiting_codes(user)
    if not n:
        return []
    return [
        TodoItem(
            title=f"待匹配支付：{n} 个项目编码的国库支付在项目库中找不到，请匹配或确认不属于绩效管理对象",
            url=reverse("execution:unmatched"),
            stage="monitoring",
            kind="匹配",
        )
    ]


def count(user) -> dict[str, int]:
    return {"monitoring": 1} if waiting_codes(user) else {}

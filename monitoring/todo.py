"""待办 of operation monitoring (the tables themselves are in the review chain's 待办, due by the round's due
date): open warnings the unit must explain (预警整改) or finance must dispose of (预警处置), and, for those who
supervise, the tables of a round not submitted by its due date (催报). At most three queries; the navigation's count
(``count``) at most two, and it counts every open warning, not the first ``LIMIT``."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse

from accounts.roles import Capability, roles_with
from core.access import NOTHING
from core.todo import TodoItem
from monitoring.choices import WarningStatus
from workflow.guards import _assignment_q

LIMIT = 50
SUPERVISING_ROLES = roles_with(Capability.SUPERVISE_MONITORING)
APPLYING_ROLES = roles_with(Capability.APPLY_HOLDS)


def role_q(user, model, roles) -> Q:
    """Rows of ``model`` within the reach of the user's assignments of ``roles`` (region-bound for the finance
    sections, as at a review step)."""
    result = NOTHING
    for assignment in user.role_assignments():
        if assignment.role in roles:
            q = _assignment_q(model, assignment, user)
            if q is not NOTHING:
                result = q if result is NOTHING else result | q
    return result


def _warning_items(user, roles, kind, extra: Q) -> list[TodoItem]:
    from monitoring.models import PerformanceWarning

    q = role_q(user, PerformanceWarning, roles)
    if q is NOTHING:
        return []
    rows = list(
        PerformanceWarning.objects.filter(q & extra, status=WarningStatus.OPEN)
        .select_related("subject__organisation")
        .order_by("raised_at")[: LIMIT + 1]
    )
    items = [
        TodoItem(
            title=f"绩效预警：{w.message[:80]}",
            url=w.get_absolute_url(),
            stage="monitoring",
            kind=kind,
            organisation=w.subject.organisation.name,
            since=w.raised_at,
        )
        for w in rows[:LIMIT]
    ]
    if len(rows) > LIMIT:
        items.append(
            TodoItem(
                title=f"另有更多绩效预警待{kind[2:]}，请在预警列表中查看",
                url=reverse("monitoring:warnings") + "?status=open",
                stage="monitoring",
                kind=kind,
            )
        )
    return items


def provider(user) -> list[TodoItem]:
    from monitoring.actions import DISPOSING_ROLES, UNIT_ROLES, late_q
    from monitoring.models import MonitoringTable

    items = _warning_items(user, UNIT_ROLES, "预警整改", Q(unit_reply=""))
    items += _warning_items(user, DISPOSING_ROLES, "预警处置", Q())
    q = role_q(user, MonitoringTable, SUPERVISING_ROLES)
    if q is not NOTHING:
        late = (
            MonitoringTable.objects.filter(q & late_q())
            .values("round_id", "round__name", "round__due_date")
            .annotate(n=Count("pk"))
            .order_by("round__due_date")
        )
        for row in late:
            items.append(
                TodoItem(
                    title=f"{row['round__name']}：{row['n']} 张监控表逾期未报",
                    url=reverse("monitoring:tables") + f"?round={row['round_id']}&late=true",
                    stage="monitoring",
                    kind="催报",
                )
            )
    for hold in _holds_to_apply(user).select_related("subject__organisation").order_by("since")[:LIMIT]:
        items.append(
            TodoItem(
                title=f"执行拨款控制：{hold}",
                url=reverse("monitoring:holds") + "#apply",
                stage="monitoring",
                kind="执行",
                organisation=hold.subject.organisation.name,
                since=hold.since,
            )
        )
    return items


def _holds_to_apply(user):
    """Holds in force the treasury has not yet confirmed as applied (issue 12 §6), within the treasury's reach."""
    from monitoring.models import DisbursementHold

    q = role_q(user, DisbursementHold, APPLYING_ROLES)
    if q is NOTHING:
        return DisbursementHold.objects.none()
    return DisbursementHold.objects.filter(q, lifted_at__isnull=True, applied_at__isnull=True)


def count(user) -> dict[str, int]:
    """The provider's items per stage, counted in the database: the open warnings to explain and to dispose of in
    one aggregate, the rounds with late tables in another."""
    from monitoring.actions import DISPOSING_ROLES, UNIT_ROLES, late_q
    from monitoring.models import MonitoringTable, PerformanceWarning

    n = 0
    replying = role_q(user, PerformanceWarning, UNIT_ROLES)
    kinds = {}
    if replying is not NOTHING:
        kinds["reply"] = replying & Q(unit_reply="")
    disposing = role_q(user, PerformanceWarning, DISPOSING_ROLES)
    if disposing is not NOTHING:
        kinds["dispose"] = disposing
    if kinds:
        either = NOTHING
        for q in kinds.values():
            either = q if either is NOTHING else either | q
        totals = PerformanceWarning.objects.filter(either, status=WarningStatus.OPEN).aggregate(
            **{name: Count("pk", filter=q) for name, q in kinds.items()}
        )
        n += sum(totals.values())
    q = role_q(user, MonitoringTable, SUPERVISING_ROLES)
    if q is not NOTHING:
        n += MonitoringTable.objects.filter(q & late_q()).values("round_id").distinct().count()
    n += min(_holds_to_apply(user).count(), LIMIT)  # none() for those without the role: no query
    return {"monitoring": n} if n else {}

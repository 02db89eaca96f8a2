"""The 待办 of the evaluated organisation (seed 003 第三十八条): unread evaluation notices until signed for, and
document requests still to answer (one query per type), and the detail pages of the key evaluation's records
(``get_absolute_url``, set here because the models are fixed). Imported when the app is ready (keyevals.demo)."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from accounts.roles import Role
from core import todo
from core.access import NOTHING
from core.links import detail_url
from keyevals.models import DocumentRequest, KeyStatus, Notice, RequestStatus, SiteVisit, WorkPlan
from workflow import guards

# Who answers for the evaluated organisation: its preparer, its head, its department's reviewer.
ANSWER_ROLES = frozenset({Role.UNIT_PREPARER, Role.UNIT_HEAD, Role.DEPT_REVIEWER})
OPEN_STAGES = (KeyStatus.PREPARING, KeyStatus.FIELDWORK, KeyStatus.SCORING)

PAGES = {
    WorkPlan: "keyevals:plan",
    Notice: "keyevals:notice",
    DocumentRequest: "keyevals:request",
    SiteVisit: "keyevals:visit",
}


def _page(viewname: str):
    def get_absolute_url(self) -> str:
        return detail_url(viewname, self.pk)

    return get_absolute_url


for _model, _viewname in PAGES.items():
    _model.get_absolute_url = _page(_viewname)


def _addressed(user, model):
    """Rows of ``model`` addressed to an organisation ``user`` answers for (not evaluations it organises itself)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return model.objects.none()
    result = NOTHING
    own = []
    for assignment in user.role_assignments():
        if assignment.role in ANSWER_ROLES:
            q = guards._assignment_q(model, assignment, user)
            if q is not NOTHING:
                result |= q
                own.append(assignment.organisation_id)
    if result is NOTHING:
        return model.objects.none()
    return model.objects.filter(result).exclude(Q(evaluation__organiser_id__in=own))


def unread_notices(user):
    return _addressed(user, Notice).filter(read_at__isnull=True)


def open_requests(user):
    return _addressed(user, DocumentRequest).filter(status=RequestStatus.OPEN, evaluation__status__in=OPEN_STAGES)


def _due(day: datetime.date):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59)))


def todo_provider(user) -> list[todo.TodoItem]:
    items = []
    for notice in unread_notices(user).select_related("evaluation__evaluated"):
        items.append(
            todo.TodoItem(
                title=f"评价通知书（待签收）：{notice.evaluation.title}",
                url=notice.get_absolute_url(),
                stage="evaluation",
                kind="签收",
                organisation=notice.evaluation.evaluated.name,
                since=notice.sent_at,
            )
        )
    for row in open_requests(user).select_related("evaluation__evaluated"):
        items.append(
            todo.TodoItem(
                title=f"提供资料：{row.title}（{row.evaluation.title}）",
                url=row.get_absolute_url(),
                stage="evaluation",
                kind="提供资料",
                organisation=row.evaluation.evaluated.name,
                due_at=_due(row.due_on),
                since=row.created_at,
            )
        )
    return items


def todo_count(user) -> dict[str, int]:
    n = unread_notices(user).count() + open_requests(user).count()
    return {"evaluation": n} if n else {}


todo.register(todo_provider, count=todo_count)

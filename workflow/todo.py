"""The 待办 provider: every document waiting for the user at its current step (one query per model), and its cheap
count for the navigation (one ``COUNT`` per model)."""

from __future__ import annotations

from core.access import NOTHING
from core.todo import TodoItem
from workflow.chains import document_organisation, reviewable_models
from workflow.guards import acting_q
from workflow.models import ReviewStatus

KIND_BY_STATUS = {ReviewStatus.DRAFT: "填报", ReviewStatus.RETURNED: "退回修改"}


def waiting_documents(user, model):
    q = acting_q(user, model)
    if q is NOTHING:
        return model._default_manager.none()
    org_field = model.access_org_field
    related = [org_field] if org_field else []
    return model._default_manager.filter(q).select_related(*related, *getattr(model, "todo_select_related", ()))


def provider(user) -> list[TodoItem]:
    items = []
    for model in reviewable_models():
        label = str(model._meta.verbose_name)
        for doc in waiting_documents(user, model):
            organisation = document_organisation(doc)
            items.append(
                TodoItem(
                    # A model can name its items better than str() (a monitoring table: with its round).
                    title=doc.todo_title() if hasattr(doc, "todo_title") else f"{label}：{doc}",
                    url=doc.get_absolute_url(),
                    stage=model.todo_stage,
                    kind=KIND_BY_STATUS.get(doc.status, model.todo_kind),
                    organisation=str(organisation or ""),
                    due_at=doc.step_due_at,
                    since=getattr(doc, "updated_at", None),
                )
            )
    return items


def count(user) -> dict[str, int]:
    """The provider's items per stage, counted in the database: one aggregate per document type."""
    counts: dict[str, int] = {}
    for model in reviewable_models():
        q = acting_q(user, model)
        if q is NOTHING:
            continue
        n = model._default_manager.filter(q).count()
        if n:
            counts[model.todo_stage] = counts.get(model.todo_stage, 0) + n
    return counts

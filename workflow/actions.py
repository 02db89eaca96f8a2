"""The state changes of the review chain. Pages, API endpoints and the demo seeder all call these.

Each is one transaction: guard, conditional UPDATE on the version the actor saw (optimistic lock),
the history row and the audit row. When two reviewers act on the same version at once, the
UPDATE of the second matches no row and it is told the document changed; nothing else happens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F

from audit import trail
from audit.models import AuditAction
from core import clock, services
from workflow import guards, hooks, staffing
from workflow.chains import resolve_chain
from workflow.models import ChainDefinition, ReviewAction, ReviewLog, ReviewStatus

STALE_MESSAGE = "该文档已被他人处理（版本已变化），请刷新后重试"


class StaleDocument(Exception):
    """The document changed since the actor loaded it (its version moved on)."""

    def __init__(self, message: str = STALE_MESSAGE):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Transition:
    sources: frozenset  # statuses the document may be in
    target: Callable[[int, int, int | None], int]  # (current step, last step, requested step) → new step
    opinion_required: bool = False


# The one table of the chain's transitions. Reaching a step after the last means approved;
# reaching step 0 means returned to the preparer.
TRANSITIONS: dict[str, Transition] = {
    ReviewAction.SUBMIT: Transition(
        frozenset({ReviewStatus.DRAFT, ReviewStatus.RETURNED}), lambda current, last, requested: 1
    ),
    ReviewAction.APPROVE: Transition(frozenset({ReviewStatus.IN_REVIEW}), lambda current, last, requested: current + 1),
    ReviewAction.RETURN: Transition(
        frozenset({ReviewStatus.IN_REVIEW}), lambda current, last, requested: requested, opinion_required=True
    ),
}


def _status_at(step: int, last: int) -> str:
    if step > last:
        return ReviewStatus.APPROVED
    if step == 0:
        return ReviewStatus.RETURNED
    return ReviewStatus.IN_REVIEW


def allowed_actions(user, doc) -> list[str]:
    """The actions ``user`` may take on ``doc`` now (for showing the buttons)."""
    if not guards.can_act(user, doc):
        return []
    return [action for action, t in TRANSITIONS.items() if doc.status in t.sources]


def return_targets(doc) -> list:
    """The earlier steps a reviewer may send ``doc`` back to."""
    if doc.status != ReviewStatus.IN_REVIEW or not doc.chain_id:
        return []
    return [s for s in doc.chain.ordered_steps() if s.order < doc.current_step]


def _transition(action: str, doc, user, version: int, opinion: str = "", target_step: int | None = None):
    try:
        with transaction.atomic():
            return _apply(action, doc, user, version, (opinion or "").strip(), target_step)
    except PermissionDenied as exc:
        # Written after the rollback, so the refusal itself stays on record.
        trail.record(AuditAction.PERMISSION_DENIED, doc, actor=user, reason=str(exc))
        raise


def _apply(action, doc, user, version, opinion, target_step):
    model = type(doc)
    # Locked until the transaction ends: a concurrent transition of the same document waits here, then finds the
    # version moved on. Without the lock both would pass the version check and run the hooks' side effects (the
    # indicator a final approval admits) before the conditional UPDATE below lets only one of them through.
    fresh = model._default_manager.select_related("chain").select_for_update(of=("self",)).get(pk=doc.pk)
    if fresh.version != version:
        raise StaleDocument()
    rule = TRANSITIONS[action]
    if fresh.status not in rule.sources:
        raise ValidationError(f"文档当前状态为“{fresh.get_status_display()}”，不能{ReviewAction(action).label}")
    if not guards.can_act(user, fresh):
        raise PermissionDenied("您不是当前环节的办理人，不能办理该文档")
    if action == ReviewAction.RETURN:
        opinion = hooks.opinion_on_return(fresh, opinion)
    if rule.opinion_required and not opinion:
        raise ValidationError({"opinion": "退回时请填写退回意见"})

    chain = fresh.chain
    if action == ReviewAction.SUBMIT and (chain is None or fresh.status == ReviewStatus.DRAFT):
        chain = resolve_chain(fresh)  # a first submission enters the newest chain version
    if chain is None or chain.step(0) is None:
        raise ValidationError("该单据类型尚未配置审核流程，请联系系统管理员")
    if action == ReviewAction.SUBMIT:
        staffing.check_submission(fresh, chain)  # no step ahead may be one nobody can act on (issue 17 §9)
    last = chain.last_order
    to_step = rule.target(fresh.current_step, last, target_step)
    if action == ReviewAction.RETURN and (
        to_step is None or not 0 <= to_step < fresh.current_step or chain.step(to_step) is None
    ):
        raise ValidationError({"target_step": "只能退回到之前的环节"})

    from_name = fresh.current_step_name
    to_status = _status_at(to_step, last)
    step = chain.step(to_step) if to_status != ReviewStatus.APPROVED else None
    due = clock.now() + timedelta(days=step.deadline_days) if step and step.deadline_days else None
    extra_changes = hooks.run_before_transition(fresh, action, to_status, user)
    values = {
        "status": to_status,
        "chain": chain,
        "current_step": to_step if step else last,
        "current_role": step.role if step else "",
        "step_due_at": due,
    }
    updated = model._default_manager.filter(pk=fresh.pk, version=version).update(version=F("version") + 1, **values)
    if updated != 1:
        raise StaleDocument()

    to_name = step.name if step else "已办结"
    ReviewLog.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_id=fresh.pk,
        chain=chain,
        step=fresh.current_step,
        step_name=from_name,
        action=action,
        actor=user,
        actor_name=str(user),
        opinion=opinion,
        from_step=fresh.current_step,
        to_step=to_step,
        to_step_name=to_name,
    )
    changes = {"状态": [fresh.get_status_display(), ReviewStatus(to_status).label], "环节": [from_name, to_name]}
    if fresh.chain_id != chain.pk:
        changes["审核流程"] = [str(fresh.chain) if fresh.chain_id else None, str(chain)]
    changes.update(extra_changes)
    trail.record(
        AuditAction.TRANSITION,
        fresh,
        changes=changes,
        actor=user,
        reason=f"{ReviewAction(action).label}：{opinion}" if opinion else ReviewAction(action).label,
    )

    for key, value in values.items():
        setattr(doc, key, value)
    doc.version = version + 1
    if extra_changes:
        doc.refresh_from_db()  # the hook changed fields of its own: the caller sees them too
    return doc


def submit(doc, user, version: int, comment: str = ""):
    """The preparer sends the document (draft or returned) to step 1."""
    return _transition(ReviewAction.SUBMIT, doc, user, version, comment)


def approve(doc, user, version: int, opinion: str = ""):
    """The actor of the current step passes the document on; after the last step it is approved."""
    return _transition(ReviewAction.APPROVE, doc, user, version, opinion)


def return_to(doc, user, version: int, target_step: int, opinion: str):
    """The actor of the current step sends the document back to any earlier step, with an opinion."""
    return _transition(ReviewAction.RETURN, doc, user, version, opinion, target_step)


def perform(action: str, doc, user, version: int, opinion: str = "", target_step: int | None = None):
    """Dispatch by action name (the pages' and the API's single entry)."""
    if action not in TRANSITIONS:
        raise ValidationError("未知的操作")
    return _transition(action, doc, user, version, opinion, target_step)


def save_edit(doc, user, version: int, *, before: dict | None = None, data: dict | None = None, reason: str = ""):
    """Save the preparer's changes to a draft or returned document (validated, audited, version bumped).

    ``doc`` carries the new values (a bound form's instance) or ``data`` names them; ``version`` is
    the one the preparer loaded, so an edit racing a submission is refused as stale.
    """
    model = type(doc)
    with transaction.atomic():
        fresh = model._default_manager.select_for_update(of=("self",)).get(pk=doc.pk)
        if fresh.version != version:
            raise StaleDocument()
        if not guards.can_edit(user, fresh):
            raise PermissionDenied("只有填报人可以修改草稿或被退回的文档")
        if before is None:
            before = trail.snapshot(fresh)
        # The workflow fields come from the locked row, never from what the caller held.
        for field in ("status", "chain_id", "current_step", "current_role", "step_due_at"):
            setattr(doc, field, getattr(fresh, field))
        doc.version = version + 1
        result = services.update_record(doc, data, reason=reason, before=before)
        if not guards.can_act(user, doc):
            # e.g. moved to an organisation outside the preparer's reach: undo it all
            raise PermissionDenied("修改后的文档超出您的填报范围")
        return result


def chain_for_display(doc) -> ChainDefinition | None:
    """The chain a document follows, or would follow if submitted now."""
    return doc.chain if doc.chain_id else resolve_chain(doc)

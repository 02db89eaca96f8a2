"""The lifecycle engine: a record's stages after (or beside) its review chain, with guarded, audited steps.

The review chain (workflow/actions.py) moves a document between preparer and reviewers. A lifecycle is the other
kind of state a record has: a subject in the library (立项 → 安排预算 → 执行 → 完成/终止), a warning (待处置 →
已处置/已核销), a monitoring round (进行中 → 已结束), and next a rectification item, an evaluation or a feedback
letter. Each declares one ``Lifecycle`` (a table of ``Step``) where its actions live and registers it; pages, API
and demo call ``lifecycle.run(name, record, user, ...)`` and offer ``lifecycle.allowed(user, record)``.

``run`` is one transaction: lock the row, check the version the actor saw (when the model has one), the role over
the record (``workflow.guards.holds_role_over``), the stage, the step's own condition and the reason; then the step's
own changes (``apply``), the conditional UPDATE and one TRANSITION audit row. A refused role is audited as
PERMISSION_DENIED. Two identical submits at once: the second waits on the lock and finds the stage moved on.

A parent record that owns review-chain documents (a monitoring round's tables; next, a key evaluation's plan,
scoring and report) names them in ``documents``; a step that needs them settled says so with ``documents_in``
(e.g. every child approved before the evaluation is concluded).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F

from audit import trail
from audit.models import AuditAction
from workflow.guards import holds_role_over

_registry: dict[str, Lifecycle] = {}


@dataclass(frozen=True)
class Step:
    label: str  # the button and the audit reason, e.g. 安排预算
    sources: frozenset  # stages the record may be in
    target: str | Callable[[str], str] | None  # the new stage; a callable of the current one; None keeps it
    roles: frozenset  # roles (over the record) that may take it; see accounts.roles.roles_with
    reason_required: bool = False
    reason_field: str = "reason"  # the form field a missing reason is reported on
    condition: Callable[[object], bool] | None = None  # offered and allowed only when true (e.g. 可结转)
    refusal: str = ""  # message when ``condition`` is false
    documents_in: frozenset | None = None  # every child document must be in these statuses
    denied: str = ""  # message for a user without the role

    def next_stage(self, stage: str) -> str:
        if self.target is None:
            return stage
        return self.target(stage) if callable(self.target) else self.target


@dataclass(frozen=True)
class Lifecycle:
    model: type
    steps: dict[str, Step]
    field: str = "status"  # the stage field
    field_label: str = "状态"  # its name in audit rows
    noun: str = "记录"  # the record, in messages
    precondition: Callable[[object], bool] | None = None  # e.g. a subject must have passed its review chain
    documents: tuple[str, ...] = ()  # related names of child review-chain documents
    versioned: bool = False  # the model has an optimistic-lock ``version``

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def stage_label(self, value: str) -> str:
        choices = dict(self.model._meta.get_field(self.field).choices or ())
        return str(choices.get(value, value))

    def child_documents(self, record) -> Iterable:
        for name in self.documents:
            yield from getattr(record, name).all()

    def unsettled(self, record, statuses) -> int:
        return sum(getattr(record, name).exclude(status__in=statuses).count() for name in self.documents)

    def _open(self, step: Step, record) -> bool:
        if self.precondition is not None and not self.precondition(record):
            return False
        if getattr(record, self.field) not in step.sources:
            return False
        return step.condition is None or step.condition(record)

    def allowed(self, user, record) -> list[str]:
        """The steps ``user`` may take on ``record`` now (for the buttons)."""
        return [
            name
            for name, step in self.steps.items()
            if self._open(step, record) and holds_role_over(user, record, step.roles)
        ]

    def may(self, user, record, name: str) -> bool:
        return name in self.allowed(user, record)

    def run(self, name: str, record, user, *, version: int | None = None, reason: str = "", apply=None):
        """Take step ``name``; ``apply(fresh)`` makes the step's own changes inside the transaction and returns
        ``{label: [before, after]}`` for the audit row (a ``"_fields"`` entry sets more columns of the record)."""
        step = self.steps[name]
        reason = (reason or "").strip()
        model = type(record)
        try:
            with transaction.atomic():
                fresh = model.objects.select_for_update(of=("self",)).get(pk=record.pk)
                if self.versioned and fresh.version != version:
                    from workflow.actions import StaleDocument

                    raise StaleDocument()
                if not holds_role_over(user, fresh, step.roles):
                    raise PermissionDenied(step.denied or f"您无权对该{self.noun}执行“{step.label}”")
                current = getattr(fresh, self.field)
                if (self.precondition is not None and not self.precondition(fresh)) or current not in step.sources:
                    raise ValidationError(
                        f"该{self.noun}当前{self.field_label}为“{self.stage_label(current)}”，不能{step.label}"
                    )
                if step.condition is not None and not step.condition(fresh):
                    raise ValidationError(step.refusal or f"该{self.noun}不满足“{step.label}”的条件")
                if step.documents_in is not None:
                    pending = self.unsettled(fresh, step.documents_in)
                    if pending:
                        raise ValidationError(f"尚有 {pending} 份文档未办结，不能{step.label}")
                if step.reason_required and not reason:
                    raise ValidationError({step.reason_field: f"{step.label}时请填写理由"})
                changes = dict(apply(fresh) or {}) if apply else {}
                to_stage = step.next_stage(current)
                values = {self.field: to_stage, **changes.pop("_fields", {})}
                rows = model.objects.filter(pk=fresh.pk)
                if self.versioned:
                    rows = rows.filter(version=version)
                    values["version"] = F("version") + 1
                if rows.update(**values) != 1:
                    from workflow.actions import StaleDocument

                    raise StaleDocument()
                if to_stage != current:
                    changes[self.field_label] = [self.stage_label(current), self.stage_label(to_stage)]
                trail.record(
                    AuditAction.TRANSITION,
                    fresh,
                    changes=changes,
                    actor=user,
                    reason=f"{step.label}：{reason}" if reason else step.label,
                )
        except PermissionDenied as exc:
            trail.record(AuditAction.PERMISSION_DENIED, record, actor=user, reason=str(exc))
            raise
        record.refresh_from_db()
        return record


def register(lifecycle: Lifecycle) -> Lifecycle:
    _registry[lifecycle.label] = lifecycle
    return lifecycle


def of(record_or_label) -> Lifecycle:
    label = record_or_label if isinstance(record_or_label, str) else record_or_label._meta.label_lower
    return _registry[label]


def registered() -> dict[str, Lifecycle]:
    return dict(_registry)

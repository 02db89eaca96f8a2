"""The library lifecycle after the review chain: fund, start, complete, terminate, roll over, and
finance's mark that a subject needs an ex-ante assessment. Pages, API and the demo call these.

Submission, department review and finance review (ending in admission, 入库) are the review chain
(workflow.actions with the chain of migration 0002); ``Subject.before_final_approval`` refuses
admission until the ex-ante assessment clears it, ``after_final_approval`` sets stage admitted.

Each action here is one transaction: conditional UPDATE on the version the actor saw, the guard
(role, stage and the rule of the table below), the change, and a TRANSITION audit row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.roles import Role
from audit import trail
from audit.models import AuditAction
from core import clock
from subjects import assessment_gate
from subjects.choices import Duration, LibraryStage
from subjects.models import Subject, SubjectYearAmount
from workflow import hooks
from workflow.actions import StaleDocument
from workflow.guards import holds_role_over
from workflow.models import ReviewAction, ReviewStatus

UNIT = frozenset({Role.UNIT_PREPARER, Role.UNIT_HEAD})
BUDGET = frozenset({Role.BUDGET_SECTION})
FINANCE_MARKERS = frozenset({Role.BUDGET_SECTION, Role.PERFORMANCE_SECTION, Role.FINANCE_DESK})
S = LibraryStage


@dataclass(frozen=True)
class LifecycleStep:
    label: str
    sources: frozenset
    target: Callable[[str], str]  # current stage → new stage
    roles: frozenset
    reason_required: bool = False


# The one table of the library's transitions after admission.
LIFECYCLE: dict[str, LifecycleStep] = {
    # Funding an admitted subject makes it funded; re-arranging a funded or executing one keeps its stage.
    "fund": LifecycleStep(
        "安排预算",
        frozenset({S.ADMITTED, S.FUNDED, S.EXECUTING}),
        lambda stage: S.FUNDED if stage == S.ADMITTED else stage,
        BUDGET,
    ),
    "start": LifecycleStep("开始执行", frozenset({S.FUNDED}), lambda stage: S.EXECUTING, UNIT | BUDGET),
    "complete": LifecycleStep("完成", frozenset({S.EXECUTING}), lambda stage: S.COMPLETED, UNIT | BUDGET),
    "terminate": LifecycleStep(
        "终止",
        frozenset({S.ADMITTED, S.FUNDED, S.EXECUTING}),
        lambda stage: S.TERMINATED,
        frozenset({Role.BUDGET_SECTION, Role.PERFORMANCE_SECTION}),
        reason_required=True,
    ),
    # A continuing subject moves into its next year and waits in the library for that year's money.
    "roll_over": LifecycleStep(
        "结转下一年度", frozenset({S.FUNDED, S.EXECUTING}), lambda stage: S.ADMITTED, UNIT | BUDGET
    ),
}


def allowed_lifecycle(user, subject) -> list[str]:
    """The lifecycle actions ``user`` may take on ``subject`` now (for the buttons)."""
    if subject.status != ReviewStatus.APPROVED:
        return []
    names = [name for name, step in LIFECYCLE.items() if subject.stage in step.sources]
    if "roll_over" in names and not _can_roll_over(subject):
        names.remove("roll_over")
    return [name for name in names if holds_role_over(user, subject, LIFECYCLE[name].roles)]


def _can_roll_over(subject) -> bool:
    return subject.duration == Duration.CONTINUING and subject.fiscal_year < subject.end_year


def _lifecycle(name: str, subject, user, version: int, reason: str, apply: Callable | None = None):
    """Run lifecycle step ``name``; ``apply(fresh)`` adds the step's own changes and returns them."""
    step = LIFECYCLE[name]
    reason = (reason or "").strip()
    try:
        with transaction.atomic():
            fresh = Subject.objects.select_for_update(of=("self",)).get(pk=subject.pk)
            if fresh.version != version:
                raise StaleDocument()
            if not holds_role_over(user, fresh, step.roles):
                raise PermissionDenied(f"您无权对该项目执行“{step.label}”")
            if fresh.status != ReviewStatus.APPROVED or fresh.stage not in step.sources:
                raise ValidationError(f"项目当前阶段为“{fresh.get_stage_display()}”，不能{step.label}")
            if step.reason_required and not reason:
                raise ValidationError({"reason": f"{step.label}时请填写理由"})
            changes = apply(fresh) if apply else {}
            to_stage = step.target(fresh.stage)
            values = {"stage": to_stage, **changes.pop("_fields", {})}
            updated = Subject.objects.filter(pk=fresh.pk, version=version).update(version=F("version") + 1, **values)
            if updated != 1:
                raise StaleDocument()
            if to_stage != fresh.stage:
                changes["库内阶段"] = [fresh.get_stage_display(), LibraryStage(to_stage).label]
            trail.record(
                AuditAction.TRANSITION,
                fresh,
                changes=changes,
                actor=user,
                reason=f"{step.label}：{reason}" if reason else step.label,
            )
    except PermissionDenied as exc:
        trail.record(AuditAction.PERMISSION_DENIED, subject, actor=user, reason=str(exc))
        raise
    subject.refresh_from_db()
    return subject


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: "金额格式不正确"}) from None
    if amount < 0 or amount >= Decimal("1e14"):
        raise ValidationError({field: "金额应为不小于 0 的数值（元，保留两位小数）"})
    return amount


def fund(subject, user, version: int, arranged_amount, year: int | None = None, reason: str = ""):
    """预算管理科 arranges the year's money (财政实际安排). seed 000 第十条: not before the
    ex-ante assessment clears the subject."""
    amount = _money(arranged_amount, "arranged_amount")

    def apply(fresh):
        ok, message = assessment_gate.assessment_clears(fresh)
        if not ok:
            raise ValidationError(message)
        fiscal_year = year or fresh.fiscal_year
        row = SubjectYearAmount.objects.select_for_update().filter(subject=fresh, fiscal_year=fiscal_year).first()
        if row is None:
            raise ValidationError({"year": f"该项目没有 {fiscal_year} 年度的申请金额，不能安排预算"})
        before = row.arranged_amount
        row.arranged_amount = amount
        changes = {f"{fiscal_year}年度财政实际安排": [before, amount]}
        if row.arranged_at is None:  # a re-arrangement keeps the date of the first one
            row.arranged_at = clock.now()
            changes["安排预算时间"] = [None, timezone.localtime(row.arranged_at).strftime("%Y-%m-%d %H:%M")]
        row.save(update_fields=["arranged_amount", "arranged_at"])
        return changes

    return _lifecycle("fund", subject, user, version, reason, apply)


def start_execution(subject, user, version: int, reason: str = ""):
    return _lifecycle("start", subject, user, version, reason)


def complete(subject, user, version: int, reason: str = ""):
    return _lifecycle("complete", subject, user, version, reason)


def terminate(subject, user, version: int, reason: str):
    return _lifecycle("terminate", subject, user, version, reason)


def roll_over(subject, user, version: int, requested_amount=None, reason: str = ""):
    """A continuing subject enters its next fiscal year: same subject, same code, its history kept;
    a new year row (requested amount copied unless given; last year's arrangement becomes 上年度)."""

    def apply(fresh):
        if not _can_roll_over(fresh):
            raise ValidationError("只有延续性项目、且未到终止年度，才能结转下一年度")
        current = SubjectYearAmount.objects.filter(subject=fresh, fiscal_year=fresh.fiscal_year).first()
        next_year = fresh.fiscal_year + 1
        if SubjectYearAmount.objects.filter(subject=fresh, fiscal_year=next_year).exists():
            raise ValidationError(f"{next_year} 年度的资金记录已存在")
        requested = (
            _money(requested_amount, "requested_amount")
            if requested_amount not in (None, "")
            else (current.requested_amount if current else Decimal("0"))
        )
        previous = (
            current.arranged_amount
            if current and current.arranged_amount is not None
            else (current.requested_amount if current else Decimal("0"))
        )
        SubjectYearAmount.objects.create(
            subject=fresh, fiscal_year=next_year, previous_amount=previous, requested_amount=requested
        )
        return {
            "申报年度": [fresh.fiscal_year, next_year],
            f"{next_year}年度申请金额": [None, requested],
            "_fields": {"fiscal_year": next_year},
        }

    return _lifecycle("roll_over", subject, user, version, reason, apply)


LIFECYCLE_FUNCTIONS = {
    "fund": fund,
    "start": start_execution,
    "complete": complete,
    "terminate": terminate,
    "roll_over": roll_over,
}


def mark_for_assessment(subject, user, version: int, marked: bool, reason: str = ""):
    """财政部门 marks a subject as needing an ex-ante assessment (seed 000 第九条 "其他有必要开展…")."""
    try:
        with transaction.atomic():
            fresh = Subject.objects.select_for_update(of=("self",)).get(pk=subject.pk)
            if fresh.version != version:
                raise StaleDocument()
            if not holds_role_over(user, fresh, FINANCE_MARKERS):
                raise PermissionDenied("只有财政部门可以指定项目须开展事前绩效评估")
            if fresh.stage in (S.COMPLETED, S.TERMINATED):
                raise ValidationError("已完成或已终止的项目不能再指定事前评估")
            Subject.objects.filter(pk=fresh.pk, version=version).update(
                version=F("version") + 1, finance_marked=bool(marked)
            )
            trail.record(
                AuditAction.UPDATE,
                fresh,
                changes={"finance_marked": [fresh.finance_marked, bool(marked)]},
                actor=user,
                reason=reason or ("指定须事前评估" if marked else "取消事前评估指定"),
            )
    except PermissionDenied as exc:
        trail.record(AuditAction.PERMISSION_DENIED, subject, actor=user, reason=str(exc))
        raise
    subject.refresh_from_db()
    return subject


@hooks.before_transition("subjects.subject")
def admit_on_final_approval(subject, action: str, to_status: str, user) -> dict:
    """The last approval of the chain admits the subject (入库) — seed 000 第十条: 评估结果作为项目入库和申请预算的
    必备条件. Runs inside the approval's transaction (workflow/hooks.py)."""
    if action != ReviewAction.APPROVE or to_status != ReviewStatus.APPROVED:
        return {}
    problems = subject.admission_problems()
    if problems:
        raise ValidationError("不能入库：" + "；".join(problems))
    Subject.objects.filter(pk=subject.pk).update(stage=LibraryStage.ADMITTED)
    return {"库内阶段": [subject.get_stage_display(), LibraryStage.ADMITTED.label]}

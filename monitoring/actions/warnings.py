"""Warnings and their disposal (seed 000 第二十一条; seed 001 第十八条): the unit's correction note (``reply``),
finance's decision (``dispose``) or write-off (``dismiss``), and the disbursement holds (拨款控制) a suspension
or a stop puts on the subject (``active_holds``, ``lift_hold``). Warnings themselves are raised by
``monitoring.alerts.scan``."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.roles import Capability, roles_with
from audit import trail
from audit.models import AuditAction
from core import clock, services
from monitoring.choices import DisposalDecision, HoldKind, WarningStatus
from monitoring.models import DisbursementHold, Disposal, PerformanceWarning
from workflow import guards, lifecycle

# seed 000 第二十一条 财政部门……可暂缓或停止预算拨款; seed 003 第十九条（二） 预算绩效管理科 and the desks.
# The roles that dispose of warnings and control disbursement, and those that reply to them (accounts.roles).
DISPOSING_ROLES = roles_with(Capability.DISPOSE_WARNINGS)
UNIT_ROLES = roles_with(Capability.REPLY_WARNINGS)
AMOUNT_DECISIONS = frozenset({DisposalDecision.BUDGET_ADJUSTED, DisposalDecision.RECOVERED})
HOLD_OF = {DisposalDecision.SUSPENDED: HoldKind.SUSPENDED, DisposalDecision.STOPPED: HoldKind.STOPPED}


# A warning's lifecycle (workflow/lifecycle.py): the unit replies while it is open; finance disposes of it or writes
# it off, once. Two identical submits at once: the second finds it no longer open.
LIFECYCLE = lifecycle.register(
    lifecycle.Lifecycle(
        model=PerformanceWarning,
        noun="预警",
        steps={
            "reply": lifecycle.Step(
                "提交整改说明",
                frozenset({WarningStatus.OPEN}),
                None,
                UNIT_ROLES,
                reason_required=True,
                reason_field="unit_reply",
                denied="只有项目单位可以对待处置的预警作出说明",
            ),
            "dispose": lifecycle.Step(
                "处置",
                frozenset({WarningStatus.OPEN}),
                WarningStatus.DISPOSED,
                DISPOSING_ROLES,
                reason_required=True,
                denied="只有财政业务科室或预算绩效管理科可以处置预警",
            ),
            "dismiss": lifecycle.Step(
                "核销",
                frozenset({WarningStatus.OPEN}),
                WarningStatus.DISMISSED,
                DISPOSING_ROLES,
                reason_required=True,
                reason_field="dismiss_reason",
                denied="只有财政业务科室或预算绩效管理科可以核销预警",
            ),
        },
    )
)


def can_dispose(user, warning) -> bool:
    return LIFECYCLE.may(user, warning, "dispose")


def can_reply(user, warning) -> bool:
    return LIFECYCLE.may(user, warning, "reply")


def _refuse(user, obj, message: str):
    trail.record(AuditAction.PERMISSION_DENIED, obj, actor=user, reason=message)
    raise PermissionDenied(message)


def reply(warning, user, note: str) -> PerformanceWarning:
    """The unit's correction note before finance decides (seed 000 第二十条: 纠正……偏差)."""
    note = (note or "").strip()

    def apply(fresh):
        return {
            "单位整改说明": [fresh.unit_reply, note],
            "_fields": {"unit_reply": note, "replied_at": clock.now(), "replied_by": user},
        }

    return LIFECYCLE.run("reply", warning, user, reason=note, apply=apply)


def dispose(warning, user, decision: str, reason: str, amount: Decimal | None = None) -> Disposal:
    """Record finance's decision on an open warning (seed 000 第二十一条: 可暂缓或停止预算拨款，并督促购买主体
    整改；整改不到位或无法继续实施的，应及时收回资金; seed 001 第十八条: 对问题严重或整改不到位的暂缓或停止预算
    拨款). Suspending or stopping puts a ``DisbursementHold`` on the subject for the treasury."""
    if decision not in DisposalDecision.values:
        raise ValidationError({"decision": "请选择处置决定"})
    if decision in AMOUNT_DECISIONS and (amount is None or amount <= 0):
        raise ValidationError({"amount": f"“{DisposalDecision(decision).label}”须填写涉及金额"})
    if decision not in AMOUNT_DECISIONS:
        amount = amount if amount else None
    reason = (reason or "").strip()
    made = []

    def apply(fresh):
        disposal = services.create_record(
            Disposal(warning=fresh, decision=decision, reason=reason, amount=amount, decided_by=user), reason=reason
        )
        made.append(disposal)
        kind = HOLD_OF.get(decision)
        if (
            kind is not None
            and not DisbursementHold.objects.filter(
                subject_id=fresh.subject_id, kind=kind, lifted_at__isnull=True
            ).exists()
        ):
            services.create_record(
                DisbursementHold(subject_id=fresh.subject_id, kind=kind, disposal=disposal), reason=reason
            )
        return {"处置决定": [None, DisposalDecision(decision).label]}

    LIFECYCLE.run("dispose", warning, user, reason=reason, apply=apply)
    return made[0]


def dismiss(warning, user, reason: str) -> PerformanceWarning:
    """Close a warning without a measure (核销, e.g. the figures were corrected), with a reason."""
    reason = (reason or "").strip()

    def apply(fresh):
        return {"核销理由": [None, reason], "_fields": {"dismiss_reason": reason}}

    return LIFECYCLE.run("dismiss", warning, user, reason=reason, apply=apply)


def can_lift(user, hold) -> bool:
    return hold.lifted_at is None and guards.holds_role_over(user, hold, DISPOSING_ROLES)


def lift_hold(hold, user, reason: str) -> DisbursementHold:
    if not guards.holds_role_over(user, hold, DISPOSING_ROLES):
        _refuse(user, hold, "只有财政业务科室或预算绩效管理科可以解除拨款控制")
    if hold.lifted_at is not None:
        raise ValidationError("该拨款控制已解除")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"lift_reason": "请填写解除理由"})
    with transaction.atomic():
        before = trail.snapshot(hold)
        hold.lifted_at = clock.now()
        hold.lifted_by = user
        hold.lift_reason = reason
        services.update_record(hold, reason=reason, before=before)
    return hold


def can_apply(user, hold) -> bool:
    """The treasury of the hold's region confirms that it stopped paying (国库科执行拨款控制)."""
    return (
        hold.lifted_at is None
        and hold.applied_at is None
        and guards.holds_role_over(user, hold, roles_with(Capability.APPLY_HOLDS))
    )


def apply_hold(hold, user) -> DisbursementHold:
    """国库科 confirms a hold in force is applied: no more payments for the subject until it is lifted (seed 000
    第二十一条 暂缓或停止预算拨款; seed 003 第十九条（二）: 国库科 watches the payments). Audited."""
    if not guards.holds_role_over(user, hold, roles_with(Capability.APPLY_HOLDS)):
        _refuse(user, hold, "只有国库科可以确认执行拨款控制")
    with transaction.atomic():
        locked = DisbursementHold.objects.select_for_update().get(pk=hold.pk)
        if locked.lifted_at is not None:
            raise ValidationError("该拨款控制已解除，无需执行")
        if locked.applied_at is not None:
            raise ValidationError("该拨款控制已确认执行")
        before = trail.snapshot(locked)
        locked.applied_at, locked.applied_by = clock.now(), user
        services.update_record(locked, reason="国库科确认已执行拨款控制", before=before)
    hold.applied_at, hold.applied_by = locked.applied_at, user
    return hold


def active_holds(subject):
    return DisbursementHold.objects.filter(subject=subject, lifted_at__isnull=True)

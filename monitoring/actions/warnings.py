"""Warnings and their disposal (seed 000 第二十一条; seed 001 第十八条): the unit's correction note (``reply``),
finance's decision (``dispose``) or write-off (``dismiss``); a suspension or a stop puts a disbursement hold (拨款控制)
on the subject through ``monitoring.actions.holds``. Warnings themselves are raised by ``monitoring.alerts.scan``."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from accounts.roles import Capability, roles_with
from core import clock, services
from monitoring.actions import holds
from monitoring.choices import DisposalDecision, HoldKind, WarningStatus
from monitoring.models import Disposal, PerformanceWarning
from workflow import lifecycle

# seed 000 第二十一条 财政部门……可暂缓或停止预算拨款; seed 003 第十九条（二） 预算绩效管理科 and the desks.
# The roles that dispose of warnings and control disbursement, and those that reply to them (accounts.roles).
DISPOSING_ROLES = holds.DISPOSING_ROLES
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
        if kind is not None:
            holds.impose(fresh.subject_id, kind, reason=reason, user=user, disposal=disposal)
        return {"处置决定": [None, DisposalDecision(decision).label]}

    LIFECYCLE.run("dispose", warning, user, reason=reason, apply=apply)
    return made[0]


def dismiss(warning, user, reason: str) -> PerformanceWarning:
    """Close a warning without a measure (核销, e.g. the figures were corrected), with a reason."""
    reason = (reason or "").strip()

    def apply(fresh):
        return {"核销理由": [None, reason], "_fields": {"dismiss_reason": reason}}

    return LIFECYCLE.run("dismiss", warning, user, reason=reason, apply=apply)

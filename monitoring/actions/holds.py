"""Disbursement holds (拨款控制; seed 000 第二十一条: 财政部门和主管部门不定期整理、分析绩效运行监控结果，对存在问题的项目，
可暂缓或停止预算拨款，并督促购买主体整改), the one place a hold is made, applied and lifted:

* ``impose`` — the only way a hold comes to be: from finance's disposal of a warning (``warnings.dispose``) or from a
  主管部门's own decision over its units' subjects (``hold``), each with its reason and decider, audited;
* ``hold`` — the department reviewer suspends or stops a subject of its own units (the gate's reach of the role; never
  another department's). In force at once, as finance's: the seed gives the power to both, neither confirms the
  other's (docs/decisions/0035-department-disbursement-holds.md);
* ``apply_hold`` — the treasury of the subject's region confirms it stopped paying, whoever decided (its 待办);
* ``lift_hold`` — the side that decided lifts: finance its disposal's holds, the department its own.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.roles import Capability, roles_with
from audit import trail
from audit.models import AuditAction
from core import access, clock, services
from core.access import NOTHING
from monitoring.choices import HoldKind
from monitoring.models import DisbursementHold
from workflow import guards

DISPOSING_ROLES = roles_with(Capability.DISPOSE_WARNINGS)  # finance: its holds come from a disposal
DEPARTMENT_HOLD_ROLES = roles_with(Capability.HOLD_DISBURSEMENT)  # the 主管部门's reviewer
APPLYING_ROLES = roles_with(Capability.APPLY_HOLDS)  # the treasury
HOLD_DENIED = "只有主管部门审核人可以暂缓或停止本部门所属单位项目的拨款"


def _refuse(user, obj, message: str):
    trail.record(AuditAction.PERMISSION_DENIED, obj, actor=user, reason=message)
    raise PermissionDenied(message)


def impose(subject_id: int, kind: str, *, reason: str, user, disposal=None, department=None):
    """Put a hold of ``kind`` on the subject, unless the same side (finance: ``department`` None; else that
    department) already has one in force; returns the new hold or None. Each side's hold stands on its own and is
    lifted by who decided it. Runs inside the caller's transaction, audited."""
    if DisbursementHold.objects.filter(
        subject_id=subject_id, kind=kind, lifted_at__isnull=True, department=department
    ).exists():
        return None
    hold = DisbursementHold(
        subject_id=subject_id, kind=kind, disposal=disposal, department=department, reason=reason, decided_by=user
    )
    return services.create_record(hold, reason=reason)


def hold_subject_choices(user):
    """The subjects ``user`` may hold as 主管部门: funded or executing, within the reach of the user's reviewer
    assignments (its own department's units). The picker, the form and ``can_hold`` agree on it."""
    from monitoring.actions.rounds import MONITORED_STAGES
    from monitoring.todo import role_q
    from subjects.models import Subject

    q = role_q(user, Subject, DEPARTMENT_HOLD_ROLES)
    if q is NOTHING:
        return Subject.objects.none()
    return (
        Subject.objects.filter(q, stage__in=MONITORED_STAGES)
        .select_related("organisation")
        .order_by("-fiscal_year", "code")
    )


def may_hold(user) -> bool:
    """Does the user hold disbursement as a 主管部门 anywhere (the page's button)?"""
    return bool(access.capable_assignments(user, Capability.HOLD_DISBURSEMENT))


def _department_of(user, subject):
    """The department at which ``user`` holds ``subject`` (the reviewer's organisation whose units include it)."""
    for assignment in access.capable_assignments(user, Capability.HOLD_DISBURSEMENT):
        if subject.organisation.path.startswith(assignment.organisation.path):
            return assignment.organisation
    return None


def hold(subject, user, kind: str, reason: str) -> DisbursementHold:
    """The 主管部门 suspends (暂缓拨款) or stops (停止拨款) the disbursement of a subject of its own units, with a reason
    (seed 000 第二十一条). In force at once; waits in the treasury's 待办 until applied, as finance's holds do."""
    from monitoring.actions.rounds import MONITORED_STAGES
    from subjects.models import Subject

    if not guards.holds_role_over(user, subject, DEPARTMENT_HOLD_ROLES):
        _refuse(user, subject, HOLD_DENIED)
    if kind not in HoldKind.values:
        raise ValidationError({"kind": "请选择暂缓拨款或停止拨款"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写理由"})
    with transaction.atomic():
        # Locked: two identical submits at once make one hold, the second is told it is in force.
        locked = Subject.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=subject.pk)
        if locked.stage not in MONITORED_STAGES:
            raise ValidationError("只能对已安排预算或执行中的项目暂缓或停止拨款")
        made = impose(locked.pk, kind, reason=reason, user=user, department=_department_of(user, locked))
        if made is None:
            raise ValidationError(f"本部门对该项目的“{HoldKind(kind).label}”已在执行中")
    return made


def _decider_roles(hold):
    return DEPARTMENT_HOLD_ROLES if hold.department_id else DISPOSING_ROLES


def can_lift(user, hold) -> bool:
    return hold.lifted_at is None and guards.holds_role_over(user, hold, _decider_roles(hold))


def lift_hold(hold, user, reason: str) -> DisbursementHold:
    """Lift a hold in force, with a reason: by the side that decided it (finance its disposal's, the department its
    own; a department never lifts finance's, nor finance a department's — docs/decisions/0035)."""
    if not guards.holds_role_over(user, hold, _decider_roles(hold)):
        who = "作出决定的主管部门" if hold.department_id else "财政业务科室或预算绩效管理科"
        _refuse(user, hold, f"只有{who}可以解除该拨款控制")
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
    return hold.lifted_at is None and hold.applied_at is None and guards.holds_role_over(user, hold, APPLYING_ROLES)


def apply_hold(hold, user) -> DisbursementHold:
    """国库科 confirms a hold in force is applied: no more payments for the subject until it is lifted (seed 000
    第二十一条 暂缓或停止预算拨款; seed 003 第十九条（二）: 国库科 watches the payments). Audited."""
    if not guards.holds_role_over(user, hold, APPLYING_ROLES):
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

"""The library lifecycle after the review chain: fund, start, complete, terminate, roll over, and
finance's mark that a subject needs an ex-ante assessment. Pages, API and the demo call these.

Submission, department review and finance review (ending in admission, 入库) are the review chain
(workflow.actions with the chain of migration 0002); the ``before_transition`` hook at the end refuses admission
until the ex-ante assessment clears the subject, and sets stage admitted.

The steps after admission are one ``workflow.lifecycle.Lifecycle`` (``LIFECYCLE``): each is one transaction with
the conditional UPDATE on the version the actor saw, the guard (role, stage, the step's condition), the step's own
change, and a TRANSITION audit row.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.roles import Role
from audit import trail
from audit.models import AuditAction
from core import clock
from subjects import assessment_gate, target_gate
from subjects.choices import Duration, LibraryStage
from subjects.models import Subject, SubjectYearAmount
from workflow import hooks, lifecycle
from workflow.actions import StaleDocument
from workflow.guards import holds_role_over
from workflow.models import ReviewAction, ReviewStatus

UNIT = frozenset({Role.UNIT_PREPARER, Role.UNIT_HEAD})
BUDGET = frozenset({Role.BUDGET_SECTION})
FINANCE_MARKERS = frozenset({Role.BUDGET_SECTION, Role.PERFORMANCE_SECTION, Role.FINANCE_DESK})
S = LibraryStage


def _can_roll_over(subject) -> bool:
    return subject.duration == Duration.CONTINUING and subject.fiscal_year < subject.end_year


# The one table of the library's transitions after admission (workflow/lifecycle.py runs it).
LIFECYCLE = lifecycle.register(
    lifecycle.Lifecycle(
        model=Subject,
        field="stage",
        field_label="库内阶段",
        noun="项目",
        versioned=True,
        # Only a subject that has passed its review chain is in the library.
        precondition=lambda subject: subject.status == ReviewStatus.APPROVED,
        steps={
            # Funding an admitted subject makes it funded; re-arranging a funded or executing one keeps its stage.
            "fund": lifecycle.Step(
                "安排预算",
                frozenset({S.ADMITTED, S.FUNDED, S.EXECUTING}),
                lambda stage: S.FUNDED if stage == S.ADMITTED else stage,
                BUDGET,
            ),
            "start": lifecycle.Step("开始执行", frozenset({S.FUNDED}), S.EXECUTING, UNIT | BUDGET),
            "complete": lifecycle.Step("完成", frozenset({S.EXECUTING}), S.COMPLETED, UNIT | BUDGET),
            "terminate": lifecycle.Step(
                "终止",
                frozenset({S.ADMITTED, S.FUNDED, S.EXECUTING}),
                S.TERMINATED,
                frozenset({Role.BUDGET_SECTION, Role.PERFORMANCE_SECTION}),
                reason_required=True,
            ),
            # A continuing subject moves into its next year and waits in the library for that year's money.
            "roll_over": lifecycle.Step(
                "结转下一年度",
                frozenset({S.FUNDED, S.EXECUTING}),
                S.ADMITTED,
                UNIT | BUDGET,
                condition=_can_roll_over,
                refusal="只有延续性项目、且未到终止年度，才能结转下一年度",
            ),
        },
    )
)


def allowed_lifecycle(user, subject) -> list[str]:
    """The lifecycle actions ``user`` may take on ``subject`` now (for the buttons)."""
    return LIFECYCLE.allowed(user, subject)


def _lifecycle(name: str, subject, user, version: int, reason: str, apply: Callable | None = None):
    return LIFECYCLE.run(name, subject, user, version=version, reason=reason, apply=apply)


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: "金额格式不正确"}) from None
    if amount < 0 or amount >= Decimal("1e14"):
        raise ValidationError({field: "金额应为不小于 0 的数值（元，保留两位小数）"})
    return amount


def fund(
    subject, user, version: int, arranged_amount, year: int | None = None, reason: str = "", opinion: str | None = None
):
    """预算管理科 arranges the year's money (财政实际安排). seed 000 第十条: not before the
    ex-ante assessment clears the subject; seed 003 第十一条（一）, seed 001 第十二条（一）: not without the year's
    approved performance targets (``subjects.target_gate``). The budget-arrangement opinion is ``opinion`` when given,
    else finance's opinions on those targets (seed 000 第十四条（二）)."""
    amount = _money(arranged_amount, "arranged_amount")
    opinion = (opinion or "").strip()
    if len(opinion) > 2000:
        raise ValidationError({"opinion": "预算安排意见不超过 2000 字"})

    def apply(fresh):
        ok, message = assessment_gate.assessment_clears(fresh)
        if not ok:
            raise ValidationError(message)
        fiscal_year = year or fresh.fiscal_year
        ok, message = target_gate.targets_clear(fresh, fiscal_year)
        if not ok:
            raise ValidationError(message)
        row = SubjectYearAmount.objects.select_for_update().filter(subject=fresh, fiscal_year=fiscal_year).first()
        if row is None:
            raise ValidationError({"year": f"该项目没有 {fiscal_year} 年度的申请金额，不能安排预算"})
        before = row.arranged_amount
        row.arranged_amount = amount
        changes = {f"{fiscal_year}年度财政实际安排": [before, amount]}
        if row.arranged_at is None:  # a re-arrangement keeps the date of the first one
            row.arranged_at = clock.now()
            changes["安排预算时间"] = [None, timezone.localtime(row.arranged_at).strftime("%Y-%m-%d %H:%M")]
        said = opinion or target_gate.finance_target_opinions(fresh, fiscal_year)
        if said != row.arrangement_opinion:
            changes[f"{fiscal_year}年度预算安排意见"] = [row.arrangement_opinion or None, said or None]
            row.arrangement_opinion = said
        row.save(update_fields=["arranged_amount", "arranged_at", "arrangement_opinion"])
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
    # 项目立项: the stored date the target deadline runs from (seed 004 三（五）2; issue 12 §1), on the business clock.
    admitted_at = clock.now()
    Subject.objects.filter(pk=subject.pk).update(stage=LibraryStage.ADMITTED, admitted_at=admitted_at)
    subject.admitted_at = admitted_at
    return {"库内阶段": [subject.get_stage_display(), LibraryStage.ADMITTED.label]}

"""State changes of execution data outside loading: matching the 待匹配 queue (one function, one transaction,
one audit row each)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.roles import Action
from audit import trail
from audit.models import AuditAction
from core import access
from execution.choices import MatchStatus
from execution.models import BudgetAllocation, MatchRule, Payment
from execution.permissions import can_match
from subjects.models import Subject

MODELS = (Payment, BudgetAllocation)


def unmatched_groups(user, fiscal_year: int | None = None) -> list[dict]:
    """The queue: unmatched records the user can see, grouped by (project code, fiscal year), with counts and
    sums of payments and allocations; the largest amounts first."""
    groups: dict[tuple, dict] = {}
    for model, prefix in ((Payment, "payments"), (BudgetAllocation, "allocations")):
        qs = access.restrict(model.objects.filter(match_status=MatchStatus.UNMATCHED), user, Action.VIEW)
        if fiscal_year:
            qs = qs.filter(fiscal_year=fiscal_year)
        for row in qs.order_by().values("project_code", "fiscal_year").annotate(n=Count("id"), total=Sum("amount")):
            group = groups.setdefault(
                (row["project_code"], row["fiscal_year"]),
                {
                    "project_code": row["project_code"],
                    "fiscal_year": row["fiscal_year"],
                    "payments": 0,
                    "payments_total": 0,
                    "allocations": 0,
                    "allocations_total": 0,
                },
            )
            group[prefix] = row["n"]
            group[f"{prefix}_total"] = row["total"]
    return sorted(groups.values(), key=lambda g: (-(g["payments_total"] or 0), g["project_code"]))


def _queued(model, user, project_code: str, fiscal_year: int):
    return access.restrict(
        model.objects.filter(project_code=project_code, fiscal_year=fiscal_year, match_status=MatchStatus.UNMATCHED),
        user,
        Action.VIEW,
    )


def _check(user) -> None:
    if not can_match(user):
        trail.record(
            AuditAction.PERMISSION_DENIED,
            object_type="execution.matchrule",
            object_repr="待匹配队列",
            reason="缺少权限：国库科或预算绩效管理科",
        )
        raise PermissionDenied("无权匹配")


def match_code(user, project_code: str, fiscal_year: int, subject_code: str, *, reason: str = "") -> dict:
    """Match an unknown project code to a subject: remember it as a MatchRule (later loads match by it) and
    update the queued records, one UPDATE per table, audited in one row."""
    _check(user)
    subject = access.restrict(Subject.objects.filter(code=subject_code.strip()), user, Action.VIEW).first()
    if subject is None:
        raise ValidationError({"subject_code": "没有找到此项目编码，或该项目不在您的管理范围内"})
    with transaction.atomic():
        rule = MatchRule.objects.select_for_update().filter(project_code=project_code, fiscal_year=fiscal_year).first()
        before = trail.snapshot(rule) if rule else {}
        if rule is None:
            rule = MatchRule(project_code=project_code, fiscal_year=fiscal_year)
        rule.subject, rule.decided_by = subject, user
        rule.full_clean()
        rule.save()
        now = timezone.now()
        counts = {
            model._meta.verbose_name: _queued(model, user, project_code, fiscal_year).update(
                subject=subject, match_status=MatchStatus.MANUAL, updated_at=now
            )
            for model in MODELS
        }
        changes = trail.diff(before, trail.snapshot(rule), MatchRule)
        changes.update({f"已匹配{label}": n for label, n in counts.items()})
        trail.record(
            AuditAction.UPDATE if before else AuditAction.CREATE,
            rule,
            changes=changes,
            reason=reason or f"人工匹配项目编码 {project_code} → {subject}",
        )
    return {str(k): v for k, v in counts.items()}


def ignore_code(user, project_code: str, fiscal_year: int, *, reason: str) -> dict:
    """Mark the queued records of a project code as not belonging to performance management (with a reason)."""
    _check(user)
    if not (reason or "").strip():
        raise ValidationError({"reason": "请说明为什么这些记录不属于绩效管理对象"})
    with transaction.atomic():
        now = timezone.now()
        counts = {
            str(model._meta.verbose_name): _queued(model, user, project_code, fiscal_year).update(
                match_status=MatchStatus.IGNORED, updated_at=now
            )
            for model in MODELS
        }
        trail.record(
            AuditAction.UPDATE,
            object_type="execution.payment",
            object_repr=f"项目编码 {project_code}（{fiscal_year} 年度）",
            changes={
                "匹配状态": [MatchStatus.UNMATCHED.label, MatchStatus.IGNORED.label],
                **{f"已标记{label}": n for label, n in counts.items()},
            },
            reason=reason,
        )
    return counts

"""Finance's authorisation for an agency to export an evaluation's data (seed 004 三(九)2: 未经财政部门同意或授权，受托机构
不得将评价数据、结果、报告对外公布).

The authorisation is ``core.models.Assignment.may_export`` on the agency's assignment to the key evaluation; the gate
reads it (core/access.py: for Action.EXPORT an assignee reaches only records whose assignment has it), and every
download and export of the evaluation — the report's Word, the archive's files and zip, the score summary — asks the
gate for Action.EXPORT. The organising office grants or revokes it here, with a reason; each change is audited.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit import trail
from audit.models import AuditAction
from core import services
from core.models import Assignment
from keyevals.lifecycle import ORGANISER_ROLES
from keyevals.models import KeyEvaluation
from organisations.choices import OrgKind
from workflow import guards

NOT_ORGANISER = "只有组织本次评价的财政部门（或主管部门）可以授权受托机构导出评价数据"


def agency_assignments(evaluation):
    """The assignments of agencies (their organisation, not a person) to ``evaluation``."""
    return (
        Assignment.objects.filter(
            content_type=ContentType.objects.get_for_model(KeyEvaluation),
            object_id=evaluation.pk,
            organisation__isnull=False,
            organisation__kind=OrgKind.AGENCY,
        )
        .select_related("organisation")
        .order_by("pk")
    )


def may_authorise(user, evaluation) -> bool:
    return guards.holds_role_over(user, evaluation, ORGANISER_ROLES)


def set_export(user, evaluation, assignment: Assignment, may_export: bool, reason: str) -> Assignment:
    """Grant (True) or revoke (False) the agency's export of this evaluation's data; a reason is required."""
    if not may_authorise(user, evaluation):
        trail.record(AuditAction.PERMISSION_DENIED, evaluation, actor=user, reason=NOT_ORGANISER)
        raise PermissionDenied(NOT_ORGANISER)
    if not agency_assignments(evaluation).filter(pk=assignment.pk).exists():
        raise ValidationError({"assignment": "该受托机构未受托本次评价"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "授权或撤销授权时请填写理由"})
    if len(reason) > 500:
        raise ValidationError({"reason": "理由不能超过 500 字"})
    may_export = bool(may_export)
    with transaction.atomic():
        fresh = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if fresh.may_export == may_export:
            raise ValidationError({"may_export": "该机构已获授权导出" if may_export else "该机构本来就未获授权导出"})
        verb = "授权" if may_export else "撤销授权"
        services.update_record(
            fresh,
            {"may_export": may_export},
            reason=f"{verb}{fresh.organisation.name}导出“{evaluation.title}”的数据：{reason}",
        )
        # The evaluation's own history shows it too (who, when, why).
        trail.record(
            AuditAction.UPDATE,
            evaluation,
            actor=user,
            changes={f"{fresh.organisation.name} 导出授权": [not may_export, may_export]},
            reason=f"{verb}受托机构导出评价数据：{reason}",
        )
    assignment.refresh_from_db()
    return assignment

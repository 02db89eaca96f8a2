"""待办 of the targets app beside the review chain's: "编制绩效目标" for a unit preparer, one item per subject of the
preparer's unit that is in the library's open stages (from the application on, seed 001 第十二条（一）; without
targets no budget, seed 003 第十一条（一）) and has no target sheet of its fiscal year yet (issue 12 §6). Department
overall and transfer-payment overall subjects are the department's to prepare and are not listed here. One query
for the items, one ``COUNT`` for the navigation."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.urls import reverse

from accounts.roles import Role
from core.todo import TodoItem

LIMIT = 50


def subjects_to_prepare(user):
    from subjects.choices import SubjectKind
    from subjects.models import Subject
    from targets.actions import OPEN_STAGES
    from targets.models import TargetSheet

    units = [a.organisation_id for a in user.role_assignments() if a.role == Role.UNIT_PREPARER]
    if not units:
        return Subject.objects.none()
    sheets = TargetSheet.objects.filter(subject=OuterRef("pk"), fiscal_year=OuterRef("fiscal_year"))
    return (
        Subject.objects.filter(organisation_id__in=units, stage__in=OPEN_STAGES)
        .exclude(kind__in=[SubjectKind.DEPARTMENT_OVERALL, SubjectKind.TRANSFER_OVERALL])
        .exclude(Exists(sheets))
    )


def provider(user) -> list[TodoItem]:
    from targets.actions import DUE_DAYS

    rows = list(subjects_to_prepare(user).select_related("organisation").order_by("fiscal_year", "code")[:LIMIT])
    create = reverse("targets:create")
    return [
        TodoItem(
            title=f"编制绩效目标：{s.name}（{s.fiscal_year} 年度）",
            url=f"{create}?subject={s.pk}",
            stage="targets",
            kind="编制",
            organisation=s.organisation.name,
            since=s.updated_at,
            # due 10 days after 项目立项 (seed 004 三（五）2), from the stored admission date
            due_at=s.admitted_at + timedelta(days=DUE_DAYS) if s.admitted_at else None,
        )
        for s in rows
    ]


def count(user) -> dict[str, int]:
    n = subjects_to_prepare(user).count()
    return {"targets": n} if n else {}

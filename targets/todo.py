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


# --- 第三方评审 (targets/actions/third_party.py) ----------------------------------------------------------------


def reviews_to_answer(user):
    """The target reviews commissioned to ``user`` (as the expert in person) or to the agency ``user`` works for, not
    yet answered."""
    from targets.third_party_models import TargetThirdPartyReview

    agencies = [a.organisation_id for a in user.role_assignments() if a.role == Role.AGENCY]
    expert = any(a.role == Role.EXPERT for a in user.role_assignments())
    if not agencies and not expert:
        return TargetThirdPartyReview.objects.none()
    from django.db.models import Q

    mine = Q(agency_id__in=agencies)
    if expert:
        mine |= Q(expert_id=user.pk)
    return TargetThirdPartyReview.objects.filter(mine, submitted_at__isnull=True)


def review_provider(user) -> list[TodoItem]:
    from datetime import datetime, time

    from django.utils import timezone

    rows = reviews_to_answer(user).select_related("sheet__subject__organisation", "agency", "expert")
    return [
        TodoItem(
            title=f"绩效目标第三方评审：{r.sheet.subject.name}（{r.sheet.fiscal_year} 年度）",
            url=r.get_absolute_url(),
            stage="targets",
            kind="评审",
            organisation=r.sheet.subject.organisation.name,
            since=r.commissioned_at,
            due_at=timezone.make_aware(datetime.combine(r.due_on, time(23, 59))),
        )
        for r in rows.order_by("due_on", "pk")[:LIMIT]
    ]


def review_count(user) -> dict[str, int]:
    n = reviews_to_answer(user).count()
    return {"targets": n} if n else {}

"""Fixtures of the scoring tests: a key evaluation organised by the demo city's performance section with an approved
work plan (set directly: the plan's review chain is another part's test), a working group of scorers (demo accounts
and made-up experts with personal assignments), and their sheets."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import RoleAssignment, User
from accounts.roles import Role
from core.models import Assignment
from keyevals import scoring_actions
from keyevals.models import (
    IndicatorFramework,
    KeyEvaluation,
    KeyStatus,
    MemberRole,
    ObjectKind,
    PlanIndicator,
    WorkingGroupMember,
    WorkPlan,
)
from organisations.models import Organisation
from workflow.models import ReviewStatus

# Four indicators of the national framework (决策 / 过程 / 产出 / 效益), 100 points.
INDICATORS = [
    ("决策", "项目立项", "立项依据充分性", "20"),
    ("过程", "资金管理", "资金使用合规性", "20"),
    ("产出", "产出数量", "实际完成率", "30"),
    ("效益", "项目效益", "服务对象满意度", "30"),
]


def user(username: str) -> User:
    return User.objects.get(username=username)


def make_evaluation(
    title: str = "测试重点评价",
    *,
    status: str = KeyStatus.SCORING,
    scoring_due: datetime.date | None = None,
    framework: str = "national",
    indicators=INDICATORS,
    agency: Organisation | None = None,
) -> KeyEvaluation:
    perf = user("perf")
    evaluated = user("edu_reviewer").organisation
    evaluation = KeyEvaluation.objects.create(
        title=title,
        year=2025,
        organiser=perf.organisation,
        evaluated=evaluated,
        object_kind=ObjectKind.PROJECT,
        scoring_due=scoring_due,
        status=status,
        agency=agency,
        created_by=perf,
    )
    plan = WorkPlan.objects.create(
        evaluation=evaluation,
        framework=IndicatorFramework.objects.filter(code=framework, region__isnull=True).order_by("-version").first(),
        purpose="测试",
    )
    for order, (group, level2, name, weight) in enumerate(indicators, 1):
        PlanIndicator.objects.create(
            plan=plan,
            evaluation=evaluation,
            order=order,
            group=group,
            level2=level2,
            name=name,
            weight=Decimal(weight),
            standard=f"{name}：符合要求得满分，每发现一处问题扣 2 分",
        )
    # Approved directly (the plan's review chain is tested elsewhere); its indicators are then final.
    WorkPlan.objects.filter(pk=plan.pk).update(status=ReviewStatus.APPROVED)
    return evaluation


def expert_user(username: str, name: str, organisation_name: str = "示范绩效评价咨询有限公司") -> User:
    org = Organisation.objects.get(name=organisation_name)
    person = User.objects.create(
        username=username,
        name=name,
        organisation=org,
        must_change_password=False,
        password_changed_at=timezone.now(),
    )
    RoleAssignment.objects.create(user=person, role=Role.EXPERT, organisation=org)
    return person


def assign(evaluation, *, person: User | None = None, organisation: Organisation | None = None, may_export=False):
    """The evaluation assigned to an expert personally or to an agency (core.models.Assignment)."""
    return Assignment.objects.create(
        content_type=ContentType.objects.get_for_model(KeyEvaluation),
        object_id=evaluation.pk,
        user=person,
        organisation=organisation,
        may_export=may_export,
    )


def add_scorer(evaluation, person: User, role: str = MemberRole.EXPERT, scores: bool = True) -> WorkingGroupMember:
    member = WorkingGroupMember.objects.create(
        evaluation=evaluation,
        name=person.name or person.username,
        role=role,
        organisation_name=person.organisation.name if person.organisation_id else "",
        user=person,
        scores=scores,
    )
    content_type = ContentType.objects.get_for_model(KeyEvaluation)
    if (
        role == MemberRole.EXPERT
        and not Assignment.objects.filter(content_type=content_type, object_id=evaluation.pk, user=person).exists()
    ):
        assign(evaluation, person=person)
    return member


def experts(evaluation, count: int, prefix: str = "scorer") -> list[User]:
    """``count`` made-up experts, each a scoring member assigned to the evaluation personally."""
    people = []
    for n in range(count):
        person = expert_user(f"{prefix}{evaluation.pk}_{n}", f"专家{n + 1}")
        add_scorer(evaluation, person)
        people.append(person)
    return people


def sheet_of(evaluation, person):
    scoring_actions.ensure_sheets(evaluation)
    return scoring_actions.own_sheet(evaluation, person)


def score(evaluation, person, points, comment: str = "扣分理由：部分资料不全", submit: bool = True):
    """Fill ``person``'s sheet with ``points`` (one per indicator, in order) and submit it."""
    sheet = sheet_of(evaluation, person)
    rows = {}
    for indicator, value in zip(evaluation.indicators.order_by("order"), points, strict=True):
        rows[indicator.pk] = {
            "points": str(value),
            "comment": "" if Decimal(str(value)) == indicator.weight else comment,
        }
    if submit:
        return scoring_actions.submit_sheet(person, sheet, sheet.version, rows)
    return scoring_actions.save_scores(person, sheet, sheet.version, rows)

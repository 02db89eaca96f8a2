"""Fixtures of the report-stage tests (report, feedback letter, filings, archive, export authorisation): a key
evaluation of the demo city's performance section in 报告 (scoring closed), with an approved work plan set directly
(the plan's chain and the scoring are other parts' tests), optionally commissioned to the demo agency."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from accounts.models import User
from core.models import Assignment
from keyevals import letters, report_actions
from keyevals.models import (
    EvaluationReport,
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

INDICATORS = [
    ("决策", "项目立项", "立项依据充分性", "20"),
    ("过程", "资金管理", "资金使用合规性", "20"),
    ("产出", "产出数量", "实际完成率", "30"),
    ("效益", "项目效益", "服务对象满意度", "30"),
]


def user(username: str) -> User:
    return User.objects.get(username=username)


def make_evaluation(
    title: str = "报告测试重点评价",
    *,
    status: str = KeyStatus.REPORTING,
    agency: bool = False,
    may_export: bool = False,
    major: bool = False,
    organiser: str = "perf",
    evaluated: Organisation | None = None,
) -> KeyEvaluation:
    boss = user(organiser)
    agency_org = user("agency").organisation if agency else None
    evaluation = KeyEvaluation.objects.create(
        title=title,
        year=2025,
        organiser=boss.organisation,
        evaluated=evaluated or user("edu_reviewer").organisation,
        object_kind=ObjectKind.PROJECT,
        object_amount=Decimal("3250000"),
        status=status,
        agency=agency_org,
        major=major,
        total_score=Decimal("86.50"),
        grade="良",
        created_by=boss,
    )
    plan = WorkPlan.objects.create(
        evaluation=evaluation,
        framework=IndicatorFramework.objects.filter(code="national", region__isnull=True).order_by("-version").first(),
        purpose="测试",
    )
    for order, (group, level2, name, weight) in enumerate(INDICATORS, 1):
        PlanIndicator.objects.create(
            plan=plan,
            evaluation=evaluation,
            order=order,
            group=group,
            level2=level2,
            name=name,
            weight=Decimal(weight),
            standard=f"{name}：符合要求得满分",
        )
    WorkPlan.objects.filter(pk=plan.pk).update(status=ReviewStatus.APPROVED)
    WorkingGroupMember.objects.create(
        evaluation=evaluation, name="李绩效", role=MemberRole.LEADER, organisation_name="预算绩效管理科", user=boss
    )
    if agency_org is not None:
        Assignment.objects.create(
            content_type=ContentType.objects.get_for_model(KeyEvaluation),
            object_id=evaluation.pk,
            organisation=agency_org,
            may_export=may_export,
        )
    return evaluation


def writer_of(evaluation) -> User:
    return user("agency") if evaluation.agency_id else user("perf")


def approver_of(evaluation) -> User:
    return user("perf") if evaluation.agency_id else user("leader")


def with_report(evaluation, problems: int = 1) -> EvaluationReport:
    writer = writer_of(evaluation)
    report = report_actions.create_report(writer, evaluation)
    for n in range(problems):
        report_actions.add_problem(
            writer,
            evaluation,
            {
                "category": "management",
                "description": f"问题{n + 1}：台账不完整",
                "responsible": evaluation.evaluated_id,
            },
        )
    return report


def approve(evaluation) -> EvaluationReport:
    report = report_actions.report_of(evaluation)
    report = report_actions.transition(writer_of(evaluation), report, "submit", report.version)
    return report_actions.transition(approver_of(evaluation), report, "approve", report.version)


def send_letter(evaluation, day: datetime.date | None = None):
    from core import clock

    if day is None:
        return letters.send_letter(user("perf"), evaluation)
    with clock.pinned(day):
        return letters.send_letter(user("perf"), evaluation)

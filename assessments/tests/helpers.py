"""Helpers for the ex-ante assessment tests: a fresh subject of 示范市第一中学, scoring, the chain walk."""

from __future__ import annotations

import datetime
from decimal import Decimal

from accounts.models import User
from assessments import actions
from assessments.models import Assessment
from audit.context import acting_as
from core import services
from organisations.models import Organisation
from subjects.models import Subject
from workflow import actions as workflow

SCHOOL = "示范市第一中学"
AGENCY = "示范绩效评价咨询有限公司"
# The department's chain: who acts at each step.
WALK = ["edu_reviewer", "desk_edu", "perf"]


def org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def user(username: str) -> User:
    return User.objects.get(username=username)


def make_subject(
    name: str = "测试校园安保购买服务项目", kind: str = "purchased_service", organisation: str = SCHOOL, **fields
) -> Subject:
    values = {
        "name": name,
        "kind": kind,
        "organisation": org(organisation),
        "fiscal_year": 2026,
        "start_year": 2026,
        "end_year": 2026,
        "duration": "one_off",
        "is_new": True,
        "budget_kind": "general",
        "fund_sources": ["local"],
        "function_subject_code": "2050203",
        "category": "administrative",
        "sub_category": "purchase",
        "start_date": datetime.date(2026, 3, 1),
        "end_date": datetime.date(2026, 11, 30),
        "basis": "《示范市政府购买服务管理办法》",
    }
    values.update(fields)
    with acting_as(user("edu_preparer")):
        return services.create_record(Subject(**values))


def fresh(assessment) -> Assessment:
    return Assessment.objects.select_related("chain", "template").get(pk=assessment.pk)


def score_all(assessment, by: str, fraction: str = "0.9", summary: str = "论证充分") -> Assessment:
    """Score every point at ``fraction`` of its weight."""
    scores = {
        s.point_id: {
            "score": (s.point.weight * Decimal(fraction)).quantize(Decimal("0.01")),
            "finding": f"{s.point.name}：符合要求",
        }
        for s in assessment.scores.select_related("point")
    }
    return actions.save_scores(
        assessment, user(by), assessment.version, scores=scores, summary=summary, suggestions="进一步细化绩效指标"
    )


def department_assessment(subject=None, fraction: str = "0.9") -> Assessment:
    subject = subject or make_subject()
    assessment = actions.start_assessment(subject, user("edu_reviewer"))
    return score_all(assessment, "edu_reviewer", fraction)


def walk(assessment, steps=WALK) -> Assessment:
    workflow.submit(assessment, user(steps[0]), assessment.version)
    for username in steps[1:]:
        workflow.approve(assessment, user(username), assessment.version, "同意")
    return fresh(assessment)

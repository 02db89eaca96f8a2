"""Helpers for the review-chain tests: a fresh 工作报告 of 示范市第一中学 and the chain walk."""

from __future__ import annotations

from accounts.models import User
from audit.context import acting_as
from core import services
from organisations.models import Organisation
from reports.models import WorkReport

SCHOOL = "示范市第一中学"
# The default chain of 工作报告, step by step: who acts there.
WALK = ["edu_preparer", "edu_head", "edu_reviewer", "desk_edu", "perf"]


def org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def user(username: str) -> User:
    return User.objects.get(username=username)


def make_report(org_name: str = SCHOOL, by: str = "edu_preparer", **fields) -> WorkReport:
    values = {"title": "测试工作总结", "fiscal_year": 2025, "content": "正文", "organisation": org(org_name)}
    values.update(fields)
    with acting_as(user(by)):
        return services.create_record(WorkReport(**values))


def fresh(doc):
    return type(doc).objects.select_related("chain").get(pk=doc.pk)

"""Fixtures of the survey tests: a key evaluation organised by the demo city's performance section (created directly:
its own pages and lifecycle are another part's tests), optionally commissioned to the demo agency, and a survey on it
designed through ``surveys.actions``."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType

from accounts.models import User
from core import clock
from core.models import Assignment
from keyevals.models import KeyEvaluation, KeyStatus, ObjectKind
from surveys import actions
from surveys.models import Survey

QUESTIONS = [
    {"kind": "rating", "text": "总体满意程度", "scale": 5, "counts_toward_satisfaction": True, "satisfied_from": 4},
    {
        "kind": "single",
        "text": "补贴发放是否及时",
        "options": ["非常满意", "满意", "一般", "不满意"],
        "counts_toward_satisfaction": True,
        "satisfied_options": ["非常满意", "满意"],
    },
    {"kind": "multiple", "text": "使用过的服务", "options": ["助餐", "助洁", "助浴"], "required": False},
    {"kind": "text", "text": "意见和建议", "required": False},
]


def user(username: str) -> User:
    return User.objects.get(username=username)


def make_evaluation(title: str = "测试满意度评价", *, status: str = KeyStatus.FIELDWORK, agency: bool = False):
    perf = user("perf")
    evaluation = KeyEvaluation.objects.create(
        title=title,
        year=2026,
        organiser=perf.organisation,
        evaluated=user("health_reviewer").organisation,
        object_kind=ObjectKind.POLICY,
        status=status,
        created_by=perf,
    )
    if agency:
        assign_agency(evaluation)
    return evaluation


def assign_agency(evaluation, *, may_export: bool = False, username: str = "agency") -> Assignment:
    return Assignment.objects.create(
        content_type=ContentType.objects.get_for_model(KeyEvaluation),
        object_id=evaluation.pk,
        organisation=user(username).organisation,
        may_export=may_export,
    )


def make_survey(evaluation=None, *, questions=QUESTIONS, publish: bool = True, by: str = "perf", **fields) -> Survey:
    evaluation = evaluation or make_evaluation()
    designer = user(by)
    survey = actions.create_survey(designer, evaluation, {"title": "测试问卷", **fields})
    if questions:
        actions.replace_questions(designer, survey, questions)
    if publish:
        survey = actions.publish(designer, survey)
    return survey


def days_ago(days: int) -> datetime.datetime:
    return clock.now() - datetime.timedelta(days=days)

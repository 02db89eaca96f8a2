"""Helpers for the project-library tests: a fresh subject of 示范市第一中学 and the chain walk."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from accounts.models import User
from audit.context import acting_as
from core import services
from organisations.models import Organisation
from subjects import assessment_gate, target_gate
from subjects.choices import Category, Duration, SubCategory, SubjectKind
from subjects.models import PurchasedServiceDetail, Subject, SubjectYearAmount
from workflow import actions

SCHOOL = "示范市第一中学"
# The default chain of 项目: who acts at each step; the last approval admits the subject.
WALK = ["edu_preparer", "edu_reviewer", "desk_edu"]


def org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def user(username: str) -> User:
    return User.objects.get(username=username)


def subject_values(**fields) -> dict:
    values = {
        "name": "测试校舍维修改造项目",
        "kind": SubjectKind.PROJECT,
        "organisation": org(SCHOOL),
        "fiscal_year": 2026,
        "start_year": 2026,
        "end_year": 2026,
        "duration": Duration.ONE_OFF,
        "is_new": False,
        "budget_kind": "general",
        "fund_sources": ["local"],
        "function_subject_code": "2050203",
        "category": Category.ADMINISTRATIVE,
        "sub_category": SubCategory.MAINTENANCE,
        "start_date": datetime.date(2026, 3, 1),
        "end_date": datetime.date(2026, 11, 30),
        "basis": "《示范市中小学校舍维修管理办法》",
        "feasibility": "方案成熟",
        "necessity": "屋面渗漏",
    }
    values.update(fields)
    return values


def make_subject(by: str = "edu_preparer", requested: str = "500000.00", **fields) -> Subject:
    with acting_as(user(by)):
        subject = services.create_record(Subject(**subject_values(**fields)))
        if requested is not None:
            services.create_record(
                SubjectYearAmount(
                    subject=subject,
                    fiscal_year=subject.fiscal_year,
                    previous_amount=Decimal("0"),
                    requested_amount=Decimal(requested),
                )
            )
    return subject


def add_purchased_service(subject, **fields) -> PurchasedServiceDetail:
    values = {
        "subject": subject,
        "purchaser": subject.organisation,
        "provider": Organisation.objects.get(name="示范物业服务有限公司"),
        "contract_amount": Decimal("300000.00"),
        "on_guidance_catalogue": True,
        "outside_negative_list": True,
    }
    values.update(fields)
    return services.create_record(PurchasedServiceDetail(**values))


def walk_to_admission(subject) -> Subject:
    actions.submit(subject, user(WALK[0]), subject.version)
    for username in WALK[1:]:
        actions.approve(subject, user(username), subject.version, "同意")
    return fresh(subject)


def fresh(subject) -> Subject:
    return Subject.objects.select_related("chain").get(pk=subject.pk)


@pytest.fixture
def gate_open(monkeypatch):
    """The assessment and target gates clear everything (the tests of the library's other rules depend on neither
    assessments/ nor targets/; subjects/tests/test_target_gate.py tests the target gate itself)."""
    monkeypatch.setattr(assessment_gate, "assessment_clears", lambda subject: (True, ""))
    monkeypatch.setattr(target_gate, "targets_clear", lambda subject, fiscal_year: (True, ""))


@pytest.fixture
def fallback_gate(monkeypatch):
    """The gate as it stands without assessments/: a subject needing an assessment never clears."""

    def fallback(subject):
        if subject.needs_assessment:
            return False, assessment_gate.FALLBACK_MESSAGE
        return True, ""

    monkeypatch.setattr(assessment_gate, "assessment_clears", fallback)

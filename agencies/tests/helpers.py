"""Builders for the register's tests, on the demo city (conftest seeds it once)."""

from __future__ import annotations

import datetime
import itertools

from accounts.models import User
from agencies import actions
from agencies.models import AgencyContract, AgencyProfile, Expert, ExpertField
from organisations.models import Organisation

_numbers = itertools.count(1)


def user(username: str) -> User:
    return User.objects.get(username=username)


def org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def perf_section() -> Organisation:
    return user("perf").organisation


def field(code: str = "test-field", name: str = "测试领域") -> ExpertField:
    return ExpertField.objects.get_or_create(code=code, defaults={"name": name})[0]


def expert(name: str, *, fields=(), employer=None, available=True, **extra) -> Expert:
    values = {
        "name": name,
        "employer_name": employer.name if employer else "示范大学",
        "employer": employer,
        "available": available,
    }
    values.update(extra)
    return actions.create_expert(user("perf"), values, list(fields) or [field()])


def profile(key: str = "示范绩效评价咨询有限公司") -> AgencyProfile:
    return AgencyProfile.objects.get(organisation__name=key)


def contract(*, agency: AgencyProfile | None = None, commissioner=None, by: str = "perf", **values) -> AgencyContract:
    data = {
        "agency": agency or profile(),
        "commissioner": commissioner or perf_section(),
        "number": f"测试合同-{next(_numbers)}",
        "title": "测试委托事项",
        "signed_on": datetime.date(2026, 1, 5),
    }
    data.update(values)
    return actions.create_contract(user(by), data)

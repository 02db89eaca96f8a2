"""Helpers of the core part's tests: a fresh key evaluation in 评价准备 made through keyevals.actions."""

from __future__ import annotations

import datetime
from decimal import Decimal

from accounts.models import User
from audit.context import acting_as
from core import clock
from keyevals import actions, plan
from keyevals.models import MemberRole
from organisations.models import Organisation

DAY = datetime.date(2026, 9, 1)


def user(username: str) -> User:
    person = User.objects.get(username=username)
    person._role_cache = None
    return person


def org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def new_evaluation(title="测试重点评价", *, agency=True, evaluated="示范市教育局", expert=True, organiser="perf"):
    perf = user(organiser)
    with clock.pinned(DAY), acting_as(perf):
        evaluation = actions.create_evaluation(
            perf,
            {
                "title": title,
                "year": 2025,
                "evaluated": org(evaluated),
                "stage": "ex_post",
                "object_kind": "project",
                "object_amount": Decimal("1000000"),
                "methods": ["comparison"],
                "agency": org("示范绩效评价咨询有限公司") if agency else None,
                "starts_on": DAY,
            },
            fee_lines=[{"item": "委托费", "amount": "50000"}],
        )
        if expert:
            actions.add_member(perf, evaluation, {"user": user("expert"), "role": MemberRole.EXPERT})
    return evaluation


NATIONAL_ROWS = [
    ("决策", "立项依据充分性", "20"),
    ("过程", "资金到位率", "20"),
    ("产出", "完成数量", "30"),
    ("效益", "满意度", "30"),
]


def rows(spec, standard="按完成比例计分"):  # (group, name, weight) → API-shaped rows
    return [{"group": g, "name": n, "weight": w, "standard": standard} for g, n, w in spec]


def plan_with(evaluation, code, spec, drafter=None, standard="按完成比例计分"):
    drafter = drafter or (user("agency") if evaluation.agency_id else user("perf"))
    with clock.pinned(DAY), acting_as(drafter):
        work_plan = plan.create_plan(drafter, evaluation, plan.framework_for(evaluation, code), {"purpose": "了解成效"})
        plan.replace_indicators(drafter, work_plan, rows(spec, standard))
    work_plan.refresh_from_db()
    return work_plan


def approved_plan(evaluation):
    drafter = user("agency") if evaluation.agency_id else user("perf")
    work_plan = plan_with(evaluation, "national", NATIONAL_ROWS, drafter)
    approver = user("perf") if evaluation.agency_id else user("leader")
    with clock.pinned(DAY), acting_as(drafter):
        plan.transition(drafter, work_plan, "submit", work_plan.version)
    work_plan.refresh_from_db()
    with clock.pinned(DAY), acting_as(approver):
        plan.transition(approver, work_plan, "approve", work_plan.version)
    work_plan.refresh_from_db()
    return work_plan


def issued_notice(evaluation):
    approved_plan(evaluation)
    perf = user("perf")
    with clock.pinned(DAY), acting_as(perf):
        return plan.issue_notice(perf, evaluation, plan.notice_defaults(evaluation) | {"timing": "2026年9月"})

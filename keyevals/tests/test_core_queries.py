"""The list and the hub of key evaluations cost a fixed number of queries, whatever the number of evaluations,
members, fee lines, requests and visits (no query per row)."""

import pytest

from core import clock
from core.testing import client_for, count_queries
from keyevals import actions, fieldwork
from keyevals.tests.core_helpers import DAY, issued_notice, new_evaluation, user

pytestmark = pytest.mark.django_db


def test_the_list_costs_the_same_with_more_evaluations():
    client = client_for("perf")
    before, _ = count_queries(client, "/keyevals/")
    for n in range(3):
        new_evaluation(f"查询计数 {n}")
    after, _ = count_queries(client, "/keyevals/")
    assert after == before, (before, after)


def test_the_hub_costs_the_same_with_more_rows():
    evaluation = new_evaluation("查询计数 hub")
    issued_notice(evaluation)
    client = client_for("perf")
    url = f"/keyevals/{evaluation.pk}/"
    before, _ = count_queries(client, url)
    perf = user("perf")
    with clock.pinned(DAY):
        for n in range(3):
            actions.add_member(perf, evaluation, {"name": f"成员{n}", "organisation_name": "示范大学"})
            actions.add_fee_line(perf, evaluation, {"item": f"费用{n}", "amount": "100"})
            fieldwork.create_request(perf, evaluation, {"title": f"资料{n}", "due_on": DAY})
            fieldwork.record_visit(
                perf, evaluation, {"visited_on": DAY, "place": f"地点{n}", "people": "甲", "findings": "无"}
            )
    after, _ = count_queries(client, url)
    assert after == before, (before, after)

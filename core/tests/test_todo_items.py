"""待办 that lead (issue 12 §6): every waiting item appears in the 待办 of the person who must act — the preparer's
编制绩效目标, the 待匹配 queue for the treasury and the performance section — and monitoring-table items name their
round instead of three alike lines."""

import pytest

from core.testing import user
from core.todo import counts_for, todos_for

pytestmark = pytest.mark.django_db


def test_seed001_art12_the_preparer_is_asked_to_prepare_targets_for_subjects_without_them():
    from subjects.models import Subject

    items = [i for i in todos_for(user("edu_preparer")) if i.title.startswith("编制绩效目标：")]
    named = {i.title.split("：", 1)[1].rsplit("（", 1)[0] for i in items}
    missing = set(
        Subject.objects.filter(organisation=user("edu_preparer").organisation, stage__in=["pending", "admitted"])
        .exclude(target_sheets__isnull=False)
        .values_list("name", flat=True)
    )
    assert missing and missing <= named
    assert "第一中学校园安保服务" not in named  # its targets are approved
    assert all(i.url.startswith("/targets/new/?subject=") and i.kind == "编制" for i in items)
    assert not [i for i in todos_for(user("edu_reviewer")) if i.title.startswith("编制绩效目标：")]


@pytest.mark.parametrize("username, expected", [("treasury", True), ("perf", True), ("edu_preparer", False)])
def test_the_unmatched_queue_waits_in_the_matchers_todo(username, expected):
    items = [i for i in todos_for(user(username)) if i.title.startswith("待匹配支付：")]
    assert bool(items) is expected
    if expected:
        assert items[0].url == "/execution/unmatched/"


def test_monitoring_table_items_name_their_round():
    items = [i for i in todos_for(user("edu_preparer")) if i.title.startswith("绩效监控表：")]
    assert items and all("（" in i.title and "监控" in i.title.rsplit("（", 1)[1] for i in items)
    assert len({i.title for i in items}) == len(items)


@pytest.mark.parametrize("username", ["edu_preparer", "treasury", "perf", "edu_reviewer"])
def test_the_counts_agree_with_the_items(username):
    from collections import Counter

    account = user(username)
    assert counts_for(account) == dict(Counter(i.stage for i in todos_for(account)))

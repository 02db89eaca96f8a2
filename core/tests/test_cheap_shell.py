"""A cheap shell (issue 16): the navigation's 待办 counts come from one aggregate per document type and are cached per
user until a change makes them stale; the session row is written at most once a minute; every list page runs one
COUNT (docs/decisions/0029-cheap-shell.md)."""

import time
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from core import todo
from core.testing import PERSONAS, client_for, navigation_urls, user
from core.views import GatedListView
from workflow import actions
from workflow.tests.helpers import make_report

pytestmark = pytest.mark.django_db


def badge(client, url="/") -> int:
    response = client.get(url)
    assert response.status_code == 200
    return response.context["todo_total"]


def test_the_cheap_counts_agree_with_the_items_for_every_persona():
    for username in PERSONAS:
        account = user(username)
        assert todo.compute_counts(account) == todo.counts_by_stage(todo.todos_for(account)), username


def test_a_cached_page_reads_no_document_for_its_counts():
    client = client_for("edu_preparer")
    client.get("/subjects/")
    with CaptureQueriesContext(connection) as captured:
        client.get("/subjects/")
    tables = ("reports_workreport", "monitoring_performancewarning", "indicators_indicatorproposal")
    assert not [q["sql"] for q in captured.captured_queries if any(t in q["sql"] for t in tables)]


def test_counts_follow_a_transition_at_once_for_the_actor_and_the_next_reviewer():
    preparer, head = client_for("edu_preparer"), client_for("edu_head")
    before_preparer, before_head = badge(preparer), badge(head)  # cached now
    report = make_report()
    assert badge(preparer) == before_preparer + 1  # a new draft is 填报 of its preparer
    actions.submit(report, user("edu_preparer"), report.version, "请审核")
    assert badge(preparer) == before_preparer
    assert badge(head) == before_head + 1


def test_an_update_keeps_the_cached_counts():
    from core import services

    client = client_for("edu_preparer")
    report = make_report()
    badge(client)
    with mock.patch.object(todo, "compute_counts", side_effect=AssertionError("recomputed")):
        services.update_record(report, {"content": "改过的正文"})
        badge(client, "/subjects/")


def test_the_counts_expire_after_their_lifetime(settings):
    client = client_for("edu_preparer")
    badge(client)
    with mock.patch.object(todo, "compute_counts", wraps=todo.compute_counts) as computed:
        badge(client)
        assert computed.call_count == 0
        todo.forget(user("edu_preparer"))  # what the lifetime's end does
        badge(client)
        assert computed.call_count == 1
    settings.JIXIAO_TODO_CACHE_SECONDS = 0
    with mock.patch.object(todo, "compute_counts", wraps=todo.compute_counts) as computed:
        badge(client)
        assert computed.call_count == 1


def test_a_provider_without_a_count_is_counted_from_its_items():
    def extra(account):
        return [todo.TodoItem(title="导出完成", url="/", stage="monitoring", kind="下载")]

    account = user("perf")
    before = todo.compute_counts(account)
    todo.register(extra)
    try:
        after = todo.compute_counts(account)
    finally:
        todo._providers.remove(extra)
    assert after["monitoring"] == before.get("monitoring", 0) + 1


def session_writes(captured) -> int:
    return sum(1 for q in captured.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"])


def test_the_session_is_written_at_most_once_a_minute():
    client = client_for("leader")
    client.get("/")  # the first request of a session sets its activity and expiry
    with CaptureQueriesContext(connection) as captured:
        client.get("/")
        client.get("/subjects/")
    assert session_writes(captured) == 0
    later = time.time() + 61
    with mock.patch("accounts.middleware.time.time", return_value=later):
        with CaptureQueriesContext(connection) as captured:
            client.get("/")
            client.get("/subjects/")
    assert session_writes(captured) == 1
    assert client.session["last_activity"] == later


def list_pages(username: str) -> list[str]:
    from core.testing import offered

    pages = [url for _stage, urls in offered(user(username)) for url in urls]
    return [url for url in pages if is_list(url)]


def is_list(url: str) -> bool:
    return issubclass(getattr(resolve(url).func, "view_class", object), GatedListView)


# perf and edu_preparer see every business list; the administrators see the users and the audit log.
LIST_PERSONAS = ["perf", "edu_preparer", "secadmin", "auditadmin"]


@pytest.mark.parametrize("username", LIST_PERSONAS)
def test_every_list_page_counts_its_rows_once(username):
    client = client_for(username)
    pages = list_pages(username)
    assert pages
    wrong = {}
    for url in pages:
        client.get(url)  # the 待办 counts are cached after the first request
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        counts = sum(q["sql"].count("COUNT(") for q in captured.captured_queries)
        if counts != 1:
            wrong[url] = counts
    assert not wrong, wrong


def test_every_list_page_of_the_navigation_is_checked():
    checked = {url for username in LIST_PERSONAS for url in list_pages(username)}
    every = {url for url in navigation_urls() if is_list(url)}
    assert every <= checked, sorted(every - checked)


def test_the_security_policy_is_read_from_the_cache_and_a_change_applies_at_once():
    from accounts.actions import update_policy
    from accounts.models import SecurityPolicy
    from audit import trail

    client = client_for("edu_preparer")
    client.get("/subjects/")
    with CaptureQueriesContext(connection) as captured:
        client.get("/subjects/")
    assert not [q["sql"] for q in captured.captured_queries if "accounts_securitypolicy" in q["sql"]]

    policy = SecurityPolicy.current()
    before = trail.snapshot(policy)
    policy.idle_minutes = 5
    update_policy(user("secadmin"), policy, before, reason="缩短空闲时限")
    session = client.session
    session["last_activity"] = time.time() - 6 * 60  # idle for 6 minutes: beyond the new limit, within the old one
    session.save()
    response = client.get("/subjects/")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_with_no_policy_lifetime_every_request_reads_the_policy(settings):
    settings.JIXIAO_POLICY_CACHE_SECONDS = 0
    client = client_for("edu_preparer")
    client.get("/subjects/")
    with CaptureQueriesContext(connection) as captured:
        client.get("/subjects/")
    assert [q["sql"] for q in captured.captured_queries if "accounts_securitypolicy" in q["sql"]]


def test_a_list_fragment_reads_no_shell():
    """An htmx fragment (the table of a list, swapped in place) has no shell around it: no 待办 version, no
    navigation (issue 16, the fixed per-request floor)."""
    client = client_for("edu_preparer")
    client.get("/subjects/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/subjects/?q=第一中学", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "第一中学" in response.content.decode()
    assert "todo_total" not in response.context
    assert not [q["sql"] for q in captured.captured_queries if "audit_auditentry" in q["sql"]]
    # a boosted request (paging, sorting) renders the whole page with its shell
    boosted = client.get("/subjects/?page=1", HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")
    assert "todo_total" in boosted.context

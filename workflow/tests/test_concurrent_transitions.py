"""50 concurrent identical workflow transitions have exactly one effect (issue 17, "checks that keep it so"): threads,
each with its own database connection, send the same submit, then the same approval, of one indicator proposal with
the same version at once. One succeeds; the others are told the document changed; one review log row, one indicator.

Outside the per-test transaction, like core/tests/test_idempotency_concurrent.py: the requests must see each other's
commits. The records it made are removed afterwards; the review logs through the maintenance switch (they are
append-only in the database, core/immutability.py).
"""

import pytest

THREADS = 50
NAME = "并发流转测试指标"


@pytest.fixture
def committed(django_db_setup, django_db_blocker, monkeypatch):
    from django.contrib.contenttypes.models import ContentType

    from core import immutability
    from core.testing_threads import outside_test_transaction
    from indicators.models import Indicator, IndicatorProposal
    from workflow.models import ReviewLog

    with outside_test_transaction(django_db_blocker, monkeypatch):
        try:
            yield
        finally:
            with immutability.maintenance("测试结束后清理并发流转测试的数据", "pytest"):
                proposals = list(IndicatorProposal.objects.filter(name=NAME).values_list("pk", flat=True))
                ReviewLog.objects.filter(
                    content_type=ContentType.objects.get_for_model(IndicatorProposal), object_id__in=proposals
                ).delete()
                Indicator.objects.filter(name=NAME).delete()
                IndicatorProposal.objects.filter(pk__in=proposals).delete()


def at_once(username: str, url: str, body: dict) -> list:
    from core import testing, testing_threads

    clients = [testing.client_for(username) for _ in range(THREADS)]
    return testing_threads.at_once(
        THREADS, lambda i: clients[i].post(url, body, content_type="application/json").status_code
    )


def test_fifty_identical_transitions_at_once_have_one_effect(committed):
    from django.contrib.contenttypes.models import ContentType

    from core.testing import client_for
    from indicators.models import Indicator, IndicatorProposal
    from organisations.models import Organisation
    from workflow.models import ReviewLog, ReviewStatus

    department = Organisation.objects.get(name="示范市教育局")
    payload = {
        "organisation": department.pk,
        "name": NAME,
        "kind": "sector",
        "sector": "JY",
        "formula": "x/y×100%",
        "direction": "positive",
        "reason": "并发测试",
    }
    created = client_for("edu_reviewer").post("/api/indicator-proposals/", payload, content_type="application/json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    logs = ReviewLog.objects.filter(content_type=ContentType.objects.get_for_model(IndicatorProposal), object_id=pk)

    submits = at_once("edu_reviewer", f"/api/indicator-proposals/{pk}/submit/", {"version": 1})
    assert submits.count(200) == 1, submits
    assert all(status in (409, 400) for status in submits if status != 200), sorted(set(map(str, submits)))
    assert logs.count() == 1

    approvals = at_once("perf", f"/api/indicator-proposals/{pk}/approve/", {"version": 2})
    assert approvals.count(200) == 1, approvals
    assert all(status in (409, 400) for status in approvals if status != 200), sorted(set(map(str, approvals)))
    proposal = IndicatorProposal.objects.get(pk=pk)
    assert proposal.status == ReviewStatus.APPROVED and proposal.version == 3
    assert logs.count() == 2
    assert Indicator.objects.filter(name=NAME).count() == 1


@pytest.mark.django_db
def test_a_transition_with_an_old_version_is_refused(client_as):
    """What the concurrent test relies on: a transition names the version it saw, and a later one is refused. (Being
    marked ``django_db``, this test also makes pytest-django create the test database when the module runs alone.)"""
    from indicators.models import IndicatorProposal
    from organisations.models import Organisation
    from workflow.models import ReviewStatus

    client = client_as("edu_reviewer")
    payload = {
        "organisation": Organisation.objects.get(name="示范市教育局").pk,
        "name": "版本检查测试指标",
        "kind": "sector",
        "sector": "JY",
        "formula": "x/y×100%",
        "direction": "positive",
        "reason": "版本检查",
    }
    pk = client.post("/api/indicator-proposals/", payload, content_type="application/json").json()["id"]
    url = f"/api/indicator-proposals/{pk}/submit/"
    assert client.post(url, {"version": 1}, content_type="application/json").status_code == 200
    assert client.post(url, {"version": 1}, content_type="application/json").status_code == 409
    assert IndicatorProposal.objects.get(pk=pk).status == ReviewStatus.IN_REVIEW

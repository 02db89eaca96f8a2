"""Concurrent PATCHes of one self-evaluation form with the same version save once (issue 13 API): threads, each with
its own database connection, send the unit's edit at once; one is saved, the others are told the form changed (409).

Outside the per-test transaction, like workflow/tests/test_concurrent_transitions.py: the requests must see each
other's commits. It edits a draft of the demo's 2025 round and puts its values back afterwards (the audit rows stay:
the trail is append-only)."""

from __future__ import annotations

import pytest

THREADS = 8
KEPT = (
    "goal_completion",
    "problems",
    "measures",
    "version",
    "execution_score",
    "indicator_score",
    "total_score",
    "grade",
)


@pytest.fixture
def demo_draft(django_db_setup, django_db_blocker, monkeypatch):
    from core.testing_threads import outside_test_transaction
    from evaluations.models import SelfEvaluation, SelfEvaluationIndicator
    from evaluations.self_actions import ROW_FIELDS

    with outside_test_transaction(django_db_blocker, monkeypatch):
        form = (
            SelfEvaluation.objects.filter(
                organisation__name="示范市第一中学", status__in=["draft", "returned"], current_step=0
            )
            .order_by("pk")
            .first()
        )
        assert form is not None, "the demo has no draft of 第一中学 with the unit"
        kept = SelfEvaluation.objects.filter(pk=form.pk).values(*KEPT).get()
        rows = list(
            SelfEvaluationIndicator.objects.filter(evaluation=form).values("pk", *ROW_FIELDS, "score", "explanation")
        )
        try:
            yield form
        finally:
            SelfEvaluation.objects.filter(pk=form.pk).update(**kept)
            for values in rows:
                SelfEvaluationIndicator.objects.filter(pk=values.pop("pk")).update(**values)


def test_concurrent_patches_with_the_same_version_save_once(demo_draft):
    from core import testing_threads
    from core.testing import client_for
    from evaluations.models import SelfEvaluation

    form = demo_draft
    clients = [client_for("edu_preparer") for _ in range(THREADS)]
    url = f"/api/self-evaluations/{form.pk}/"

    def send(i):
        body = {"version": form.version, "problems": f"并发保存 {i}"}
        return clients[i].patch(url, body, content_type="application/json").status_code

    results = testing_threads.at_once(THREADS, send)
    assert results.count(200) == 1, results
    assert results.count(409) == THREADS - 1, results
    stored = SelfEvaluation.objects.get(pk=form.pk)
    assert stored.version == form.version + 1 and stored.problems.startswith("并发保存 ")


@pytest.mark.django_db
def test_the_demo_has_a_draft_for_the_concurrent_test():
    """(Being marked ``django_db``, this test also makes pytest-django create the test database when the module runs
    alone.)"""
    from evaluations.models import SelfEvaluation

    assert SelfEvaluation.objects.filter(
        organisation__name="示范市第一中学", status__in=["draft", "returned"], current_step=0
    ).exists()

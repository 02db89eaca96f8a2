"""Two (here: twenty) identical submissions of one score sheet at once are one submission (issue 14 "a scorer scoring
twice"): threads, each with its own database connection, post the same submit with the same version; the sheet row
is locked, so one submits and the others are told it is already submitted (已提交) — one audit row of the submission.

PostgreSQL only (SQLite has one writer, the threads would merely take turns). Outside the per-test transaction, like
workflow/tests/test_concurrent_transitions.py; the records it made are removed afterwards through the maintenance
switch (a submitted sheet and an approved plan are immutable in the database, core/immutability.py)."""

import pytest
from django.db import connection

THREADS = 20
TITLE = "并发提交评分表测试评价"


@pytest.fixture
def committed(django_db_setup, django_db_blocker, monkeypatch):
    from django.contrib.contenttypes.models import ContentType

    from core import immutability
    from core.models import Assignment
    from core.testing_threads import outside_test_transaction
    from keyevals.models import KeyEvaluation, PlanIndicator, Score, ScoreSheet, WorkingGroupMember, WorkPlan

    with outside_test_transaction(django_db_blocker, monkeypatch):
        if connection.vendor != "postgresql":
            pytest.skip("并发提交测试只在 PostgreSQL 上运行（SQLite 只有一个写入者）")
        try:
            yield
        finally:
            with immutability.maintenance("测试结束后清理并发提交评分表测试的数据", "pytest"):
                evaluations = list(KeyEvaluation.objects.filter(title=TITLE).values_list("pk", flat=True))
                Score.objects.filter(evaluation_id__in=evaluations).delete()
                ScoreSheet.objects.filter(evaluation_id__in=evaluations).delete()
                WorkingGroupMember.objects.filter(evaluation_id__in=evaluations).delete()
                Assignment.objects.filter(
                    content_type=ContentType.objects.get_for_model(KeyEvaluation),
                    object_id__in=evaluations,
                    user__username="expert",
                ).delete()
                PlanIndicator.objects.filter(evaluation_id__in=evaluations).delete()
                WorkPlan.objects.filter(evaluation_id__in=evaluations).delete()
                KeyEvaluation.objects.filter(pk__in=evaluations).delete()


def test_identical_submits_at_once_submit_once(committed):
    from audit.models import AuditAction, AuditEntry
    from core import testing_threads
    from core.testing import client_for
    from keyevals import scoring_actions
    from keyevals.models import SheetStatus
    from keyevals.tests.scoring_helpers import add_scorer, make_evaluation, sheet_of, user

    expert = user("expert")
    evaluation = make_evaluation(TITLE)
    add_scorer(evaluation, expert)
    sheet = sheet_of(evaluation, expert)
    scores = [
        {"indicator": i.pk, "points": str(i.weight), "comment": ""} for i in evaluation.indicators.order_by("order")
    ]
    body = {"version": sheet.version, "scores": scores}
    clients = [client_for(expert) for _ in range(THREADS)]
    url = f"/api/key-score-sheets/{sheet.pk}/submit/"

    def send(i):
        response = clients[i].post(url, body, content_type="application/json")
        return response.status_code, response.content.decode()

    results = testing_threads.at_once(THREADS, send)
    statuses = [r[0] if isinstance(r, tuple) else r for r in results]
    assert statuses.count(200) == 1, results
    refused = [text for status, text in results if status != 200]
    assert len(refused) == THREADS - 1 and all("已提交" in text for text in refused), refused
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SUBMITTED and sheet.version == 2
    assert (
        AuditEntry.objects.filter(
            object_type="keyevals.scoresheet", object_id=str(sheet.pk), action=AuditAction.TRANSITION
        ).count()
        == 1
    )
    assert scoring_actions.own_sheet(evaluation, expert).scores.filter(points__isnull=True).count() == 0

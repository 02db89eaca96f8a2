"""50 concurrent identical creates give one record (issue 17 §8): threads, each with its own database connection,
send the same ``POST /api/work-reports/`` with the same ``Idempotency-Key`` at once.

The requests must see each other's commits, so this test runs outside the per-test transaction (not the ``db``
fixture; ``transactional_db`` would empty the audit table, which the database refuses — docs/architecture.md §13).
It removes the records it made (the report, the keys, the sessions); the audit rows it wrote stay, as audit rows do.
On SQLite (one writer at a time) the threads take turns; on PostgreSQL they run together.
"""

import uuid

import pytest

from core.idempotency import HEADER, REPLAYED_HEADER

THREADS = 50
TITLE = "并发幂等新建测试"


@pytest.fixture
def committed(django_db_setup, django_db_blocker, monkeypatch):
    from core.models import IdempotencyKey
    from core.testing_threads import outside_test_transaction
    from reports.models import WorkReport

    with outside_test_transaction(django_db_blocker, monkeypatch):
        try:
            yield
        finally:
            WorkReport.objects.filter(title=TITLE).delete()
            IdempotencyKey.objects.filter(key__startswith="concurrent-").delete()


def test_fifty_concurrent_identical_creates_give_one_record(committed):
    from core.testing import client_for
    from core.testing_threads import at_once
    from organisations.models import Organisation
    from reports.models import WorkReport

    school = Organisation.objects.get(name="示范市第一中学")
    body = {"title": TITLE, "fiscal_year": 2025, "organisation": school.pk, "kind": "annual_summary", "content": "正文"}
    key = f"concurrent-{uuid.uuid4()}"
    clients = [client_for("edu_preparer") for _ in range(THREADS)]

    def send(i: int):
        response = clients[i].post("/api/work-reports/", body, content_type="application/json", headers={HEADER: key})
        return (response.status_code, response.get(REPLAYED_HEADER), response.json())

    results = [r if isinstance(r, tuple) else ("error", r, None) for r in at_once(THREADS, send)]

    assert WorkReport.objects.filter(title=TITLE).count() == 1
    statuses = sorted({r[0] for r in results}, key=str)
    assert statuses == [201], [r for r in results if r[0] != 201][:3]
    originals = [r for r in results if r[1] is None]
    assert len(originals) == 1  # one request created it; the 49 others replayed its response
    assert all(r[2] == originals[0][2] for r in results)


@pytest.mark.django_db
def test_the_database_lets_one_request_reserve_a_key():
    """What the concurrent test relies on: the unique index (user, key). (Being marked ``django_db``, this test also
    makes pytest-django create the test database when the module runs alone.)"""
    from django.db import IntegrityError, transaction

    from accounts.models import User
    from core.models import IdempotencyKey

    user = User.objects.get(username="edu_preparer")
    IdempotencyKey.objects.create(user=user, key="concurrent-unique", method="POST", path="/", request_hash="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        IdempotencyKey.objects.create(user=user, key="concurrent-unique", method="POST", path="/", request_hash="a")
    other = User.objects.get(username="edu_head")
    IdempotencyKey.objects.create(user=other, key="concurrent-unique", method="POST", path="/", request_hash="a")

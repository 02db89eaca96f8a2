"""Test kit for concurrent requests (issue 17): threads released together, each with its own database connection,
against a database the test does not wrap in a transaction. Used by the concurrent create and transition tests."""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def outside_test_transaction(django_db_blocker, monkeypatch):
    """Database access in autocommit, for tests whose threads must see each other's commits (not the ``db`` fixture;
    ``transactional_db`` would empty the audit table, which the database refuses). The sessions the test's clients
    open are deleted afterwards; the caller removes its own records."""
    from django.contrib.sessions.models import Session

    # When the browser tests ran first in this worker, Playwright's event loop is still registered as running in this
    # thread, and Django would take these plain synchronous queries for calls from async code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with django_db_blocker.unblock():
        sessions = set(Session.objects.values_list("pk", flat=True))
        try:
            yield
        finally:
            Session.objects.exclude(pk__in=sessions).delete()


def at_once(count: int, send) -> list:
    """``send(i)`` in ``count`` threads released together, each with its own database connection; the results in
    order (an exception as its ``repr``). On SQLite, which has one writer, the threads take turns."""
    import threading

    from django.db import connections

    serial = connection.vendor == "sqlite"
    turn = threading.Lock()
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            start.wait()
            if serial:
                turn.acquire()
            try:
                results[i] = send(i)
            finally:
                if serial:
                    turn.release()
        except Exception as exc:  # reported by the caller's assertion, with its repr
            results[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results

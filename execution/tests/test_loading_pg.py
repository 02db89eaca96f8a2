"""PostgreSQL's fast paths of the loader, which only run outside a caller's transaction: staging in UNLOGGED tables
of the staging schema, a large file staged as two halves over two connections, the new records streamed from a
second connection into the COPY of the first, and repeated vouchers found by the unique index
(docs/decisions/0014).

The test database is not flushable (the audit table refuses TRUNCATE), so these tests do not use
``transactional_db``: they run in autocommit, and every load ends by raising inside its write transaction
(``on_success``), which rolls back the records and the audit rows it wrote; the staging tables are dropped by the
loader itself. What the write produced is captured before that rollback."""

import pytest
from django.db import connection

from execution import loading
from execution.tests.helpers import PAYMENT_HEADER, payment, write_csv, year

pytestmark = pytest.mark.skipif("connection.vendor != 'postgresql'")


class _RolledBack(Exception):
    pass


@pytest.fixture
def autocommit(django_db_setup, django_db_blocker, monkeypatch):
    """The test database in autocommit (no test transaction around the load); any file ≥ 1 KB splits in two."""
    monkeypatch.setattr(loading.Loader, "SPLIT_BYTES", 1024)
    with django_db_blocker.unblock():
        yield
        connection.close()


def test_migrations_create_the_staging_schema(db):
    """(Also makes pytest-django set the test database up when this file runs alone: the tests below do not use
    the ``db`` fixture.)"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_schema_privilege(%s, 'CREATE')", [loading.STAGING_SCHEMA])
        assert cursor.fetchone()[0]


def run(tmp_path, rows, capture=None):
    from accounts.models import User
    from audit.context import acting_as
    from execution.permissions import bureau_of

    treasury = User.objects.get(username="treasury")
    path = write_csv(tmp_path, PAYMENT_HEADER, rows)
    seen = {}

    def on_success(result):
        seen["result"] = result
        if capture:
            seen.update(capture())
        raise _RolledBack

    with acting_as(user=treasury):
        try:
            result = loading.load_path(
                loading.PAYMENTS,
                path,
                bureau=bureau_of(treasury),
                fiscal_year=year(),
                user=treasury,
                reason="测试",
                on_success=on_success,
            )
        except _RolledBack:
            result = seen["result"]
    return result, seen


def subject_rows(n, prefix="S"):
    from subjects.models import Subject

    subject = (
        Subject.objects.filter(organisation__region__code="990100", fiscal_year=year())
        .select_related("organisation")
        .order_by("code")
        .first()
    )
    return subject, [
        payment(
            f"{prefix}{i:04d}",
            subject.code,
            f"{100 + i}.25",
            payer=subject.organisation.budget_code,
            date=f"{year()}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        )
        for i in range(n)
    ]


def staging_tables() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = %s", [loading.STAGING_SCHEMA])
        return cursor.fetchone()[0]


def test_split_staging_and_streamed_write_load_every_row(autocommit, tmp_path, monkeypatch):
    from execution.models import Payment

    used = []
    for name in ("_copy_streamed", "_csv_middle"):
        owner = loading.Loader if name.startswith("_copy") else loading.staging  # (where the loader finds it)
        original = getattr(owner, name)
        monkeypatch.setattr(owner, name, lambda *a, _o=original, _n=name, **k: used.append(_n) or _o(*a, **k))
    subject, rows = subject_rows(400)
    before = staging_tables()
    result, seen = run(
        tmp_path,
        rows,
        capture=lambda: {
            "count": Payment.objects.filter(voucher_number__startswith="S").count(),
            "last": Payment.objects.get(voucher_number="S0399"),
            "first": Payment.objects.get(voucher_number="S0000"),
        },
    )
    assert result.ok, result.errors[:3]
    assert sorted(used) == ["_copy_streamed", "_csv_middle"]  # the paths under test were taken
    assert result.total == 400 and result.inserted == 400
    assert seen["count"] == 400
    last = seen["last"]
    assert (str(last.amount), last.subject_id, last.paid_on.isoformat()) == ("499.25", subject.pk, f"{year()}-04-08")
    assert seen["first"].organisation_id == subject.organisation_id
    assert not Payment.objects.filter(voucher_number__startswith="S").exists()  # rolled back by the test
    assert staging_tables() == before  # the loader dropped its staging tables


def test_error_in_the_second_half_names_its_file_line(autocommit, tmp_path):
    _, rows = subject_rows(400)
    rows[350][4] = "一百元"  # file line 352: header is line 1
    rows[380] = rows[380][:5]  # a short row: COPY of the second half stops at file line 382
    result, _ = run(tmp_path, rows)
    assert [(e.line, e.message) for e in result.errors] == [(382, "列数少于表头（或是空行）")]
    rows[380] = subject_rows(400)[1][380]
    result, _ = run(tmp_path, rows)
    assert [(e.line, e.message) for e in result.errors] == [(352, "金额“一百元”不是有效金额（元，最多两位小数）")]


def test_repeated_voucher_found_by_the_unique_index_is_reported_with_both_lines(autocommit, tmp_path):
    from execution.models import Payment

    _, rows = subject_rows(400)
    rows[390][0] = rows[10][0]  # S0010 again, in the other half
    result, _ = run(tmp_path, rows)
    assert [(e.line, e.message) for e in result.errors] == [(392, "支付凭证号“S0010”与第 12 行重复")]
    assert result.inserted == 0
    assert not Payment.objects.filter(voucher_number__startswith="S").exists()

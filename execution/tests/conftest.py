import pytest

from execution.tests.helpers import year


@pytest.fixture
def city_subject(db):
    """A subject of the demo city (its code and its organisation's budget code match)."""
    from subjects.models import Subject

    return (
        Subject.objects.filter(organisation__region__code="990100", fiscal_year=year())
        .select_related("organisation")
        .order_by("code")
        .first()
    )


@pytest.fixture
def treasury(persona):
    return persona("treasury")


@pytest.fixture
def load(treasury, tmp_path):
    """load(rows, kind="payments", header=None, encoding="utf-8") → LoadResult, as the city treasury."""
    from audit.context import acting_as
    from execution import loading
    from execution.permissions import bureau_of
    from execution.tests.helpers import ALLOCATION_HEADER, PAYMENT_HEADER, write_csv

    def run(rows, kind="payments", header=None, encoding="utf-8", path=None):
        spec = loading.KINDS[kind]
        header = header or (PAYMENT_HEADER if kind == "payments" else ALLOCATION_HEADER)
        path = path or write_csv(tmp_path, header, rows, name=f"{kind}.csv", encoding=encoding)
        with acting_as(user=treasury):
            return loading.load_path(
                spec, path, bureau=bureau_of(treasury), fiscal_year=year(), user=treasury, reason="测试"
            )

    return run

"""The payments list pages by keyset (core/keyset.py, issue 16): exact, non-overlapping pages across equal payment
dates, forged cursors refused with 400, the filters kept while paging, a bounded count, the export unaffected."""

import datetime
import html
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from core import keyset
from execution.models import Payment
from execution.tests.helpers import year
from execution.views import PaymentListView

pytestmark = pytest.mark.django_db
URL = reverse("execution:payment_list")
CODE = "KSPROJ-1"
VOUCHER = re.compile(r">(KSV-\d+)<")


@pytest.fixture
def payments(city_subject):
    """60 payments of one project on three dates, 20 each: voucher order decides within a date, and the voucher
    numbers are created out of order so that the ids do not follow it."""
    org = city_subject.organisation
    dates = [datetime.date(year(), 3, d) for d in (10, 20, 30)]
    numbers = list(range(60))
    numbers = numbers[::2] + numbers[1::2]
    Payment.objects.bulk_create(
        Payment(
            voucher_number=f"KSV-{n:03d}",
            paid_on=dates[n % 3],
            fiscal_year=year(),
            payer_code=org.budget_code or "x",
            organisation=org,
            project_code=CODE,
            amount=Decimal("1.00"),
        )
        for n in numbers
    )
    return list(
        Payment.objects.filter(project_code=CODE)
        .order_by("-paid_on", "voucher_number", "id")
        .values_list("voucher_number", flat=True)
    )


def page(client, url, params=None):
    response = client.get(url, params)
    assert response.status_code == 200, response.content.decode()[:500]
    body = response.content.decode()
    links = {
        name: html.unescape(m.group(1))
        for name in ("next", "previous", "first")
        if (m := re.search(rf'href="([^"]+)" id="keyset-{name}"', body))
    }
    footer = re.search(r'id="keyset-pagination">(.*?)</div>', body, re.S)
    return VOUCHER.findall(body), links, re.sub(r"\s+", "", re.sub("<[^>]+>", "", footer.group(1)))


def test_pages_are_exact_and_do_not_overlap_across_equal_dates(client_as, payments):
    client = client_as("treasury")
    first, links, footer = page(client, URL, {"project_code": CODE})
    assert first == payments[:25] and "previous" not in links
    assert footer.startswith("共60条，第1页")
    second, links2, footer = page(client, links["next"])
    assert second == payments[25:50] and "第2页" in footer
    third, links3, _ = page(client, links2["next"])
    assert third == payments[50:] and "next" not in links3
    # back again: the same pages, the filter still applied
    assert page(client, links3["previous"])[0] == second
    assert page(client, links2["previous"])[0] == first
    assert f"project_code={CODE}" in links3["previous"] and f"project_code={CODE}" in links2["next"]
    assert page(client, links3["first"])[0] == first


def test_filters_survive_paging(client_as, payments):
    client = client_as("treasury")
    day = f"{year()}-03-20"
    rows, links, footer = page(client, URL, {"project_code": CODE, "date_from": day, "date_to": day})
    assert footer.startswith("共20条") and "next" not in links
    expected = [v for v in payments if int(v[-3:]) % 3 == 1]
    assert rows == expected
    client_params = {"project_code": CODE, "date_from": f"{year()}-03-15"}
    rows, links, _ = page(client, URL, client_params)
    more, _, _ = page(client, links["next"])
    assert rows + more == payments[:40] and "date_from=" in links["next"]


@pytest.mark.parametrize(
    "cursor",
    ["abc", ".", "x" * 500, "eyJkIjoibiJ9:1abc:def", "%00%FF", "::"],
)
def test_a_malformed_cursor_answers_400(client_as, payments, cursor):
    response = client_as("treasury").get(URL, {"project_code": CODE, "cursor": cursor})
    assert response.status_code == 400
    body = response.content.decode()
    assert "翻页参数无效" in body and f"project_code={CODE}" in body  # the way back keeps the filters


def test_a_forged_cursor_answers_400(client_as, payments):
    client = client_as("treasury")
    _, links, _ = page(client, URL, {"project_code": CODE})
    token = re.search(r"cursor=([^&]+)", links["next"]).group(1)
    # A cursor signed for another list, or with values that do not parse, or tampered with, is refused.
    view = PaymentListView()
    other = keyset.encode_cursor(keyset.Cursor("n", ("2026-03-01", "V", 1), 2), "other.list")
    bad_date = keyset.encode_cursor(keyset.Cursor("n", ("not a date", "V", 1), 2), _scope(view))
    short = keyset.encode_cursor(keyset.Cursor("n", ("2026-03-01", "V"), 2), _scope(view))
    for forged in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), other, bad_date, short):
        assert client.get(URL, {"project_code": CODE, "cursor": forged}).status_code == 400


def _scope(view):
    view.model = Payment
    return view.cursor_scope()


def test_count_is_bounded(client_as, payments, monkeypatch):
    monkeypatch.setattr(PaymentListView, "keyset_count_limit", 30)
    client = client_as("treasury")
    _, _links, footer = page(client, URL, {"project_code": CODE})
    assert footer.startswith("超过30条")
    _, _, footer = page(client, URL, {"project_code": CODE, "date_from": f"{year()}-03-30"})
    assert footer.startswith("共20条")  # the first page holds every row: counted without a query


def test_reach_applies_under_a_cursor(client_as, persona, payments, city_subject):
    """A cursor only positions: another unit's user sees none of these payments on any page."""
    outsider = next(
        name for name in ("health_preparer", "edu_preparer") if persona(name).organisation != city_subject.organisation
    )
    client = client_as(outsider)
    treasury = client_as("treasury")
    _, links, _ = page(treasury, URL, {"project_code": CODE})
    rows, _, _ = page(client, links["next"])
    assert rows == []


def test_export_ignores_the_cursor(client_as, payments):
    from openpyxl import load_workbook

    client = client_as("treasury")
    _, links, _ = page(client, URL, {"project_code": CODE})
    response = client.get(links["next"] + "&export=xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    vouchers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row and row[0]]
    assert sorted(vouchers) == sorted(payments)


def test_seek_q_mixed_directions():
    keys = keyset.parse_keyset(("-paid_on", "voucher_number", "id"))
    assert keys == [("paid_on", True), ("voucher_number", False), ("id", False)]
    assert keyset.order_fields(keys) == ["-paid_on", "voucher_number", "id"]
    assert keyset.order_fields(keys, forward=False) == ["paid_on", "-voucher_number", "-id"]
    q = str(keyset.seek_q(keys, (datetime.date(2026, 3, 1), "V", 7), forward=True))
    assert "paid_on__lte" in q and "paid_on__lt'" in q and "voucher_number__gt" in q and "id__gt" in q

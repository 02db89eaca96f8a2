"""POST /api/execution/payments/ (and allocations): a push of records through the same loader, all-or-nothing,
idempotent; reads with filters; token auth as everywhere; the OpenAPI schema still generates."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from execution.models import BudgetAllocation, Payment
from execution.tests.helpers import year
from imports.models import ImportJob

pytestmark = pytest.mark.django_db
URL = "/api/execution/payments/"


def token_client(persona, username):
    client = APIClient()
    response = client.post("/api/token/", {"username": username, "password": "Jixiao@2026"}, format="json")
    assert response.status_code in (200, 201), response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def record(voucher, subject, amount="100.00", **extra):
    return {
        "voucher_number": voucher,
        "paid_on": f"{year()}-05-06",
        "payer_code": subject.organisation.budget_code,
        "project_code": subject.code,
        "amount": amount,
        "budget_kind": "一般公共预算",
        "fund_source": "本级",
        "economic_code": "30201",
        **extra,
    }


def test_push_good_then_idempotent_then_correction(persona, city_subject):
    client = token_client(persona, "treasury")
    records = [record("API1", city_subject), record("API2", city_subject, "250.5", payee="某公司")]
    response = client.post(URL, records, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["inserted"] == 2 and response.json()["job"]
    p = Payment.objects.get(voucher_number="API2")
    assert p.amount == Decimal("250.50") and p.source == "api" and p.subject == city_subject
    again = client.post(URL, records, format="json").json()
    assert (again["inserted"], again["unchanged"]) == (0, 2)
    records[0]["amount"] = "120"
    assert client.post(URL, records, format="json").json()["corrected"] == 1
    assert Payment.objects.get(voucher_number="API1").amount == Decimal("120")


def test_push_bad_lists_every_bad_record_and_writes_nothing(persona, city_subject):
    client = token_client(persona, "treasury")
    records = [
        record("B1", city_subject),
        record("B2", city_subject, "x"),
        record("B3", city_subject),
        record("B4", city_subject, paid_on="2001-01-01"),
        "not a record",
    ]
    response = client.post(URL, records, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["error_count"] == len(body["errors"]) >= 3
    by_record = {e["record"]: e["message"] for e in body["errors"]}
    assert "不是有效金额" in by_record[2] and "预算年度" in by_record[4] and 5 in by_record
    assert "未写入任何记录" in body["detail"]
    assert not Payment.objects.filter(voucher_number__in=["B1", "B3"]).exists()
    assert ImportJob.objects.get(kind="execution.payments").status == "failed"
    jobs = client.get("/api/imports/").json()["results"]
    assert [j["kind_title"] for j in jobs if j["kind"] == "execution.payments"] == ["国库支付明细"]


def test_push_limits_and_permissions(persona, city_subject):
    client = token_client(persona, "treasury")
    assert client.post(URL, {"voucher_number": "x"}, format="json").status_code == 400
    assert client.post(URL, [], format="json").status_code == 400
    assert "最多推送" in client.post(URL, [{}] * 10_001, format="json").json()["detail"]
    preparer = token_client(persona, "edu_preparer")
    assert preparer.post(URL, [record("N1", city_subject)], format="json").status_code == 403
    assert not Payment.objects.filter(voucher_number="N1").exists()


def test_allocations_push_and_read_with_filters(persona, city_subject):
    client = token_client(persona, "budget")
    records = [
        {
            "document_number": "API-指标-1",
            "issued_on": f"{year()}-01-05",
            "payer_code": city_subject.organisation.budget_code,
            "project_code": city_subject.code,
            "amount": "80000",
            "budget_kind": "general",
            "fund_source": "local",
            "summary": "年初",
        }
    ]
    response = client.post("/api/execution/allocations/", records, format="json")
    assert response.status_code == 200, response.content
    assert BudgetAllocation.objects.filter(document_number="API-指标-1", subject=city_subject).exists()
    listing = client.get("/api/execution/allocations/", {"q": "API-指标"}).json()
    assert [r["document_number"] for r in listing["results"]] == ["API-指标-1"]
    assert listing["results"][0]["subject_code"] == city_subject.code


def test_read_goes_through_the_gate(persona, city_subject):
    token_client(persona, "treasury").post(URL, [record("G1", city_subject)], format="json")
    assert token_client(persona, "treasury").get(URL, {"q": "G1"}).json()["count"] == 1
    outsider = token_client(persona, "county_reviewer")
    assert outsider.get(URL, {"q": "G1"}).json()["count"] == 0
    pk = Payment.objects.get(voucher_number="G1").pk
    assert outsider.get(f"{URL}{pk}/").status_code == 404


def test_openapi_schema_generates(client_as):
    response = client_as("treasury").get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "post" in paths["/api/execution/payments/"] and "get" in paths["/api/execution/allocations/{id}/"]


def test_filter_by_exact_project_code(persona, city_subject):
    """Treasury looks a project's records up by the source system's code, matched or not; exact, not contains."""
    client = token_client(persona, "treasury")
    other = dict(record("PC2", city_subject), project_code=city_subject.code + "9")
    client.post(URL, [record("PC1", city_subject), other], format="json")
    found = client.get(URL, {"project_code": city_subject.code, "q": "PC"}).json()
    assert [r["voucher_number"] for r in found["results"]] == ["PC1"]
    assert client.get(URL, {"project_code": city_subject.code + "9"}).json()["count"] == 1

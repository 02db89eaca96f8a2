"""The OpenAPI schema is JSON and written for the API's users: every operation has a Chinese description (never
an engineer's docstring), and the figures endpoints document their date parameter and their response body."""

import re

import pytest

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from django.test import Client

    from accounts.models import User

    with django_db_blocker.unblock():
        client = Client()
        client.force_login(User.objects.get(username="perf"))
        response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, op


def test_every_operation_has_a_chinese_description_and_no_docstring(schema):
    missing = [f"{m.upper()} {p}" for p, m, op in operations(schema) if not CJK.search(op.get("description", ""))]
    assert missing == []
    internal = [
        f"{m.upper()} {p}"
        for p, m, op in operations(schema)
        if re.search(r"``|Put before|core\.api|\bthe\b", op.get("description", ""))
    ]
    assert internal == []


def test_figures_endpoints_document_as_of_and_their_body(schema):
    for path in (
        "/api/monitoring-figures/{id}/",
        "/api/monitoring-figures/departments/",
        "/api/monitoring-figures/regions/",
        "/api/monitoring-figures/total/",
    ):
        op = schema["paths"][path]["get"]
        assert "as_of" in {p["name"] for p in op.get("parameters", [])}, path
        body = op["responses"]["200"]["content"]["application/json"]["schema"]
        assert body, path

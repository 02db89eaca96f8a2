"""Authenticated pages and API responses are not kept by browsers or proxies (issue 17 §10); static files are."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize("url", ["/", "/subjects/", "/targets/", "/api/subjects/", "/api/openapi.json"])
def test_signed_in_responses_are_no_store(client_as, url):
    response = client_as("perf").get(url)
    assert response.status_code == 200, url
    assert _no_store(response), (url, response.get("Cache-Control"))
    assert "private" in response["Cache-Control"]


def test_token_api_response_is_no_store(persona):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=persona("edu_preparer"))
    response = Client().get("/api/subjects/", headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 200
    assert _no_store(response)


def test_anonymous_api_refusal_is_no_store():
    response = Client().get("/api/subjects/")
    assert response.status_code in (401, 403)
    assert _no_store(response)


def test_download_is_no_store(client_as):
    from targets.models import TargetSheet

    sheet = TargetSheet.objects.filter(subject__organisation__name="示范市第一中学").first()
    response = client_as("edu_preparer").get(f"/api/target-sheet-documents/{sheet.pk}/docx/")
    assert response.status_code == 200
    assert _no_store(response)


def test_static_files_keep_their_cache_headers():
    response = Client().get("/static/jixiao/jixiao.css")
    assert response.status_code == 200
    assert not _no_store(response)

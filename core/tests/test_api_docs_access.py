"""The API description (/api/openapi.json, /api/docs/) is for signed-in users only (admin guide §14, §15):
``SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]`` is IsAuthenticated."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/openapi.json", "/api/docs/"])
def test_anonymous_is_refused(url):
    assert Client().get(url).status_code in (401, 403)


@pytest.mark.parametrize("url", ["/api/openapi.json", "/api/docs/"])
def test_signed_in_user_reads_it(client_as, url):
    assert client_as("edu_preparer").get(url).status_code == 200


def test_token_reads_the_schema(persona):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=persona("edu_preparer"))
    response = Client().get("/api/openapi.json", headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 200

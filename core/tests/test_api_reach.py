"""No side door in the API: every serializer offers and accepts only what the gate lets the user see, and a walk
over every registered endpoint, as a unit user, in JSON and in the browsable API's HTML (with its forms), finds no
name or code of an organisation or subject outside the user's reach (issue 11 §2)."""

import re

import pytest
from rest_framework import renderers, serializers
from rest_framework.views import APIView

from core.api import GatedChoicesMixin
from core.testing import out_of_reach_names, own_apps, router_list_urls

pytestmark = pytest.mark.django_db

OWN_MODULES = own_apps()


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_serializer_of_the_project_gates_its_choices():
    import jixiao.api  # noqa: F401 - imports every app's api module

    own = {c for c in _all_subclasses(serializers.BaseSerializer) if c.__module__.split(".")[0] in OWN_MODULES}
    assert own, "no serializer found"
    ungated = sorted(f"{c.__module__}.{c.__name__}" for c in own if not issubclass(c, GatedChoicesMixin))
    assert ungated == []


@pytest.mark.parametrize("username", ["edu_preparer", "health_preparer"])
def test_every_endpoint_as_a_unit_user_shows_nothing_out_of_reach(client_as, persona, monkeypatch, username):
    # The browsable renderer is off in production (JSON only); it is turned on here so its HTML forms, which list
    # every choice of a related field, are walked too.
    monkeypatch.setattr(APIView, "renderer_classes", [renderers.JSONRenderer, renderers.BrowsableAPIRenderer])
    user = persona(username)
    forbidden = out_of_reach_names(user)
    assert len(forbidden) > 50  # the demo city has plenty outside a school's reach
    client = client_as(username)
    pages = []
    for url in router_list_urls():
        for fmt in ("json", "api"):
            response = client.get(url, {"format": fmt})
            assert response.status_code in (200, 403, 404, 405), (url, fmt, response.status_code)
            pages.append((f"{url}?format={fmt}", response.content.decode()))
        listed = client.get(url, {"format": "json"})
        if listed.status_code == 200:
            body = listed.json()
            rows = body.get("results", body) if isinstance(body, dict) else body
            first = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else None
            if first and "id" in first:
                for fmt in ("json", "api"):
                    detail = client.get(f"{url}{first['id']}/", {"format": fmt})
                    pages.append((f"{url}{first['id']}/?format={fmt}", detail.content.decode()))
    assert len(pages) > 50
    leaks = []
    for where, text in pages:
        text = re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), text)
        found = sorted(n for n in forbidden if n in text)
        if found:
            leaks.append((where, found[:5]))
    assert leaks == [], "\n".join(f"{w}: {f}" for w, f in leaks)

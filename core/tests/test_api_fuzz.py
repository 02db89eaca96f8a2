"""A bounded schemathesis run over the whole API (issue 17 §6): every operation of ``/api/openapi.json``, as the
performance section (perf) and as a unit preparer (edu_preparer), with data that fits the schema and data that
does not, against generated ids and against a real record of each endpoint; the pass condition is 0 server errors.

Marked ``fuzz``: ``make test`` leaves it out (pyproject ``addopts``), ``make fuzz`` and CI run it on PostgreSQL
(.ci/run). Deterministic (``derandomize``): the same cases every run, so a failure is reproducible. The bounds
(examples per operation and mode) are ``FUZZ_EXAMPLES`` (default 5: about 5,000 requests, ~2 minutes on 2 cores);
``JIXIAO_FUZZ_EXAMPLES=100 make fuzz`` goes deeper. docs/decisions/0025-no-server-errors.md.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import HypothesisException

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

FUZZ_EXAMPLES = int(os.environ.get("JIXIAO_FUZZ_EXAMPLES", "5"))
ROLES = ("perf", "edu_preparer")
# Where a detail operation without a list of its own finds a real id.
LIST_OF = {"/api/target-sheet-documents/": "/api/target-sheets/", "/api/monitoring-figures/": "/api/subjects/"}
# Sign-in has its own throttle and enumeration tests (accounts/tests); fuzzing it only fills the failure counters.
SKIP = {("POST", "/api/token/")}


@dataclass(frozen=True)
class ServerError:
    role: str
    mode: str
    method: str
    path: str
    status: int
    request: str
    body: str

    def __str__(self) -> str:
        return f"{self.role} {self.mode} {self.method} {self.path} → {self.status}\n  {self.request}\n  {self.body}"


@pytest.fixture
def wsgi_app():
    """Django's WSGI application, as schemathesis calls it in-process. Like the test client, it leaves the test's
    database connection (and its transaction) open between requests: each call takes ``close_old_connections`` off
    the request signals (the test client puts it back after each of its own requests)."""
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    handler = get_wsgi_application()

    def app(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        return handler(environ, start_response)

    yield app
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _token(username: str) -> str:
    from rest_framework.authtoken.models import Token

    from accounts.models import User

    return Token.objects.get_or_create(user=User.objects.get(username=username))[0].key


def _real_id(client, path: str, headers: dict) -> int | None:
    """The id of the first record the role reaches on the list that ``path`` (``/api/x/{id}/…``) belongs to."""
    prefix = path.split("{id}")[0]
    response = client.get(LIST_OF.get(prefix, prefix), headers=headers)
    if response.status_code != 200:
        return None
    rows = response.json
    rows = rows.get("results", []) if isinstance(rows, dict) else rows
    return rows[0]["id"] if rows and isinstance(rows[0], dict) and "id" in rows[0] else None


def _run(operation, strategy, role: str, mode: str, headers: dict, found: list[ServerError]) -> None:
    @settings(
        max_examples=FUZZ_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case):
        response = case.call(headers=headers)
        if response.status_code >= 500:
            found.append(
                ServerError(
                    role,
                    mode,
                    operation.method.upper(),
                    operation.path,
                    response.status_code,
                    re.sub(r"Token \w+", "Token …", case.as_curl_command(headers=headers)),
                    response.text[:200],
                )
            )

    try:
        check()
    except HypothesisException:
        pass  # no case of this mode can be made for the operation (e.g. nothing to break in a bare GET)


@pytest.mark.parametrize("role", ROLES)
def test_no_server_errors(role, wsgi_app):
    import schemathesis
    from schemathesis.generation.modes import GenerationMode
    from werkzeug.test import Client

    headers = {"Authorization": f"Token {_token(role)}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app, headers=headers)
    client = Client(wsgi_app)
    found: list[ServerError] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        operations += 1
        real = _real_id(client, operation.path, headers) if "{id}" in operation.path else None
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, operation.as_strategy(generation_mode=mode), role, str(mode), headers, found)
            if real is not None:
                strategy = operation.as_strategy(generation_mode=mode, path_parameters={"id": real})
                _run(operation, strategy, role, f"{mode} id={real}", headers, found)
    assert operations > 100, "the schema lost its operations"
    assert not found, f"{len(found)} server errors:\n" + "\n".join(str(f) for f in found[:30])

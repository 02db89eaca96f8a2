"""The test kit every app uses (issue 11 §7): persona clients, the reach matrix of a record, the navigation and API
walk, and query-count baselines kept as data. Imported only by tests; it asks the running code nothing it does not
ask a browser or an API client (pages, JSON, downloads).

Reach matrix — one declaration per kind of record::

    from core.testing import PERSONAS, SEES_SCHOOL, SURFACES, Reach, check_reach

    @pytest.mark.parametrize("username", PERSONAS)
    def test_every_role_on_a_school_report(username):  # (module marked django_db)
        check_reach(make_report(title="矩阵测试报告"), SURFACES["reports.workreport"],
                    Reach(view=SEES_SCHOOL, change={"edu_preparer"}), personas=[username])

(``personas=[username]`` with a parametrized test spreads the matrix over pytest-xdist workers; without it one test
walks all personas on one record.) A kind of record not yet in ``SURFACES`` declares its own ``Surface``.

For every persona (all demo accounts unless ``personas=`` narrows them) and every surface of the record — list page,
detail page, change (edit page, or a harmless POST, and PATCH through the API), downloads and the list's Excel export,
API list and detail — a persona outside the declared set gets 404 (never 403 on a page, never 500) and does not find
the record in a list; a persona inside gets 200 (a POST probe its redirect) and finds it. Changing is refused with 404
on pages and, for a persona who sees the record, 403 through the API (docs/architecture.md §3.2). All mismatches are
reported together as one table.

Query counts — ``QueryBaselines`` reads and, with ``JIXIAO_UPDATE_QUERY_COUNTS=1``, rewrites
``core/tests/query_counts.json`` (per database vendor); ``count_queries(client, url)`` measures one GET after a
warm-up request, so the count does not depend on which test ran before.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from demo.seed import ACCOUNTS

# ---------------------------------------------------------------------------------------------- personas


# Every demo account, one per role (demo.seed.ACCOUNTS): the personas of the suite.
PERSONAS: tuple[str, ...] = tuple(a.username for a in ACCOUNTS)

# The demo city's school and who reaches a document of it: the unit (preparer and head), its department's reviewer,
# the desk responsible for education, and the city bureau's sections, leader and the audit office (ADR 0002).
SCHOOL = "示范市第一中学"
SEES_SCHOOL = frozenset(
    {"edu_preparer", "edu_head", "edu_reviewer", "desk_edu", "perf", "budget", "treasury", "leader", "auditor"}
)


def user(username: str):
    from accounts.models import User

    return User.objects.get(username=username)


def client_for(who) -> Client:
    """A test client signed in as ``who`` (a user or a username); the administrators' session carries the passed
    second factor, as conftest.login_client does."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    account = user(who) if isinstance(who, str) else who
    client = Client()
    client.force_login(account)
    device = TOTPDevice.objects.filter(user=account).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


# ---------------------------------------------------------------------------------------------- reach matrix


@dataclass(frozen=True)
class Probe:
    """One request that changes (or would change) a record: ``url`` is a template filled from the record, ``ok``
    the status a persona allowed to do it gets. A POST probe should send data that is refused or invalid for
    everyone (an empty note), so that it tells who may act without changing anything."""

    url: str
    method: str = "get"
    data: dict | None = None
    ok: int = 200


@dataclass(frozen=True)
class Surface:
    """Where a kind of record shows. URL and text templates are ``str.format`` templates over the record's
    attributes (``{pk}``, ``{subject_id}``, ``{subject.name}``).

    - ``name``: the text that identifies the record in a list (page, Excel export);
    - ``row``: the HTML fragment that identifies its row in a list page, by default the link to its detail page;
    - ``search``: query parameters narrowing a list to the record (the record must be on the first page);
    - ``list`` / ``detail``: page URLs; ``edit``: a page URL or a ``Probe`` that changes the record;
    - ``downloads``: the record's own files and related pages read through the gate (Word, Excel, comparison);
    - ``export``: the list page offers ``?export=xlsx`` (GatedListView);
    - ``api``: the router prefix (``/api/subjects/``): list, detail, and PATCH unless ``patch`` is False.
    """

    name: str
    row: str | None = None
    list: str | None = None
    search: dict = field(default_factory=dict)
    detail: str | None = None
    edit: str | Probe | None = None
    downloads: tuple = ()
    export: bool = False
    api: str | None = None
    patch: bool = True


@dataclass(frozen=True)
class Reach:
    """Who may do what with one record. ``download`` and ``export`` default to ``view``; ``change`` None is not
    checked (a surface whose changing is someone else's test)."""

    view: frozenset | set
    change: frozenset | set | None = frozenset()
    download: frozenset | set | None = None
    export: frozenset | set | None = None

    def may(self, verb: str, username: str) -> bool:
        allowed = getattr(self, verb)
        if allowed is None:
            allowed = self.view
        return username in allowed


class _Attributes(dict):
    def __init__(self, record):
        super().__init__()
        self.record = record

    def __missing__(self, key):
        return getattr(self.record, key)


def fill(template: str, record) -> str:
    """``template`` formatted with the record's attributes (``{pk}``, ``{subject.name}``)."""
    return template.format_map(_Attributes(record))


def listing_html(content: bytes) -> str:
    """The rows of a list page: the table container when there is one (not the search form, which echoes what was
    searched, nor the header's export link)."""
    text = content.decode()
    start = text.find('id="table-container"')
    return text[start:] if start >= 0 else text


def listing_text(content: bytes) -> str:
    """The text of a list page's rows, without tags (sorting and paging links repeat the query string)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", listing_html(content)))


def listed(content: bytes, name: str, row: str | None) -> tuple[bool, bool]:
    """Is the record in the list page: (its ``row`` fragment — a link to its page — in the rows' HTML, its name in
    their text). Without a ``row`` fragment the name alone answers."""
    named = name in listing_text(content)
    return (row in listing_html(content) if row else named), named


def xlsx_text(content: bytes) -> str:
    """Every string of a workbook (shared and inline), for "is this name in the export"."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        parts = [book.read(n).decode() for n in book.namelist() if n.endswith(".xml")]
    return html.unescape(re.sub(r"<[^>]+>", " ", " ".join(parts)))


def _rows(body) -> list:
    if isinstance(body, dict):
        body = body.get("results", [])
    return body if isinstance(body, list) else []


@dataclass
class _Report:
    username: str
    rows: list = field(default_factory=list)

    def expect(self, where: str, url: str, expected, got) -> None:
        """``expected`` is a value, or a set of acceptable values."""
        if not (got in expected if isinstance(expected, (set, frozenset)) else got == expected):
            self.rows.append((self.username, where, url, expected, got))


def _with_query(url: str, params: dict) -> str:
    if not params:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def reach_of(client: Client, username: str, record, surface: Surface, reach: Reach) -> list[tuple]:
    """The mismatches of one persona against ``reach`` on every surface of ``record``: (persona, surface, url,
    expected, got) rows, empty when the persona gets exactly what it may."""
    out = _Report(username)
    sees = reach.may("view", username)
    name = fill(surface.name, record)
    row_template = surface.row or (f'href="{surface.detail}"' if surface.detail else None)
    row = fill(row_template, record) if row_template else None
    search = {k: fill(v, record) for k, v in surface.search.items()}
    refused = 404

    if surface.list:
        url = _with_query(surface.list, search)
        response = client.get(url)
        if sees:
            out.expect("list page", url, 200, response.status_code)
            out.expect("listed", url, (True, True), listed(response.content, name, row))
        else:
            out.expect("list page", url, {200, 404}, response.status_code)
            if response.status_code == 200:
                out.expect("listed", url, (False, False), listed(response.content, name, row))
    if surface.detail:
        url = fill(surface.detail, record)
        out.expect("detail page", url, 200 if sees else refused, client.get(url).status_code)
    if surface.edit:
        probe = surface.edit if isinstance(surface.edit, Probe) else Probe(surface.edit)
        if reach.change is not None:
            url = fill(probe.url, record)
            response = getattr(client, probe.method)(url, probe.data or {})
            out.expect("change page", url, probe.ok if reach.may("change", username) else refused, response.status_code)
    for template in surface.downloads:
        url = fill(template, record)
        out.expect("download", url, 200 if reach.may("download", username) else refused, client.get(url).status_code)
    if surface.export and surface.list:
        url = _with_query(surface.list, {**search, "export": "xlsx"})
        response = client.get(url)
        if reach.may("export", username):
            out.expect("export", url, 200, response.status_code)
            if response.status_code == 200:
                out.expect("exported", url, True, name in xlsx_text(response.getvalue()))
        else:
            out.expect("export", url, {200, 404}, response.status_code)
            if response.status_code == 200:
                out.expect("exported", url, False, name in xlsx_text(response.getvalue()))
    if surface.api:
        url = _with_query(surface.api, {**search, "page_size": 500})
        response = client.get(url)
        out.expect("api list", url, 200, response.status_code)
        ids = {item.get("id") for item in _rows(response.json())} if response.status_code == 200 else set()
        out.expect("api listed", url, sees, record.pk in ids)
        url = f"{surface.api}{record.pk}/"
        detail = client.get(url)
        out.expect("api detail", url, 200 if sees else refused, detail.status_code)
        if surface.patch and reach.change is not None:
            data = {}
            if detail.status_code == 200 and "version" in detail.json():
                data["version"] = detail.json()["version"]
            response = client.patch(url, data, content_type="application/json")
            expected = 200 if reach.may("change", username) else 403 if sees else refused
            out.expect("api patch", url, expected, response.status_code)
    return out.rows


def check_reach(
    record_or_factory,
    surface: Surface,
    reach: Reach,
    personas: Iterable[str] | None = None,
) -> None:
    """Assert the reach matrix of one record (or of the record ``factory()`` makes) for every persona."""
    record = record_or_factory() if callable(record_or_factory) else record_or_factory
    named = set(reach.view) | set(reach.change or ()) | set(reach.download or ()) | set(reach.export or ())
    assert named <= set(PERSONAS), f"not demo personas: {sorted(named - set(PERSONAS))}"
    mismatches = []
    for username in personas or PERSONAS:
        mismatches += reach_of(client_for(username), username, record, surface, reach)
        record.refresh_from_db()
    assert not mismatches, f"reach of {record._meta.label_lower} {record.pk} «{record}»:\n" + "\n".join(
        f"  {who:16} {where:12} {url}  expected {expected}, got {got}" for who, where, url, expected, got in mismatches
    )


# The surfaces of the lifecycle documents: their pages, downloads and API (one place, used by every app's matrix).
SURFACES: dict[str, Surface] = {
    "organisations.organisation": Surface(
        name="{name}",
        list="/organisations/",
        search={"q": "{name}"},
        detail="/organisations/{pk}/",
        edit="/organisations/{pk}/edit/",
        export=True,
        api="/api/organisations/",
    ),
    "reports.workreport": Surface(
        name="{title}",
        list="/reports/",
        search={"q": "{title}"},
        detail="/reports/{pk}/",
        edit="/reports/{pk}/edit/",
        export=True,
        api="/api/work-reports/",
    ),
    "subjects.subject": Surface(
        name="{name}",
        list="/subjects/",
        search={"q": "{code}"},
        detail="/subjects/{pk}/",
        edit="/subjects/{pk}/edit/",
        export=True,
        api="/api/subjects/",
    ),
    "assessments.assessment": Surface(
        name="{subject.name}",
        list="/assessments/",
        search={"q": "{subject.code}"},
        detail="/assessments/{pk}/",
        # Saving without a version is refused (404) to who may not score, and answered with a message otherwise.
        edit=Probe("/assessments/{pk}/save/", method="post", data={"version": "x"}, ok=302),
        downloads=("/assessments/{pk}/report.docx",),
        export=True,
        api="/api/assessments/",
    ),
    "targets.targetsheet": Surface(
        name="{subject.name}",
        list="/targets/",
        search={"q": "{subject.code}"},
        detail="/targets/{pk}/",
        edit="/targets/{pk}/edit/",
        downloads=("/targets/{pk}/compare/", "/targets/{pk}/xlsx/", "/targets/{pk}/docx/"),
        export=True,
        api="/api/target-sheets/",
    ),
    "monitoring.monitoringtable": Surface(
        name="{subject.name}",
        list="/monitoring/tables/",
        search={"q": "{subject.name}"},
        detail="/monitoring/tables/{pk}/",
        edit="/monitoring/tables/{pk}/edit/",
        export=True,
        api="/api/monitoring-tables/",
    ),
    "monitoring.performancewarning": Surface(
        name="{subject.name}",
        list="/monitoring/warnings/",
        search={"q": "{message}"},
        detail="/monitoring/warnings/{pk}/",
        # An empty note: refused (404) to who may not reply, a message (redirect) to the unit.
        edit=Probe("/monitoring/warnings/{pk}/reply/", method="post", data={"note": ""}, ok=302),
        export=True,
        api="/api/performance-warnings/",
        patch=False,
    ),
    "execution.payment": Surface(
        name="{voucher_number}",
        list="/execution/payments/",
        search={"q": "{voucher_number}"},
        export=True,
        api="/api/execution/payments/",
        patch=False,
    ),
}


def out_of_reach_names(user) -> set[str]:
    """Names and codes the user must never be shown: organisations outside reach that are not above the user's
    own (a unit may see its department's name), and subjects outside reach (codes, and names no reachable subject
    shares)."""
    from accounts.roles import Action
    from core import access
    from organisations.choices import OrgKind
    from organisations.models import Organisation
    from subjects.models import Subject

    reach = access.restrict(Organisation.objects.all(), user, Action.VIEW)
    above = {pk for org in reach for pk in org.path.strip("/").split("/") if pk}
    visible = set(reach.values_list("pk", flat=True)) | {int(pk) for pk in above}
    out = {n for n in Organisation.objects.exclude(pk__in=visible).values_list("name", flat=True)}
    out -= set(Organisation.objects.filter(pk__in=visible).values_list("name", flat=True))
    # Public counterparties: the provider and agency registers, and the finance bureaus above the user.
    out -= set(Organisation.objects.filter(kind__in=[OrgKind.PROVIDER, OrgKind.AGENCY]).values_list("name", flat=True))
    regions = [c for org in reach for c in org.region.path.strip("/").split("/")]
    out -= set(
        Organisation.objects.filter(
            kind__in=[OrgKind.FINANCE_BUREAU, OrgKind.FINANCE_SECTION], region__code__in=regions
        ).values_list("name", flat=True)
    )
    mine = access.restrict(Subject.objects.all(), user, Action.VIEW)
    others = Subject.objects.exclude(pk__in=mine.values("pk"))
    out |= set(others.values_list("code", flat=True))
    out |= set(others.values_list("name", flat=True)) - set(mine.values_list("name", flat=True))
    return {n for n in out if n and len(n) >= 4}


# Pages that show no single record but a list only some role may read: who opens them (200, and an API list with
# rows); every other persona gets 404 on the page and an empty API list (as /api/users/ for business roles).
PAGE_REACH: dict[str, tuple[str | None, frozenset]] = {
    # 无人办理的文档 (workflow/staffing.py, issue 17 §9): the system administrator only
    "/workflow/stranded/": ("/api/stranded-documents/", frozenset({"sysadmin"})),
}


def page_reach_of(client: Client, username: str, url: str) -> list[tuple]:
    """The mismatches of one persona on a ``PAGE_REACH`` page and its API list."""
    out = _Report(username)
    api, allowed = PAGE_REACH[url]
    out.expect("page", url, 200 if username in allowed else 404, client.get(url).status_code)
    if api:
        response = client.get(api)
        out.expect("api list", api, 200, response.status_code)
        if username not in allowed and response.status_code == 200:
            out.expect("api rows", api, 0, len(_rows(response.json())))
    return out.rows


# ---------------------------------------------------------------------------------------------- navigation walk


def router_list_urls() -> list[str]:
    """The list URL of every viewset registered in the API router (jixiao/api.py)."""
    from jixiao.api import router

    urls = []
    for prefix, viewset, _basename in router.registry:
        if "list" in getattr(viewset, "action_map", {}) or hasattr(viewset, "list"):
            urls.append(f"/api/{prefix}/")
    return urls


def offered(account) -> list[tuple[str, list[str]]]:
    """The stages the navigation offers ``account`` and, for each, the URLs of the links it offers."""
    from core.navigation import links_for, stages_for, user_capabilities

    capabilities = user_capabilities(account)
    return [
        (stage.key, [reverse(link.url_name) for link in links_for(stage, account, capabilities)])
        for stage in stages_for(account)
    ]


def navigation_urls() -> list[str]:
    """Every page the navigation links to, whoever it is offered to (each URL once, in menu order)."""
    from core.navigation import STAGES

    return list(dict.fromkeys(reverse(link.url_name) for stage in STAGES for link in stage.links))


# ---------------------------------------------------------------------------------------------- query counts

QUERY_COUNTS = Path(__file__).resolve().parent / "tests" / "query_counts.json"
UPDATE_ENV = "JIXIAO_UPDATE_QUERY_COUNTS"


def count_queries(client: Client, url: str) -> tuple[int, int]:
    """(status, number of queries) of a GET of ``url``, measured on a second request so that what a first request
    does once per process or session (content types, the session row) is not counted."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, len(captured.captured_queries)


@contextmanager
def _locked(path: Path):
    import fcntl
    import tempfile

    with open(Path(tempfile.gettempdir()) / f"jixiao-{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class QueryBaselines:
    """The recorded query counts, ``{"<persona> <url>": {"<vendor>": n}}``, in a JSON file checked into the repo.

    ``check(prefix, measured)`` compares the counts measured for one persona (keys starting with ``prefix``) with
    the file: a count above its baseline, a page without one, or a baseline for a page no longer measured fails.
    A vendor without its own value uses another vendor's (the counts are the same unless code branches on
    ``connection.vendor``). With ``JIXIAO_UPDATE_QUERY_COUNTS=1`` it writes the measured counts for this vendor
    instead (and drops the persona's stale keys), under a file lock so that parallel workers do not overwrite each
    other."""

    def __init__(self, path: Path = QUERY_COUNTS, vendor: str | None = None):
        self.path = path
        self.vendor = vendor or connection.vendor

    def load(self) -> dict:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))

    @property
    def updating(self) -> bool:
        return os.environ.get(UPDATE_ENV, "") not in ("", "0")

    def baseline(self, values: dict) -> int | None:
        if self.vendor in values:
            return values[self.vendor]
        others = [v for k, v in values.items() if not k.startswith("_")]
        return max(others) if others else None

    def check(self, prefix: str, measured: dict[str, int]) -> None:
        if self.updating:
            self.update(prefix, measured)
            return
        recorded = {k: v for k, v in self.load().items() if k.startswith(prefix)}
        problems = []
        for key, count in sorted(measured.items()):
            expected = self.baseline(recorded.get(key, {}))
            if expected is None:
                problems.append(f"  {key}: {count} queries, no baseline")
            elif count > expected:
                problems.append(f"  {key}: {count} queries, baseline {expected} ({self.vendor})")
        problems += [
            f"  {key}: baseline recorded, page no longer measured" for key in sorted(recorded - measured.keys())
        ]
        assert not problems, (
            f"query counts of {prefix.strip()} against {self.path.name}:\n"
            + "\n".join(problems)
            + f"\nIf the change is intended, refresh the baselines and commit the file: {UPDATE_ENV}=1 pytest "
            "core/tests/test_query_counts.py (on each database vendor whose counts differ)."
        )

    def update(self, prefix: str, measured: dict[str, int]) -> None:
        with _locked(self.path):
            data = self.load()
            for key in [k for k in data if k.startswith(prefix) and k not in measured]:
                data[key].pop(self.vendor, None)
                if not [k for k in data[key] if not k.startswith("_")]:
                    del data[key]
            for key, count in measured.items():
                data.setdefault(key, {})[self.vendor] = count
            self.path.write_text(self.dumps(data), encoding="utf-8")

    @staticmethod
    def dumps(data: dict) -> str:
        """One line a page (small diffs when a count changes), keys sorted."""
        lines = [
            f"  {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, sort_keys=True)}" for k, v in sorted(data.items())
        ]
        return "{\n" + ",\n".join(lines) + "\n}\n"


def measure(username: str, urls: Iterable[str], count: Callable = count_queries) -> tuple[dict, list]:
    """Query counts of ``urls`` for ``username``, keyed ``"<username> GET <url>"``, and the URLs that did not
    answer 200."""
    client = client_for(username)
    counts, failed = {}, []
    for url in urls:
        status, queries = count(client, url)
        if status != 200:
            failed.append((url, status))
        else:
            counts[f"{username} GET {url}"] = queries
    return counts, failed


def own_apps() -> frozenset[str]:
    """The project's own apps (those whose code lives in this checkout), for tests that check every app's classes."""
    from django.apps import apps
    from django.conf import settings

    base = str(settings.BASE_DIR)
    return frozenset(
        c.name.split(".")[0]
        for c in apps.get_app_configs()
        if str(c.path).startswith(base) and "site-packages" not in str(c.path)
    )

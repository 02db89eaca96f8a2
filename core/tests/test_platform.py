"""Platform foundation checks: settings from the environment, no external assets, the API schema,
the demo city, and the shell pages for every role."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import clock
from demo.seed import ACCOUNTS, seed
from jixiao import env

BASE = Path(settings.BASE_DIR)
EXTERNAL = re.compile(
    r"""(?:src|href|action)\s*=\s*["']\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import\s+(?:url\()?["']?(?:https?:)?//""",
    re.I,
)


def test_no_template_or_static_file_loads_anything_from_outside():
    offenders = []
    roots = [BASE / "templates", BASE / "static"] + [
        p / "templates" for p in BASE.iterdir() if (p / "templates").is_dir()
    ]
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix in {".html", ".css", ".js", ".svg"} and path.is_file():
                text = path.read_text(encoding="utf-8", errors="ignore")
                if EXTERNAL.search(text):
                    offenders.append(str(path.relative_to(BASE)))
    assert offenders == []


def test_external_reference_detector_catches_a_cdn_link():
    assert EXTERNAL.search('<script src="https://cdn.example.com/x.js">')
    assert EXTERNAL.search("@import url(//fonts.example.com/a.css);")
    assert not EXTERNAL.search('<svg xmlns="http://www.w3.org/2000/svg">')


@pytest.mark.parametrize(
    "name, value, reader, message",
    [
        ("JIXIAO_X_BOOL", "maybe", lambda n: env.envbool(n, False), "不是布尔值"),
        ("JIXIAO_X_INT", "12a", lambda n: env.envint(n, 1), "不是整数"),
        ("JIXIAO_X_DB", "mysql://x", lambda n: env.envdatabase(n, "sqlite:///x"), "无法识别"),
    ],
)
def test_malformed_settings_stop_start_up_with_a_clear_message(monkeypatch, name, value, reader, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        reader(name)


def test_settings_read_typed_values_and_files(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t\n")
    monkeypatch.setenv("JIXIAO_X_FILE", str(secret))
    monkeypatch.setenv("JIXIAO_X_ON", "yes")
    monkeypatch.setenv("JIXIAO_X_N", "42")
    assert env.envstr("JIXIAO_X", "") == "s3cr3t"
    assert env.envbool("JIXIAO_X_ON", False) is True
    assert env.envint("JIXIAO_X_N", 1) == 42


def test_manage_py_refuses_a_malformed_value():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "JIXIAO_DEBUG": "perhaps"},
    )
    assert result.returncode != 0
    assert "JIXIAO_DEBUG" in result.stderr and "不是布尔值" in result.stderr


def test_openapi_schema_is_served(client_as):
    response = client_as("perf").get("/api/openapi.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/organisations/" in schema["paths"]
    assert client_as("perf").get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    from accounts.models import User
    from organisations.models import Organisation

    counts = (Organisation.objects.count(), User.objects.count())
    assert seed("small")["created"] == 0
    assert (Organisation.objects.count(), User.objects.count()) == counts


@pytest.mark.django_db
def test_every_role_has_a_demo_account():
    from accounts.roles import Role

    assert {a.role for a in ACCOUNTS} == set(Role.values)


@pytest.mark.parametrize("username", [a.username for a in ACCOUNTS])
def test_shell_pages_render_for_every_role(client_as, username):
    client = client_as(username)
    home = client.get("/")
    assert home.status_code == 200
    page = home.content.decode()
    nav = page[page.index('id="stage-nav"') : page.index("</ul>", page.index('id="stage-nav"'))]
    business = ["事前评估", "绩效目标", "运行监控", "绩效评价", "结果应用", "指标库", "考核"]
    keys = ["assessment", "targets", "monitoring", "evaluation", "results", "indicators", "annual"]
    if username in ("sysadmin", "secadmin", "auditadmin"):
        # 三员分立: administrators work in 系统管理 only; the business stages are not theirs.
        assert "系统管理" in nav and not any(label in nav for label in business)
        offered, refused = ["system"], keys
    elif username in ("agency", "expert", "provider", "public"):
        # Outside the administration: only the stages that offer them something; no 系统管理, no monitoring.
        assert "系统管理" not in nav and "运行监控" not in nav and "指标库" in nav
        offered, refused = ["indicators"], ["system", "monitoring"]
    else:
        assert "系统管理" in nav and all(label in nav for label in business)
        offered, refused = [*keys, "system"], []
    for key in offered:
        assert client.get(f"/stage/{key}/").status_code == 200, key
    for key in refused:
        assert client.get(f"/stage/{key}/").status_code == 404, key
    assert client.get("/todo/").status_code == 200
    assert client.get("/organisations/").status_code == 200  # the list itself answers (empty outside reach)


def test_fiscal_year_switcher(client_as):

    client = client_as("perf")
    year = clock.year() - 1
    client.post("/fiscal-year/", {"year": year, "next": "/"})
    assert f'value="{year}" selected' in client.get("/").content.decode()
    client.post("/fiscal-year/", {"year": 1900, "next": "https://evil.example/"})
    assert f'value="{year}" selected' in client.get("/").content.decode()


def test_organisation_list_is_paginated_and_queries_do_not_grow_with_rows(client_as):
    client = client_as("perf")
    with CaptureQueriesContext(connection) as few:
        client.get("/organisations/?page_size=5")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/organisations/")
    assert response.status_code == 200
    assert len(many) <= len(few) + 2
    with CaptureQueriesContext(connection) as api:
        client.get("/api/organisations/?page_size=200")
    assert len(api) < 15


def test_htmx_request_gets_the_table_partial_only(client_as):
    response = client_as("perf").get("/organisations/?kind=department", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<table" in body and "<html" not in body


def _production_kwargs(**changes):
    values = {
        "debug": False,
        "secret_key_given": True,
        "secret_key": "k7Qx2vN9pLr4sT8wYz3bC6dF1gH5jM0nP2qR9sU4vW7xY",
        "audit_key_given": True,
        "audit_key": "Zq8Wm3Rt6Yp1Ks4Hd7Fb0Nc5Xv2Lg9Je",
        "allowed_hosts": ["jixiao.example.gov.cn"],
        "default_hosts": ["127.0.0.1", "localhost", "testserver"],
        "database": {"ENGINE": "django.db.backends.postgresql"},
        "secure_cookies": True,
        "business_date": "",
    }
    values.update(changes)
    return values


@pytest.mark.parametrize(
    "changes, named",
    [
        ({"debug": True}, "JIXIAO_DEBUG"),
        ({"secret_key_given": False}, "JIXIAO_SECRET_KEY"),
        ({"secret_key": "short"}, "JIXIAO_SECRET_KEY"),
        ({"audit_key_given": False}, "JIXIAO_AUDIT_KEY"),
        ({"audit_key": "short"}, "JIXIAO_AUDIT_KEY"),
        ({"audit_key": "k7Qx2vN9pLr4sT8wYz3bC6dF1gH5jM0nP2qR9sU4vW7xY"}, "JIXIAO_AUDIT_KEY"),
        ({"allowed_hosts": ["127.0.0.1", "localhost"]}, "JIXIAO_ALLOWED_HOSTS"),
        ({"allowed_hosts": ["*"]}, "JIXIAO_ALLOWED_HOSTS"),
        ({"database": {"ENGINE": "django.db.backends.sqlite3"}}, "PostgreSQL"),
        ({"secure_cookies": False}, "JIXIAO_SECURE_COOKIES"),
        ({"business_date": "demo"}, "JIXIAO_BUSINESS_DATE"),
    ],
)
def test_production_refuses_developer_defaults(monkeypatch, changes, named):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db/jixiao")
    env.check_production(**_production_kwargs())  # a complete production configuration starts
    with pytest.raises(ImproperlyConfigured, match=named):
        env.check_production(**_production_kwargs(**changes))


def test_production_without_a_database_url_is_refused_at_start():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "JIXIAO_PRODUCTION": "1", "JIXIAO_ALLOWED_HOSTS": "jixiao.example.gov.cn"},
    )
    assert result.returncode != 0
    assert "拒绝启动" in result.stderr and "DATABASE_URL" in result.stderr and "JIXIAO_SECRET_KEY" in result.stderr
    assert "JIXIAO_AUDIT_KEY" in result.stderr


def test_stored_figures_are_shown_as_people_read_them():
    """Issue 12 §6: no Python list, no bare 16781618.00 on a page."""
    from core.templatetags.jixiao import readable

    assert readable(["校园安保完成数量", "维修面积"]) == "校园安保完成数量、维修面积"
    assert readable("16781618.00") == "16,781,618.00"
    assert readable("45.2%") == "45.2%" and readable(3) == 3 and readable("") == "—"


@pytest.mark.django_db
def test_select_boxes_say_please_choose():
    """Issue 12 §7: a select with nothing chosen says 请选择, not "---------", whether its choices come from a model
    field's choices or from a queryset."""
    from django import forms

    from subjects.models import Subject

    class Form(forms.ModelForm):
        class Meta:
            model = Subject
            fields = ["category", "organisation"]

    html = str(Form())
    assert "---------" not in html and html.count("请选择") >= 2

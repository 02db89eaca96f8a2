"""Browser tests: a real ``runserver`` on its own database, driven by Debian's chromium through Playwright.

pytest-django's ``live_server`` is not used: it needs ``transactional_db``, whose flush fails because the
audit table refuses DELETE and TRUNCATE at the database level. Instead the session starts its own server
process on a database of its own (a temporary SQLite file, or ``<name>_browser`` next to the PostgreSQL
database named by ``DATABASE_URL``), migrated and seeded with the demo city. These tests never touch the
``db`` fixture.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.browser.helpers import BASE_DIR, LOCKOUT_USER, UI, LiveApp, stop

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

_CREATE_LOCKOUT_USER = f"""
from django.utils import timezone
from accounts.models import RoleAssignment, User
from accounts.roles import Role
from demo.seed import DEMO_PASSWORD
from organisations.models import Organisation
org = Organisation.objects.get(name="示范物业服务有限公司")
user, created = User.objects.get_or_create(username="{LOCKOUT_USER}", defaults=dict(
    name="锁定测试", organisation=org, must_change_password=False, password_changed_at=timezone.now()))
if created:
    user.set_password(DEMO_PASSWORD)
    user.save()
    RoleAssignment.objects.create(user=user, role=Role.PROVIDER, organisation=org)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_admin(url: str):
    """(connect to the ``postgres`` maintenance db, the browser database name)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "jixiao"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # one database per xdist worker
    browser_name = f"{name}_browser" + (f"_{worker}" if worker else "")
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))

    def run(sql: str) -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql)

    return run, browser_name, urlunsplit((parts.scheme, parts.netloc, "/" + browser_name, parts.query, ""))


def _run_step(args: list[str], env: dict, what: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=900
    )
    if result.returncode != 0:
        pytest.fail(
            f"{what} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}", pytrace=False
        )


def _wait_until_up(url: str, proc: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"runserver exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-5000:]}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(url + "/accounts/login/", timeout=5) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(
        f"runserver did not answer within {timeout}s:\n{log_path.read_text(errors='replace')[-5000:]}", pytrace=False
    )


@pytest.fixture(scope="session")
def live_app():
    tmp = Path(tempfile.mkdtemp(prefix="jixiao-browser-"))
    source_url = os.environ.get("DATABASE_URL", "")
    drop_db = None
    if source_url.startswith(("postgres://", "postgresql://")):
        vendor = "postgresql"
        run_admin, browser_name, database_url = _pg_admin(source_url)
        run_admin(f'DROP DATABASE IF EXISTS "{browser_name}" WITH (FORCE)')
        run_admin(f'CREATE DATABASE "{browser_name}"')

        def drop_db():
            run_admin(f'DROP DATABASE IF EXISTS "{browser_name}" WITH (FORCE)')
    else:
        vendor = "sqlite"
        database_url = f"sqlite:///{tmp / 'browser.sqlite3'}"

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "jixiao.settings",
        "JIXIAO_SECURE_COOKIES": "0",
        "JIXIAO_DEBUG": "0",
        "JIXIAO_VAR_DIR": str(tmp / "var"),
        "JIXIAO_LOG_LEVEL": "WARNING",
        "JIXIAO_BUSINESS_DATE": "demo",
        "PYTHONUNBUFFERED": "1",
    }
    screenshot_dir = BASE_DIR / "var" / "test-artifacts" / "screenshots" / vendor
    screenshot_dir.mkdir(parents=True, exist_ok=True)
    log_path = tmp / "runserver.log"
    proc = None
    log = None
    try:
        _run_step(["migrate", "--no-input"], env, "migrate")
        _run_step(["seed_demo", "--scale", "small", "--quiet"], env, "seed_demo")
        _run_step(["shell", "-c", _CREATE_LOCKOUT_USER], env, "creating the lockout account")
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log = log_path.open("w")
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        _wait_until_up(url, proc, log_path)
        yield LiveApp(url=url, vendor=vendor, env=env, log_path=log_path, screenshot_dir=screenshot_dir)
    finally:
        if proc is not None:
            stop(proc)
        if log is not None:
            log.close()
        if drop_db is not None:
            drop_db()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk (make test does it as root)", pytrace=False
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _new_context(browser, live_app, storage_state=None):
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, locale="zh-CN", base_url=live_app.url, storage_state=storage_state
    )
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def context(browser, live_app):
    context = _new_context(browser, live_app)
    yield context
    context.close()


@pytest.fixture
def ui(context, live_app):
    """A page plus helpers; the teardown fails the test if the page misbehaved."""
    ui = UI(context, live_app)
    yield ui
    ui.assert_clean()


@pytest.fixture(scope="session")
def _storage_states():
    return {}


@pytest.fixture
def ui_as(browser, live_app, _storage_states):
    """``ui_as("perf")``: a page already signed in as a persona. The sign-in happens once per session;
    later tests reuse its cookies (the tests sharing a persona share its server session)."""
    opened = []

    def make(username: str) -> UI:
        state = _storage_states.get(username)
        context = _new_context(browser, live_app, state)
        ui = UI(context, live_app)
        opened.append(ui)
        if state is None:
            ui.login(username)
            _storage_states[username] = context.storage_state()
        else:
            ui.goto("/")
            ui.page.wait_for_url(live_app.url + "/")  # still signed in
        return ui

    yield make
    for ui in opened:
        try:
            ui.assert_clean()
        finally:
            ui.context.close()

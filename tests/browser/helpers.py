"""A page with the few steps every browser test repeats: sign in (with the second factor), go, screenshot, sign out."""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from django_otp.oath import hotp
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from accounts.roles import ADMIN_ROLES
from demo.seed import ACCOUNTS, DEMO_OTP_HEX, DEMO_PASSWORD

BASE_DIR = Path(__file__).resolve().parents[2]
OTP_STEP = 30
ADMIN_USERNAMES = {a.username for a in ACCOUNTS if a.role in ADMIN_ROLES}  # they also give a TOTP code
# A dedicated account for the lockout test (created by the live_app fixture), so locking it disturbs no persona.
LOCKOUT_USER = "lockout_probe"


@dataclass
class LiveApp:
    url: str
    vendor: str  # "sqlite" or "postgresql"
    env: dict
    log_path: Path
    screenshot_dir: Path
    otp_counters: dict = field(default_factory=dict)  # username -> last TOTP time step used

    def server_log(self, last: int = 60) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-last:])


class Watch:
    """Everything a page did that a self-contained intranet app must not: outside requests, console
    errors (CSP violations among them), uncaught exceptions, error responses."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.outside: list[str] = []
        self.console: list[str] = []
        self.bad_responses: list[str] = []

    def attach(self, page) -> None:
        page.on("request", self._request)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.console.append(f"pageerror: {exc}"))
        page.on("response", self._response)

    def _request(self, request) -> None:
        url = request.url
        if not (url.startswith(self.base_url + "/") or url == self.base_url or url.startswith(("data:", "blob:"))):
            self.outside.append(url)

    def _console(self, msg) -> None:
        if msg.type == "error":
            self.console.append(f"{msg.text} @ {msg.location.get('url', '')}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.bad_responses.append(f"{response.status} {response.request.method} {response.url}")

    def take_problems(self) -> list[str]:
        """The problems seen since the last call (each is reported once)."""
        problems = (
            [f"request to outside host: {u}" for u in self.outside]
            + [f"console error: {c}" for c in self.console]
            + [f"error response: {r}" for r in self.bad_responses]
        )
        self.outside, self.console, self.bad_responses = [], [], []
        return problems


def otp_code(live_app: LiveApp, username: str) -> str:
    """The demo authenticator's code for a time step the server has not seen used yet.

    django-otp refuses a code whose time step is not later than the last one accepted for the device,
    and accepts one step of drift either way; a second login inside the same 30 seconds therefore takes
    the next step's code, a third waits."""
    now_step = int(time.time()) // OTP_STEP
    step = max(now_step, live_app.otp_counters.get(username, -1) + 1)
    while step > int(time.time()) // OTP_STEP + 1:
        time.sleep(0.5)
    live_app.otp_counters[username] = step
    return f"{hotp(bytes.fromhex(DEMO_OTP_HEX), step, digits=6):06d}"


class UI:
    def __init__(self, context, live_app: LiveApp):
        self.context = context
        self.app = live_app
        self.page = context.new_page()
        self.watch = Watch(live_app.url)
        self.watch.attach(self.page)
        self.shots: list[str] = []

    # --- navigation ------------------------------------------------------------------------------
    def goto(self, path: str):
        response = self.page.goto(path)
        assert response is not None and response.ok, (
            f"GET {path} → {response and response.status}\n{self.app.server_log()}"
        )
        return response

    def shot(self, name: str) -> None:
        """Save a full-page screenshot for a person to look at.

        Chromium now and then answers "Unable to capture screenshot" under load (a compositor
        hiccup, not a fault of the page): try again after a frame, then fall back to the visible
        part of the page, and raise only when that fails too.
        """
        path = self.app.screenshot_dir / f"{name}.png"
        for attempt, full_page in enumerate((True, True, False)):
            try:
                self.page.screenshot(path=str(path), full_page=full_page)
                break
            except PlaywrightError as error:
                if attempt == 2 or "Unable to capture screenshot" not in str(error):
                    raise
                self.page.wait_for_timeout(250)
        self.shots.append(str(path))

    def heading(self):
        return self.page.locator(".page-title").first

    # --- signing in and out ----------------------------------------------------------------------
    def submit_login(self, username: str, password: str = DEMO_PASSWORD) -> None:
        page = self.page
        if not page.url.rstrip("/").endswith("/accounts/login"):
            self.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("#login-submit")

    def login(self, username: str, otp_shot: str | None = None) -> None:
        page = self.page
        self.submit_login(username)
        if username in ADMIN_USERNAMES:
            expect(page).to_have_url(re.compile(r"/accounts/otp/$"))
            expect(page.locator("h2")).to_have_text("动态口令验证")
            if otp_shot:
                self.shot(otp_shot)
            page.fill("#id_token", otp_code(self.app, username))
            with page.expect_navigation():
                page.click("#otp-submit")
        expect(page).to_have_url(self.app.url + "/")
        expect(self.heading()).to_have_text("工作台")
        expect(page.locator("#user-menu")).to_be_visible()

    def logout(self) -> None:
        page = self.page
        page.click("#user-menu")
        expect(page.locator("#logout")).to_be_visible()
        with page.expect_navigation():
            page.click("#logout")
        expect(page).to_have_url(re.compile(r"/accounts/login/$"))
        expect(page.locator(".alert")).to_contain_text("已安全退出")
        expect(page.locator("#user-menu")).to_have_count(0)

    # --- checks ----------------------------------------------------------------------------------
    def assert_clean(self, where: str = "") -> None:
        problems = self.watch.take_problems()
        if problems:
            log = self.app.server_log(30)
            raise AssertionError(
                f"page problems{' on ' + where if where else ''}:\n  "
                + "\n  ".join(problems)
                + (f"\n--- server log ---\n{log}" if log else "")
            )


def app_shell(live_app: LiveApp, code: str) -> str:
    """Run ``code`` with ``manage.py shell`` on the browser app's database; its printed output. For what a test
    needs there that another browser test walks through the pages (and for reading values back)."""
    import sys

    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=live_app.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def review(ui, action: str, opinion: str = "") -> None:
    """Press one button of the review panel (submit / approve / return) with an opinion."""
    page = ui.page
    if opinion:
        page.fill("#review-form textarea[name=opinion], #review-form input[name=opinion]", opinion)
    with page.expect_navigation():
        page.click(f"#action-{action}")


def stop(proc: subprocess.Popen) -> None:
    """Stop a server or worker process the tests started: politely, then for good."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()

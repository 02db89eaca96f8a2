"""Benchmark: a deadline-day load against gunicorn on 127.0.0.1 (issue 16 "Under load", "Serving").

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/jixiao_load .venv/bin/python bench/load.py \
           [--users 200] [--think 5] [--ramp 40] [--duration 180] [--max-requests 60000] \
           [--worker-class sync|gthread] [--workers 3] [--threads 1] [--env NAME=VALUE ...]

What it does, bounded in time (ramp + duration) and in count (--max-requests, all users together):

1. Migrates the database, seeds the demo city (``seed_demo --scale city``, a no-op when present) and gives every
   simulated user a unit preparer account of its own (``load001``… with the demo password, over the demo city's
   178 units) holding one draft target sheet (``压力测试项目NNN``); created once and kept between runs, the sheets'
   工作计划 reset at each run. PostgreSQL only, in a database of its own: SQLite is not what gunicorn serves.
   Not the demo accounts themselves: the demo city has two unit preparers, and 200 sessions of two accounts would
   either fight over the same sheets (stale-version refusals) or give each account 100 drafts, which a unit does
   not have and which would inflate its home page (待办). The three administrators need a second factor.
2. Starts gunicorn (``jixiao.wsgi``) on 127.0.0.1 with the given worker class, workers and threads, as a
   production-like server: JIXIAO_DEBUG=0, JIXIAO_SECURE_COOKIES=0, JIXIAO_ALLOWED_HOSTS=127.0.0.1,
   JIXIAO_BUSINESS_DATE=demo (the demo data's date). Static files are not fetched (a browser caches them).
3. Runs --users users, one thread and one session each, started evenly over --ramp seconds. Each signs in
   (login page, then the POST), then repeats home ``/`` → list ``/targets/`` → document ``/targets/<pk>/`` →
   form ``/targets/<pk>/edit/`` → save (the POST of that form as a browser sends it, CSRF token included, its
   工作计划 as read from the form with a unique marker appended), waiting a think time of uniform(0.5, 1.5) ×
   --think seconds before every click. A save is what a unit preparer does on a deadline day.
4. Prints p50/p95/p99/max per request type over the steady window (requests started after the ramp; sign-ins
   over the whole run), throughput, server errors (5xx, connection errors and timeouts), the machine's load
   average and CPU use, the workers' CPU per request and the peak number of database connections.
5. Stops gunicorn and reads the sheets back: every save answered with 302 (accepted) must have its marker in the
   database, and each sheet's version must have moved by the number of accepted saves. A save answered 200 is
   the form shown again with an error (refused, e.g. a stale version) and is counted apart.

The client shares the machine's cores with the server and PostgreSQL, as a real deadline day does not: its own
CPU is printed so it can be taken into account.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
os.environ.setdefault("JIXIAO_BUSINESS_DATE", "demo")
os.environ.setdefault("JIXIAO_SECURE_COOKIES", "0")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from demo.seed import DEMO_PASSWORD  # noqa: E402

ACCOUNT_PREFIX = "load"  # load001…: one unit preparer per simulated user, over the demo city's units
CITY_CODE = "990100"  # the demo city (demo/seed.py)
SUBJECT_PREFIX = "压力测试项目"
BASE_PLAN = "按进度计划分两阶段实施。"
SIGN_IN = ("login page", "sign-in")  # reported over the whole run
STEPS = ("home", "list", "document", "form", "save")  # reported over the steady window
MARKER = re.compile(r"LOAD-[0-9a-f]{8}-\d{3}-\d{4}")


# --- data ---------------------------------------------------------------------------------------------------------
def prepare(users: int) -> list[dict]:
    """One preparer account and one draft sheet per simulated user, created once; 工作计划 reset.
    Returns [{account, pk, version}]."""
    from accounts.models import RoleAssignment, User
    from accounts.roles import Role
    from audit.context import acting_as
    from core import services
    from organisations.choices import OrgKind
    from organisations.models import Organisation
    from subjects.models import Subject, SubjectYearAmount
    from subjects.tests.helpers import subject_values
    from targets import actions
    from targets.models import TargetSheet
    from targets.tests.helpers import GOOD_DATA, GOOD_INDICATORS, GOOD_STAGES
    from workflow.models import ReviewStatus

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", scale="city", quiet=True, stdout=open(os.devnull, "w"))
    units = list(Organisation.objects.filter(kind=OrgKind.UNIT, region__code=CITY_CODE).order_by("pk"))
    plan = []
    created = 0
    for i in range(users):
        username = f"{ACCOUNT_PREFIX}{i + 1:03d}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, name=f"压测填报{i + 1:03d}", organisation=units[i % len(units)])
            user.must_change_password = False
            user.password_changed_at = timezone.now()
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
            RoleAssignment.objects.create(user=user, role=Role.UNIT_PREPARER, organisation=user.organisation)
        name = f"{SUBJECT_PREFIX}{i + 1:03d}"
        sheet = TargetSheet.objects.filter(subject__name=name, subject__organisation=user.organisation).first()
        if sheet is None:
            with acting_as(user):
                subject = services.create_record(Subject(**subject_values(name=name, organisation=user.organisation)))
                services.create_record(
                    SubjectYearAmount(
                        subject=subject,
                        fiscal_year=2026,
                        previous_amount=Decimal("0"),
                        requested_amount=Decimal("500000.00"),
                    )
                )
            Subject.objects.filter(pk=subject.pk).update(status=ReviewStatus.APPROVED, stage="funded", current_role="")
            sheet = actions.create_sheet(Subject.objects.get(pk=subject.pk), user, 2026)
            sheet = actions.save_sheet(
                sheet, user, sheet.version, data=GOOD_DATA, indicators=GOOD_INDICATORS, stages=GOOD_STAGES
            )
            created += 1
        plan.append({"account": username, "pk": sheet.pk})
    pks = [p["pk"] for p in plan]
    TargetSheet.objects.filter(pk__in=pks).update(measure_plan=BASE_PLAN)
    versions = dict(TargetSheet.objects.filter(pk__in=pks).values_list("pk", "version"))
    for p in plan:
        p["version"] = versions[p["pk"]]
    if created:
        print(f"prepared {created} new preparer accounts with a draft sheet each")
    connections.close_all()
    return plan


def verify(plan: list[dict], accepted: dict[int, list[str]], run_id: str) -> dict:
    from targets.models import TargetSheet

    rows = dict(TargetSheet.objects.filter(pk__in=[p["pk"] for p in plan]).values_list("pk", "measure_plan"))
    versions = dict(TargetSheet.objects.filter(pk__in=[p["pk"] for p in plan]).values_list("pk", "version"))
    found = missing = unacknowledged = version_short = 0
    for p in plan:
        present = {m for m in MARKER.findall(rows[p["pk"]]) if m.startswith(f"LOAD-{run_id}-")}
        mine = set(accepted.get(p["pk"], []))
        found += len(mine & present)
        missing += len(mine - present)
        unacknowledged += len(present - mine)
        version_short += max(0, len(mine) - (versions[p["pk"]] - p["version"]))
    return {"found": found, "missing": missing, "unacknowledged": unacknowledged, "version_short": version_short}


# --- a browser's form submission ----------------------------------------------------------------------------------
class Forms(HTMLParser):
    """The fields of every <form> as a browser would submit them (no submit button)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None  # [name, first value, selected values]
        self._option = None  # [value or None, text]
        self._textarea = None  # [name, text]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"id": a.get("id"), "action": a.get("action"), "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and not a.get("disabled"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form["fields"].append((a["name"], a.get("value") or ("on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select":
            self._select = [a.get("name"), None, []]
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "", "selected" in a]
        elif tag == "textarea":
            self._textarea = [a.get("name"), ""]

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data
        elif self._textarea is not None:
            self._textarea[1] += data

    def _close_option(self):
        if self._option is not None and self._select is not None:
            value = self._option[0] if self._option[0] is not None else self._option[1].strip()
            if self._select[1] is None:
                self._select[1] = value
            if self._option[2]:
                self._select[2].append(value)
        self._option = None

    def handle_endtag(self, tag):
        if tag == "option":
            self._close_option()
        elif tag == "select" and self._select is not None:
            self._close_option()
            name, first, chosen = self._select
            if name and self._form is not None:
                for value in chosen or ([first] if first is not None else []):
                    self._form["fields"].append((name, value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            if text.startswith("\r\n"):
                text = text[2:]
            elif text.startswith("\n"):
                text = text[1:]
            if name and self._form is not None:
                self._form["fields"].append((name, text))
            self._textarea = None
        elif tag == "form":
            self._form = None


def form_fields(html: str, form_id: str | None = None, having: str | None = None) -> list[tuple[str, str]]:
    parser = Forms()
    parser.feed(html)
    for form in parser.forms:
        names = {name for name, _ in form["fields"]}
        if (form_id is None or form["id"] == form_id) and (having is None or having in names):
            return form["fields"]
    raise LookupError("form not found")


# --- the simulated users ------------------------------------------------------------------------------------------
class Run:
    def __init__(self, options, plan, base):
        self.o = options
        self.plan = plan
        self.base = base
        self.run_id = uuid.uuid4().hex[:8]
        self.samples: list[tuple[str, float, float, str]] = []  # (type, started, seconds, outcome)
        self.accepted: dict[int, list[str]] = {}
        self.refused = 0
        self.errors: list[str] = []  # the first few connection errors, as the client saw them
        self.count = 0
        self.lock = threading.Lock()
        self.start = time.monotonic()
        self.steady_from = self.start + options.ramp
        self.stop_at = self.steady_from + options.duration

    def take(self) -> bool:
        with self.lock:
            if self.count >= self.o.max_requests or time.monotonic() >= self.stop_at:
                return False
            self.count += 1
            return True

    def call(self, kind, session, method, path, **kwargs):
        started = time.monotonic()
        try:
            response = session.request(method, self.base + path, timeout=(10, 60), allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            self.samples.append((kind, started, time.monotonic() - started, f"error:{type(exc).__name__}"))
            if len(self.errors) < 5:
                self.errors.append(f"{kind} {path}: {exc}")
            return None
        self.samples.append((kind, started, time.monotonic() - started, str(response.status_code)))
        return response

    def think(self) -> bool:
        pause = random.uniform(0.5, 1.5) * self.o.think
        if time.monotonic() + pause >= self.stop_at:
            return False
        time.sleep(pause)
        return self.take()

    def user(self, n: int):
        sheet = self.plan[n]
        time.sleep(n * self.o.ramp / self.o.users)
        session = requests.Session()
        # One request per connection, as gunicorn sees them behind nginx (admin guide §8: nginx speaks HTTP/1.0 to
        # its upstream without keep-alive). Sync workers close every connection anyway.
        session.headers["Connection"] = "close"
        if not self.take():
            return
        page = self.call("login page", session, "GET", "/accounts/login/")
        if page is None or page.status_code != 200:
            return
        data = dict(form_fields(page.text, having="password"))
        data.update(username=sheet["account"], password=DEMO_PASSWORD)
        if not self.take():
            return
        answer = self.call("sign-in", session, "POST", "/accounts/login/", data=data)
        if answer is None or answer.status_code != 302:
            return
        pk, saves = sheet["pk"], 0
        while True:
            for step, path in (("home", "/"), ("list", "/targets/"), ("document", f"/targets/{pk}/")):
                if not self.think():
                    return
                self.call(step, session, "GET", path)
            if not self.think():
                return
            form = self.call("form", session, "GET", f"/targets/{pk}/edit/")
            if form is None or form.status_code != 200:
                continue
            fields = form_fields(form.text, form_id="target-sheet-form")
            saves += 1
            marker = f"LOAD-{self.run_id}-{n:03d}-{saves:04d}"
            fields = [(k, f"{v} {marker}" if k == "measure_plan" else v) for k, v in fields]
            if not self.think():
                return
            saved = self.call("save", session, "POST", f"/targets/{pk}/edit/", data=fields)
            if saved is None:
                continue
            if saved.status_code == 302 and saved.headers.get("Location") == f"/targets/{pk}/":
                with self.lock:
                    self.accepted.setdefault(pk, []).append(marker)
            elif saved.status_code == 200:
                with self.lock:
                    self.refused += 1


# --- measuring the machine ----------------------------------------------------------------------------------------
def cpu_ticks() -> tuple[int, int]:
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def process_cpu(pids) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return found


def sample_database(stop: threading.Event, seen: dict):
    """Every 2 s: the connections to this database (peak) and the CPU of their PostgreSQL backends (first and
    last reading of each, from /proc: the server runs on this machine)."""
    try:
        with connection.cursor() as cursor:
            while not stop.wait(2):
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                pids = [row[0] for row in cursor.fetchall()]
                seen["peak"] = max(seen["peak"], len(pids))
                for pid in pids:
                    cpu = process_cpu([pid])
                    seen["first"].setdefault(pid, cpu)
                    seen["last"][pid] = cpu
    finally:
        connection.close()


# --- gunicorn -----------------------------------------------------------------------------------------------------
def start_gunicorn(options, log_path: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(JIXIAO_DEBUG="0", JIXIAO_SECURE_COOKIES="0", JIXIAO_ALLOWED_HOSTS="127.0.0.1")
    env.setdefault("JIXIAO_BUSINESS_DATE", "demo")
    for item in options.env:
        name, _, value = item.partition("=")
        env[name] = value
    command = [
        sys.executable, "-m", "gunicorn", "jixiao.wsgi:application",
        "--bind", f"127.0.0.1:{options.port}",
        "--worker-class", options.worker_class,
        "--workers", str(options.workers),
        "--threads", str(options.threads),
        "--timeout", "120",
        "--error-logfile", "-",
        "--no-control-socket",
    ]  # fmt: skip
    try:
        with socket.create_connection(("127.0.0.1", options.port), timeout=1):
            raise SystemExit(f"port {options.port} is already in use: choose another with --port")
    except OSError:
        pass
    log = open(log_path, "w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}); see {log_path}")
        try:
            if requests.get(f"http://127.0.0.1:{options.port}/accounts/login/", timeout=5).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.5)
    stop_gunicorn(server)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log_path}")


def stop_gunicorn(server: subprocess.Popen):
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# --- report -------------------------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def report(run: Run, window: float) -> tuple[int, int]:
    steady = [s for s in run.samples if s[1] >= run.steady_from]
    print(
        f"{'type':10s} {'n':>6s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'max ms':>8s} {'5xx':>5s} {'conn':>5s}"
    )
    server_errors = 0
    rows = [(kind, [s for s in run.samples if s[0] == kind]) for kind in SIGN_IN]
    rows += [(kind, [s for s in steady if s[0] == kind]) for kind in STEPS]
    rows.append(("all pages", [s for s in steady if s[0] not in SIGN_IN]))
    for kind, samples in rows:
        if not samples:
            continue
        times = [s[2] * 1000 for s in samples]
        fives = sum(1 for s in samples if s[3].startswith("5"))
        errors = sum(1 for s in samples if s[3].startswith("error"))
        if kind != "all pages":
            server_errors += fives + errors
        print(
            f"{kind:10s} {len(samples):6d} {percentile(times, 0.5):8.0f} {percentile(times, 0.95):8.0f} "
            f"{percentile(times, 0.99):8.0f} {max(times):8.0f} {fives:5d} {errors:5d}"
        )
    early = [s for s in run.samples if s[1] < run.steady_from and s[0] not in SIGN_IN]
    server_errors += sum(1 for s in early if s[3].startswith(("5", "error")))
    others = sorted({s[3] for s in run.samples} - {"200", "302"})
    if others:
        print("other outcomes: " + ", ".join(f"{o} ×{sum(1 for s in run.samples if s[3] == o)}" for o in others))
    for message in run.errors:
        print(f"  {message}")
    pages = [s for s in steady if s[0] not in SIGN_IN and s[1] + s[2] <= run.steady_from + window]
    print(f"throughput {len(pages) / window:.1f} requests/s over the {window:.0f} s steady window")
    return server_errors, len(pages)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--think", type=float, default=5.0, help="mean seconds between two clicks of a user")
    parser.add_argument("--ramp", type=float, default=40.0, help="seconds over which the users sign in")
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of the steady window after the ramp")
    parser.add_argument("--max-requests", type=int, default=60000, help="requests of all users together, at most")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server, repeatable")
    options = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("DATABASE_URL must point at PostgreSQL (a load database of its own: it gets bench sheets)")

    plan = prepare(options.users)
    log_path = ROOT / "var" / "load-gunicorn.log"
    print(
        f"{options.users} users, think {options.think:g} s (uniform ×0.5–1.5), ramp {options.ramp:g} s, steady "
        f"{options.duration:g} s, at most {options.max_requests} requests; gunicorn {options.worker_class} "
        f"{options.workers} workers × {options.threads} threads {' '.join(options.env)}"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    server = start_gunicorn(options, log_path)
    try:
        run = Run(options, plan, f"http://127.0.0.1:{options.port}")
        threads = [threading.Thread(target=run.user, args=(n,), daemon=True) for n in range(options.users)]
        for thread in threads:
            thread.start()
        time.sleep(max(0.0, run.steady_from - time.monotonic()))
        stop, seen = threading.Event(), {"peak": 0, "first": {}, "last": {}}
        sampler = threading.Thread(target=sample_database, args=(stop, seen), daemon=True)
        sampler.start()
        workers = [server.pid, *children(server.pid)]
        busy0, total0, served0, mine0 = *cpu_ticks(), process_cpu(workers), time.process_time()
        steady_start = time.monotonic()
        for thread in threads:
            thread.join(max(0.0, run.stop_at + 75 - time.monotonic()))
        window = min(time.monotonic(), run.stop_at) - steady_start
        busy1, total1 = cpu_ticks()
        served = process_cpu([server.pid, *children(server.pid)]) - served0
        mine = time.process_time() - mine0
        load_during = os.getloadavg()
        stop.set()
        sampler.join(5)
    finally:
        stop_gunicorn(server)
    database = sum(seen["last"][pid] - seen["first"][pid] for pid in seen["last"])
    server_errors, pages = report(run, window)
    cores = os.cpu_count() or 1
    print(
        f"machine CPU busy {100 * (busy1 - busy0) / max(1, total1 - total0):.0f} % of {cores} cores; gunicorn "
        f"{served:.1f} CPU-s = {1000 * served / max(1, pages):.0f} ms per request; PostgreSQL backends at least "
        f"{database:.1f} CPU-s = {1000 * database / max(1, pages):.0f} ms per request; this client {mine:.1f} CPU-s; "
        f"peak database connections {seen['peak']}"
    )
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in load_during)}")
    accepted = sum(len(v) for v in run.accepted.values())
    check = verify(plan, run.accepted, run.run_id)
    print(
        f"saves accepted (302) {accepted}, refused (200, form error) {run.refused}; found in the database "
        f"{check['found']}, missing {check['missing']}, versions short {check['version_short']}, "
        f"committed without an answer {check['unacknowledged']}"
    )
    goal = [s[2] for s in run.samples if s[1] >= run.steady_from and s[0] not in SIGN_IN]
    p95 = percentile(goal, 0.95) * 1000 if goal else float("nan")
    met = p95 < 500 and server_errors == 0 and check["missing"] == 0 and check["version_short"] == 0
    print(f"goal (p95 < 500 ms, 0 server errors, every accepted write present): {'met' if met else 'MISSED'}")
    print(f"summary p95 {p95:.0f} ms, server errors {server_errors}, writes {check['found']}/{accepted}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Kill the worker: a real ``db_worker`` process loads a payment file and is killed with SIGKILL in each phase (read,
check, apply); the reaper (``manage.py reap_jobs``) must then fail the job with the message the page shows, mark its
task row failed, leave no staging table, and no row may have been written (issue 17 §3, docs/security.md).

Why a database of its own: the worker is another process, and the ``db`` fixture's transaction is invisible to it;
``transactional_db`` cannot be used (its flush fails: the audit table refuses DELETE and TRUNCATE). So this module
creates a database like the browser tests' server does (tests/browser/conftest.py): a temporary SQLite file, or
``<name>_killed`` next to the PostgreSQL database named by ``DATABASE_URL``, migrated and seeded with the demo city
by ``manage.py``. The test process reads it with plain SQL only.

Holding the worker in a phase: a small script patches the loader so that, once the job has reached the phase (the
job row says so and, for ``apply``, the records are written inside the still open transaction), it writes a marker
file and sleeps; the test waits for the marker and for a heartbeat newer than the phase's start (the heartbeat
thread at work), then kills the process. Without the pause the test would race the loader.

The subprocesses run on the real clock even under CI's ``faketime`` (whose children would each restart the fake
clock, so the heartbeat of one process could lie in another's future).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from imports.liveness import interrupted_message

BASE_DIR = Path(__file__).resolve().parents[2]
PHASES = ["read", "check", "apply"]
STALE_SECONDS = 6  # the worker's limit: a heartbeat every second
REAP_AFTER = 2  # the reaper's limit in the test (seconds since the last heartbeat)

SETUP = """
import json, os, django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from accounts.models import User
from execution import loading
from execution.jobs import start_load
from execution.models import Payment
from execution.tests.helpers import PAYMENT_HEADER, csv_bytes, payment, year
from subjects.models import Subject

treasury = User.objects.get(username="treasury")
subject = (
    Subject.objects.filter(organisation__region__code="990100", fiscal_year=year())
    .select_related("organisation").order_by("code").first()
)
rows = [payment(f"KILL{i:05d}", subject.code, f"{100 + i}.00", payer=subject.organisation.budget_code)
        for i in range(200)]
jobs = []
for phase in os.environ["PHASES"].split(","):
    upload = SimpleUploadedFile(f"{phase}.csv", csv_bytes(PAYMENT_HEADER, rows), content_type="text/csv")
    job = start_load(treasury, loading.PAYMENTS, upload, fiscal_year=year())
    jobs.append({"phase": phase, "job": job.pk, "task": job.task_id})
print(json.dumps({"jobs": jobs, "payments": Payment.objects.count()}))
"""

WORKER = """
import os, time, django
from pathlib import Path
django.setup()
from django.core.management import call_command
from execution.loading import Loader
from imports.jobs import JobRunner

phase, marker = os.environ["PAUSE_AT"], Path(os.environ["MARKER"])

def pause():
    marker.write_text(str(os.getpid()))
    time.sleep(300)  # until killed

if phase == "read":  # staging tables created, the COPY / chunks about to start
    progress = JobRunner.progress
    def paused_progress(self, p, done, total):
        progress(self, p, done, total)
        if p == "read":
            pause()
    JobRunner.progress = paused_progress
elif phase == "check":  # staged, mapped and cleaned: every staging table exists
    validate = Loader._validate
    def paused_validate(self):
        pause()
        return validate(self)
    Loader._validate = paused_validate
else:  # apply: the records written inside the open transaction, not committed
    write = Loader._write
    def paused_write(self):
        write(self)
        pause()
    Loader._write = paused_write
call_command("db_worker", "--batch", "--interval", "0.1", "--no-startup-delay", "--no-reload")
"""


def _clean_env(extra: dict) -> dict:
    """The environment without libfaketime: the subprocesses run on the real clock."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FAKETIME") and not (k == "LD_PRELOAD" and "faketime" in v)
    }
    return {**env, **extra}


class KilledApp:
    """The database of this module and how to run manage.py, scripts and SQL against it."""

    def __init__(self, url: str, env: dict, tmp: Path):
        self.url, self.env, self.tmp = url, env, tmp
        self.pg = url.startswith("postgres")

    def run(self, args: list[str], *, what: str, extra: dict | None = None, timeout: float = 300) -> str:
        result = subprocess.run(
            args,
            cwd=BASE_DIR,
            env={**self.env, **(extra or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            pytest.fail(f"{what} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
        return result.stdout

    def manage(self, *args: str, what: str) -> str:
        return self.run([sys.executable, "manage.py", *args], what=what)

    def script(self, code: str, *, what: str, extra: dict | None = None) -> str:
        path = self.tmp / f"{what.replace(' ', '_')}.py"
        path.write_text(code)
        return self.run([sys.executable, str(path)], what=what, extra=extra)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.pg:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchall()
        conn = sqlite3.connect(urlsplit(self.url).path, timeout=20)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def task_key(self, task_id: str):
        return task_id if self.pg else uuid.UUID(task_id).hex  # (SQLite stores a UUID as 32 hex digits)

    def staging_tables(self, job_id: int) -> list[str]:
        if self.pg:
            rows = self.query(
                "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'jixiao_staging' AND relname ~ ?",
                (f"^xs_.*_j{job_id}(_|$)",),
            )
        else:  # (SQLite stages in TEMPORARY tables, which die with the connection; none may be permanent)
            rows = self.query("SELECT name FROM sqlite_master WHERE name LIKE 'xs\\_%' ESCAPE '\\'")
        return [name for (name,) in rows]

    def heartbeat(self, job_id: int):
        return self.query("SELECT heartbeat_at FROM imports_importjob WHERE id = ?", (job_id,))[0][0]

    def other_sessions(self) -> int:
        if not self.pg:
            return 0
        return self.query(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )[0][0]


@pytest.fixture(scope="module")
def killed_app():
    tmp = Path(tempfile.mkdtemp(prefix="jixiao-killed-"))
    source_url = os.environ.get("DATABASE_URL", "")
    drop = None
    if source_url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(source_url)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        name = (parts.path.lstrip("/") or "jixiao") + "_killed" + (f"_{worker}" if worker else "")
        admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
        url = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))

        def admin(sql: str) -> None:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(sql)

        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin(f'CREATE DATABASE "{name}"')

        def drop():
            admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        url = f"sqlite:///{tmp / 'killed.sqlite3'}"
    env = _clean_env(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "jixiao.settings",
            "PYTHONPATH": str(BASE_DIR),
            "JIXIAO_VAR_DIR": str(tmp / "var"),
            "JIXIAO_BUSINESS_DATE": "demo",
            "JIXIAO_JOB_STALE_SECONDS": str(STALE_SECONDS),
            "JIXIAO_LOG_LEVEL": "ERROR",
            "PYTHONUNBUFFERED": "1",
        }
    )
    app = KilledApp(url, env, tmp)
    try:
        app.manage("migrate", "--no-input", what="migrate")
        app.manage("seed_demo", "--scale", "small", "--quiet", what="seed_demo")
        yield app
    finally:
        if drop is not None:
            drop()
        shutil.rmtree(tmp, ignore_errors=True)


def _wait(condition, what: str, timeout: float = 30.0, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        if proc is not None and proc.poll() is not None:
            out = Path(proc.args[-1]).with_suffix(".log")
            pytest.fail(f"the worker exited ({proc.returncode}) before {what}:\n{out.read_text()[-5000:]}")
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def test_a_worker_killed_in_any_phase_leaves_a_failed_job_and_nothing_else(killed_app):
    app = killed_app
    # Given three payment files queued as jobs (one for each phase the worker will be killed in)
    setup = json.loads(app.script(SETUP, what="setup", extra={"PHASES": ",".join(PHASES)}).strip().splitlines()[-1])
    payments_before = setup["payments"]

    for entry in setup["jobs"]:
        phase, job_id, task_id = entry["phase"], entry["job"], entry["task"]
        marker = app.tmp / f"paused-{phase}"
        script = app.tmp / f"worker_{phase}.py"
        script.write_text(WORKER)
        with open(script.with_suffix(".log"), "w") as log:
            # When a worker runs the job and is held in the phase
            proc = subprocess.Popen(
                [sys.executable, str(script)],
                cwd=BASE_DIR,
                env={**app.env, "PAUSE_AT": phase, "MARKER": str(marker)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                _wait(marker.exists, f"the job to reach phase {phase}", proc=proc)
                status, seen_phase, heartbeat = app.query(
                    "SELECT status, phase, heartbeat_at FROM imports_importjob WHERE id = ?", (job_id,)
                )[0]
                assert (status, seen_phase) == ("running", phase)
                task = app.query(
                    "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = ?", (app.task_key(task_id),)
                )
                assert task == [("RUNNING",)]
                if app.pg:
                    assert app.staging_tables(job_id), "the load's staging tables exist while it runs"
                if app.pg or phase != "apply":
                    # the heartbeat thread renews it on its own connection, visible outside the apply transaction
                    # (SQLite cannot write it while the apply holds the write lock: see imports/liveness.py)
                    _wait(
                        lambda j=job_id, h=heartbeat: app.heartbeat(j) != h,
                        "a heartbeat during the phase",
                        timeout=10,
                        proc=proc,
                    )
                # ... and is killed
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
                killed_at = time.monotonic()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        # (PostgreSQL ends the dead client's sessions, rolling back its transaction and releasing its locks)
        _wait(lambda: app.other_sessions() == 0, "the killed worker's sessions to end", timeout=20)
        time.sleep(max(0.0, REAP_AFTER + 0.5 - (time.monotonic() - killed_at)))

        # And the reaper runs
        out = app.manage("reap_jobs", "--stale-seconds", str(REAP_AFTER), what=f"reap_jobs after {phase}")
        assert f"#{job_id}" in out

        # Then the job failed with the message the page shows
        status, errors, error_count, summary = app.query(
            "SELECT status, errors, error_count, summary FROM imports_importjob WHERE id = ?", (job_id,)
        )[0]
        errors = errors if isinstance(errors, list) else json.loads(errors)
        summary = summary if isinstance(summary, dict) else json.loads(summary)
        assert status == "failed"
        assert error_count == 1
        assert errors[0]["message"] == interrupted_message(phase)
        assert summary["interrupted"]["phase"] == phase
        if phase == "apply":
            assert errors[0]["message"] == (
                "后台处理进程在写入阶段中断，数据未写入任何一行；请重新上传该文件。"
                "若反复出现，请联系系统管理员检查后台任务进程。"
            )
        # its task row is not left RUNNING
        assert app.query(
            "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = ?", (app.task_key(task_id),)
        ) == [("FAILED",)]
        # no staging table is left, no record was written, and the audit trail says what happened
        assert app.staging_tables(job_id) == []
        assert app.query("SELECT COUNT(*) FROM execution_payment WHERE import_job_id = ?", (job_id,)) == [(0,)]
        assert app.query("SELECT COUNT(*) FROM execution_payment") == [(payments_before,)]
        assert app.query(
            "SELECT COUNT(*) FROM audit_auditentry WHERE object_type = 'imports.importjob' AND object_id = ? "
            "AND actor_name = '系统（后台任务检查）'",
            (str(job_id),),
        ) == [(1,)]

    # A second run finds nothing more to do
    assert "没有中断的导入任务" in app.manage("reap_jobs", "--stale-seconds", str(REAP_AFTER), what="reap_jobs again")

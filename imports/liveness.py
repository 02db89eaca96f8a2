"""Import jobs that outlive their worker: heartbeats, and the reaper that fails a job whose worker died
(docs/decisions/0022-job-heartbeats.md).

**Heartbeats.** While a job runs, ``ImportJob.heartbeat_at`` (real time) is renewed by the runner's progress calls
(``imports.jobs.JobRunner.progress``) and by ``Heartbeat``, a thread beating every ``beat_every()`` seconds on its
OWN database connection (a thread's Django connection is its own). The apply phase is one long transaction: a
heartbeat written on the job's connection would stay invisible to everyone else until it commits, that is for the
whole phase the reaper has to judge. The thread's autocommit UPDATE is visible at once:

- PostgreSQL: the apply transaction holds only a FOR KEY SHARE lock on the job's row (the new records reference the
  job), which does not conflict with the heartbeat's UPDATE; the row is locked for writing only at the very end
  (``succeed``), and then the beat waits at most ``SHORT_WAIT_MS`` and retries later;
- SQLite: one writer at a time, so the beat cannot be written while the apply transaction holds the write lock; it
  waits ``SHORT_WAIT_MS`` and skips. A heartbeat may then grow stale during a very long apply, but the reaper needs
  the same write lock to fail the job: it cannot while the apply runs, and SQLite's lock dies with its process.

**The reaper** (``reap``) fails every running job whose last sign of life (heartbeat, else start) is older than
``JIXIAO_JOB_STALE_SECONDS`` with a message saying in which phase it stopped and what to do, marks its django-tasks
task row failed if it is still RUNNING, records an audit row, and calls the cleanups registered by the apps
(``register_cleanup``: execution drops the job's staging tables and sweeps orphaned ones). A job queued whose task
row was claimed by a worker that died before the job itself was claimed is failed the same way. Each job is reaped
in its own transaction that waits at most ``SHORT_WAIT_MS`` for a lock and skips rows another transaction holds (a
live job committing): a page polling the job never hangs on a live apply.

It runs: on the job pages and the job API while they are polled (``check``: the job at hand when its heartbeat is
stale, and the whole reaper at most every ``SWEEP_EVERY`` seconds per process), before the worker starts
(``manage.py reap_jobs`` in ``make run``/``make worker`` and the systemd unit), and every few minutes from the
``jixiao-reap-jobs`` timer (docs/admin-guide.md). The runner checks that its job is still running in every progress
call and when it commits (``imports.jobs.JobInterrupted``): a job the reaper failed never writes a row.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit import trail
from audit.context import acting_as
from audit.models import AuditAction
from imports.models import ImportJob, ImportStatus

logger = logging.getLogger(__name__)

SHORT_WAIT_MS = 1000  # the longest the heartbeat and the reaper wait for a lock before trying again later
SWEEP_EVERY = 60  # seconds between two runs of the whole reaper from the polled pages, per process
RETRY_JOB_EVERY = 15  # seconds between two attempts to reap the same job from its polled page
REAPER_NAME = "系统（后台任务检查）"  # the audit actor of a reaped job

_WHERE = {
    "": "在开始处理前",
    "read": "在读取文件阶段",
    "validate": "在逐行校验阶段",
    "check": "在校验阶段",
    "apply": "在写入阶段",
}


def _where(phase: str) -> str:
    return _WHERE.get(phase, "在处理过程中")


EXPORT_KIND = "export"  # export jobs of the list pages (core/exports.py) share the job model and this reaper


def interrupted_message(phase: str, kind: str = "") -> str:
    """What the job page says about a job whose worker died in ``phase``."""
    if kind == EXPORT_KIND:
        return (
            "后台处理进程在生成导出文件时中断，文件未生成；请重新导出。若反复出现，请联系系统管理员检查后台任务进程。"
        )
    where = _where(phase)
    return (
        f"后台处理进程{where}中断，数据未写入任何一行；请重新上传该文件。若反复出现，请联系系统管理员检查后台任务进程。"
    )


def stale_seconds() -> int:
    return int(settings.JIXIAO_JOB_STALE_SECONDS)


def beat_every(limit: int | None = None) -> float:
    """About six beats per limit (30 s for the default 3 minutes), at least two per second in tests."""
    return max(0.5, min(30.0, (limit or stale_seconds()) / 6))


# --- cleanups registered by the apps --------------------------------------------------------------------------
_cleanups: list[Callable[[list[int]], None]] = []


def register_cleanup(cleanup: Callable[[list[int]], None]) -> None:
    """``cleanup(reaped_job_ids)`` runs after every reaper run (with an empty list too): drop what those jobs left
    and sweep what no running job owns."""
    if cleanup not in _cleanups:
        _cleanups.append(cleanup)


# --- waiting briefly for locks --------------------------------------------------------------------------------
@contextlib.contextmanager
def short_waits():
    """On this thread's connection: wait at most ``SHORT_WAIT_MS`` for a lock, then fail (and try again later)."""
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        yield
        return
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("PRAGMA busy_timeout")
            before = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA busy_timeout = {SHORT_WAIT_MS}")
        else:
            cursor.execute(
                "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, false)", [f"{SHORT_WAIT_MS}ms"]
            )
            before = cursor.fetchone()[0]
    try:
        yield
    finally:
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            if vendor == "sqlite":
                cursor.execute(f"PRAGMA busy_timeout = {int(before)}")
            else:
                cursor.execute("SELECT set_config('lock_timeout', %s, false)", [before])


# --- heartbeats -----------------------------------------------------------------------------------------------
class Heartbeat:
    """``with Heartbeat(job_id):`` renews the job's heartbeat every ``every`` seconds from a thread with its own
    database connection, until the block ends (see the module docstring for why a separate connection)."""

    def __init__(self, job_id: int, every: float | None = None):
        self.job_id = job_id
        self.every = every if every is not None else beat_every()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5 * SHORT_WAIT_MS / 1000)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                self.beat()
        finally:
            connection.close()  # this thread's own connection

    def beat(self) -> bool:
        """One heartbeat; False when it could not be written now (a lock held) or the job is no longer running."""
        try:
            with short_waits():
                return bool(
                    ImportJob.objects.filter(pk=self.job_id, status=ImportStatus.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                )
        except DatabaseError as exc:
            logger.info("heartbeat of import job %s not written now: %s", self.job_id, exc)
            return False


def is_stale(job: ImportJob, *, limit: int | None = None, now: datetime | None = None) -> bool:
    last = job.heartbeat_at or job.started_at or job.created_at
    cutoff = (now or timezone.now()) - timedelta(seconds=limit if limit is not None else stale_seconds())
    return job.status == ImportStatus.RUNNING and last is not None and last < cutoff


# --- the reaper -----------------------------------------------------------------------------------------------
def _last_sign():
    return Coalesce("heartbeat_at", "started_at", "created_at")


def _task_model():
    """django_tasks_db's task rows, when the database backend is installed."""
    if not apps.is_installed("django_tasks_db"):
        return None
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult


def _task_pk(task_id: str) -> str | None:
    try:
        return str(uuid.UUID(task_id))
    except (TypeError, ValueError):
        return None


def _dead_unclaimed(cutoff: datetime) -> list[int]:
    """Queued jobs whose task row a worker claimed (RUNNING) before the cutoff: it died before claiming the job."""
    model = _task_model()
    if model is None:
        return []
    from django_tasks import TaskResultStatus

    stuck = {
        str(pk)
        for pk in model.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    }
    if not stuck:
        return []
    return [
        pk
        for pk, task_id in ImportJob.objects.filter(status=ImportStatus.PENDING)
        .exclude(task_id="")
        .values_list("pk", "task_id")
        if _task_pk(task_id) in stuck
    ]


def _fail_task_row(task_id: str, message: str, now: datetime) -> None:
    model, pk = _task_model(), _task_pk(task_id)
    if model is None or pk is None:
        return
    from django_tasks import TaskResultStatus

    model.objects.filter(pk=pk, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        return_value=None,
        exception_class_path="imports.liveness.WorkerLost",
        traceback=f"后台任务检查（reap_jobs）：{message}",
    )


def _reap_one(pk: int, condition: Q, now: datetime) -> bool:
    """Fail one job if it still meets ``condition``, in a transaction of its own; False when it beat, ended or is
    held by a live transaction meanwhile, or a lock could not be had now."""
    try:
        with short_waits(), transaction.atomic():
            jobs = ImportJob.objects.annotate(last_sign=_last_sign()).filter(condition, pk=pk)
            if connection.features.has_select_for_update:
                # NO KEY: the records a live apply inserts hold KEY SHARE on the job's row, which this must not wait
                # for; SKIP LOCKED: a job whose row is being written (its commit) is alive.
                jobs = jobs.select_for_update(skip_locked=True, no_key=True)
            job = jobs.first()
            if job is None:
                return False
            message = interrupted_message(job.phase, job.kind)
            last = job.heartbeat_at or job.started_at
            ImportJob.objects.filter(pk=pk).update(
                status=ImportStatus.FAILED,
                phase="",
                errors=[{"row": None, "key": "", "message": message, "text": message}],
                error_count=1,
                finished_at=now,
                summary={
                    **(job.summary or {}),
                    "interrupted": {
                        "phase": job.phase,
                        "message": message,
                        "last_heartbeat": last.isoformat() if last else None,
                    },
                },
            )
            _fail_task_row(job.task_id, message, now)
            with acting_as(name=REAPER_NAME):
                exporting = job.kind == EXPORT_KIND
                doing, failed = ("正在导出", "导出失败") if exporting else ("正在导入", "导入失败")
                trail.record(
                    AuditAction.EXPORT if exporting else AuditAction.IMPORT,
                    job,
                    changes={"状态": [doing if job.status == ImportStatus.RUNNING else "排队中", failed]},
                    reason=f"后台处理进程在生成导出文件时中断：{job.original_name}"
                    if exporting
                    else f"后台处理进程{_where(job.phase)}中断，未写入任何数据：{job.original_name}",
                )
    except DatabaseError as exc:
        logger.warning("import job %s not reaped now (%s); trying again later", pk, exc)
        return False
    logger.warning("import job %s failed by the reaper: its worker stopped in phase %r", pk, job.phase)
    return True


def reap(*, limit: int | None = None, job_ids: Iterable[int] | None = None, now: datetime | None = None) -> list[int]:
    """Fail the jobs whose worker is gone (see the module docstring), then run the registered cleanups.
    ``limit`` in seconds (default ``JIXIAO_JOB_STALE_SECONDS``); ``job_ids`` restricts the jobs looked at. Returns
    the ids of the jobs failed."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=limit if limit is not None else stale_seconds())
    running = Q(status=ImportStatus.RUNNING, last_sign__lt=cutoff)
    candidates = ImportJob.objects.annotate(last_sign=_last_sign()).filter(running)
    unclaimed = _dead_unclaimed(cutoff)
    if job_ids is not None:
        wanted = set(job_ids)
        candidates = candidates.filter(pk__in=wanted)
        unclaimed = [pk for pk in unclaimed if pk in wanted]
    reaped = [pk for pk in candidates.values_list("pk", flat=True) if _reap_one(pk, running, now)]
    reaped += [pk for pk in unclaimed if _reap_one(pk, Q(status=ImportStatus.PENDING), now)]
    for cleanup in _cleanups:
        try:
            cleanup(reaped)
        except Exception:
            logger.exception("cleanup %r after reaping jobs %s failed", cleanup, reaped)
    return reaped


# --- from the polled pages ------------------------------------------------------------------------------------
_last_sweep = 0.0
_tried: dict[int, float] = {}


def reap_due() -> None:
    """The whole reaper, at most every ``SWEEP_EVERY`` seconds per process."""
    global _last_sweep
    if time.monotonic() - _last_sweep < SWEEP_EVERY:
        return
    _last_sweep = time.monotonic()
    try:
        reap()
    except Exception:
        logger.exception("the job reaper failed")


def check(job: ImportJob) -> ImportJob:
    """The polled job page's cheap check: reap this job now when its heartbeat is stale (at most every
    ``RETRY_JOB_EVERY`` seconds), and run the whole reaper when due. Returns the job as it now is."""
    if is_stale(job) and time.monotonic() - _tried.get(job.pk, 0.0) >= RETRY_JOB_EVERY:
        _tried[job.pk] = time.monotonic()
        try:
            if reap(job_ids=[job.pk]):
                job.refresh_from_db()
        except Exception:
            logger.exception("reaping import job %s failed", job.pk)
        if len(_tried) > 1000:
            _tried.clear()
    reap_due()
    return job

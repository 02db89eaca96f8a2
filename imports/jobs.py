"""The one runner of import jobs (``ImportJob``): the Excel imports of the framework (``imports.tasks.run_import``) and
the loads of execution data (``execution.tasks.run_load``, and the API push run in the request) go through the same
life, recorded the same way:

1. **queued** — ``queue_upload`` stores the uploaded file under ``MEDIA_ROOT/imports/<kind>/``, creates the job
   (排队中) and hands it to a task of the database queue (``manage.py db_worker`` runs it);
2. **started** — ``run_task``, the body of such a task, claims the job: 排队中 → 正在导入, ``started_at`` (a task
   delivered twice runs once), and runs it as its uploader (the audit actor) in the site's language. A job run at
   once in the request is created started (``begin``);
3. **progress** — ``JobRunner.progress`` writes the phase and the rows done while the rows are checked, outside any
   transaction, so that the page polling the job sees it;
4. **success** — ``JobRunner.succeed`` runs inside the write transaction: the job's final state (summary,
   ``finished_at``) commits with the rows or not at all;
5. **failure** — ``JobRunner.fail``: nothing was written; the job keeps the first ``MAX_STORED_ERRORS`` errors and
   their count, optionally a downloadable report of every one (``error_report``, served by
   ``error_report_response``), and an audit row records the failure.

While it runs, the job shows a heartbeat (``heartbeat_at``): at its claim, at every progress call, and from a thread
of its own during long statements (``imports.liveness.Heartbeat``). A job whose worker died stops beating and is
failed by the reaper (``imports.liveness.reap``); progress and success check that the job is still running and raise
``JobInterrupted`` otherwise, so that a job the reaper failed never writes a row.

A kind of job subclasses ``JobRunner`` with what differs: who may still run it (``allowed``), the work itself
(``work``), how a problem of the job as a whole is written in its error type (``issue``), what a failure's audit row
names (``title``), and whether it writes an error report (``error_report``).

The timing fields (``started_at``, ``finished_at``, ``heartbeat_at``) are real time, ``timezone.now()``; business dates come from
``core.clock`` (docs/architecture.md 8.1).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils import timezone, translation

from audit import trail
from audit.context import acting_as
from audit.models import AuditAction
from imports import liveness
from imports.models import ImportJob, ImportPhase, ImportStatus

logger = logging.getLogger(__name__)

# Titles of job kinds that are not Excel importers (execution data loads), registered by their app.
KIND_TITLES: dict[str, str] = {}


def register_kind(kind: str, title: str) -> None:
    KIND_TITLES[kind] = title


MAX_STORED_ERRORS = 500  # on the job (its page and the API); an error report, where the kind writes one, lists all
NOT_ALLOWED = "上传人已无此项导入权限，未写入任何数据"


class JobInterrupted(Exception):
    """The job is no longer running: the reaper failed it (its heartbeat went stale). Raised by progress and
    success, so that the work stops and its write transaction rolls back."""


# --- queued ------------------------------------------------------------------------------------------------------
def refuse(user, *, object_type: str, title: str, why: str, ip: str | None = None) -> NoReturn:
    """Record that ``user`` may not import ``title`` and raise PermissionDenied: nothing is stored."""
    trail.record(
        AuditAction.PERMISSION_DENIED,
        object_type=object_type,
        object_repr=f"导入{title}",
        reason=f"缺少权限：{why}",
        actor=user,
        ip=ip,
    )
    raise PermissionDenied("无权导入")


def upload_name(uploaded_file, default: str) -> str:
    """The uploader's file name without any directory part (kept for display only; the stored name is random)."""
    return (getattr(uploaded_file, "name", "") or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or default


def queue_upload(
    user, kind: str, uploaded_file, *, name: str, suffix: str, task, ip: str | None = None, summary: dict | None = None
) -> ImportJob:
    """Store the (already checked) file, create the job and queue ``task(job.pk)``; the job as created."""
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    stored = default_storage.save(f"imports/{kind}/{uuid.uuid4().hex}.{suffix}", uploaded_file)
    with transaction.atomic():
        job = ImportJob(
            kind=kind,
            original_name=name[:255],
            file_size=uploaded_file.size,
            sha256=digest.hexdigest(),
            uploaded_by=user,
            organisation_id=user.organisation_id,
            client_ip=ip,
            summary=summary or {},
        )
        job.file.name = stored
        job.save()
    result = task.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


# --- started -----------------------------------------------------------------------------------------------------
def claim(job_id: int) -> bool:
    """排队中 → 正在导入 (phase 读取文件, ``started_at``, the first heartbeat); False when another delivery of the
    task has it."""
    now = timezone.now()
    return bool(
        ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(
            status=ImportStatus.RUNNING, phase=ImportPhase.READ, started_at=now, heartbeat_at=now
        )
    )


def begin(**fields) -> ImportJob:
    """A job run at once, in the request (an API push): created 正在导入."""
    now = timezone.now()
    return ImportJob.objects.create(status=ImportStatus.RUNNING, started_at=now, heartbeat_at=now, **fields)


def run_task(job_id: int, runner: type[JobRunner]) -> dict:
    """The body of a job's task: claim the job, run it as its uploader, and say how it ended."""
    if not claim(job_id):
        return {"job": job_id, "skipped": True}
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    with translation.override(settings.LANGUAGE_CODE), acting_as(user=job.uploaded_by, ip=job.client_ip):
        runner(job).run()
    job.refresh_from_db()
    return {"job": job.pk, "status": job.status, "summary": job.summary, "errors": job.error_count}


class JobRunner:
    """Runs one job of one kind. Subclasses implement ``work`` and ``issue`` (see the module docstring)."""

    title = ""  # what is imported, named in a failure's audit row: “导入{title}失败……”
    failure_action = AuditAction.IMPORT  # the audit action of a failure (an export job's is EXPORT)

    def __init__(self, job: ImportJob):
        self.job = job

    # --- what a kind says ------------------------------------------------------------------------------------
    def allowed(self) -> bool:
        """May the job still run (its uploader may have lost the role since the upload)?"""
        return True

    def work(self) -> tuple[int, list]:
        """Import; call ``succeed`` inside the write transaction. (rows, problems): no problems when it succeeded."""
        raise NotImplementedError

    def issue(self, message: str) -> Any:
        """A problem of the job as a whole, in the kind's error type (anything with ``as_dict()``)."""
        raise NotImplementedError

    def crash_message(self) -> str:
        """What a failed job says when its work crashed (the traceback goes to the log)."""
        return f"导入时发生系统错误，未写入任何数据。请联系系统管理员（导入任务 #{self.job.pk}）"

    def failure_reason(self, count: int) -> str:
        """The reason of a failure's audit row."""
        return f"导入{self.title}失败，未写入任何数据：{self.job.original_name}（{count} 处错误）"

    def error_report(self, problems: list) -> bytes | None:
        """The downloadable report of every problem (a file's content), or None: the kind writes none."""
        return None

    # --- the life of the job ---------------------------------------------------------------------------------
    def run(self) -> None:
        """Do the work (with a heartbeat) and record how it ended; a crash fails the job with a message for the
        administrator; a job the reaper failed meanwhile just stops (it wrote nothing)."""
        if not self.allowed():
            self.fail([self.issue(NOT_ALLOWED)])
            return
        try:
            with liveness.Heartbeat(self.job.pk):
                total, problems = self.work()
        except JobInterrupted:
            logger.warning("import job %s was failed by the reaper while it ran; nothing written", self.job.pk)
            return
        except Exception:
            logger.exception("import job %s (%s) crashed", self.job.pk, self.job.kind)
            self.fail([self.issue(self.crash_message())])
            return
        if problems:
            self.fail(problems, total=total)

    def _running(self):
        return ImportJob.objects.filter(pk=self.job.pk, status=ImportStatus.RUNNING)

    def progress(self, phase: str, done: int, total: int) -> None:
        """Outside any transaction: the phase, the rows done and a heartbeat; JobInterrupted when the job was
        failed by the reaper meanwhile."""
        if not self._running().update(phase=phase, processed_rows=done, total_rows=total, heartbeat_at=timezone.now()):
            raise JobInterrupted(self.job.pk)

    def succeed(self, *, total: int, summary: dict) -> None:
        """Inside the write transaction: the job's final state commits with the rows. JobInterrupted (rolling the
        rows back) when the reaper failed the job meanwhile."""
        updated = self._running().update(
            status=ImportStatus.SUCCEEDED,
            phase="",
            processed_rows=total,
            total_rows=total,
            summary={**(self.job.summary or {}), **summary},
            errors=[],
            error_count=0,
            finished_at=timezone.now(),
        )
        if not updated:
            raise JobInterrupted(self.job.pk)

    def fail(self, problems: list, *, total: int = 0) -> None:
        """Nothing was written: store the first problems, their count, the report if the kind writes one, and an
        audit row. A job the reaper failed already keeps its message."""
        job = self.job
        fields = {}
        report = self.error_report(problems)
        name = None
        if report is not None:
            name = default_storage.save(f"imports/{job.kind}/errors-{uuid.uuid4().hex}.csv", ContentFile(report))
            fields["summary"] = {**(job.summary or {}), "error_report": name}
        updated = self._running().update(
            status=ImportStatus.FAILED,
            phase="",
            total_rows=total,
            errors=[p.as_dict() for p in problems[:MAX_STORED_ERRORS]],
            error_count=len(problems),
            finished_at=timezone.now(),
            **fields,
        )
        if not updated:
            if name:
                default_storage.delete(name)
            return
        trail.record(
            self.failure_action, job, changes={"错误数": len(problems)}, reason=self.failure_reason(len(problems))
        )


# --- the error report --------------------------------------------------------------------------------------------
def error_report_response(job: ImportJob) -> FileResponse:
    """The full error report of a failed job, as a download (recorded); 404 when it has none."""
    name = (job.summary or {}).get("error_report")
    if not name or not default_storage.exists(name):
        raise Http404("没有错误报告")
    trail.record(AuditAction.EXPORT, job, reason=f"下载错误报告（{job.error_count} 处错误）")
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=f"错误报告-导入任务{job.pk}.csv",
        content_type="text/csv; charset=utf-8",
    )

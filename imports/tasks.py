"""Background execution of imports through the Tasks framework (django-tasks, database backend).

The worker (``manage.py db_worker``, started by ``make run``) picks the task up. Progress is written
with ``ImportJob.objects.filter(pk=…).update(…)`` during the checking phase, which runs outside any
transaction, so the page polling the job sees it; the writing phase is one transaction (on SQLite a
second writer could not report progress from inside it) and commits the rows, the job's final state
and the audit row together.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone, translation
from django_tasks import task

from audit import trail
from audit.context import acting_as
from audit.models import AuditAction
from imports import framework
from imports.models import ImportJob, ImportPhase, ImportStatus

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 500


@task()
def run_import(job_id: int) -> dict:
    # Claim the job: a task delivered twice runs once.
    if not ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING, phase=ImportPhase.READ, started_at=timezone.now()
    ):
        return {"job": job_id, "skipped": True}
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    importer_cls = framework.get_importer(job.kind)
    with translation.override(settings.LANGUAGE_CODE), acting_as(user=job.uploaded_by, ip=job.client_ip):
        if importer_cls is None or not importer_cls.allowed(job.uploaded_by) or not job.uploaded_by.is_active:
            _fail(job, [framework.Issue("上传人已无此项导入权限，未写入任何数据")], total=0)
        else:
            _run(job, importer_cls)
    job.refresh_from_db()
    if importer_cls is not None and not importer_cls.retain_upload and job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
    return {"job": job.pk, "status": job.status, "summary": job.summary, "errors": job.error_count}


def _run(job: ImportJob, importer_cls) -> None:
    importer = importer_cls(job.uploaded_by, reason=f"Excel 导入{importer_cls.title}（导入任务 #{job.pk}）")

    def progress(phase: str, processed: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(phase=phase, processed_rows=processed, total_rows=total)

    def succeeded(result: framework.Result) -> None:
        # Inside the writing transaction: the job's state and the audit row commit with the rows.
        summary = result.summary()
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.SUCCEEDED,
            phase="",
            processed_rows=result.total,
            total_rows=result.total,
            summary=summary,
            errors=[],
            error_count=0,
            finished_at=timezone.now(),
        )
        trail.record(
            AuditAction.IMPORT,
            job,
            changes=summary,
            reason=f"导入{importer_cls.title}：{job.original_name}（{_summary_text(summary)}）",
        )

    try:
        source = job.file.path
        result = framework.run(importer, source, progress=progress, on_success=succeeded)
    except Exception:
        logger.exception("import job %s crashed", job.pk)
        _fail(
            job,
            [framework.Issue(f"导入时发生系统错误，未写入任何数据。请联系系统管理员（导入任务 #{job.pk}）")],
            total=0,
        )
        return
    if not result.ok:
        _fail(job, result.issues, total=result.total)


def _fail(job: ImportJob, issues: list, *, total: int) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED,
        phase="",
        total_rows=total,
        errors=[i.as_dict() for i in issues[:MAX_STORED_ERRORS]],
        error_count=len(issues),
        finished_at=timezone.now(),
    )
    trail.record(
        AuditAction.IMPORT,
        job,
        changes={"错误数": len(issues)},
        reason=f"导入失败，未写入任何数据：{job.original_name}（{len(issues)} 处错误）",
    )


def _summary_text(summary: dict) -> str:
    return (
        f"共 {summary['total']} 行，新增 {summary['created']}，更新 {summary['updated']}，未变化 {summary['unchanged']}"
    )

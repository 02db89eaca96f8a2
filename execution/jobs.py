"""Loading execution data as a tracked job (``imports.models.ImportJob``): a file in the background, an API push
in the request. Both end in ``execution.loading.Loader``; the job records status, progress, errors and the
summary, and the audit trail records the outcome (docs/decisions/0014)."""

from __future__ import annotations

import hashlib
import io
import logging
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from audit import trail
from audit.models import AuditAction
from execution import loading
from execution.choices import RecordSource
from execution.loading import KINDS, Kind, LoadError, LoadFileError, LoadResult
from execution.permissions import bureau_of, can_upload
from imports.models import ImportJob, ImportPhase, ImportStatus

logger = logging.getLogger(__name__)

JOB_KIND_PREFIX = "execution."
MAX_STORED_ERRORS = 500  # on the job page; the downloadable report lists every one
MAX_PUSH_RECORDS = 10_000  # per API request


def job_kind(kind: Kind) -> str:
    return f"{JOB_KIND_PREFIX}{kind.key}"


def kind_of(job: ImportJob) -> Kind | None:
    if not job.kind.startswith(JOB_KIND_PREFIX):
        return None
    return KINDS.get(job.kind[len(JOB_KIND_PREFIX) :])


def max_upload_bytes() -> int:
    return settings.JIXIAO_EXECUTION_MAX_UPLOAD_BYTES


def check_upload(uploaded_file) -> None:
    """Size and content (CSV text or a real .xlsx): LoadFileError with the message to show."""
    limit = max_upload_bytes()
    if uploaded_file.size > limit:
        raise LoadFileError(
            f"文件不能超过 {limit // (1024 * 1024)} MB（本文件 {uploaded_file.size / 1024 / 1024:.1f} MB）"
        )
    if not uploaded_file.size:
        raise LoadFileError("文件是空的")
    uploaded_file.seek(0)
    head = uploaded_file.read(8192)
    uploaded_file.seek(0)
    if head.startswith(loading.OLE_MAGIC):
        raise LoadFileError("这是旧版 .xls 文件或加密的 Excel 文件，请另存为 .xlsx 或 CSV（逗号分隔）后再上传")
    if not head.startswith(loading.ZIP_MAGIC) and b"\x00" in head:
        raise LoadFileError("文件不是 CSV 文本文件，也不是 .xlsx 文件")


def _refuse(user, kind: Kind, ip) -> None:
    trail.record(
        AuditAction.PERMISSION_DENIED,
        object_type=kind.model._meta.label_lower,
        object_repr=f"导入{kind.title}",
        reason="缺少权限：国库科或预算管理科",
        actor=user,
        ip=ip,
    )
    raise PermissionDenied("无权导入")


def start_load(user, kind: Kind, uploaded_file, *, fiscal_year: int, ip: str | None = None) -> ImportJob:
    """Check and store the file, create the job and queue ``execution.tasks.run_load``."""
    if not can_upload(user) or bureau_of(user) is None:
        _refuse(user, kind, ip)
    check_upload(uploaded_file)
    name = (getattr(uploaded_file, "name", "") or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or "upload"
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    suffix = "xlsx" if uploaded_file.read(4) == loading.ZIP_MAGIC else "csv"
    uploaded_file.seek(0)
    stored = default_storage.save(f"imports/{job_kind(kind)}/{uuid.uuid4().hex}.{suffix}", uploaded_file)
    with transaction.atomic():
        job = ImportJob(
            kind=job_kind(kind),
            original_name=name[:255],
            file_size=uploaded_file.size,
            sha256=digest.hexdigest(),
            uploaded_by=user,
            organisation_id=user.organisation_id,
            client_ip=ip,
            summary={"fiscal_year": int(fiscal_year)},
        )
        job.file.name = stored
        job.save()
    from execution.tasks import run_load

    result = run_load.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def run_job(job: ImportJob) -> None:
    """Load the job's stored file (called by the task, with the uploader as the audit actor)."""
    kind = kind_of(job)
    user = job.uploaded_by
    bureau = bureau_of(user)
    if kind is None or not can_upload(user) or bureau is None:
        fail(job, kind or loading.PAYMENTS, [LoadError(None, "", "上传人已无此项导入权限，未写入任何数据")])
        return

    def progress(phase: str, done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(phase=phase, processed_rows=done, total_rows=total)

    def succeeded(result: LoadResult) -> None:
        # Inside the write transaction: the job's final state commits with the rows.
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.SUCCEEDED,
            phase="",
            processed_rows=result.total,
            total_rows=result.total,
            summary={**job.summary, **result.summary()},
            errors=[],
            error_count=0,
            finished_at=timezone.now(),
        )

    try:
        result = loading.load_path(
            kind,
            job.file.path,
            bureau=bureau,
            fiscal_year=job.summary.get("fiscal_year"),
            user=user,
            source=RecordSource.FILE,
            import_job=job,
            progress=progress,
            on_success=succeeded,
            reason=f"导入{kind.title}：{job.original_name}（导入任务 #{job.pk}）",
        )
    except LoadFileError as exc:
        fail(job, kind, [LoadError(None, "", str(exc))])
        return
    except Exception:
        logger.exception("execution load job %s crashed", job.pk)
        fail(
            job,
            kind,
            [LoadError(None, "", f"导入时发生系统错误，未写入任何数据。请联系系统管理员（导入任务 #{job.pk}）")],
        )
        return
    if not result.ok:
        fail(job, kind, result.errors, total=result.total)


def fail(job: ImportJob, kind: Kind, errors: list[LoadError], *, total: int = 0) -> None:
    """The job failed: nothing was written. Store the first errors, the full report and an audit row."""
    report = io.StringIO()
    report.write("\ufeff")
    loading.write_error_report(kind, errors, report)
    name = default_storage.save(
        f"imports/{job_kind(kind)}/errors-{uuid.uuid4().hex}.csv", ContentFile(report.getvalue().encode("utf-8"))
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED,
        phase="",
        total_rows=total,
        errors=[e.as_dict() for e in errors[:MAX_STORED_ERRORS]],
        error_count=len(errors),
        summary={**(job.summary or {}), "error_report": name},
        finished_at=timezone.now(),
    )
    trail.record(
        AuditAction.IMPORT,
        job,
        changes={"错误数": len(errors)},
        reason=f"导入{kind.title}失败，未写入任何数据：{job.original_name}（{len(errors)} 处错误）",
    )


def push(user, kind: Kind, records: list, *, fiscal_year: int, ip: str | None = None) -> tuple[ImportJob, LoadResult]:
    """An API push: the same loader, synchronously, recorded as a job. PermissionDenied without the role."""
    if not can_upload(user) or bureau_of(user) is None:
        _refuse(user, kind, ip)
    job = ImportJob.objects.create(
        kind=job_kind(kind),
        original_name=f"接口推送（{len(records)} 条）",
        uploaded_by=user,
        organisation_id=user.organisation_id,
        client_ip=ip,
        status=ImportStatus.RUNNING,
        phase=ImportPhase.APPLY,
        total_rows=len(records),
        started_at=timezone.now(),
        summary={"fiscal_year": int(fiscal_year)},
    )

    def succeeded(result: LoadResult) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.SUCCEEDED,
            phase="",
            processed_rows=result.total,
            total_rows=result.total,
            summary={**job.summary, **result.summary()},
            finished_at=timezone.now(),
        )

    result = loading.load_records(
        kind,
        records,
        bureau=bureau_of(user),
        fiscal_year=fiscal_year,
        user=user,
        source=RecordSource.API,
        import_job=job,
        on_success=succeeded,
        reason=f"接口推送{kind.title}（任务 #{job.pk}）",
    )
    if not result.ok:
        fail(job, kind, result.errors, total=result.total)
    job.refresh_from_db()
    return job, result

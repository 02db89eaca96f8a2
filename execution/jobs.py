"""Loading execution data as a tracked job (``imports.models.ImportJob``): a file in the background, an API push
in the request. Both end in ``execution.loading.Loader``; the job's life (start, progress, success, failure with the
stored errors and the CSV error report) is the one every import job has (``imports.jobs``), and the audit trail
records the outcome (docs/decisions/0014)."""

from __future__ import annotations

import io
from typing import NoReturn

from django.conf import settings

from core import files
from execution import loading
from execution.choices import RecordSource
from execution.loading import KINDS, Kind, LoadError, LoadFileError, LoadResult
from execution.permissions import bureau_of, can_upload
from imports import jobs as import_jobs
from imports import liveness
from imports.jobs import JobRunner
from imports.models import ImportJob, ImportPhase

JOB_KIND_PREFIX = "execution."
MAX_PUSH_RECORDS = 10_000  # per API request


def job_kind(kind: Kind) -> str:
    return f"{JOB_KIND_PREFIX}{kind.key}"


for _kind in KINDS.values():  # /api/imports/ names these jobs by their Chinese title (kind_title)
    import_jobs.register_kind(job_kind(_kind), _kind.title)
# A job failed by the reaper leaves its staging tables behind (its process died): drop them, and sweep orphans.
liveness.register_cleanup(loading.cleanup_staging)


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
    # The format is told by the content, whatever the name; a web page or a Word file is refused (core/files.py).
    family = files.content_family(uploaded_file)
    if family not in ("text", "xlsx"):
        raise LoadFileError(files.mismatch_message(uploaded_file.name, family, ["csv", "xlsx"]))


def _refuse(user, kind: Kind, ip) -> NoReturn:
    import_jobs.refuse(
        user, object_type=kind.model._meta.label_lower, title=kind.title, why="国库科或预算管理科", ip=ip
    )


def start_load(user, kind: Kind, uploaded_file, *, fiscal_year: int, ip: str | None = None) -> ImportJob:
    """Check and store the file, create the job and queue ``execution.tasks.run_load``."""
    if not can_upload(user) or bureau_of(user) is None:
        _refuse(user, kind, ip)
    check_upload(uploaded_file)
    uploaded_file.seek(0)
    suffix = "xlsx" if uploaded_file.read(4) == loading.ZIP_MAGIC else "csv"
    uploaded_file.seek(0)
    from execution.tasks import run_load

    return import_jobs.queue_upload(
        user,
        job_kind(kind),
        uploaded_file,
        name=import_jobs.upload_name(uploaded_file, "upload"),
        suffix=suffix,
        task=run_load,
        ip=ip,
        summary={"fiscal_year": int(fiscal_year)},
    )


class LoadRunner(JobRunner):
    """A load of execution data recorded as a job: the stored file of an upload (``work``, run by the task
    ``run_load``) or the records of an API push (``push``, in the request). Its problems are ``LoadError``s; a
    failure writes the CSV report of every one (行号, natural key, 问题)."""

    def __init__(self, job: ImportJob):
        super().__init__(job)
        self.kind = kind_of(job) or loading.PAYMENTS
        self.title = self.kind.title

    def allowed(self) -> bool:
        user = self.job.uploaded_by
        return kind_of(self.job) is not None and can_upload(user) and bureau_of(user) is not None

    def issue(self, message: str) -> LoadError:
        return LoadError(None, "", message)

    def error_report(self, problems: list) -> bytes:
        report = io.StringIO()
        report.write("\ufeff")
        loading.write_error_report(self.kind, problems, report)
        return report.getvalue().encode("utf-8")

    def work(self) -> tuple[int, list]:
        """Load the job's stored file (with the uploader as the audit actor, set by the task)."""
        job, kind = self.job, self.kind
        try:
            result = loading.load_path(
                kind,
                job.file.path,
                bureau=bureau_of(job.uploaded_by),
                fiscal_year=job.summary.get("fiscal_year"),
                user=job.uploaded_by,
                source=RecordSource.FILE,
                import_job=job,
                progress=self.progress,
                on_success=self.succeeded,
                reason=f"导入{kind.title}：{job.original_name}（导入任务 #{job.pk}）",
            )
        except LoadFileError as exc:
            return 0, [LoadError(getattr(exc, "line", None), "", str(exc))]
        return result.total, result.errors

    def succeeded(self, result: LoadResult) -> None:
        # Inside the write transaction: the job's final state commits with the rows.
        self.succeed(total=result.total, summary=result.summary())


def push(user, kind: Kind, records: list, *, fiscal_year: int, ip: str | None = None) -> tuple[ImportJob, LoadResult]:
    """An API push: the same loader, synchronously, recorded as a job. PermissionDenied without the role."""
    if not can_upload(user) or bureau_of(user) is None:
        _refuse(user, kind, ip)
    job = import_jobs.begin(
        kind=job_kind(kind),
        original_name=f"接口推送（{len(records)} 条）",
        uploaded_by=user,
        organisation_id=user.organisation_id,
        client_ip=ip,
        phase=ImportPhase.APPLY,
        total_rows=len(records),
        summary={"fiscal_year": int(fiscal_year)},
    )
    runner = LoadRunner(job)
    with liveness.Heartbeat(job.pk):
        result = loading.load_records(
            kind,
            records,
            bureau=bureau_of(user),
            fiscal_year=fiscal_year,
            user=user,
            source=RecordSource.API,
            import_job=job,
            on_success=runner.succeeded,
            reason=f"接口推送{kind.title}（任务 #{job.pk}）",
        )
    if not result.ok:
        runner.fail(result.errors, total=result.total)
    job.refresh_from_db()
    return job, result


def percent(job: ImportJob) -> int:
    """The progress bar of a loading job: reading fills it to 70 %, checking shows 75 %, writing (one
    transaction) 85 %."""
    if job.status == "succeeded":
        return 100
    if job.phase == "apply":
        return 85
    if job.phase == "check":
        return 75
    if job.phase == "read" and job.total_rows:
        return 5 + min(65, int(job.processed_rows * 65 / job.total_rows))
    return 2 if job.status == "running" else 0

"""Background execution of Excel imports through the Tasks framework (django-tasks, database backend).

The worker (``manage.py db_worker``, started by ``make run``) picks ``run_import`` up; the job's life (claim,
progress, success, failure) is the one of every import job, ``imports.jobs``. Progress is written during the checking
phase, which runs outside any transaction, so the page polling the job sees it; the writing phase is one transaction
(on SQLite a second writer could not report progress from inside it) and commits the rows, the job's final state and
the audit row together.
"""

from __future__ import annotations

from django_tasks import task

from audit import trail
from audit.models import AuditAction
from imports import framework
from imports.jobs import JobRunner, run_task
from imports.models import ImportJob


@task()
def run_import(job_id: int) -> dict:
    return run_task(job_id, ExcelImportRunner)


class ExcelImportRunner(JobRunner):
    """An Excel import job: ``framework.run`` with the job's importer, as its uploader. The failure's audit row names
    the file only (``title`` empty); no error report file: the job page lists the problems by cell."""

    def __init__(self, job: ImportJob):
        super().__init__(job)
        self.importer_cls = framework.get_importer(job.kind)

    def allowed(self) -> bool:
        user = self.job.uploaded_by
        return self.importer_cls is not None and self.importer_cls.allowed(user) and user.is_active

    def issue(self, message: str) -> framework.Issue:
        return framework.Issue(message)

    def work(self) -> tuple[int, list]:
        job, importer_cls = self.job, self.importer_cls
        importer = importer_cls(job.uploaded_by, reason=f"Excel 导入{importer_cls.title}（导入任务 #{job.pk}）")
        result = framework.run(importer, job.file.path, progress=self.progress, on_success=self._succeeded)
        return result.total, result.issues

    def _succeeded(self, result: framework.Result) -> None:
        # Inside the writing transaction: the job's state and the audit row commit with the rows.
        summary = result.summary()
        self.succeed(total=result.total, summary=summary)
        trail.record(
            AuditAction.IMPORT,
            self.job,
            changes=summary,
            reason=f"导入{self.importer_cls.title}：{self.job.original_name}（{_summary_text(summary)}）",
        )

    def run(self) -> None:
        super().run()
        # An import whose file holds what must not be kept (initial passwords …) deletes it once the job ends.
        if self.importer_cls is not None and not self.importer_cls.retain_upload and self.job.file:
            self.job.file.delete(save=False)
            ImportJob.objects.filter(pk=self.job.pk).update(file="")


def _summary_text(summary: dict) -> str:
    return (
        f"共 {summary['total']} 行，新增 {summary['created']}，更新 {summary['updated']}，未变化 {summary['unchanged']}"
    )

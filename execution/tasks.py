"""Background loading of execution data files through the Tasks framework (django-tasks, database backend),
like ``imports.tasks.run_import``: the worker (``manage.py db_worker``) claims the job, loads the file with the
uploader as the audit actor, and the job page polls the progress."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation
from django_tasks import task

from audit.context import acting_as
from execution import jobs
from imports.models import ImportJob, ImportPhase, ImportStatus


@task()
def run_load(job_id: int) -> dict:
    # Claim the job: a task delivered twice runs once.
    if not ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING, phase=ImportPhase.READ, started_at=timezone.now()
    ):
        return {"job": job_id, "skipped": True}
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    with translation.override(settings.LANGUAGE_CODE), acting_as(user=job.uploaded_by, ip=job.client_ip):
        jobs.run_job(job)
    job.refresh_from_db()
    return {"job": job.pk, "status": job.status, "summary": job.summary, "errors": job.error_count}

"""Background loading of execution data files through the Tasks framework (django-tasks, database backend): the
worker (``manage.py db_worker``) runs ``run_load``, which claims the job and loads the file with the uploader as the
audit actor (``execution.jobs.LoadRunner``) through the runner every import job shares (``imports.jobs``); the job
page polls the progress."""

from __future__ import annotations

from django_tasks import task

from execution.jobs import LoadRunner
from imports.jobs import run_task


@task()
def run_load(job_id: int) -> dict:
    return run_task(job_id, LoadRunner)

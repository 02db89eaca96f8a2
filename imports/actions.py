"""Starting an import: the page and the API endpoint both call ``start_import``."""

from __future__ import annotations

import hashlib
import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction

from audit import trail
from audit.models import AuditAction
from imports.framework import Importer, check_upload
from imports.models import ImportJob

logger = logging.getLogger(__name__)


def start_import(user, importer_cls: type[Importer], uploaded_file, *, ip: str | None = None) -> ImportJob:
    """Check the file, store it under MEDIA_ROOT and queue the background task.

    Raises ``ImportFileError`` (with the message to show) for a file that cannot be imported and
    ``PermissionDenied`` for a user who may not run this import; nothing is stored then.
    """
    if not importer_cls.allowed(user):
        trail.record(
            AuditAction.PERMISSION_DENIED,
            object_type="imports.importjob",
            object_repr=f"导入{importer_cls.title}",
            reason=f"缺少权限：{importer_cls.capability}",
            actor=user,
            ip=ip,
        )
        raise PermissionDenied("无权导入")
    name = (getattr(uploaded_file, "name", "") or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    check_upload(uploaded_file, name, uploaded_file.size)
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    with transaction.atomic():
        job = ImportJob(
            kind=importer_cls.kind,
            original_name=name[:255] or "upload.xlsx",
            file_size=uploaded_file.size,
            sha256=digest.hexdigest(),
            uploaded_by=user,
            organisation_id=user.organisation_id,
            client_ip=ip,
        )
        job.file.save("upload.xlsx", uploaded_file, save=False)
        job.save()
    enqueue(job)
    job.refresh_from_db()
    return job


def enqueue(job: ImportJob) -> None:
    """Hand the job to the task backend (the database queue; ``db_worker`` runs it)."""
    from imports.tasks import run_import

    result = run_import.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])

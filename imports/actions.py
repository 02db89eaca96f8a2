"""Starting an import: the page and the API endpoint both call ``start_import``."""

from __future__ import annotations

from imports import jobs
from imports.framework import Importer, check_upload
from imports.models import ImportJob


def start_import(user, importer_cls: type[Importer], uploaded_file, *, ip: str | None = None) -> ImportJob:
    """Check the file, store it under MEDIA_ROOT and queue the background task (``imports.jobs.queue_upload``).

    Raises ``ImportFileError`` (with the message to show) for a file that cannot be imported and
    ``PermissionDenied`` for a user who may not run this import; nothing is stored then.
    """
    if not importer_cls.allowed(user):
        jobs.refuse(user, object_type="imports.importjob", title=importer_cls.title, why=importer_cls.capability, ip=ip)
    name = jobs.upload_name(uploaded_file, "")
    check_upload(uploaded_file, name, uploaded_file.size)
    from imports.tasks import run_import

    return jobs.queue_upload(
        user, importer_cls.kind, uploaded_file, name=name or "upload.xlsx", suffix="xlsx", task=run_import, ip=ip
    )

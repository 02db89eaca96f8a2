"""Staging tables nobody else will drop. A load drops its own tables when it ends, whatever the outcome
(``Loader.load``); a load whose process died (``kill -9``, a lost server) cannot. Its UNLOGGED tables in the schema
``jixiao_staging`` outlive the session (TEMPORARY tables and SQLite's die with it, so there is nothing to do there).

Each table's name carries its creation time and, for a job's load, the job's id (``Loader._name_tables``):
``xs_<part>_<epoch>_<hex8>[_j<job>][_<n>]``. ``cleanup(reaped_job_ids)``, registered with the job reaper
(``imports.liveness``) and run at the start of every load, drops:

- the tables of the jobs just reaped, at once;
- the tables of any job no longer running, once older than the job limit (``JIXIAO_JOB_STALE_SECONDS``);
- any table older than ``JIXIAO_STAGING_STALE_HOURS`` (a load without a job: the bench, a shell) unless its job
  still runs.

Each DROP waits at most a second for its lock (a dying server process may still hold it) and is tried again by the
next run.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

NAME = re.compile(r"^xs_[a-z]+_(?P<epoch>\d+)_[0-9a-f]{8}(?:_j(?P<job>\d+))?(?:_\d+)?$")


def staging_tables() -> list[tuple[str, int, int | None]]:
    """(name, creation time, job id or None) of the staging schema's tables this role may drop; [] off PostgreSQL."""
    from execution.loading.loader import STAGING_SCHEMA

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r' AND c.relname LIKE 'xs\\_%%' "
            "AND pg_has_role(c.relowner, 'USAGE')",
            [STAGING_SCHEMA],
        )
        names = [name for (name,) in cursor.fetchall()]
    tables = []
    for name in names:
        if match := NAME.match(name):
            job = match.group("job")
            tables.append((name, int(match.group("epoch")), int(job) if job else None))
    return tables


def cleanup(reaped_job_ids: Iterable[int] = (), *, now: float | None = None) -> list[str]:
    """Drop the staging tables described in the module docstring; the names dropped."""
    from execution.loading.loader import STAGING_SCHEMA
    from imports.models import ImportJob, ImportStatus

    tables = staging_tables()
    if not tables:
        return []
    now = now if now is not None else time.time()
    reaped = set(reaped_job_ids)
    running = set(ImportJob.objects.filter(status=ImportStatus.RUNNING).values_list("pk", flat=True))
    job_limit = int(settings.JIXIAO_JOB_STALE_SECONDS)
    max_age = int(settings.JIXIAO_STAGING_STALE_HOURS) * 3600
    dropped = []
    for name, created, job in tables:
        age = now - created
        if job in reaped:
            pass
        elif job is not None and job in running:
            continue
        elif not ((job is not None and age > job_limit) or age > max_age):
            continue
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                # (restored after: SET LOCAL would last until the end of a caller's transaction)
                cursor.execute("SELECT current_setting('lock_timeout'), set_config('lock_timeout', '1s', true)")
                before = cursor.fetchone()[0]
                cursor.execute(f'DROP TABLE IF EXISTS {STAGING_SCHEMA}."{name}" CASCADE')  # (and a view on it)
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])
        except DatabaseError as exc:
            logger.warning("staging table %s not dropped now (%s); trying again later", name, exc)
            continue
        dropped.append(name)
    if dropped:
        logger.warning("dropped %d orphaned staging tables: %s", len(dropped), ", ".join(dropped))
    return dropped

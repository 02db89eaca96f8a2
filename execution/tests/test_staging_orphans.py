"""Staging tables a killed load left behind (execution/loading/orphans.py): those of a reaped job go at once, those of
a job no longer running after the job limit, any other after JIXIAO_STAGING_STALE_HOURS; a running job's stay."""

import time

import pytest
from django.db import connection

from execution import loading
from imports.models import ImportJob, ImportStatus


def job(user, status):
    return ImportJob.objects.create(kind="execution.payments", original_name="x.csv", uploaded_by=user, status=status)


def test_a_jobs_staging_tables_carry_its_id(persona):
    from execution.permissions import bureau_of

    treasury = persona("treasury")
    running = job(treasury, ImportStatus.RUNNING)
    loader = loading.Loader(loading.PAYMENTS, bureau=bureau_of(treasury), fiscal_year=2026, import_job=running)
    assert loader.stage.endswith(f"_j{running.pk}") and loader.clean.endswith(f"_j{running.pk}")
    assert loading.orphans.NAME.match(loader.stage.rsplit(".", 1)[-1].replace("stage", "raw") + "_1")


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_cleanup_drops_orphans_only(persona, settings):
    settings.JIXIAO_JOB_STALE_SECONDS = 180
    settings.JIXIAO_STAGING_STALE_HOURS = 6
    treasury = persona("treasury")
    running, failed, reaped = (job(treasury, s) for s in ("running", "failed", "running"))
    now = int(time.time())
    names = {
        "running_old": f"xs_stage_{now - 8 * 3600}_aaaaaaaa_j{running.pk}",
        "failed_old": f"xs_clean_{now - 600}_bbbbbbbb_j{failed.pk}",
        "failed_young": f"xs_cal_{now - 10}_cccccccc_j{failed.pk}",
        "reaped_young": f"xs_raw_{now - 10}_dddddddd_j{reaped.pk}_0",
        "nojob_old": f"xs_stage_{now - 7 * 3600}_eeeeeeee",
        "nojob_young": f"xs_stage_{now - 3600}_ffffffff",
    }
    with connection.cursor() as cursor:
        for name in names.values():
            cursor.execute(f"CREATE TABLE {loading.STAGING_SCHEMA}.{name} (line INTEGER)")

    dropped = loading.cleanup_staging([reaped.pk], now=now)

    assert sorted(dropped) == sorted(names[k] for k in ("failed_old", "reaped_young", "nojob_old"))
    left = {name for name, _, _ in loading.staging_tables()}
    assert {names[k] for k in ("running_old", "failed_young", "nojob_young")} <= left

"""Heartbeats and the job reaper (imports/liveness.py): a running job whose heartbeat is stale is failed with a message
saying where it stopped and what to do, its task row too; a live job is left alone; a job the reaper failed never
writes. The real thing — a worker killed with SIGKILL in each phase — is execution/tests/test_worker_killed.py."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from imports import jobs, liveness
from imports.models import ImportJob, ImportStatus

APPLY_MESSAGE = (
    "后台处理进程在写入阶段中断，数据未写入任何一行；请重新上传该文件。若反复出现，请联系系统管理员检查后台任务进程。"
)


@pytest.fixture(autouse=True)
def fresh_throttles(monkeypatch):
    monkeypatch.setattr(liveness, "_tried", {})
    monkeypatch.setattr(liveness, "_last_sweep", 0.0)


@pytest.fixture
def cleanups(monkeypatch):
    """The cleanups the reaper calls, recorded instead of run."""
    calls = []
    monkeypatch.setattr(liveness, "_cleanups", [calls.append])
    return calls


def task_row(status="RUNNING", started_ago=600):
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    return DBTaskResult.objects.create(
        status=status,
        started_at=now - timedelta(seconds=started_ago) if status != "READY" else None,
        args_kwargs={"args": [0], "kwargs": {}},
        task_path="execution.tasks.run_load",
        backend_name="default",
        run_after=now,
        exception_class_path="",
        traceback="",
    )


def make_job(user, *, status=ImportStatus.RUNNING, phase="apply", beat_ago=600, task=None, kind="execution.payments"):
    last = timezone.now() - timedelta(seconds=beat_ago)
    running = status == ImportStatus.RUNNING
    return ImportJob.objects.create(
        kind=kind,
        original_name="支付明细.csv",
        uploaded_by=user,
        organisation_id=user.organisation_id,
        status=status,
        phase=phase if running else "",
        total_rows=500000,
        started_at=last if running else None,
        heartbeat_at=last if running else None,
        task_id=str(task.pk) if task else "",
        summary={"fiscal_year": 2026},
    )


def test_the_message_says_where_the_worker_stopped():
    assert liveness.interrupted_message("apply") == APPLY_MESSAGE
    assert "在读取文件阶段中断" in liveness.interrupted_message("read")
    assert "在校验阶段中断" in liveness.interrupted_message("check")


def test_a_stale_job_is_failed_with_its_task_row(persona, cleanups):
    # Given a job stuck in the apply phase whose worker stopped beating ten minutes ago, its task row RUNNING
    treasury = persona("treasury")
    task = task_row()
    job = make_job(treasury, task=task)

    # When the reaper runs
    assert liveness.reap() == [job.pk]

    # Then the job failed, saying what happened and what to do
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.finished_at is not None
    assert job.error_count == 1
    assert job.errors[0]["message"] == APPLY_MESSAGE
    assert job.summary["interrupted"]["phase"] == "apply"
    assert job.summary["fiscal_year"] == 2026
    # the task row is no longer RUNNING
    task.refresh_from_db()
    assert task.status == "FAILED"
    assert "reap_jobs" in task.traceback
    # the audit trail records it, by the system
    entry = AuditEntry.objects.filter(object_type="imports.importjob", object_id=str(job.pk)).latest("id")
    assert entry.actor is None
    assert entry.actor_name == liveness.REAPER_NAME
    assert "在写入阶段中断" in entry.reason
    # and the apps' cleanups ran for it
    assert cleanups == [[job.pk]]
    # a second run finds nothing
    assert liveness.reap() == []


def test_live_and_queued_jobs_are_left_alone(persona, cleanups):
    treasury = persona("treasury")
    beating = make_job(treasury, beat_ago=5)
    queued = make_job(treasury, status=ImportStatus.PENDING, task=task_row(status="READY"))  # no worker yet
    done = make_job(treasury, status=ImportStatus.SUCCEEDED)

    assert liveness.reap() == []
    for job in (beating, queued, done):
        status = job.status
        job.refresh_from_db()
        assert job.status == status
    # a shorter limit makes the beating job stale too
    assert liveness.reap(limit=1) == [beating.pk]


def test_a_job_whose_worker_died_before_claiming_it_is_failed(persona, cleanups):
    # the task row was claimed by a worker that died before it claimed the job itself
    job = make_job(persona("treasury"), status=ImportStatus.PENDING, task=task_row(status="RUNNING"))
    assert liveness.reap() == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "在开始处理前中断" in job.errors[0]["message"]


def test_heartbeats_are_written_by_claim_progress_and_the_beat(persona):
    treasury = persona("treasury")
    job = make_job(treasury, status=ImportStatus.PENDING)
    assert jobs.claim(job.pk)
    job.refresh_from_db()
    claimed = job.heartbeat_at
    assert claimed is not None and not liveness.is_stale(job)

    runner = jobs.JobRunner(job)
    runner.progress("check", 10, 20)
    job.refresh_from_db()
    assert job.heartbeat_at >= claimed
    assert (job.phase, job.processed_rows) == ("check", 10)

    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=claimed - timedelta(hours=1))
    assert liveness.Heartbeat(job.pk).beat()
    job.refresh_from_db()
    assert job.heartbeat_at >= claimed
    # a job that no longer runs does not beat
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED)
    assert not liveness.Heartbeat(job.pk).beat()


def test_a_job_the_reaper_failed_never_writes(persona, cleanups):
    # Given a job the reaper failed while its worker was in fact still working
    treasury = persona("treasury")
    job = make_job(treasury)
    liveness.reap()
    runner = jobs.JobRunner(job)

    # Then its progress and its success refuse (success runs inside the write transaction: it rolls back) ...
    with pytest.raises(jobs.JobInterrupted):
        runner.progress("apply", 1, 1)
    with pytest.raises(jobs.JobInterrupted):
        runner.succeed(total=1, summary={"total": 1})
    # ... and a failure does not overwrite what the reaper said, nor audit it twice
    audits = AuditEntry.objects.count()
    runner.fail([])
    job.refresh_from_db()
    assert job.errors[0]["message"] == APPLY_MESSAGE
    assert AuditEntry.objects.count() == audits


def test_a_runner_reaped_while_it_works_stops_quietly(persona, cleanups):
    treasury = persona("treasury")
    job = make_job(treasury, beat_ago=0)

    class Runner(jobs.JobRunner):
        def issue(self, message):
            raise AssertionError("no failure of its own")

        def work(self):
            ImportJob.objects.filter(pk=self.job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
            assert liveness.reap() == [self.job.pk]  # (the reaper, elsewhere)
            self.progress("check", 1, 1)
            raise AssertionError("not reached")

    Runner(job).run()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.summary["interrupted"]["phase"] == "apply"


def test_the_polled_job_page_reaps_and_explains(client_as, persona, cleanups):
    # Given a load whose worker died in the apply phase
    job = make_job(persona("treasury"), task=task_row())
    client = client_as("treasury")

    # When its page is polled
    response = client.get(reverse("execution:job_progress", args=[job.pk]))

    # Then it says what happened and what to do, and stops polling
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="import-interrupted"' in page
    assert APPLY_MESSAGE in page
    assert "hx-trigger" not in page
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED


def test_the_excel_job_page_and_the_api_reap_too(client_as, persona, cleanups):
    treasury = persona("treasury")
    excel = make_job(treasury, kind="organisations", phase="validate")
    pushed = make_job(treasury, phase="read")
    client = client_as("treasury")

    page = client.get(reverse("imports:job_progress", args=[excel.pk])).content.decode()
    assert "后台处理进程在逐行校验阶段中断" in page

    data = client.get(f"/api/imports/{pushed.pk}/").json()
    assert data["status"] == "failed"
    assert data["errors"][0]["message"] == liveness.interrupted_message("read")


def test_reap_jobs_command(persona, cleanups):
    job = make_job(persona("treasury"))
    out = StringIO()
    call_command("reap_jobs", stdout=out)
    assert f"#{job.pk}" in out.getvalue()
    out = StringIO()
    call_command("reap_jobs", "--stale-seconds", "60", stdout=out)
    assert "没有中断的导入任务" in out.getvalue()
    with pytest.raises(CommandError, match="至少为 1 秒"):
        call_command("reap_jobs", "--stale-seconds", "0")

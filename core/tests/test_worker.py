"""The background worker: queued tasks run, tasks of a dead worker are run again (then
failed), the schedule queues a run only when none waits, a job never stays running."""

from __future__ import annotations

import datetime as dt
import subprocess
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.worker import schedule_enqueue, tasks_recover, worker_name
from documents.jobs import job_create, job_refresh, run_job, start_job
from documents.models import Job, JobKind

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def db_tasks(settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.TASKS = DB_BACKEND
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    # The worker loop drops connections between tasks; here it runs inside the test's transaction.
    monkeypatch.setattr("core.worker.close_old_connections", lambda: None)


def _dead_worker() -> str:
    """The name a worker process had on this host; the process has ended."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return f"{worker_name().rpartition(':')[0]}:{proc.pid}"


def _export(world: Any) -> Job:
    return job_create(
        kind=JobKind.LEDGER_EXPORT,
        owner=world.user("office"),
        params={"query": "", "title": "台账", "filename": "ledger.xlsx"},
    )


def test_the_worker_runs_a_queued_export(world, db_tasks):
    job = _export(world)
    start_job(job)
    job.refresh_from_db()
    assert job.status == "pending" and job.task_id
    call_command("run_worker", "--batch", "--no-schedule", verbosity=0)
    job.refresh_from_db()
    assert job.status == "done", job.message
    assert job.attempts == 1 and job.result_path
    assert DBTaskResult.objects.get(pk=job.task_id).status == "SUCCESSFUL"


def test_a_task_left_running_by_a_dead_worker_is_queued_again_then_failed(world, db_tasks):
    job = _export(world)
    start_job(job)
    job.refresh_from_db()
    dead = _dead_worker()
    row = DBTaskResult.objects.get(pk=job.task_id)
    DBTaskResult.objects.filter(pk=row.pk).update(
        status="RUNNING", worker_ids=[dead], started_at=timezone.now()
    )
    Job.objects.filter(pk=job.pk).update(status="running", worker=dead, attempts=1)
    assert tasks_recover() == 1
    assert DBTaskResult.objects.get(pk=row.pk).status == "READY"
    call_command("run_worker", "--batch", "--no-schedule", verbosity=0)
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 2
    assert job.data["rows"] > 0

    # A task its workers lost too often is failed, not queued for ever.
    DBTaskResult.objects.filter(pk=row.pk).update(
        status="RUNNING", worker_ids=[dead, dead, dead], started_at=timezone.now()
    )
    tasks_recover()
    assert DBTaskResult.objects.get(pk=row.pk).status == "FAILED"


def test_a_job_interrupted_too_often_fails_with_a_message(world, settings):
    settings.JOB_MAX_ATTEMPTS = 2
    job = _export(world)
    Job.objects.filter(pk=job.pk).update(status="running", worker=_dead_worker(), attempts=2)
    job = run_job(job.pk)
    assert job.status == "failed"
    assert "2" in job.message and job.finished_at is not None


def test_a_job_run_by_a_live_worker_is_left_alone(world):
    job = _export(world)
    Job.objects.filter(pk=job.pk).update(status="running", worker=worker_name(), attempts=1)
    assert run_job(job.pk).status == "running"


def test_a_request_run_job_whose_process_died_is_shown_failed(world):
    job = _export(world)
    Job.objects.filter(pk=job.pk).update(status="running", worker=_dead_worker(), attempts=1)
    job.refresh_from_db()
    assert job_refresh(job).status == "failed"


def test_a_stale_job_is_shown_failed_even_with_no_worker(world, db_tasks):
    job = _export(world)
    start_job(job)  # queued, but no worker ever takes it
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(hours=2))
    job.refresh_from_db()
    assert job_refresh(job).status == "failed"


def test_the_schedule_queues_the_reminder_run_once_while_it_waits(db, db_tasks):
    assert schedule_enqueue("notifications.tasks.reminders_task") is True
    assert schedule_enqueue("notifications.tasks.reminders_task") is False
    assert DBTaskResult.objects.filter(task_path="notifications.tasks.reminders_task").count() == 1

"""The background worker: runs the tasks queued in the database and the periodic schedule.

Tasks are django-tasks tasks stored by its database backend (``django_tasks_db``), so the
product needs no broker: SQLite or PostgreSQL holds the queue. ``manage.py run_worker`` is
that backend's worker loop plus three things it lacks:

- a periodic schedule (settings.WORKER_SCHEDULE: task path → seconds), which replaces cron;
- recovery of tasks whose worker died (SIGKILL, power loss): a task left "running" by a
  worker process that no longer exists on this host, or by any worker for longer than the
  lease, is queued again, at most JOB_MAX_ATTEMPTS + 1 times, then marked failed;
- housekeeping callables (settings.WORKER_HOUSEKEEPING) run between tasks.

A worker is named "host:pid", so a process on the same host can tell a dead worker from a busy
one without a heartbeat thread.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.db.utils import OperationalError
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger(__name__)

HOUSEKEEPING_EVERY = 15.0
KEEP_FINISHED = dt.timedelta(days=7)


def worker_name() -> str:
    """This process, as a worker name: "host:pid"."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def worker_alive(name: str) -> bool | None:
    """Whether the worker process so named still runs: None when it ran on another host."""
    host, _sep, pid = name.rpartition(":")
    if not host or not pid.isdigit():
        return None
    if host != socket.gethostname()[:40]:
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "JOB_LEASE_SECONDS", 600)))


def max_task_runs() -> int:
    # One more run than a job's attempts: the last run tells the job it has failed.
    return int(getattr(settings, "JOB_MAX_ATTEMPTS", 2)) + 1


def tasks_recover(now: dt.datetime | None = None) -> int:
    """Queue again (or fail) the tasks left running by a worker that is gone."""
    now = now or timezone.now()
    recovered = 0
    for row in DBTaskResult.objects.running().only("id", "worker_ids", "started_at"):
        last = row.worker_ids[-1] if row.worker_ids else ""
        alive = worker_alive(last)
        stale = row.started_at is None or row.started_at < now - lease()
        if alive is True or (alive is None and not stale):
            continue
        same = DBTaskResult.objects.filter(pk=row.pk, status="RUNNING", worker_ids=row.worker_ids)
        if len(row.worker_ids) < max_task_runs():
            recovered += same.update(status="READY", run_after=now, started_at=None)
            logger.warning("Task %s lost its worker %s; queued again", row.pk, last)
        else:
            recovered += same.update(
                status="FAILED",
                finished_at=now,
                exception_class_path="core.worker.WorkerLost",
                traceback=f"The worker {last} stopped while running this task.",
            )
            logger.error("Task %s lost its worker %s too often; failed", row.pk, last)
    return recovered


def tasks_prune(now: dt.datetime | None = None) -> int:
    """Delete finished task rows older than a week (the product keeps its own records)."""
    now = now or timezone.now()
    deleted, _rows = (
        DBTaskResult.objects.finished().filter(finished_at__lt=now - KEEP_FINISHED).delete()
    )
    return deleted


def schedule_enqueue(path: str) -> bool:
    """Queue the scheduled task unless a run of it is already waiting."""
    task = import_string(path)
    if DBTaskResult.objects.ready().filter(task_path=task.module_path).exists():
        return False
    task.enqueue()
    return True


class ScheduledWorker(Worker):
    """The database backend's worker loop, with the schedule and recovery between tasks."""

    def __init__(self, *, schedule: dict[str, int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.schedule = schedule
        self.next_run: dict[str, float] = dict.fromkeys(schedule, 0.0)
        self.next_housekeeping = 0.0

    def tick(self) -> None:
        clock = time.monotonic()
        if clock >= self.next_housekeeping:
            self.next_housekeeping = clock + HOUSEKEEPING_EVERY
            tasks_recover()
            tasks_prune()
            for path in getattr(settings, "WORKER_HOUSEKEEPING", []):
                import_string(path)()
        for path, every in self.schedule.items():
            if clock >= self.next_run[path]:
                self.next_run[path] = clock + every
                schedule_enqueue(path)

    def run(self) -> None:
        logger.info("Starting worker %s", self.worker_id)
        while self.running:
            close_old_connections()
            try:
                self.tick()
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
            tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
            if not self.process_all_queues:
                tasks = tasks.filter(queue_name__in=self.queue_names)
            task_result = None
            try:
                with exclusive_transaction(tasks.db):
                    task_result = tasks.get_locked()
                    if task_result is not None:
                        task_result.claim(self.worker_id)
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
            if task_result is not None:
                self.run_task(task_result)
            elif self.batch:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            close_old_connections()
            if self.running and task_result is None:
                time.sleep(self.interval)

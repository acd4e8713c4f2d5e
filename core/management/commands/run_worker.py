"""`manage.py run_worker`: run background tasks and the periodic schedule until stopped."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from core.worker import ScheduledWorker, worker_name


class Command(BaseCommand):
    help = (
        "Run the background worker: imports, exports, reminders and notification deliveries, "
        "plus the periodic schedule (the reminder run every REMINDERS_EVERY seconds). "
        "Ctrl-C or SIGTERM stops it after the task it is running."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait when no task is queued (default 1).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run what is queued (and due on the schedule), then exit.",
        )
        parser.add_argument(
            "--no-schedule",
            action="store_true",
            help="Run queued tasks only; another worker runs the schedule.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        level = logging.INFO if int(options["verbosity"]) > 0 else logging.WARNING
        for name in ("core.worker", "django_tasks_db", "django_tasks"):
            log = logging.getLogger(name)
            log.setLevel(level)
            if not log.hasHandlers():
                log.addHandler(logging.StreamHandler(self.stderr))
        schedule = {} if options["no_schedule"] else dict(settings.WORKER_SCHEDULE)
        worker = ScheduledWorker(
            schedule=schedule,
            queue_names=["*"],
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_name(),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()

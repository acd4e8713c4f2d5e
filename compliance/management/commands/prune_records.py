"""Delete old notifications and finished background jobs; audit events are never deleted."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from core import files
from core.scoping import unscoped_reads
from documents.jobs import JOBS
from documents.models import FINISHED_STATUSES, Job
from notifications.models import Notification


class Command(BaseCommand):
    help = (
        "Delete notifications older than NOTIFICATION_RETENTION_DAYS and finished document "
        "jobs (with their files) older than JOB_RETENTION_DAYS. The audit trail is kept: "
        "this command never deletes an audit event."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--notification-days",
            type=int,
            default=None,
            help="Keep notifications this many days (default: NOTIFICATION_RETENTION_DAYS).",
        )
        parser.add_argument(
            "--job-days",
            type=int,
            default=None,
            help="Keep finished jobs this many days (default: JOB_RETENTION_DAYS).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be deleted."
        )

    @unscoped_reads("pruning old records of every organization")
    def handle(self, *args: Any, **options: Any) -> None:
        note_days = options["notification_days"]
        job_days = options["job_days"]
        note_days = settings.NOTIFICATION_RETENTION_DAYS if note_days is None else note_days
        job_days = settings.JOB_RETENTION_DAYS if job_days is None else job_days
        if note_days < 1 or job_days < 1:
            raise CommandError("A retention is at least one day.")
        now = timezone.now()
        notes = Notification.objects.unscoped("pruning by age").filter(
            created_at__lt=now - datetime.timedelta(days=note_days)
        )
        jobs = Job.objects.unscoped("pruning by age").filter(
            status__in=FINISHED_STATUSES, created_at__lt=now - datetime.timedelta(days=job_days)
        )
        if options["dry_run"]:
            self.stdout.write(
                f"Would delete {notes.count()} notifications older than {note_days} days and "
                f"{jobs.count()} finished jobs older than {job_days} days; audit events are kept."
            )
            return
        with transaction.atomic():
            job_ids = list(jobs.values_list("pk", flat=True))
            note_count = notes.delete()[1].get(Notification._meta.label, 0)
            Job.objects.unscoped("pruning by age").filter(pk__in=job_ids).delete()
        for pk in job_ids:
            # The job's folder in the private file store (local disk or object storage).
            files.delete_tree(f"{JOBS}/{pk}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {note_count} notifications older than {note_days} days and "
                f"{len(job_ids)} finished jobs older than {job_days} days; audit events are kept."
            )
        )

"""Record a database backup the operator made, so the self-check can report the last one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core.models import BackupRecord


class Command(BaseCommand):
    help = (
        "Record that a backup was made (run at the end of the backup script): where it is kept "
        "and, for a file, its size. The self-check's 'last backup' reads these records."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("location", help="The backup file, or where the backup is kept.")

    def handle(self, *args: Any, **options: Any) -> None:
        location = str(options["location"]).strip()
        if not location:
            raise CommandError("Name where the backup is kept.")
        path = Path(location)
        size = None
        if path.exists():
            if not path.is_file() or path.stat().st_size == 0:
                raise CommandError(f"{location} is not a backup file (empty or not a file).")
            size = path.stat().st_size
        record = BackupRecord.objects.create(
            made_at=timezone.now(), location=location[:300], size_bytes=size
        )
        self.stdout.write(self.style.SUCCESS(f"Backup recorded: {record}"))

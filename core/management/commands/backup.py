"""Write one archive with the whole database and every stored file (see core.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup import BackupError, create_backup, describe


class Command(BaseCommand):
    help = (
        "Back up the database (portable between SQLite and PostgreSQL) and every stored file "
        "into one zip archive with a manifest of SHA-256 sums and the audit chain head."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            type=Path,
            help="the archive to write (*.zip), or a folder to write a dated one in",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = create_backup(options["path"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written: {describe(summary)}"))

"""Bring a backup archive back into an empty installation (see core.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup import BackupError, describe, restore_backup


class Command(BaseCommand):
    help = (
        "Restore an archive written by `backup` into an empty installation: every hash is "
        "checked first, the rows load in one transaction that commits only when the audit "
        "chain verifies, and the stored files are put back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the archive written by `manage.py backup`")
        parser.add_argument(
            "--no-migrate",
            action="store_true",
            help="do not bring the empty database's tables up to date first",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        try:
            summary = restore_backup(options["path"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored: {describe(summary)}"))

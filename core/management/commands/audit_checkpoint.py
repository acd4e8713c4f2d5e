"""Copy the audit chain head to the checkpoint file, outside the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.audit import checkpoint_path, write_checkpoint


class Command(BaseCommand):
    help = (
        "Append the audit chain head (sequence and hash) to the checkpoint file, so that "
        "`verify_audit --checkpoint FILE` finds events deleted from the end. `run_reminders` "
        "does this too; keep the file where the database's users cannot write."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file", type=Path, help="The checkpoint file (default: AUDIT_CHECKPOINT_PATH)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"] or checkpoint_path()
        try:
            point = write_checkpoint(path)
        except OSError as exc:
            raise CommandError(f"The audit checkpoint could not be written: {exc}") from exc
        if point is None:
            self.stdout.write(f"{path}: the head has not moved since the last checkpoint")
        else:
            self.stdout.write(f"{path}: event #{point.seq} {point.hash}")

"""Check the whole audit chain; exit non-zero and name the first broken link if any."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.audit import CheckpointError, default_jobs, read_checkpoints, verify_and_record
from core.scoping import unscoped_reads


class Command(BaseCommand):
    help = "Verify the tamper-evident audit trail (hash chain) from the first event to the last."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            metavar="FILE",
            type=Path,
            help=(
                "Also compare the chain with the heads copied to this file by "
                "`audit_checkpoint` (AUDIT_CHECKPOINT_PATH), so that deleted newest events "
                "and a head moved back are found."
            ),
        )

        parser.add_argument(
            "--jobs",
            type=int,
            default=default_jobs(),
            help=(
                "Check ranges of the chain in this many processes side by side "
                "(default: the machine's cores, at most 4; 1 reads it in one pass)."
            ),
        )

    @unscoped_reads("verifying the whole chain")
    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        checkpoints = None
        if options["checkpoint"] is not None:
            try:
                checkpoints = read_checkpoints(options["checkpoint"])
            except CheckpointError as exc:
                raise CommandError(str(exc)) from exc
        # Every run is kept: the self-check reports when the chain was last verified.
        if options["jobs"] < 1:
            raise CommandError("--jobs must be 1 or more")
        result, _run = verify_and_record(checkpoints=checkpoints, jobs=options["jobs"])
        elapsed = time.monotonic() - started
        if not result.ok:
            assert result.first_break is not None
            raise CommandError(
                f"Audit chain broken at event #{result.first_break.seq}: "
                f"{result.first_break.reason} ({result.checked} events read)"
            )
        against = f", {len(checkpoints)} checkpoints agree" if checkpoints is not None else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {result.checked} events in {elapsed:.2f} s{against}"
            )
        )

"""Fill an empty database with a ledger at real scale, for benchmarks and load tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.scoping import unscoped_reads
from demo.generate import DEFAULT_SEED, generate


class Command(BaseCommand):
    help = (
        "Generate a large organization and ledger (findings, measures in every state, reports, "
        "evidence, audit trail) into an empty, migrated database. Deterministic for a seed."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--measures", type=int, required=True, help="Number of measures.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="Date the data is relative to (YYYY-MM-DD); default: today.",
        )

    @unscoped_reads("generator fills an empty database")
    def handle(self, *args: Any, **options: Any) -> None:
        if options["measures"] < 1:
            raise CommandError("--measures must be at least 1")
        try:
            summary = generate(
                measures=options["measures"],
                seed=options["seed"],
                today=options["today"],
                log=lambda msg: self.stdout.write(f"  {msg}"),
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {summary.measures} measures, {summary.findings} findings, "
                f"{summary.units} units, {summary.people} people, {summary.events} audit events, "
                f"{summary.reports} reports, {summary.evidence} evidence in {summary.seconds:.1f}s"
            )
        )
        for note in summary.notes:
            self.stdout.write(f"  note: {note}")

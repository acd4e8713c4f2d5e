"""`manage.py run_reminders`: compute and send everything that is due. Safe to run every minute."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from core.audit import write_checkpoint
from core.scoping import unscoped_reads
from notifications.escalation import RunReport, reminders_run, transitions_skip_to_latest
from recurring.services import DueReport, templates_apply_due


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Apply recurring work whose day has come, announce close-out progress, fire the due "
        "rungs of the escalation ladder, bundle daily digests and send queued emails and "
        "group-robot messages. Idempotent; the background worker (run_worker) runs it every "
        "REMINDERS_EVERY seconds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-send",
            action="store_true",
            help="Queue notifications but send no email or group-robot message.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be done, then roll everything back.",
        )
        parser.add_argument(
            "--skip-history",
            action="store_true",
            help=(
                "Announce no transition recorded before now (once, when turning notifications "
                "on over a long history)."
            ),
        )

    @unscoped_reads("reminders for every organization")
    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options["verbosity"])
        if options["skip_history"]:
            seq = transitions_skip_to_latest()
            self._say(f"Transitions up to audit event {seq} will not be announced.")
        if options["dry_run"]:
            try:
                with transaction.atomic():
                    applied = templates_apply_due()
                    report = reminders_run(send=False)
                    raise _DryRun
            except _DryRun:
                self._say("Dry run, nothing kept: " + self._recurring(applied))
                self._say(self._summary(report))
            return
        # Recurring work first, so its new measures are announced in the same run.
        applied = templates_apply_due()
        self._say(self._recurring(applied))
        report = reminders_run(send=not options["no_send"])
        self._say(self._summary(report))
        # A copy of the audit chain head outside the database, for `verify_audit --checkpoint`.
        try:
            write_checkpoint()
        except OSError as exc:
            raise CommandError(
                f"Reminders done, but the audit checkpoint could not be written: {exc}"
            ) from exc

    def _say(self, text: str) -> None:
        if self.verbosity > 0:
            self.stdout.write(text)

    @staticmethod
    def _recurring(applied: DueReport) -> str:
        runs = ", ".join(f"{r.template.title} {r.year}" for r in applied.applied) or "none"
        refused = "; ".join(applied.refused)
        return f"recurring work applied: {runs}" + (f"; not applied: {refused}" if refused else "")

    @staticmethod
    def _summary(report: RunReport) -> str:
        return (
            f"transition notifications: {report.transition_notifications}; "
            f"ladder steps: {report.ladder.steps} "
            f"({report.ladder.notifications} notifications, {report.ladder.flagged} flagged); "
            f"digests: {report.digests}; "
            + "".join(f"{app}: {count}; " for app, count in sorted(report.jobs.items()))
            + f"sent: {report.sending.sent}, retrying: {report.sending.retrying}, "
            f"failed: {report.sending.failed}"
        )

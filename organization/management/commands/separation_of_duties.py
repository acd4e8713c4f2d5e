"""Switch the separation of the three administrators (三员分立) on or off, or show it.

It is the installation's decision, not the administrators': no page changes it, and every
switch is a record of the audit trail."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from core.audit import record_event
from core.scoping import unscoped_reads
from organization.models import Organization


class Command(BaseCommand):
    help = "Show, or switch on or off, the separation of the three administrators."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("state", nargs="?", choices=["on", "off"])
        parser.add_argument(
            "--organization", help="The organization's name (needed when there are several)."
        )

    @unscoped_reads("the installation's own setting, switched from the command line")
    def handle(self, *args: Any, **options: Any) -> None:
        orgs = Organization.objects.unscoped("the installation's organizations").all()
        if options["organization"]:
            orgs = orgs.filter(name=options["organization"])
        if not orgs.exists():
            raise CommandError("No such organization.")
        if options["state"] is None:
            for org in orgs:
                state = "on" if org.separation_of_duties else "off"
                self.stdout.write(f"{org.name}: separation of duties {state}")
            return
        if orgs.count() > 1 and not options["organization"]:
            raise CommandError("Several organizations: name one with --organization.")
        on = options["state"] == "on"
        with transaction.atomic():
            org = orgs.select_for_update().get()
            if org.separation_of_duties != on:
                org.separation_of_duties = on
                org.save(update_fields=["separation_of_duties"])
                record_event(
                    actor=None,
                    obj=org,
                    action="update",
                    before={"separation_of_duties": not on},
                    after={"separation_of_duties": on},
                    message="manage.py separation_of_duties",
                )
        self.stdout.write(f"{org.name}: separation of duties {options['state']}")

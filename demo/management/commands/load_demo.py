"""Load the demo organization and its rectification ledger; safe to run again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from core.scoping import unscoped_reads
from demo.ledger_demo import load_ledger
from demo.meetings_demo import load_meetings
from demo.organization_demo import (
    DEMO_ORDER,
    DEMO_PASSWORD,
    ORG_NAME,
    demo_security_policy,
    load_organization,
)
from demo.recurring_demo import load_recurring
from demo.regulations_demo import load_regulations


class Command(BaseCommand):
    help = "Load the demo college from the seed (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds an organization.",
        )
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")
        parser.add_argument(
            "--logins", action="store_true", help="Only print the demo logins; load nothing."
        )

    @unscoped_reads("demo loader fills the database")
    def handle(self, *args: Any, **options: Any) -> None:
        from organization.models import Organization

        if options["logins"]:
            self.print_logins()
            return
        if options["if_empty"] and Organization.objects.exists():
            self.stdout.write("Database already holds data; demo not loaded.")
            # A demo loaded before the security policy existed gets the demo's policy.
            demo_org = Organization.objects.filter(name=ORG_NAME).first()
            if demo_org is not None:
                demo_security_policy(demo_org)
        else:
            from notifications.escalation import transitions_unannounced

            # The demo's history is announced by the scheduler's first run, not as it loads.
            with transitions_unannounced():
                org, _accounts = load_organization()
                load_ledger(org)
                load_recurring(org, office=get_user_model().objects.get(username="office"))
                # Meetings first: the register's rules were deliberated at one.
                load_meetings(org)
                load_regulations(org)
            self.stdout.write(self.style.SUCCESS(f"Demo organization ready: {org.name}"))
        if not options["quiet"]:
            self.print_logins()

    def print_logins(self) -> None:
        from organization.models import Person

        people = {p.user.username: p for p in Person.objects.select_related("user", "unit")}
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for username in DEMO_ORDER:
            p = people.get(username)
            if p is None:
                continue
            self.stdout.write(f"  {username:<12} {p.name}  {p.position}")

"""Import an Excel ledger into an inspection from the command line, or preview it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.scoping import unscoped_reads
from documents.imports import apply_import, preview_import
from documents.ledger_reader import LedgerReadError
from ledger.models import Inspection
from organization import policy
from organization.models import Person, Theme
from organization.scope import has_capability


class Command(BaseCommand):
    help = (
        "Import a ledger (.xlsx, .xls, .csv) into an inspection; with --dry-run, print what "
        "would be created or updated and every problem with its cell address."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--inspection", type=int, required=True, help="Inspection id.")
        parser.add_argument("--dry-run", action="store_true", help="Preview only; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.add_argument(
            "--as", dest="username", default="", help="Import as this user (default: office)."
        )
        parser.add_argument("--theme", default="", help="Theme name for rows without one.")

    @unscoped_reads("command-line import by the operator")
    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = self._user(options["username"])
        if not has_capability(user, "documents.import"):
            raise CommandError(f"{user.get_username()} may not import ledgers.")
        inspection = (
            Inspection.objects.editable_by(user)
            .select_related("organization")
            .filter(pk=options["inspection"])
            .first()
        )
        if inspection is None:
            raise CommandError(f"No inspection {options['inspection']} that {user} may change.")
        theme = None
        if options["theme"]:
            theme = Theme.objects.filter(
                organization=inspection.organization, name=options["theme"]
            ).first()
            if theme is None:
                raise CommandError(f"No theme named {options['theme']}.")
        try:
            with path.open("rb") as data:
                if options["dry_run"]:
                    result = preview_import(
                        data,
                        filename=path.name,
                        inspection=inspection,
                        by=user,
                        default_theme=theme,
                    ).to_dict()
                else:
                    result = apply_import(
                        data,
                        filename=path.name,
                        inspection=inspection,
                        by=user,
                        default_theme=theme,
                    ).to_dict()
        except LedgerReadError as exc:
            raise CommandError(exc.message) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str))
            return
        if options["dry_run"]:
            for key, value in result["counts"].items():
                self.stdout.write(f"{key}: {value}")
            for problem in result["problems"]:
                self.stdout.write(
                    f"{problem['severity']} {problem['address'] or '-'}: {problem['message']}"
                )
        else:
            for key in (
                "created_findings",
                "updated_findings",
                "created_measures",
                "updated_measures",
            ):
                self.stdout.write(f"{key}: {result[key]}")

    def _user(self, username: str) -> Any:
        users = get_user_model().objects
        if username:
            user = users.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user {username}.")
            return user
        person = (
            Person.objects.filter(policy.office_people_q(), user__is_active=True)
            .select_related("user")
            .order_by("id")
            .first()
        )
        if person is None:
            raise CommandError("No office person to import as; pass --as USERNAME.")
        return person.user

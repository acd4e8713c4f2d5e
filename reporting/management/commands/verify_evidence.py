"""Check every stored evidence file against the SHA-256 recorded when it was uploaded."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.scoping import unscoped_reads
from reporting import storage
from reporting.models import Evidence


class Command(BaseCommand):
    help = "Verify that every evidence file is present and unchanged (by its SHA-256)."

    @unscoped_reads("checking every stored file")
    def handle(self, *args: Any, **options: Any) -> None:
        problems = 0
        checked: set[str] = set()
        for sha, name, pk in Evidence.objects.order_by("id").values_list(
            "sha256", "original_name", "id"
        ):
            if sha in checked:
                continue
            checked.add(sha)
            try:
                handle = storage.open_blob(sha)
            except FileNotFoundError:
                problems += 1
                self.stderr.write(f"missing: evidence #{pk} {name} ({sha})")
                continue
            digest = hashlib.sha256()
            with handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            if digest.hexdigest() != sha:
                problems += 1
                self.stderr.write(f"changed: evidence #{pk} {name} ({sha})")
        if problems:
            raise CommandError(f"{problems} of {len(checked)} stored files are missing or changed")
        self.stdout.write(self.style.SUCCESS(f"{len(checked)} stored files verified"))

"""Where the benchmarks meet the documents app: its ledger export and its Excel import.

Each function returns a note (str) when the documents app does not offer the service yet, so
the benchmark is reported as skipped with the reason instead of failing.
"""

from __future__ import annotations

from typing import Any


def export_ledger(out: str) -> tuple[float, int] | str:
    return "the documents app has no ledger export yet"


def import_rows(count: int) -> tuple[float, str] | str:
    return "the documents app has no Excel import service yet"

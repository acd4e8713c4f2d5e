"""Where the benchmarks meet the documents app: its ledger export and its Excel import.

Each function returns a note (str) instead of figures when the documents app does not offer
the service, so the benchmark is reported as skipped with the reason instead of failing.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from typing import Any

OFFICE = "office"


def _office() -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=OFFICE)


def _ledger_queryset(user: Any) -> Any:
    """The whole ledger as the office sees it, built exactly as the export view builds it."""
    from django.http import QueryDict

    from ledger.filters import MeasureFilter
    from ledger.selectors import ledger_measures

    return MeasureFilter(QueryDict(""), queryset=ledger_measures(user), user=user).qs


def _exporter() -> Any:
    try:
        from documents.exports import export_ledger_xlsx
    except ImportError:
        return None
    return export_ledger_xlsx


def export_ledger(out: str) -> tuple[float, int] | str:
    export = _exporter()
    if export is None:
        return "the documents app has no ledger export (documents.exports.export_ledger_xlsx)"
    measures = _ledger_queryset(_office())
    with open(out, "wb") as fileobj:
        t0 = time.perf_counter()
        rows = export(measures, fileobj, title="整改台账")
        seconds = time.perf_counter() - t0
    return seconds, int(rows)


def import_rows(count: int) -> tuple[float, str] | str:
    """Import `count` ledger rows into a new inspection, then roll everything back.

    The file is the product's own export of the first `count` measures, so every name in it
    (themes, units, people) resolves as it would in real use.
    """
    export = _exporter()
    try:
        from documents.imports import apply_import
    except ImportError:
        return "the documents app has no Excel import (documents.imports.apply_import)"
    if export is None:
        return "the documents app has no ledger export to build the import file with"
    from django.db import transaction
    from django.db.models import Count

    from ledger.models import Inspection
    from organization.models import Organization

    office = _office()
    # A ledger file covers one inspection round: take the rows of the largest one.
    largest = (
        Inspection.objects.unscoped("benchmark script")
        .annotate(n=Count("findings__measures"))
        .order_by("-n", "id")
        .first()
    )
    rows = _ledger_queryset(office).filter(inspection=largest)[:count]
    data = io.BytesIO()
    written = export(rows, data, title="整改台账")
    today = dt.date.today()
    with transaction.atomic():
        inspection = Inspection.objects.create(
            organization=Organization.objects.unscoped("benchmark script").get(),
            name="导入性能测试轮次",
            feedback_date=today - dt.timedelta(days=900),
            rectification_end=today - dt.timedelta(days=809),
        )
        data.seek(0)
        t0 = time.perf_counter()
        result = apply_import(data, filename="ledger.xlsx", inspection=inspection, by=office)
        seconds = time.perf_counter() - t0
        transaction.set_rollback(True)
    created = getattr(result, "created_measures", "?")
    return seconds, f"{written} rows: {created} measures created, then rolled back"

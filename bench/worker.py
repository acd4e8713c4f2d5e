"""The benchmarks themselves, run by bench/run.py in a fresh process per database and size.

    worker.py pages  --db sqlite --n 10000     pages, bare SQL, import, verify_audit
    worker.py export --db sqlite --n 10000 --out FILE   the Excel export, with peak RSS
    worker.py bare --source FILE               the same cells written with bare openpyxl and
                                               bare XlsxWriter

Every timing is server-side: the time the Django test client takes to run the request through
the whole middleware stack, view and template, with DEBUG off (no query logging). Each prints
one line `RESULTS <json list>` for run.py to collect.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import percentile

RESULTS: list[dict[str, Any]] = []
ARGS: argparse.Namespace


def result(name: str, value: float | int | None, unit: str, note: str = "") -> None:
    row: dict[str, Any] = {
        "name": name,
        "db": ARGS.db,
        "n": ARGS.n,
        "value": None if value is None else round(float(value), 3),
        "unit": unit,
    }
    if note:
        row["note"] = note
    RESULTS.append(row)
    shown = "skipped" if value is None else f"{row['value']} {unit}"
    print(
        f"    {name:<34} {shown}{'  (' + note + ')' if note else ''}", file=sys.stderr, flush=True
    )


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def sample(
    fn: Callable[[], Any],
    *,
    warmup: int = 2,
    min_runs: int = 8,
    max_runs: int = 30,
    budget_s: float = 5.0,
) -> list[float]:
    """Milliseconds of repeated runs after warm-up: at least min_runs, more while time allows."""
    for _ in range(warmup):
        fn()
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < max_runs and (
        len(times) < min_runs or time.perf_counter() - started < budget_s
    ):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- pages --------------------------------------------------------------------------------------


def client_for(username: str) -> Any:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def get_ok(client: Any, url: str) -> Callable[[], Any]:
    def run() -> Any:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        return response

    return run


def query_count(fn: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def bench_page(name: str, username: str, url: str, *, queries: bool = False) -> list[float]:
    run = get_ok(client_for(username), url)
    times = sample(run)
    result(f"{name}_p50_ms", percentile(times, 50), "ms")
    result(f"{name}_p95_ms", percentile(times, 95), "ms")
    result(f"{name}_kb", len(run().content) / 1024, "KB")
    if queries:
        result(f"{name}_queries", query_count(run), "queries")
    return times


def ledger_sql(username: str, query: str) -> tuple[list[tuple[str, Any]], int]:
    """The SQL of the ledger page's count query and main (page) query, as the view builds them."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.http import QueryDict

    from ledger import selectors
    from ledger.filters import SORTS, MeasureFilter

    user = get_user_model().objects.get(username=username)
    data = QueryDict(query, mutable=True)
    if "inspection" not in data:
        # The page opens on the current round (ledger.views._ledger_query).
        data["inspection"] = str(selectors.inspection_ids_current_first(user)[0])
    base = selectors.ledger_measures(user, as_lists=True).order_by(*SORTS["number"])
    filterset = MeasureFilter(data, queryset=base, user=user)
    qs, rows = filterset.qs, filterset.rows_qs()
    captured: list[tuple[str, Any]] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        total = qs.count()
        mark = len(captured)
        list(rows[:50])
    return [captured[0], captured[mark]], total


def bench_sql(name: str, username: str, query: str, page_times: list[float]) -> None:
    from django.db import connection

    statements, total = ledger_sql(username, query)

    def run() -> None:
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()

    times = sample(run)
    sql_p50 = percentile(times, 50)
    result(f"{name}_sql_p50_ms", sql_p50, "ms", f"{total} rows match")
    result(f"{name}_sql_ratio", percentile(page_times, 50) / sql_p50 if sql_p50 else None, "x")


def pages() -> None:
    from django.db import transaction
    from django.urls import NoReverseMatch, reverse

    from core.models import AuditEvent
    from demo.generate import LONG_TIMELINE_MEASURE_ID
    from organization.models import Organization

    search = (
        "q=%E7%BB%84%E7%BB%87%E7%94%9F%E6%B4%BB%E4%BC%9A&state=in_progress&overdue=1"  # 组织生活会
    )
    times = bench_page("ledger_page", "office", "/ledger/", queries=True)
    bench_sql("ledger", "office", "", times)
    result(
        "ledger_page_queries_per_page_200",
        query_count(get_ok(client_for("office"), "/ledger/?per_page=200")),
        "queries",
    )
    result(
        "ledger_page_queries_page_3",
        query_count(get_ok(client_for("office"), "/ledger/?page=3")),
        "queries",
    )
    times = bench_page("ledger_search", "office", f"/ledger/?{search}", queries=True)
    bench_sql("ledger_search", "office", search, times)
    times = bench_page("ledger_branch", "branch1", "/ledger/", queries=True)
    bench_sql("ledger_branch", "branch1", "", times)
    bench_page("ledger_liaison", "liaison1", "/ledger/", queries=True)
    events = (
        AuditEvent.objects.unscoped("benchmark script")
        .filter(object_type="ledger.measure", object_id=LONG_TIMELINE_MEASURE_ID)
        .count()
    )
    detail = bench_page(
        "measure_detail", "office", f"/ledger/measures/{LONG_TIMELINE_MEASURE_ID}/", queries=True
    )
    del detail
    RESULTS[-1]["note"] = f"{events} events on its timeline"
    bench_page("home_branch", "branch1", "/")
    # The office's home page sums the whole organization (no target of its own; reported).
    bench_page("home_office", "office", "/", queries=True)
    bench_page("inspection_list", "office", "/ledger/inspections/")
    try:
        url = reverse("dashboards:overview")
    except NoReverseMatch:
        result("dashboard_p95_ms", None, "ms", "no dashboards:overview URL yet")
    else:
        from django.test import override_settings

        # Computed on every request: what the first look after a write costs.
        with override_settings(DASHBOARD_CACHE_SECONDS=0):
            bench_page("dashboard", "office", url, queries=True)
        # Looked at again before the next write: the figures come from the cache.
        bench_page("dashboard_kept", "office", url, queries=True)
    # The same pages for an organization that counts deadlines in working days (the official
    # holiday calendar): every light and reminder walks the calendar day by day. The setting
    # is changed inside a transaction rolled back at the end, so the cached database stays
    # as generated.
    with transaction.atomic():
        Organization.objects.unscoped("benchmark script").update(calendar_mode="working")
        bench_page("ledger_page_working_days", "office", "/ledger/")
        bench_page("home_office_working_days", "office", "/")
        transaction.set_rollback(True)


# --- import and audit --------------------------------------------------------------------------


def find_callable(candidates: list[tuple[str, str]]) -> Callable[..., Any] | None:
    import importlib

    for module_name, attr in candidates:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        fn = getattr(module, attr, None)
        if callable(fn):
            return fn
    return None


def bench_import() -> None:
    from documents_hooks import import_rows

    outcome = import_rows(10_000)
    if isinstance(outcome, str):
        result("import_xlsx_s", None, "s", outcome)
    else:
        seconds, note = outcome
        result("import_xlsx_s", seconds, "s", note)


def bench_verify() -> None:
    from core.audit import default_jobs, verify_chain

    # As `manage.py verify_audit` runs it: ranges side by side on the machine's cores.
    jobs = default_jobs()
    t0 = time.perf_counter()
    outcome = verify_chain(jobs=jobs)
    seconds = time.perf_counter() - t0
    if not outcome.ok:
        raise RuntimeError(f"verify_chain failed: {outcome.first_break}")
    result("verify_audit_s", seconds, "s", f"{outcome.checked} events, {jobs} processes")
    t0 = time.perf_counter()
    verify_chain(jobs=1)
    result("verify_audit_one_process_s", time.perf_counter() - t0, "s", "in one pass")


# --- export ------------------------------------------------------------------------------------


def export(out: str) -> None:
    from documents_hooks import export_ledger

    baseline = peak_rss_mb()
    outcome = export_ledger(out)
    if isinstance(outcome, str):
        result("export_xlsx_s", None, "s", outcome)
        return
    seconds, rows = outcome
    result("export_xlsx_s", seconds, "s", f"{rows} rows")
    result(
        "export_xlsx_peak_rss_mb",
        peak_rss_mb(),
        "MB",
        f"whole process; {baseline:.0f} MB before the export",
    )


def bare_writers(source: str) -> None:
    """Write the cells of an exported workbook again with each bare library: openpyxl in
    write-only mode and XlsxWriter in constant-memory mode, plain values, no styles."""
    import xlsxwriter
    from openpyxl import Workbook, load_workbook

    book = load_workbook(source, read_only=True)
    sheets = [
        (ws.title, [list(row) for row in ws.iter_rows(values_only=True)]) for ws in book.worksheets
    ]
    book.close()
    cells = sum(sum(1 for value in row if value is not None) for _t, rows in sheets for row in rows)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        out = Workbook(write_only=True)
        for title, rows in sheets:
            ws = out.create_sheet(title)
            for row in rows:
                ws.append(row)
        out.save(Path(tmp) / "bare.xlsx")
        seconds = time.perf_counter() - t0
        result("export_openpyxl_bare_s", seconds, "s", f"{cells} cells")
        t0 = time.perf_counter()
        workbook = xlsxwriter.Workbook(str(Path(tmp) / "bare2.xlsx"), {"constant_memory": True})
        for title, rows in sheets:
            sheet = workbook.add_worksheet(title)
            # Written by type, as the export writes them (write() would guess formulas and
            # links from the text).
            for index, row in enumerate(rows):
                for column, value in enumerate(row):
                    if isinstance(value, str):
                        sheet.write_string(index, column, value)
                    elif value is not None:
                        sheet.write_number(index, column, value)
        workbook.close()
        seconds = time.perf_counter() - t0
        result("export_xlsxwriter_bare_s", seconds, "s", f"{cells} cells")


@contextmanager
def timer() -> Iterator[list[float]]:
    box: list[float] = []
    t0 = time.perf_counter()
    yield box
    box.append(time.perf_counter() - t0)


def main() -> None:
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=["pages", "export", "bare"])
    parser.add_argument("--db", default="")
    parser.add_argument("--n", type=int, default=0)
    parser.add_argument("--out", default="")
    parser.add_argument("--source", default="")
    # The import writes 10,000 measures through the services (about a minute): it runs on the
    # largest database of each kind only, to keep `make bench` within its time budget.
    parser.add_argument("--import-at", type=int, default=100_000)
    ARGS = parser.parse_args()
    if ARGS.task == "bare":
        guarded("export_bare_s", "s", lambda: bare_writers(ARGS.source))
    else:
        setup_django()
        if ARGS.task == "pages":
            guarded("pages", "", pages)
            if ARGS.n >= ARGS.import_at:
                guarded("import_xlsx_s", "s", bench_import)
            else:
                result("import_xlsx_s", None, "s", f"run at {ARGS.import_at:,} measures only")
            guarded("verify_audit_s", "s", bench_verify)
        else:
            guarded("export_xlsx_s", "s", lambda: export(ARGS.out))
    print("RESULTS " + json.dumps(RESULTS, ensure_ascii=False), flush=True)


def guarded(name: str, unit: str, fn: Callable[[], None]) -> None:
    """Run one benchmark group; a failure is recorded (and fails the run) but the others go on."""
    try:
        fn()
    except Exception as exc:
        traceback.print_exc()
        result(name, None, unit, f"FAILED: {type(exc).__name__}: {str(exc)[:300]}")
        RESULTS[-1]["failed"] = True


if __name__ == "__main__":
    main()

"""`make bench`: every benchmark at 10,000 and 100,000 measures, on SQLite and PostgreSQL.

For each database and size: make sure a generated database is cached (bench/cache/), then run
the benchmarks in fresh processes (bench/worker.py) with DATABASE_URL pointing at it and DEBUG
off. Prints a table and writes bench/results.json: a list of {"name", "db", "n", "value",
"unit"} (plus "note" where there is something to say, e.g. why a benchmark was skipped).

    .venv/bin/python bench/run.py [--sizes 10000,100000] [--dbs sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    PY,
    ROOT,
    collectstatic,
    ensure_database,
    log,
    pg_available,
    production_env,
)

WORKER = str(ROOT / "bench" / "worker.py")

# Targets on the reference machine (docs/performance.md): name -> (bound, "max" or "min").
TARGETS = {
    ("ledger_page_p95_ms", 100_000): (60, "max"),
    ("ledger_page_kb", 100_000): (80, "max"),
    ("ledger_sql_ratio", 100_000): (3, "max"),
    ("ledger_search_p95_ms", 100_000): (100, "max"),
    ("ledger_branch_p95_ms", 100_000): (60, "max"),
    ("ledger_liaison_p95_ms", 100_000): (60, "max"),
    ("measure_detail_p95_ms", 100_000): (60, "max"),
    ("home_branch_p95_ms", 100_000): (40, "max"),
    ("dashboard_p95_ms", 100_000): (150, "max"),
    ("import_xlsx_s", 100_000): (20, "max"),
    ("verify_audit_s", 100_000): (8, "max"),
    ("export_xlsx_s", 100_000): (20, "max"),
    ("export_xlsx_peak_rss_mb", 100_000): (200, "max"),
    ("export_bare_ratio", 100_000): (1.5, "max"),
}


def run_worker(args: list[str], env: dict[str, str]) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [PY, WORKER, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=False
    )
    rows: list[dict[str, Any]] = []
    for line in proc.stdout.splitlines():
        if line.startswith("RESULTS "):
            rows = json.loads(line[len("RESULTS ") :])
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark worker {' '.join(args)} failed (exit {proc.returncode})")
    return rows


def prepare(dbs: list[str], sizes: list[int]) -> dict[tuple[str, int], tuple[str, float]]:
    """Every database the run needs, generating missing ones two at a time (one per core)."""
    wanted = [(db, n) for n in sizes for db in dbs]
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {key: pool.submit(ensure_database, *key) for key in wanted}
        return {key: future.result() for key, future in futures.items()}


def bench_one(
    db: str, n: int, url: str, generated_s: float, import_at: int
) -> list[dict[str, Any]]:
    env = production_env(url)
    rows: list[dict[str, Any]] = []
    if generated_s:
        rows.append(
            {"name": "generate_s", "db": db, "n": n, "value": round(generated_s, 1), "unit": "s"}
        )
    log(f"{db} {n}: pages, import, verify_audit")
    rows += run_worker(["pages", "--db", db, "--n", str(n), "--import-at", str(import_at)], env)
    log(f"{db} {n}: Excel export (own process, for its peak memory)")
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "ledger.xlsx")
        export_rows = run_worker(["export", "--db", db, "--n", str(n), "--out", out], env)
        rows += export_rows
        export_s = next((r["value"] for r in export_rows if r["name"] == "export_xlsx_s"), None)
        if export_s and Path(out).exists():
            bare = run_worker(["bare", "--db", db, "--n", str(n), "--source", out], env)
            rows += bare
            # The ratio is to the fastest bare library writing the same cells.
            bare_s = min(
                (r["value"] for r in bare if r["name"].endswith("_bare_s") and r["value"]),
                default=None,
            )
            if bare_s:
                rows.append(
                    {
                        "name": "export_bare_ratio",
                        "db": db,
                        "n": n,
                        "value": round(export_s / bare_s, 2),
                        "unit": "x",
                    }
                )
        else:
            rows.append(
                {
                    "name": "export_bare_ratio",
                    "db": db,
                    "n": n,
                    "value": None,
                    "unit": "x",
                    "note": "no export",
                }
            )
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    columns = sorted({(r["db"], r["n"]) for r in rows}, key=lambda c: (c[0] != "sqlite", c[1]))
    names: list[str] = []
    for r in rows:
        if r["name"] not in names:
            names.append(r["name"])
    index = {(r["name"], r["db"], r["n"]): r for r in rows}
    head = ["benchmark", "unit"] + [f"{db} {n:,}" for db, n in columns]
    lines = [head]
    for name in names:
        unit = next(r["unit"] for r in rows if r["name"] == name)
        cells = [name, unit]
        for db, n in columns:
            r = index.get((name, db, n))
            if r is None:
                cells.append("")
            elif r["value"] is None:
                cells.append("skipped")
            else:
                value = r["value"]
                mark = ""
                target = TARGETS.get((name, n))
                if target:
                    bound, kind = target
                    ok = value <= bound if kind == "max" else value >= bound
                    mark = "" if ok else " !"
                cells.append(f"{value:g}{mark}")
        lines.append(cells)
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    out = []
    for i, line in enumerate(lines):
        out.append(
            "  ".join(
                str(c).ljust(w) if j < 2 else str(c).rjust(w)
                for j, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--dbs", default="sqlite,postgresql")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    dbs = [d for d in args.dbs.split(",") if d]
    started = time.monotonic()
    collectstatic()
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    if "postgresql" in dbs and not pg_available():
        notes.append("PostgreSQL was not reachable: its benchmarks were skipped")
        dbs.remove("postgresql")
    databases = prepare(dbs, sizes)
    notes.append(
        f"load average before the benchmarks: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)"
    )
    for db in dbs:
        for n in sizes:
            rows += bench_one(db, n, *databases[(db, n)], import_at=max(sizes))
    Path(args.out).write_text(
        json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print()
    print(table(rows))
    for r in rows:
        if r.get("note") and r["value"] is None:
            notes.append(f"{r['name']} ({r['db']} {r['n']}): {r['note']}")
    for note in dict.fromkeys(notes):
        print(f"note: {note}")
    failed = [r for r in rows if r.get("failed")]
    for r in failed:
        print(f"FAILED: {r['name']} ({r['db']} {r['n']}): {r.get('note', '')}")
    took = time.monotonic() - started
    print(f"\n'!' marks a figure that misses its target. Results: {args.out} ({took:.0f}s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

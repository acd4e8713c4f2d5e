"""Where a page's time goes: one page of a generated database, under cProfile.

    .venv/bin/python bench/profile_page.py /ledger/ --user office --db sqlite --n 10000 [--top 40]
        [--callers 'enums.py.*__getattr__']

Uses the cached database of `make bench` (generated when missing), DEBUG off, warm caches
(three requests first), then profiles --runs requests and prints the functions by own time
and by cumulative time, with the page's mean time and size.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import collectstatic, ensure_database, production_env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--user", default="office")
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--callers", help="also print who calls the functions matching this")
    args = parser.parse_args()
    collectstatic()
    url, _generated = ensure_database(args.db, args.n)
    os.environ.update(production_env(url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=args.user))
    for _ in range(3):
        response = client.get(args.url)
    size = len(response.content)
    started = time.perf_counter()
    for _ in range(args.runs):
        client.get(args.url)
    plain_ms = (time.perf_counter() - started) * 1000 / args.runs
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.runs):
        client.get(args.url)
    profiler.disable()
    print(
        f"{args.url} as {args.user} ({args.db} {args.n}): {plain_ms:.1f} ms mean "
        f"unprofiled, {response.status_code}, {size / 1024:.0f} KB"
    )
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)
    if args.callers:
        stats.print_callers(args.callers)
    return 0


if __name__ == "__main__":
    sys.exit(main())

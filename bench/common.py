"""What `make bench` and `make loadtest` share: the environment of a production-like process,
and the cache of generated databases (SQLite files and PostgreSQL databases, one per size).

A cached database carries a marker row (table `bench_marker`) naming the generator version, the
seed, the size and a fingerprint of every migration and of the generator's source. A database
whose marker does not match is generated again; one that matches is reused as it is.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "cache"
PY = sys.executable
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
SEED = 2021
MARKER_TABLE = "bench_marker"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """Settings as in production (DEBUG off, so no query logging), but served over plain HTTP
    on the loopback and with login throttling off for the synthetic users."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-not-secret",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "SECURE_HSTS_PRELOAD": "false",
            "AXES_ENABLED": "false",
            "STATIC_ROOT": str(CACHE / "static"),
            "PRIVATE_STORAGE_ROOT": str(CACHE / "private"),
            "LOG_LEVEL": "ERROR",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, quiet: bool = False) -> None:
    out = subprocess.DEVNULL if quiet else None
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=out)


def collectstatic() -> None:
    """DEBUG off serves hashed static names from a manifest: build it once into the cache."""
    env = production_env(f"sqlite:///{CACHE / 'static.sqlite3'}")
    manage(env, "collectstatic", "--no-input", "-v", "0")


# --- the generated databases ------------------------------------------------------------------


def fingerprint(n: int) -> str:
    """Changes with the generator and with the apps it fills rows for: the cache is then rebuilt.

    Other schema changes do not invalidate it: a cached database is migrated before each use,
    as a production database would be.
    """
    digest = hashlib.sha256()
    digest.update(f"n={n};seed={SEED}".encode())
    digest.update((ROOT / "demo" / "generate.py").read_bytes())
    # Reports and evidence are generated only once the reporting app has its tables.
    digest.update(str((ROOT / "reporting" / "migrations" / "0001_initial.py").exists()).encode())
    return digest.hexdigest()


def sqlite_path(n: int) -> Path:
    return CACHE / f"sqlite-{n}.sqlite3"


def pg_name(n: int) -> str:
    return f"rectify_bench_{n}"


def database_url(db: str, n: int) -> str:
    if db == "sqlite":
        return f"sqlite:///{sqlite_path(n)}"
    return f"{PG_SERVER}/{pg_name(n)}"


def _pg(dbname: str = "postgres"):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/{dbname}", autocommit=True, connect_timeout=5)


def pg_available() -> bool:
    try:
        _pg().close()
    except Exception as exc:  # any failure to connect means: skip PostgreSQL
        log(f"PostgreSQL not reachable at {PG_SERVER}: {exc}")
        return False
    return True


def _marker_sqlite(path: Path) -> str | None:
    if not path.exists():
        return None
    try:
        con = sqlite3.connect(path)
        try:
            row = con.execute(
                f"SELECT value FROM {MARKER_TABLE} WHERE key = 'fingerprint'"
            ).fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def _marker_pg(name: str) -> str | None:
    with _pg() as con:
        if not con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return None
    try:
        with _pg(name) as con:
            row = con.execute(
                f"SELECT value FROM {MARKER_TABLE} WHERE key = 'fingerprint'"
            ).fetchone()
    except Exception:
        return None
    return row[0] if row else None


def _write_marker(db: str, n: int, want: str, info: dict[str, object]) -> None:
    sql_create = f"CREATE TABLE {MARKER_TABLE} (key varchar(64) PRIMARY KEY, value text NOT NULL)"
    rows = [("fingerprint", want), ("info", json.dumps(info, ensure_ascii=False))]
    if db == "sqlite":
        con = sqlite3.connect(sqlite_path(n).with_suffix(".tmp"))
        with con:
            con.execute(sql_create)
            con.executemany(f"INSERT INTO {MARKER_TABLE} VALUES (?, ?)", rows)
        con.close()
    else:
        with _pg(pg_name(n)) as con:
            con.execute(sql_create)
            for row in rows:
                con.execute(f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s)", row)


def ensure_database(db: str, n: int) -> tuple[str, float]:
    """The URL of a generated database of n measures; generate it if the cache has none.

    Returns the URL and the seconds spent generating (0 when the cache was used).
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    want = fingerprint(n)
    found = _marker_sqlite(sqlite_path(n)) if db == "sqlite" else _marker_pg(pg_name(n))
    if found == want:
        manage(production_env(database_url(db, n)), "migrate", "--no-input", "-v", "0")
        if db == "postgresql":
            # The import benchmark rolls its 10,000 measures back, which leaves their rows dead
            # in the tables until autovacuum comes by: every run would read more of them than
            # the one before. Cleared here, as a live server's autovacuum would.
            with _pg(pg_name(n)) as con:
                con.execute("VACUUM ANALYZE")
        return database_url(db, n), 0.0
    log(f"generating {db} database with {n} measures (cached for the next runs)")
    started = time.monotonic()
    if db == "sqlite":
        tmp = sqlite_path(n).with_suffix(".tmp")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        env = production_env(f"sqlite:///{tmp}")
    else:
        with _pg() as con:
            con.execute(f'DROP DATABASE IF EXISTS "{pg_name(n)}" WITH (FORCE)')
            con.execute(f'CREATE DATABASE "{pg_name(n)}"')
        env = production_env(database_url(db, n))
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "generate_data", "--measures", str(n), "--seed", str(SEED))
    seconds = time.monotonic() - started
    _write_marker(db, n, want, {"measures": n, "seed": SEED, "generated_in_s": round(seconds, 1)})
    if db == "sqlite":
        tmp = sqlite_path(n).with_suffix(".tmp")
        con = sqlite3.connect(tmp)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{sqlite_path(n)}{suffix}").unlink(missing_ok=True)
        tmp.replace(sqlite_path(n))
    log(f"generated {db} {n} in {seconds:.0f}s")
    return database_url(db, n), seconds


def pg_clone(source: str, target: str) -> str:
    """A throw-away copy of a cached PostgreSQL database (for tests that write)."""
    with _pg() as con:
        con.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    return f"{PG_SERVER}/{target}"


def pg_drop(name: str) -> None:
    with _pg() as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]

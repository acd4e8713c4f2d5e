"""Exit 0 when the PostgreSQL server in the given URL accepts a connection, 1 otherwise."""

import sys

import dj_database_url
import psycopg

url = sys.argv[1]
cfg = dj_database_url.parse(url)
try:
    psycopg.connect(
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        dbname=cfg["NAME"],
        connect_timeout=5,
    ).close()
except psycopg.Error as exc:
    print(f"PostgreSQL not available: {exc}", file=sys.stderr)
    sys.exit(1)

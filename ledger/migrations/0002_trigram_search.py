"""On PostgreSQL, trigram indexes make substring search over Chinese text use an index.

Chinese has no spaces, so word-based full-text search finds nothing useful; `icontains` with
pg_trgm GIN indexes does. Without the extension (no privilege), search still works, unindexed.
"""

import logging

from django.db import migrations

logger = logging.getLogger(__name__)

INDEXES = (
    ("ledger_measure_content_trgm", "ledger_measure", "content"),
    ("ledger_finding_text_trgm", "ledger_finding", "text"),
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            logger.warning("pg_trgm is not available: text search will not use an index")
            return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (UPPER({column}) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

"""Append-only on both databases: SQLite refuses UPDATE and DELETE on the audit table as
PostgreSQL already does, and on both the chain head only moves forward."""

from django.db import migrations

from core.triggers import (
    POSTGRESQL_HEAD_CREATE,
    POSTGRESQL_HEAD_DROP,
    SQLITE_CREATE,
    SQLITE_DROP,
)


def _run(schema_editor, *, postgresql, sqlite):
    vendor = schema_editor.connection.vendor
    statements = [postgresql] if vendor == "postgresql" else sqlite if vendor == "sqlite" else []
    for statement in statements:
        schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor):
    _run(schema_editor, postgresql=POSTGRESQL_HEAD_CREATE, sqlite=SQLITE_CREATE)


def backwards(apps, schema_editor):
    _run(schema_editor, postgresql=POSTGRESQL_HEAD_DROP, sqlite=SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]

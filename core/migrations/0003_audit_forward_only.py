"""Append-only on both databases: SQLite refuses UPDATE and DELETE on the audit table as
PostgreSQL already does, and on both the chain head only moves forward."""

from django.db import migrations

from core.triggers import (
    POSTGRESQL_HEAD_CREATE,
    POSTGRESQL_HEAD_DROP,
    SQLITE_CREATE,
    SQLITE_DROP,
)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_HEAD_CREATE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_HEAD_DROP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]

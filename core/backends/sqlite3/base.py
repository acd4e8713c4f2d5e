"""Django's SQLite backend, with a flush that empties the append-only audit trail whole.

`manage.py flush` (and every transactional test) wipes the database. PostgreSQL does it with
TRUNCATE, which row triggers do not see; SQLite deletes row by row, which the audit triggers
refuse. So a flush lifts the triggers for its own statements and puts them straight back.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base, operations

from core.triggers import AUDIT_TABLES, SQLITE_CREATE, SQLITE_DROP


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        statements: list[str] = super().sql_flush(style, tables, **kwargs)
        if not statements or not AUDIT_TABLES & set(tables):
            return statements
        return [*SQLITE_DROP, *statements, *SQLITE_CREATE]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

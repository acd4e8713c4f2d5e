"""Additions to the generated OpenAPI schema: every operation may answer an error, always in
the same JSON shape (see api/errors.py)."""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "stable, for programs"},
        "message": {"type": "string", "description": "for people, in the requested language"},
        "fields": {"type": "object", "description": "per-field messages of a refused request"},
    },
    "required": ["code", "message"],
}


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            operation["responses"].setdefault("4XX", {"description": "Error", "content": ref})
    return result

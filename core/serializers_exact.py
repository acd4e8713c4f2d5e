"""JSON Lines serialization that keeps every microsecond.

Django's JSON encoder cuts datetimes to milliseconds; the audit chain hashes each event's time
to the microsecond, so a backup written with it would not verify once restored. This format
is Django's `jsonl` with an encoder that writes times whole and keys sorted; registered as
`exactjsonl`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.serializers import jsonl
from django.core.serializers.json import DjangoJSONEncoder


class ExactJSONEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        if isinstance(o, dt.time):
            return o.isoformat()
        return super().default(o)


# Rebuilt by `migrate` with ids of their own on every installation: rows pointing at them are
# written by natural key. Every other reference keeps its id, which is what it is everywhere
# (and costs no lookup per row).
BY_NATURAL_KEY = frozenset({"contenttypes.contenttype", "auth.permission"})


class Serializer(jsonl.Serializer):
    def handle_fk_field(self, obj: Any, field: Any) -> None:
        self.use_natural_foreign_keys = field.remote_field.model._meta.label_lower in BY_NATURAL_KEY
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj: Any, field: Any) -> None:
        self.use_natural_foreign_keys = field.remote_field.model._meta.label_lower in BY_NATURAL_KEY
        super().handle_m2m_field(obj, field)

    def _init_options(self) -> None:
        super()._init_options()  # type: ignore[misc]
        self.json_kwargs["cls"] = ExactJSONEncoder
        # PostgreSQL's jsonb keeps keys in an order of its own: sorted, the same rows give the
        # same bytes from either database.
        self.json_kwargs["sort_keys"] = True


Deserializer = jsonl.Deserializer

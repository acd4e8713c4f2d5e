"""A queryset that refuses to run until someone has said whose eyes it is for.

Every model that holds an organization's records uses `GuardedQuerySet` (through
`organization.managers.ScopedQuerySet`) as its default manager. A query on it — fetch, count,
exists, iterator, aggregate, update, delete, also through related managers such as
`finding.measures.all()` — raises `UnscopedQuery` unless the queryset was narrowed with
`visible_to(actor)` / `editable_by(actor)` or marked `unscoped("why")`. Forgetting the scope is
then a loud error in the first test that reaches the line, not a quiet leak.

This module knows no domain: the rules that `visible_to` applies are installed by the
organization layer with `install_scope_resolver`. `Model._base_manager` stays a plain manager,
so foreign-key descriptors (`measure.finding`), saving and cascading deletes work unchanged.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable

Action = Literal["view", "change"]
Resolver = Callable[[QuerySet[Any], Any, Action], QuerySet[Any]]

_resolver: Resolver | None = None
# Extra callers allowed to read without a scope: (filename, function name) -> allowed.
# The test suite installs one for its own set-up and assertion code; the product installs none.
_trusted_callers: list[Callable[[str, str], bool]] = []

# Frames that belong to the query machinery itself; the caller is the first frame outside them.
_MACHINERY = (
    "/django/db/models/query.py",
    "/django/db/models/manager.py",
    "/core/scoping.py",
)
# Related managers' own count() and exists() only pass the call on to the queryset.
_RELATED = "/django/db/models/fields/related_descriptors.py"
# Django's own bookkeeping reads: uniqueness checks compare against every row (the database
# constraint is global too), and related managers' add/remove/set read the link table.
_DJANGO_INTERNAL = {
    "/django/db/models/base.py": {"_perform_unique_checks", "_perform_date_checks"},
    "/django/db/models/constraints.py": {"validate"},
    # The cascade of a delete the caller already scoped (or of one object in hand).
    "/django/db/models/deletion.py": {"add", "collect", "can_fast_delete", "delete"},
    # A model form's initial value of a many-to-many field: the links of the edited object.
    "/django/db/models/fields/related.py": {"value_from_object"},
    "/django/db/models/fields/related_descriptors.py": {
        "add",
        "remove",
        "set",
        "clear",
        "_clear",
        "_add_items",
        "_remove_items",
        "_get_missing_target_ids",
        "_get_target_ids",
    },
}


_block_reason: ContextVar[str | None] = ContextVar("unscoped_block_reason", default=None)
# Models whose rows everyone of the organization may read (names of units, people, tags):
# read from an object already in hand (`measure.tags.all()`, `prefetch_related("tags")`) they
# need no scope of their own. Anything else (measures of a finding, evidence of a measure) is
# read through `visible_to` or a scoped `Prefetch()`.
_directory_models: set[str] = set()


@contextmanager
def unscoped_reads(why: str) -> Iterator[None]:
    """Every owned-model read inside the block runs unscoped, for the reason given.

    For work that acts for no person — a management command, the demo loader — where marking
    each read would say the same thing many times. Never used on a request path.
    """
    if not isinstance(why, str) or not why.strip():
        raise ValueError("unscoped_reads() needs the reason as a non-empty string")
    token = _block_reason.set(why)
    try:
        yield
    finally:
        _block_reason.reset(token)


class UnscopedQuery(RuntimeError):
    """A query on an owned model that was neither scoped to an actor nor marked unscoped."""


def install_scope_resolver(resolver: Resolver) -> None:
    """Called once by the organization layer: the function behind visible_to/editable_by."""
    global _resolver
    _resolver = resolver


def register_directory_model(label_lower: str) -> None:
    """Called by the organization layer for each directory model (see `_directory_models`)."""
    _directory_models.add(label_lower)


def trust_callers(predicate: Callable[[str, str], bool]) -> None:
    """Let code matching `predicate(filename, function)` read unscoped (test fixtures only)."""
    _trusted_callers.append(predicate)


def _caller() -> tuple[str, str]:
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename.replace("\\", "/")
        passing = filename.endswith(_RELATED) and frame.f_code.co_name in ("count", "exists")
        if not filename.endswith(_MACHINERY) and not passing:
            return filename, frame.f_code.co_name
        frame = frame.f_back  # type: ignore[assignment]
    return "", ""


def fetched_for(obj: Any, user: Any) -> bool:
    """Whether `obj` was fetched through `visible_to(user)`, for this very `user` object (the
    request's user): the person could see it when it was read, in this request, so what hangs
    from it by its scope rule may be read without asking the database again. Meant for pages
    that read (a write that moves the object out of reach does not clear it)."""
    return user is not None and getattr(obj._state, "fetched_for", None) is user


class GuardedQuerySet(QuerySet):  # type: ignore[type-arg]
    """A queryset that must be scoped (or explicitly unscoped) before it touches the database."""

    # None: not yet scoped; "view" / "change": narrowed to an actor; any other text: the reason
    # given to `unscoped`.
    _scope: str | None = None
    # Whom a "view" scope was narrowed for (the object passed to `visible_to`): the records
    # it fetches remember it (`fetched_for`).
    _scope_for: Any = None

    # --- how a queryset gets its scope ---------------------------------------------------

    def visible_to(self, user: Any) -> Any:
        return self._resolve(user, "view")

    def editable_by(self, user: Any) -> Any:
        return self._resolve(user, "change")

    def unscoped(self, why: str) -> Any:
        """Every row, on purpose. `why` says why this read needs no actor's scope."""
        if not isinstance(why, str) or not why.strip():
            raise ValueError("unscoped() needs the reason as a non-empty string")
        clone = self._chain()  # type: ignore[attr-defined]
        clone._scope = why
        clone.query.scope = why
        return clone

    @property
    def is_scoped(self) -> bool:
        return self._scope is not None

    def read_sql(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """The rows of a statement written by hand, on a queryset marked `unscoped(why)` and
        nothing more: for a read on every request that the ORM would take longer to build than
        the database to answer. The statement applies neither an actor's scope nor the
        queryset's filters, so only the bare `Model.objects.unscoped(why)` may run one; the
        guard's other ways through (an empty queryset, a related manager of an object in hand,
        a block of unscoped reads, a test's trusted callers) do not apply to it."""
        if self._scope is None or self._scope in ("view", "change"):
            raise UnscopedQuery("read_sql() runs only on Model.objects.unscoped('why')")
        if self.query.where or self.query.is_empty() or "instance" in self._hints:  # type: ignore[attr-defined]
            raise UnscopedQuery("read_sql() would ignore this queryset's filters")
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def _resolve(self, user: Any, action: Action) -> Any:
        if _resolver is None:
            raise RuntimeError("no scope resolver installed")
        clone: Any = _resolver(self, user, action)
        clone._scope = action
        clone._scope_for = user if action == "view" else None
        # Also on the SQL query, which travels into other queries as a subquery: a reader
        # of the SQL (the query recorder of the tests) can tell a scoped subquery by it.
        clone.query.scope = action
        return clone

    # --- keeping the scope through chaining ------------------------------------------------

    def _clone(self) -> Any:
        clone = super()._clone()  # type: ignore[misc]
        clone._scope = self._scope
        clone._scope_for = self._scope_for
        return clone

    def _combine_scope(self, other: Any, combined: Any) -> Any:
        if combined is self:
            return combined  # `other` was empty: this queryset itself, scope and all
        if combined is not other and isinstance(combined, GuardedQuerySet):
            scoped_other = not isinstance(other, GuardedQuerySet) or other.is_scoped
            combined._scope = self._scope if scoped_other else None
            same_eyes = getattr(other, "_scope_for", None) is self._scope_for
            combined._scope_for = self._scope_for if same_eyes else None
        return combined

    def __or__(self, other: Any) -> Any:
        return self._combine_scope(other, super().__or__(other))

    def __and__(self, other: Any) -> Any:
        return self._combine_scope(other, super().__and__(other))

    def __xor__(self, other: Any) -> Any:
        return self._combine_scope(other, super().__xor__(other))  # type: ignore[misc]

    # --- the refusal -------------------------------------------------------------------------

    def _require_scope(self, operation: str) -> None:
        if self._scope is not None or self.query.is_empty() or _block_reason.get() is not None:
            return
        hints: dict[str, Any] = self._hints  # type: ignore[attr-defined]
        if "instance" in hints and self.model._meta.label_lower in _directory_models:
            return
        filename, function = _caller()
        for suffix, functions in _DJANGO_INTERNAL.items():
            if filename.endswith(suffix) and function in functions:
                return
        if any(trusted(filename, function) for trusted in _trusted_callers):
            return
        raise UnscopedQuery(
            f"{operation} on {self.model._meta.label} without a scope: use "
            f".visible_to(actor), .editable_by(actor) or .unscoped('why') "
            f"({filename}, in {function})"
        )

    def _fetch_all(self) -> None:
        if self._result_cache is not None:
            return super()._fetch_all()  # type: ignore[no-any-return]
        self._require_scope("fetch")
        super()._fetch_all()
        # Not for union() and its kin: their rows come from other querysets too.
        stamp = self._scope == "view" and self._scope_for is not None
        stamp = stamp and self.query.combinator is None
        if stamp and self._iterable_class is ModelIterable:  # type: ignore[attr-defined]
            for obj in self._result_cache:  # type: ignore[attr-defined]
                obj._state.fetched_for = self._scope_for
        return None

    def count(self) -> int:
        if self._result_cache is None:
            self._require_scope("count")
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._require_scope("exists")
        return super().exists()

    def iterator(self, chunk_size: int | None = None) -> Any:
        self._require_scope("iterator")
        return super().iterator(chunk_size=chunk_size)

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._require_scope("aggregate")
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._require_scope("update")
        return super().update(**kwargs)

    update.alters_data = True  # type: ignore[attr-defined]

    def _update(self, values: Any) -> Any:
        self._require_scope("update")
        return super()._update(values)  # type: ignore[misc]

    _update.alters_data = True  # type: ignore[attr-defined]

    def delete(self) -> tuple[int, dict[str, int]]:
        self._require_scope("delete")
        return super().delete()

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

"""The default manager of every owned model, and the helpers views fetch single objects with.

`ScopedQuerySet` refuses to run a query until it is narrowed to an actor (`visible_to`,
`editable_by`) or marked `unscoped("why")`; see `core.scoping`. The rules it applies are the
ones registered in `organization.scope`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model
from django.http import Http404

from core.scoping import GuardedQuerySet

M = TypeVar("M", bound=Model)


class ScopedQuerySet(GuardedQuerySet):
    """Base queryset for every owned model: scoped by construction."""


def _one(qs: Any, lookup: dict[str, Any]) -> Any:
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No {qs.model._meta.object_name} matches the given query.") from exc


def get_visible_or_404(model: type[M], actor: Any, **lookup: Any) -> M:
    """The object the actor may see, or 404: another unit's record does not exist for them."""
    return _one(model._default_manager.visible_to(actor), lookup)  # type: ignore[attr-defined]


def get_editable_or_404(model: type[M], actor: Any, **lookup: Any) -> M:
    """The object the actor may change, or 404."""
    return _one(model._default_manager.editable_by(actor), lookup)  # type: ignore[attr-defined]

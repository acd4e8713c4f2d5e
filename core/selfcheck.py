"""The self-check (等保自查) registry: what the assessor asks about, and whether it holds.

Each area of the product registers a check from its AppConfig.ready(): a callable taking the
organization and returning `CheckItem`s, each a requirement with the installation's current
setting and whether the requirement holds there. The self-check page and its Word export list
every registered check; this module knows nothing of the areas (core imports no domain).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CheckItem:
    """One line of the self-check: requirement, current setting, holds or not, and why."""

    requirement: str
    setting: str
    holds: bool
    detail: str = ""


Check = Callable[[Any], Iterable[CheckItem]]
_CHECKS: list[Check] = []


def register(check: Check) -> Check:
    """Add a check (once, however often the app is made ready); usable as a decorator."""
    name = f"{check.__module__}.{check.__qualname__}"
    _CHECKS[:] = [c for c in _CHECKS if f"{c.__module__}.{c.__qualname__}" != name]
    _CHECKS.append(check)
    return check


def checks() -> tuple[Check, ...]:
    return tuple(_CHECKS)


def run_checks(organization: Any) -> list[CheckItem]:
    """Every registered check's items for the organization, in registration order."""
    items: list[CheckItem] = []
    for check in _CHECKS:
        items.extend(check(organization))
    return items

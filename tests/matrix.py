"""The permission matrix: every URL of the product, for every role.

Each app lists its URLs in `<app>/tests/matrix.py` as `CASES`; `tests/test_permission_matrix.py`
collects them all, runs each for every role, and fails when a URL of the product has no case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Role -> demo username. "outsider" is the secretary of another branch, in another grid.
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "admin": "admin",
    "leader": "leader",
    "office": "office",
    "taskforce": "taskforce1",
    "liaison": "liaison1",
    "branch": "branch1",
    "staff": "staff1",
    "outsider": "branch7",
}
SIGNED_IN = [r for r in ROLES if r != "anonymous"]


@dataclass(frozen=True)
class Case:
    """One URL and the status each role gets. Unlisted signed-in roles get `default`."""

    url_name: str
    path: Callable[[Any], str]
    expect: dict[str, int]
    default: int = 403
    method: str = "get"
    data: Callable[[Any], dict[str, Any]] | None = None
    anonymous: int = 302
    note: str = ""
    public: bool = False  # anonymous visitors are served, not sent to the login page
    extra_roles: dict[str, int] = field(default_factory=dict)

    def status_for(self, role: str) -> int:
        if role == "anonymous":
            return self.anonymous
        return self.expect.get(role, self.default)


def roles(*names: str, status: int = 200) -> dict[str, int]:
    return {n: status for n in names}


EVERYONE = tuple(SIGNED_IN)
MANAGERS = ("admin", "office")
READERS = ("admin", "office", "leader")

"""The permission matrix: every URL of the product, for every role, by GET and by POST.

Each app lists its URLs in `<app>/tests/matrix.py` as `CASES`; `tests/test_permission_matrix.py`
collects them all, runs each for every role, and fails when a URL of the product has no GET case
or no POST case. A POST is judged by what it did to the database, not only by its status: the
roles in `changes` must change what `effect` reads, every other role must leave it (and the
audit trail) untouched — a refusal that answers 302 is still a refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

# Role -> demo username. "outsider" is the secretary of another branch, in another grid;
# "stranger" is the director of the rectification office of a second organization. The matrix
# runs with the three administrators separated (三员分立): "admin" (系统管理员), "secadmin"
# (安全管理员) and "auditor" (审计管理员) reach no business record.
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "admin": "admin",
    "secadmin": "secadmin",
    "auditor": "auditor",
    "leader": "leader",
    "office": "office",
    "taskforce": "taskforce1",
    "liaison": "liaison1",
    "branch": "branch1",
    "staff": "staff1",
    "outsider": "branch7",
    "stranger": "stranger_office",
}
SIGNED_IN = [r for r in ROLES if r != "anonymous"]
ADMINS = ("admin", "secadmin", "auditor")
# Whatever a person of another organization is answered, it is never what the office is.
REFUSED = frozenset({403, 404})
# A POST that cannot succeed may be answered by a form with errors, a refusal or a redirect with
# a message: the database decides whether it was refused.
ANY_REFUSAL = frozenset({200, 302, 400, 403, 404, 405, 409})

Status = int | frozenset[int]


def _set(status: Status) -> frozenset[int]:
    return status if isinstance(status, frozenset) else frozenset({status})


@dataclass(frozen=True)
class Case:
    """One URL and the status each role gets. Unlisted signed-in roles get `default`.

    A POST case names its `effect` (what it changes, read from the database) unless it changes
    nothing for anyone. With `form`, the POST sends the form rendered at `path` for `form_as`
    ("actor": the role itself), with its default values and the changes `form` returns — what
    a person submitting it sends.
    """

    url_name: str
    path: Callable[[Any], str]
    expect: dict[str, Status]
    default: Status = 403
    method: str = "get"
    data: Callable[[Any], dict[str, Any]] | None = None
    anonymous: Status = 302
    note: str = ""
    public: bool = False  # anonymous visitors are served, not sent to the login page
    extra_roles: dict[str, Status] = field(default_factory=dict)
    form: Callable[[Any], dict[str, Any]] | None = None
    form_as: str = "office"
    effect: Callable[[Any], Any] | None = None
    changes: tuple[str, ...] | None = None  # default: the roles answered 302
    stranger: Status | None = None  # default: refused for an object, the office's otherwise

    def status_for(self, role: str, *, names_an_object: bool = True) -> frozenset[int]:
        if role == "anonymous":
            return _set(self.anonymous)
        if role == "stranger":
            if self.stranger is not None:
                return _set(self.stranger)
            if self.method == "post":
                return ANY_REFUSAL
            return REFUSED if names_an_object else self.status_for("office")
        if role in ADMINS and role not in self.expect:
            # An administrator is refused every business URL, with 403 or 404 alike.
            default = _set(self.default)
            return default | REFUSED if default - {405} <= REFUSED else default
        return _set(self.expect.get(role, self.default))

    def changes_for(self, role: str) -> bool:
        if self.changes is not None:
            return role in self.changes
        if role in ("anonymous", "stranger") or self.method != "post":
            return False
        return self.status_for(role) == {302}


def roles(*names: str, status: Status = 200) -> dict[str, Status]:
    return {n: status for n in names}


def read_only(*cases: Case) -> list[Case]:
    """GET cases of a page that only reads, each with its POST twin: a POST is answered as the
    GET is (or refused with 405) and changes nothing."""
    out: list[Case] = []
    for case in cases:
        out.append(case)
        if case.method != "get":
            raise ValueError(f"{case.url_name}: read_only() takes GET cases")
        out.append(
            replace(
                case,
                method="post",
                note=f"{case.note}-post" if case.note else "post",
                expect={r: _set(s) | {405} for r, s in case.expect.items()},
                default=_set(case.default) | {405},
                anonymous=_set(case.anonymous) | ({405} if case.public else set()),
                stranger=(None if case.stranger is None else _set(case.stranger) | {405}),
                changes=(),
            )
        )
    return out


def post_only(*cases: Case, get_status: Status = 405) -> list[Case]:
    """POST cases of an action URL, each with its GET twin: a GET does nothing (405)."""
    out: list[Case] = []
    for case in cases:
        out.append(case)
        if case.method != "post":
            raise ValueError(f"{case.url_name}: post_only() takes POST cases")
        if any(c.url_name == case.url_name and c.method == "get" for c in out[:-1]):
            continue
        out.append(
            Case(
                case.url_name,
                case.path,
                {},
                default=get_status,
                anonymous=case.anonymous if case.public else 302,
                note=f"{case.note}-get" if case.note else "get",
                public=case.public,
                stranger=get_status,
            )
        )
    return out


def urls_of(cases: Iterable[Case], method: str) -> set[str]:
    return {c.url_name for c in cases if c.method == method}


# The business roles of the organization (the administrators are not among them).
EVERYONE = tuple(r for r in SIGNED_IN if r != "stranger" and r not in ADMINS)
# Everyone signed in to the organization, administrators included (their own account pages).
ALL_OF_ORG = tuple(r for r in SIGNED_IN if r != "stranger")
MANAGERS = ("office",)
READERS = ("office", "leader")


def once(w: Any, key: str, make: Callable[[], Any]) -> Any:
    """The object a case's path, data and effect all speak of, made once per test."""
    if key not in w._cache:
        w._cache[key] = make()
    return w._cache[key]


def fields_of(model: Any, pk: int, *names: str) -> Any:
    """A record's fields as they are in the database now (None once it is gone)."""
    row = model.objects.filter(pk=pk).values(*names).first()
    return tuple(row.values()) if row else None

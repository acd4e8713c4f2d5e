"""Walk every URL of the product for every role, by GET and by POST, and check what each gets.

A POST is judged by the database: a role allowed to act must change the object (what the case's
`effect` reads), every other role must leave it and the audit trail untouched, whatever the
status. A second test reads every page, partial, export, download and feed that gathers records
of several units as each role, and fails when it shows text planted in a unit that role may not
see (a report, a return reason, an urge), or in another organization.
"""

from __future__ import annotations

import importlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from conftest import MARKERS
from tests.forms import post_form
from tests.matrix import ROLES, Case, urls_of

ROOT = Path(__file__).resolve().parent.parent


def _collect() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(ROOT.glob("*/tests/matrix.py")):
        module = importlib.import_module(f"{path.parent.parent.name}.tests.matrix")
        cases.extend(module.CASES)
    return cases


CASES = _collect()


@pytest.fixture(autouse=True)
def _three_administrators_separated(world: Any) -> None:
    """The matrix runs as an installation does: the three administrators separated (三员分立;
    the demo switches it off to show every page as `admin`)."""
    world.separate_duties()


def _url_names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            names |= _url_names(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            names.add(prefix + p.name)
    return names


def test_every_url_of_the_product_has_a_get_and_a_post_case() -> None:
    names = _url_names()
    missing = {
        "GET": sorted(names - urls_of(CASES, "get")),
        "POST": sorted(names - urls_of(CASES, "post")),
    }
    assert not missing["GET"] and not missing["POST"], f"URLs without a matrix case: {missing}"


def test_every_post_that_changes_something_says_what_it_changes() -> None:
    vague = [
        f"{c.url_name} {c.note}"
        for c in CASES
        if c.method == "post" and c.effect is None and any(c.changes_for(r) for r in ROLES)
    ]
    assert not vague, f"POST cases allowing a change without an `effect` to check it: {vague}"


def _names_an_object(path: str) -> bool:
    """Whether the URL names a record (by id or token) rather than a list or a blank form."""
    match = resolve(path.split("?")[0])
    return bool(set(match.kwargs) - {"slug"}) or any(ch.isdigit() for ch in path.partition("?")[2])


def _audit_count() -> int:
    from core.models import AuditEvent

    return AuditEvent.objects.count()


def _rendered_form(world: Any, case: Case, path: str, role: str) -> dict[str, Any]:
    """The form as the page renders it for `form_as` (for "actor", the role itself; anonymous
    posts branch 1's form), with the case's changes applied."""
    who = case.form_as if case.form_as != "actor" else (ROLES[role] or "branch1")
    page = world.client(ROLES.get(who, who)).get(path)
    assert page.status_code == 200, f"{who} cannot open the form at {path}"
    data: dict[str, Any] = post_form(page.content.decode(), path).values()
    assert case.form is not None
    for name, value in case.form(world).items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(
    "case", CASES, ids=lambda c: f"{c.url_name}-{c.method}{'-' + c.note if c.note else ''}"
)
def test_role_gets_the_expected_status(case: Case, role: str, world: Any) -> None:
    if role == "stranger":
        world.second_org()
    world.role, world.actor = role, (world.user(ROLES[role]) if ROLES[role] else None)
    path = case.path(world)
    data = case.data(world) if case.data else None
    if case.form is not None:
        data = _rendered_form(world, case, path, role)
    client = world.client(ROLES[role])
    if case.method == "post":
        before = (_audit_count(), case.effect(world) if case.effect else None)
        response = client.post(path, data or {})
        after = (_audit_count(), case.effect(world) if case.effect else None)
    else:
        before = after = (_audit_count(), None)
        response = client.get(path, data or {})
        after = (_audit_count(), None)
    expected = case.status_for(role, names_an_object=_names_an_object(path))
    assert response.status_code in expected, (
        f"{role} {case.method.upper()} {path}: got {response.status_code}, "
        f"expected {' or '.join(map(str, sorted(expected)))}"
    )
    if role == "anonymous" and expected == {302} and not case.public:
        assert "/login/" in response["Location"]
    if case.method != "post":
        assert before == after, f"{role} GET {path} wrote the audit trail: {before} -> {after}"
        return
    if case.changes_for(role):
        changed = before[1] != after[1] if case.effect else before[0] != after[0]
        assert changed, (
            f"{role} POST {path} answered {response.status_code} but changed nothing: "
            f"{case.effect.__name__ if case.effect else 'audit trail'} stayed {before}"
        )
    else:
        if role == "stranger":
            # Its own organization's audit trail may grow; this one's records may not change.
            before, after = before[1:], after[1:]
        assert before == after, (
            f"{role} POST {path} answered {response.status_code} and changed what it may not: "
            f"{before} -> {after}"
        )


# --- another unit's data, by content ---------------------------------------------------------

# Who may read each marker: A is branch 1's (its grid, task force 1's theme, the readers of
# everything); B is branch 7's under the same finding (task force 1 owns the theme, branch 7 and
# its grid are not branch 1's); C is the second organization's.
MAY_READ = {
    "A": {"leader", "office", "taskforce", "liaison", "branch", "staff"},
    "B": {"leader", "office", "taskforce", "outsider"},
    "C": {"stranger"},
}


def _calendar(world: Any) -> str:
    from notifications.services import calendar_token_for

    user = world.actor or world.user("branch1")
    return reverse("notifications:calendar_feed", args=[calendar_token_for(user=user)])


def _unit_report(world: Any, planted: dict[str, Any], name: str) -> str:
    from reporting.models import ReportingCycle

    inspection = planted["inspection"]
    ReportingCycle.objects.get_or_create(inspection=inspection)
    return reverse(name, args=[inspection.pk, world.unit(world.BRANCH1).pk])


def _meeting(world: Any, name: str) -> str:
    """A joint meeting hearing branch 1 and branch 7, whose parts are pre-filled from the
    planted reports: each branch reads its own part, never the other's."""
    from meetings.tests.helpers import joint_meeting
    from tests.matrix import once

    meeting = once(
        world,
        "gathering-meeting",
        lambda: joint_meeting(world, units=(world.BRANCH1, world.BRANCH7)),
    )
    return reverse(name, args=[meeting.pk])


# Pages, partials, exports, downloads and feeds that gather records of several units or measures.
GATHERING: list[tuple[str, Any, bool]] = [
    ("home", lambda w, p: reverse("home"), False),
    ("ledger", lambda w, p: reverse("ledger:ledger") + "?per_page=200", False),
    ("ledger search", lambda w, p: reverse("ledger:ledger") + "?q=LEAK", False),
    ("ledger htmx", lambda w, p: reverse("ledger:ledger") + "?q=LEAK", True),
    (
        "ledger person filter",
        lambda w, p: reverse("ledger:filter_options", args=["person"]) + "?q=",
        False,
    ),
    (
        "ledger unit filter",
        lambda w, p: reverse("ledger:filter_options", args=["unit"]) + "?q=",
        False,
    ),
    ("inspections", lambda w, p: reverse("ledger:inspection_list"), False),
    (
        "inspection",
        lambda w, p: reverse("ledger:inspection_detail", args=[p["inspection"].pk]),
        False,
    ),
    ("finding", lambda w, p: reverse("ledger:finding_detail", args=[p["finding"].pk]), False),
    ("measure A", lambda w, p: reverse("ledger:measure_detail", args=[p["a"].pk]), False),
    ("measure B", lambda w, p: reverse("ledger:measure_detail", args=[p["b"].pk]), False),
    ("audit log", lambda w, p: reverse("ledger:audit_log"), False),
    (
        "evidence A",
        lambda w, p: reverse("reporting:evidence_download", args=[p["evidence"]["A"].pk]),
        False,
    ),
    (
        "evidence B",
        lambda w, p: reverse("reporting:evidence_download", args=[p["evidence"]["B"].pk]),
        False,
    ),
    ("reconcile", lambda w, p: reverse("reporting:reconcile", args=[p["finding"].pk]), False),
    ("office queue", lambda w, p: reverse("reporting:queue"), False),
    ("liaison queue", lambda w, p: reverse("reporting:liaison_queue"), False),
    ("missing", lambda w, p: reverse("reporting:missing"), False),
    ("look-backs", lambda w, p: reverse("reporting:lookback_list"), False),
    ("unit report", lambda w, p: _unit_report(w, p, "reporting:unit_report"), False),
    ("inbox", lambda w, p: reverse("notifications:inbox"), False),
    ("notices", lambda w, p: reverse("notifications:notice_list"), False),
    ("calendar feed", lambda w, p: _calendar(w), False),
    ("dashboard", lambda w, p: reverse("dashboards:overview"), False),
    ("campaigns", lambda w, p: reverse("ledger:campaign_list"), False),
    ("people's record", lambda w, p: reverse("dashboards:people"), False),
    ("documents", lambda w, p: reverse("documents:index"), False),
    ("ledger export", lambda w, p: reverse("documents:ledger_export"), False),
    (
        "progress report",
        lambda w, p: reverse("documents:progress_report", args=[p["inspection"].pk]),
        False,
    ),
    (
        "task division",
        lambda w, p: reverse("documents:task_division", args=[p["inspection"].pk]),
        False,
    ),
    (
        "responsibility list",
        lambda w, p: reverse("documents:responsibility_list", args=[p["inspection"].pk]),
        False,
    ),
    ("unit report document", lambda w, p: _unit_report(w, p, "documents:unit_report"), False),
    ("meeting", lambda w, p: _meeting(w, "meetings:detail"), False),
    ("meeting pack", lambda w, p: _meeting(w, "meetings:pack_docx"), False),
]


def _text(response: Any) -> str:
    """The readable text of a response: HTML and feeds as they are, Office files unzipped."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            return "".join(
                z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
            )
    return content.decode("utf-8", "replace")


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_no_page_shows_what_the_role_may_not_read(role: str, world: Any, settings: Any) -> None:
    planted = world.plant_markers()
    world.role, world.actor = role, world.user(ROLES[role])
    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    client.force_login(world.actor)
    hidden = {MARKERS[k] for k, readers in MAY_READ.items() if role not in readers}
    leaks: list[str] = []
    failures: list[str] = []
    seen: set[str] = set()
    for name, path_of, htmx in GATHERING:
        path = path_of(world, planted)
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client.get(path, **headers)
        if response.status_code >= 500:
            failures.append(f"{name} {path}: {response.status_code}")
            continue
        if response.status_code != 200:
            continue
        text = _text(response)
        seen |= {m for m in MARKERS.values() if m in text}
        for marker in sorted(hidden):
            if marker in text:
                leaks.append(f"{name} {path}: shows {marker}")
    assert not failures, f"{role}: pages that fail: {failures}"
    readable = {MARKERS[k] for k, readers in MAY_READ.items() if role in readers}
    assert readable <= seen, f"{role} never saw what it may read: {sorted(readable - seen)}"
    assert not leaks, f"{role} reads what it may not:\n" + "\n".join(f"  {x}" for x in leaks)

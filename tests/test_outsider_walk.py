"""Every URL of the product, as the office director of a second organization.

Each page and action is requested with the ids of the demo college's own objects, while a query
recorder (`connection.execute_wrapper`) looks at every SQL statement: a statement that reads an
owned table must come from a queryset scoped to the reader (`visible_to` / `editable_by`), from
one marked `unscoped("why")`, or follow a foreign key of a row already read (a lookup by primary
key). Any other read fails the test, and so does any name or text of the demo college in the
response.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import QuerySet
from django.db.models.sql import Query

from core import scoping
from core.scoping import GuardedQuerySet
from ledger.models import Finding, Inspection, Measure
from organization.models import LiaisonGroup, Organization, Person, TaskForce, Theme, Unit
from tests.matrix import Case
from tests.test_permission_matrix import CASES

ROOT = Path(__file__).resolve().parent.parent
OWNED_TABLES = {
    m._meta.db_table
    for m in apps.get_models()
    if isinstance(m._default_manager.all(), GuardedQuerySet)
}
TABLES = re.compile(r'(?:FROM|JOIN|UPDATE|INTO)\s+"(\w+)"', re.IGNORECASE)
# A lookup by primary key: following a foreign key, refreshing or saving a row already read.
BY_PK = re.compile(
    r'WHERE\s+"(\w+)"\."id"\s+(?:=\s*%s|IN\s*\((?:%s,?\s*)+\))\s*'
    r"(?:ORDER BY\s+[^()]*?)?(?:LIMIT\s+\d+)?\s*$",
    re.IGNORECASE,
)


def _scoped_subquery(node: Any, depth: int = 0) -> bool:
    """Whether a query's conditions hold a subquery scoped to the reader."""
    if depth > 12 or node is None:
        return False
    if isinstance(node, Query):
        if getattr(node, "scope", None) in ("view", "change"):
            return True
        return _scoped_subquery(node.where, depth + 1)
    if isinstance(node, QuerySet):
        return _scoped_subquery(node.query, depth + 1)
    children = list(getattr(node, "children", []) or [])
    for attr in ("lhs", "rhs", "query"):
        children.append(getattr(node, attr, None))
    children += list(getattr(node, "source_expressions", []) or [])
    return any(_scoped_subquery(c, depth + 1) for c in children if c is not None and c is not node)


def _directory_of_object_in_hand(qs: QuerySet[Any] | None) -> bool:
    """Names (units, people, tags) read through a related manager or prefetch of an object
    already read: the guard lets these through, and so does the recorder."""
    if qs is None or "instance" not in getattr(qs, "_hints", {}):
        return False
    # Link rows (MeasureUnit) of an object in hand are not owned; directory names are open.
    model = qs.model
    return model._meta.db_table not in OWNED_TABLES or (
        model._meta.label_lower in scoping._directory_models
    )


def _queryset_in_stack() -> QuerySet[Any] | None:
    frame = sys._getframe(2)
    while frame is not None:
        candidate = frame.f_locals.get("self")
        if isinstance(candidate, QuerySet):
            return candidate
        queryset = getattr(candidate, "queryset", None)
        if isinstance(queryset, QuerySet):
            return queryset
        frame = frame.f_back  # type: ignore[assignment]
    return None


class Recorder:
    def __init__(self) -> None:
        self.unscoped: list[str] = []
        self.deliberate: list[tuple[str, str]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        owned = set(TABLES.findall(sql)) & OWNED_TABLES
        # Inserting a row reads nothing; every other statement on an owned table is a read.
        if owned and not sql.lstrip().upper().startswith(("INSERT", "SAVEPOINT", "RELEASE")):
            qs = _queryset_in_stack()
            scope = getattr(qs, "_scope", None)
            if (
                scope in ("view", "change")
                or (qs is not None and _scoped_subquery(qs.query))
                or _directory_of_object_in_hand(qs)
            ):
                pass
            elif scope is not None:
                self.deliberate.append((scope, sql[:200]))
            elif not BY_PK.search(sql):
                self.unscoped.append(sql[:300])
        return execute(sql, params, many, context)


@contextmanager
def recording() -> Iterator[Recorder]:
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        yield recorder


def _first_org_texts(org: Organization) -> set[str]:
    """Names and texts that only the demo college's pages would show."""
    texts: set[str] = {org.name}
    why = "test: what the other organization must never read"
    for model in (Unit, Person, Theme, TaskForce, LiaisonGroup):
        texts |= set(
            model.objects.unscoped(why).filter(organization=org).values_list("name", flat=True)
        )
    texts |= set(
        Inspection.objects.unscoped(why).filter(organization=org).values_list("name", flat=True)
    )
    findings = Finding.objects.unscoped(why).filter(inspection__organization=org)
    measures = Measure.objects.unscoped(why).filter(organization=org)
    texts |= {t[:18] for t in findings.values_list("text", flat=True)}
    texts |= {t[:18] for t in measures.values_list("content", flat=True)}
    # Words the interface itself uses (a person called 系统管理员) are not the college's data.
    catalogue = (ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text("utf-8")
    return {t for t in texts if len(t) >= 4 and t not in catalogue}


@pytest.fixture
def outsider(world: Any) -> Person:
    """The office director of the second organization (see `World.second_org`)."""
    return world.second_org()["office"].person


@pytest.mark.parametrize(
    "case", CASES, ids=lambda c: f"{c.method}-{c.url_name}{'-' + c.note if c.note else ''}"
)
def test_the_other_organization_reads_nothing_of_the_first(
    case: Case, world: Any, outsider: Person
) -> None:
    client = world.client(outsider.user.username)
    path = case.path(world)
    data = case.data(world) if case.data else None
    with recording() as recorder:
        if case.method == "post":
            response = client.post(path, data or {})
        else:
            response = client.get(path, data or {})
    assert response.status_code < 500, f"{path}: {response.status_code}"
    assert not recorder.unscoped, f"{path} read owned tables unscoped:\n" + "\n".join(
        recorder.unscoped
    )
    # An address served without signing in carries its own credential (the calendar token of
    # a demo account): whoever holds it reads that account's calendar, by design.
    if (
        case.anonymous != 200
        and "credential" not in case.note
        and response.get("Content-Type", "").startswith(("text/", "application/json"))
    ):
        body = b"".join(response) if response.streaming else response.content
        text = body.decode("utf-8", errors="replace")
        own = _first_org_texts(outsider.organization)
        # A name of the first organization inside one of the reader's own (纪委办公室 in
        # 另校纪委办公室) says nothing about a leak.
        leaked = sorted(
            t
            for t in _first_org_texts(world.org)
            if t in text and not any(t in mine for mine in own)
        )
        assert not leaked, f"{path} shows the first organization's data: {leaked[:5]}"


def test_the_recorder_tells_a_scoped_read_from_an_unscoped_one(world: Any) -> None:
    office = world.user("office")
    with recording() as recorder:
        list(Measure.objects.visible_to(office).filter(state="closed")[:3])
        Measure.objects.unscoped("test: a deliberate read").filter(state="closed").count()
        measure = Measure.objects.visible_to(office).first()
        assert measure.finding.inspection.organization_id == world.org.pk
    assert recorder.unscoped == []
    assert "test: a deliberate read" in [why for why, _sql in recorder.deliberate]
    with recording() as recorder:
        Measure._base_manager.filter(state="closed").count()
        with connection.cursor() as cursor:
            cursor.execute('SELECT COUNT(*) FROM "ledger_finding"')
    assert len(recorder.unscoped) == 2


def test_the_first_organizations_texts_are_found_in_its_own_pages(world: Any) -> None:
    texts = _first_org_texts(world.org)
    page = world.client("office").get("/ledger/").content.decode()
    assert any(t in page for t in texts)

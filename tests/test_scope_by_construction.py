"""Scoped by construction: an owned model cannot be read without saying whose eyes it is for.

Covers the guard itself, the list of every deliberate unscoped read with its reason, the
timelines, the unread count and the audit log, each read by someone who must not see it.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from core import scoping
from core.audit import record_event
from core.models import AuditEvent
from core.scoping import UnscopedQuery
from ledger.models import Finding, Inspection, Measure
from notifications.models import Notification
from organization.models import Unit

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def strict(monkeypatch: Any) -> None:
    """Read as product code does: without the test suite's own permission to read unscoped."""
    monkeypatch.setattr(scoping, "_trusted_callers", [])


# --- the guard ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        lambda: list(Measure.objects.all()),
        lambda: Measure.objects.count(),
        lambda: Measure.objects.exists(),
        lambda: Measure.objects.filter(pk=1).first(),
        lambda: next(Measure.objects.iterator()),
        lambda: Measure.objects.aggregate(n=__import__("django.db.models").db.models.Count("id")),
        lambda: Measure.objects.filter(pk=0).update(progress=1),
        lambda: Measure.objects.filter(pk=0).delete(),
        lambda: list(Measure.objects.values_list("id", flat=True)),
        lambda: Unit.objects.get_or_create(name="x", organization_id=0),
        lambda: list(Finding.objects.unscoped("test").first().measures.all()),
        lambda: Finding.objects.unscoped("test").first().measures.count(),
        lambda: list(AuditEvent.objects.all()[:1]),
    ],
    ids=[
        "fetch",
        "count",
        "exists",
        "first",
        "iterator",
        "aggregate",
        "update",
        "delete",
        "values_list",
        "get_or_create",
        "related_manager",
        "related_count",
        "audit_events",
    ],
)
def test_an_unscoped_query_on_an_owned_model_is_refused(
    operation: Any, world: Any, strict: None
) -> None:
    with pytest.raises(UnscopedQuery):
        operation()


def test_scoped_and_explicitly_unscoped_queries_run(world: Any, strict: None) -> None:
    office = world.user("office")
    visible = Measure.objects.visible_to(office)
    assert visible.count() == Measure.objects.unscoped("test: all rows").count() > 0
    finding = Finding.objects.visible_to(office).first()
    assert finding.measures.visible_to(office).count() == finding.measures.unscoped("t").count()
    # Following a foreign key needs no scope: the object it hangs from was scoped already.
    measure = visible.first()
    assert measure.finding.inspection.organization_id == world.org.pk
    # An empty queryset touches no row and needs no scope.
    assert list(Measure.objects.none()) == []
    # Combining with an unscoped queryset loses the scope.
    with pytest.raises(UnscopedQuery):
        list(visible | Measure.objects.filter(pk=measure.pk))


def test_unscoped_needs_a_reason(world: Any) -> None:
    with pytest.raises(ValueError):
        Measure.objects.unscoped("")
    with pytest.raises(ValueError):
        Measure.objects.unscoped("  ")


def test_a_statement_written_by_hand_runs_only_on_a_queryset_marked_unscoped(
    world: Any, strict: None
) -> None:
    sql, params = 'SELECT COUNT(*) FROM "organization_unit" WHERE "id" > %s', [0]
    with pytest.raises(UnscopedQuery):
        Unit.objects.all().read_sql(sql, params)
    # A scope to an actor would be silently dropped by a statement that does not apply it.
    with pytest.raises(UnscopedQuery):
        Unit.objects.visible_to(world.user("branch1")).read_sql(sql, params)
    # The guard's other ways through do not open it: the statement would ignore the filters.
    unit = Unit.objects.unscoped("a test of the guard").first()
    assert unit is not None
    for narrowed in (
        Unit.objects.none(),
        Unit.objects.unscoped("a test of the guard").filter(pk=unit.pk),
        unit.organization.units.all(),
    ):
        with pytest.raises(UnscopedQuery):
            narrowed.read_sql(sql, params)
    with scoping.unscoped_reads("a test of the guard"), pytest.raises(UnscopedQuery):
        Unit.objects.all().read_sql(sql, params)
    [(count,)] = Unit.objects.unscoped("a test of the guard").read_sql(sql, params)
    assert count == Unit.objects.unscoped("a test of the guard").count() > 0


# --- every deliberate unscoped read, with its reason --------------------------------------


def _unscoped_calls() -> list[tuple[str, int, str | None]]:
    found: list[tuple[str, int, str | None]] = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in {".venv", "node_modules"} or "migrations" in rel.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(rel))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name not in {"unscoped", "unscoped_reads"}:
                continue
            arg = node.args[0] if node.args else None
            reason = (
                arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
            )
            found.append((str(rel), node.lineno, reason))
    return found


def test_every_unscoped_read_says_why() -> None:
    calls = _unscoped_calls()
    product = [c for c in calls if "tests" not in Path(c[0]).parts]
    print(f"\n{len(product)} unscoped reads in the product:")
    for path, line, reason in product:
        print(f"  {path}:{line}  {reason!r}")
    without = [f"{p}:{n}" for p, n, r in product if not (r and r.strip())]
    assert not without, f"unscoped reads without a reason (a non-empty string literal): {without}"
    assert product, "the scan found no unscoped read at all: the scan itself is broken"


# --- timelines -----------------------------------------------------------------------------

SECRET_REPORT = "另一单位的汇报正文XJ41"
SECRET_RETURN = "另一单位的退回理由QW72"
SECRET_URGE = "另一单位的催办内容ZP93"
SECRET_FINDING = "另一问题的修改记录KM55"


def _finding_with_a_hidden_measure(world: Any, username: str) -> tuple[Finding, Measure]:
    user = world.user(username)
    for finding in Finding.objects.visible_to(user).order_by("id"):
        visible = set(Measure.objects.visible_to(user).filter(finding=finding).values_list("id"))
        hidden = finding.measures.exclude(pk__in=[v[0] for v in visible]).first()
        if visible and hidden is not None:
            return finding, hidden
    raise AssertionError(f"the demo has no finding that {username} sees only in part")


def _write_private_events(world: Any, measure: Measure) -> None:
    office = world.user("office")
    with transaction.atomic():
        record_event(actor=office, obj=measure, action="report:filed", message=SECRET_REPORT)
        record_event(
            actor=office,
            obj=measure,
            action="transition:office_return",
            before={"state": measure.state},
            after={"state": measure.state},
            message=SECRET_RETURN,
        )
        record_event(actor=office, obj=measure, action="urge", message=SECRET_URGE)


@pytest.mark.parametrize("username", ["branch1", "liaison1", "staff1"])
def test_the_finding_page_shows_no_event_of_a_measure_the_person_cannot_see(
    world: Any, username: str
) -> None:
    finding, hidden = _finding_with_a_hidden_measure(world, username)
    _write_private_events(world, hidden)
    url = reverse("ledger:finding_detail", args=[finding.pk])
    page = world.client(username).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    for secret in (SECRET_REPORT, SECRET_RETURN, SECRET_URGE):
        assert secret not in text
    assert all(e.event.object_id != hidden.pk for e in page.context["timeline"])
    # The office reads the same page with the events: they were there to leak.
    office_text = world.client("office").get(url).content.decode()
    for secret in (SECRET_REPORT, SECRET_RETURN, SECRET_URGE):
        assert secret in office_text


@pytest.mark.parametrize("timeline", ["measure", "finding", "inspection"])
@pytest.mark.parametrize(
    "username", ["office", "leader", "branch1", "branch7", "liaison1", "staff1", "auditor"]
)
def test_a_timeline_is_what_the_trails_scope_rule_gives(
    world: Any, username: str, timeline: str
) -> None:
    """The timelines ask whether their object is visible instead of applying the trail's
    general rule to every event: for every reader they must give what the general rule gives,
    branch 7 and the separated audit administrator (events of objects out of its reach)
    included."""
    from ledger import selectors

    world.separate_duties()
    measure = world.scoped_measure()
    _write_private_events(world, measure)
    obj = {
        "measure": measure,
        "finding": measure.finding,
        "inspection": measure.finding.inspection,
    }[timeline]
    user = world.user(username)
    read = getattr(selectors, f"{timeline}_timeline")
    q = {
        "measure": Q(object_type="ledger.measure", object_id=measure.pk),
        "finding": Q(object_type="ledger.finding", object_id=obj.pk)
        | Q(
            object_type="ledger.measure",
            object_id__in=Measure.objects.visible_to(user).filter(finding_id=obj.pk).values("id"),
        ),
        "inspection": Q(object_type="ledger.inspection", object_id=obj.pk)
        | Q(
            object_type="ledger.finding",
            object_id__in=Finding.objects.visible_to(user)
            .filter(inspection_id=obj.pk)
            .values("id"),
        ),
    }[timeline]
    scoped = list(AuditEvent.objects.visible_to(user).filter(q).order_by("-seq")[:300])
    assert read(obj, user=user) == scoped
    assert scoped or username == "branch7", "the object has events for its readers"
    # The page's own object, fetched through the person's scope, is not asked about again.
    fetched = type(obj).objects.visible_to(user).filter(pk=obj.pk).first()
    if fetched is not None:
        assert scoping.fetched_for(fetched, user)
        assert read(fetched, user=user) == scoped


def test_a_record_remembers_whose_scope_fetched_it(world: Any, strict: None) -> None:
    office, branch = world.user("office"), world.user("branch1")
    pk = Measure.objects.visible_to(branch).values_list("pk", flat=True).first()
    seen = Measure.objects.visible_to(branch).get(pk=pk)
    assert scoping.fetched_for(seen, branch)
    # Only that very user object: another person, or the same person's row read anew (another
    # request), or the actor instead of the user, is asked again.
    assert not scoping.fetched_for(seen, office)
    assert not scoping.fetched_for(seen, type(branch).objects.get(pk=branch.pk))
    assert not scoping.fetched_for(seen, None)
    # A record read without that person's view scope remembers nobody.
    for other in (
        Measure.objects.unscoped("a test of the stamp").get(pk=pk),
        Measure.objects.editable_by(world.user("office")).get(pk=pk),
        Measure.objects.visible_to(office).get(pk=pk),
    ):
        assert not scoping.fetched_for(other, branch)
    # Kept through chaining, lost when combined with another person's scope.
    narrowed = Measure.objects.visible_to(branch).filter(pk=pk).order_by("id")
    assert scoping.fetched_for(narrowed[0], branch)
    mixed = Measure.objects.visible_to(branch) | Measure.objects.visible_to(office)
    assert not scoping.fetched_for(mixed.get(pk=pk), branch)
    assert not scoping.fetched_for(mixed.get(pk=pk), office)
    # A union's rows come from the other queryset too: none remembers the first one's person.
    unioned = (
        Measure.objects.visible_to(branch)
        .order_by()
        .union(Measure.objects.unscoped("a test").order_by())
    )
    assert unioned and not any(scoping.fetched_for(m, branch) for m in unioned)
    # Combined with nothing, a queryset is itself: scope kept, and the original left as it was.
    mine = Measure.objects.visible_to(branch).filter(pk=pk)
    assert scoping.fetched_for((mine | Measure.objects.none()).get(), branch)
    assert mine.is_scoped and scoping.fetched_for(mine.get(), branch)


def test_the_inspection_page_shows_no_event_of_a_finding_the_person_cannot_see(
    world: Any,
) -> None:
    branch = world.user("branch1")
    hidden = (
        Finding.objects.exclude(pk__in=Finding.objects.visible_to(branch).values("pk"))
        .filter(inspection__in=Inspection.objects.visible_to(branch).values("pk"))
        .first()
    )
    assert hidden is not None, "the demo has no finding hidden from branch1"
    inspection = hidden.inspection
    with transaction.atomic():
        record_event(
            actor=world.user("office"),
            obj=hidden,
            action="update",
            before={"text": hidden.text},
            after={"text": SECRET_FINDING},
            message=SECRET_RETURN,
        )
    _write_private_events(world, hidden.measures.unscoped("test").first())
    url = reverse("ledger:inspection_detail", args=[inspection.pk])
    text = world.client("branch1").get(url).content.decode()
    for secret in (SECRET_FINDING, SECRET_RETURN, SECRET_REPORT, SECRET_URGE):
        assert secret not in text
    assert SECRET_FINDING in world.client("office").get(url).content.decode()


# --- the unread count and the audit log, with a second organization -------------------------


def test_the_unread_count_counts_only_notifications_of_the_persons_organization(
    world: Any,
) -> None:
    outsider = world.second_org()["office"].person
    kind = Notification._meta.get_field("kind").choices[0][0]
    # A notification of the demo college that reached this account (e.g. before a move):
    # the other organization's badge must not count it.
    Notification.objects.create(
        recipient=outsider.user, organization=world.org, kind=kind, title="第一学院的通知"
    )
    page = world.client(outsider.user.username).get(reverse("home"))
    assert page.status_code == 200
    assert page.context["shell"]["unread"] == 0
    assert 'data-testid="unread-count"' not in page.content.decode()
    Notification.objects.create(
        recipient=outsider.user, organization=outsider.organization, kind=kind, title="本院通知"
    )
    page = world.client(outsider.user.username).get(reverse("home"))
    assert page.context["shell"]["unread"] == 1


def test_the_audit_log_of_another_organization_shows_none_of_the_first(world: Any) -> None:
    from tests.test_outsider_walk import _first_org_texts

    second = world.second_org()
    page = world.client(second["office"].username).get(reverse("ledger:audit_log"))
    assert page.status_code == 200
    text = page.content.decode()
    own = str(second["measure"])[:20]
    assert own in text
    leaked = sorted(t for t in _first_org_texts(world.org) if t in text)
    assert not leaked, leaked[:5]
    events = [e.event for e in page.context["events"]]
    assert events and all(
        e.object_type != "ledger.measure" or e.object_id == second["measure"].pk for e in events
    )
    # The demo office still reads its own organization's events, and not the other's.
    office_page = world.client("office").get(reverse("ledger:audit_log"))
    assert office_page.context["page"].paginator.count > 0
    assert own not in office_page.content.decode()

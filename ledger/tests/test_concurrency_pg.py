"""Concurrent writers on PostgreSQL: row locks make the second of two edits from the same version
wait and then be refused, a transition fires once however many ask at once, and the audit chain
never forks under parallel writes."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, connections
from django.db import transaction as db_transaction
from django.utils import translation

from core.audit import verify_chain
from core.models import AuditEvent
from ledger import extensions
from ledger.choices import MeasureState, UnitPart
from ledger.models import Measure
from ledger.services import (
    ConcurrentEditError,
    MeasureData,
    TransitionError,
    measure_transition,
    measure_update,
)

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]

WAIT = 15  # seconds; generous, the tests finish in well under one


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def no_guards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extensions, "registry", extensions.Registry())


class Worker(threading.Thread):
    """Runs one call on its own database connection and keeps its result or error."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.fn = fn
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with translation.override("en"):
                self.result = self.fn()
        except BaseException as exc:
            self.error = exc
        finally:
            connections.close_all()


def data_of(measure: Measure, **changes: Any) -> MeasureData:
    data = MeasureData(
        content=measure.content,
        lead_unit=measure.lead_unit,
        number=measure.number,
        co_units=[link.unit for link in measure.unit_links.filter(part=UnitPart.COOP)],
        responsible_leader=measure.responsible_leader,
        responsible_persons=list(measure.responsible_persons.all()),
        deadline_kind=measure.deadline_kind,
        deadline_text=measure.deadline_text,
        due_date=measure.due_date,
        review_interval_days=measure.review_interval_days,
        tags=list(measure.tags.all()),
        is_flagged=measure.is_flagged,
        progress=measure.progress,
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_the_second_of_two_simultaneous_edits_waits_for_the_first_and_is_refused(
    world: Any,
) -> None:
    measure = world.scoped_measure()
    version = measure.version
    office, branch1 = world.user("office"), world.user("branch1")
    first_data = data_of(measure, content="The office's edit.")
    second_data = data_of(measure, content="The branch's edit.")
    holding, release = threading.Event(), threading.Event()

    def first() -> Measure:
        with db_transaction.atomic():
            saved = measure_update(
                by=office, measure=measure, data=first_data, expected_version=version
            )
            holding.set()
            release.wait(WAIT)
            return saved

    a = Worker(first)
    a.start()
    assert holding.wait(WAIT)
    b = Worker(
        lambda: measure_update(
            by=branch1, measure=measure, data=second_data, expected_version=version
        )
    )
    b.start()
    time.sleep(0.5)
    assert b.is_alive(), "the second edit must wait for the row lock"
    release.set()
    a.join(WAIT)
    b.join(WAIT)
    assert a.error is None
    assert isinstance(b.error, ConcurrentEditError)
    assert office.person.name in b.error.messages[0]
    saved = Measure.objects.get(pk=measure.pk)
    assert (saved.content, saved.version) == ("The office's edit.", version + 1)


def test_many_edits_from_the_same_version_at_once_let_exactly_one_through(world: Any) -> None:
    measure = world.scoped_measure()
    version = measure.version
    # Only people who may rewrite a measure's content race here (a unit may change its progress
    # only, and would be refused by the policy instead of by the version).
    users = [world.user(name) for name in ("office", "office2", "admin", "office")]
    start = threading.Barrier(len(users))

    def edit(user: Any, text: str) -> Callable[[], Measure]:
        data = data_of(measure, content=text)

        def run() -> Measure:
            start.wait(WAIT)
            return measure_update(by=user, measure=measure, data=data, expected_version=version)

        return run

    workers = [Worker(edit(u, f"Edit by {u.username}")) for u in users]
    for w in workers:
        w.start()
    for w in workers:
        w.join(WAIT)
    winners = [w for w in workers if w.error is None]
    losers = [w for w in workers if w.error is not None]
    assert len(winners) == 1
    assert all(isinstance(w.error, ConcurrentEditError) for w in losers)
    saved = Measure.objects.get(pk=measure.pk)
    assert saved.version == version + 1
    assert saved.content == winners[0].result.content
    assert verify_chain().ok


def test_a_transition_asked_for_twice_at_once_fires_once(world: Any) -> None:
    measure = world.scoped_measure()
    Measure.objects.filter(pk=measure.pk).update(state=MeasureState.NOT_STARTED)
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    users = [world.user("branch1"), world.user("staff1"), world.user("office")]
    start = threading.Barrier(len(users))

    def fire(user: Any) -> Callable[[], Measure]:
        def run() -> Measure:
            start.wait(WAIT)
            return measure_transition(by=user, measure=measure, name="start")

        return run

    workers = [Worker(fire(u)) for u in users]
    for w in workers:
        w.start()
    for w in workers:
        w.join(WAIT)
    assert sum(w.error is None for w in workers) == 1
    for w in workers:
        if w.error is not None:
            assert isinstance(w.error, TransitionError)
            assert w.error.code == "state"
    assert list(AuditEvent.objects.filter(seq__gt=last).values_list("object_id", "action")) == [
        (measure.pk, "transition:start")
    ]
    assert Measure.objects.get(pk=measure.pk).state == MeasureState.IN_PROGRESS


def test_parallel_writers_on_different_measures_never_fork_the_audit_chain(world: Any) -> None:
    measures = list(
        Measure.objects.filter(state=MeasureState.IN_PROGRESS)
        .select_related("lead_unit", "responsible_leader")
        .order_by("id")[:8]
    )
    office = world.user("office")
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    start = threading.Barrier(len(measures))

    def edit(m: Measure) -> Callable[[], Measure]:
        data = data_of(m, progress=(m.progress + 7) % 100)

        def run() -> Measure:
            start.wait(WAIT)
            return measure_update(by=office, measure=m, data=data, expected_version=m.version)

        return run

    workers = [Worker(edit(m)) for m in measures]
    for w in workers:
        w.start()
    for w in workers:
        w.join(WAIT)
    assert [w.error for w in workers] == [None] * len(workers)
    new = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq"))
    assert [e.seq for e in new] == list(range(last + 1, last + 1 + len(measures)))
    assert {e.object_id for e in new} == {m.pk for m in measures}
    for before, after in itertools.pairwise(new):
        assert after.prev_hash == before.hash
    assert verify_chain().ok

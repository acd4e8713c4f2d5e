"""Many measures at once (a ledger import): the same rows, links and audit events as
`measure_create` one by one, written a batch at a time, and nothing written on a refusal."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.audit import batched_events
from core.models import AuditEvent
from ledger.choices import DeadlineKind, UnitPart
from ledger.models import Measure, Tag
from ledger.services import MeasureData, MeasureRefused, measure_create, measures_create
from ledger.tests.test_services import due, events, new_finding

pytestmark = pytest.mark.django_db

VOLATILE = {"id", "created_at", "state_changed_at", "finding_id"}


def _items(world: Any, finding: Any, units: tuple[Any, Any] | None = None) -> list[MeasureData]:
    branch, other = units or (world.unit(world.BRANCH1), world.unit("航空乘务系党支部"))
    tag, _ = Tag.objects.get_or_create(organization=world.org, name="专项整治")
    person = branch.party_secretary
    return [
        # The lead unit's two heads by default, and a co-operating unit.
        MeasureData(
            content="建立制度",
            lead_unit=branch,
            number="1",
            due_date=due(world),
            co_units=[other],
        ),
        # A person and a tag named twice; a long-term measure with its review interval.
        MeasureData(
            content="长效机制",
            lead_unit=other,
            number="2",
            deadline_kind=DeadlineKind.LONG_TERM,
            review_interval_days=30,
            responsible_persons=[person, person],
            tags=[tag, tag],
            responsible_persons_text="赵某",
        ),
        MeasureData(
            content="无人负责",
            lead_unit=other,
            number="3",
            due_date=due(world, 90),
            responsible_persons=[],
            progress=20,
            deadline_text="2025年6月前",
        ),
    ]


def _state(measure: Measure) -> dict[str, Any]:
    event = events(measure)
    assert [e.action for e in event] == ["create"]
    after = {k: v for k, v in event[0].after.items() if k not in VOLATILE}
    return {
        "after": after,
        "units": sorted((link.unit_id, link.part) for link in measure.unit_links.all()),
        "persons": sorted(measure.responsible_persons.values_list("id", flat=True)),
        "tags": sorted(measure.tags.values_list("id", flat=True)),
    }


def test_many_at_once_are_what_one_by_one_gives(world: Any) -> None:
    office = world.user("office")
    one_by_one = new_finding(world, "一")
    at_once = new_finding(world, "二")
    single = [
        measure_create(by=office, finding=one_by_one, data=d) for d in _items(world, one_by_one)
    ]
    many = measures_create(by=office, items=[(at_once, d) for d in _items(world, at_once)])
    assert [m.pk for m in many] == sorted(m.pk for m in many)
    assert [_state(Measure.objects.get(pk=m.pk)) for m in many] == [
        _state(Measure.objects.get(pk=m.pk)) for m in single
    ]
    first = Measure.objects.get(pk=many[0].pk)
    assert {u for u, part in _state(first)["units"] if part == UnitPart.LEAD} == {
        world.unit(world.BRANCH1).pk
    }
    assert len(_state(first)["persons"]) == 2
    # The audit chain holds the batch in item order.
    seqs = [events(m)[0].seq for m in many]
    assert seqs == sorted(seqs)


def test_a_refused_item_is_named_and_nothing_is_written(world: Any) -> None:
    office = world.user("office")
    finding = new_finding(world, "三")
    items = _items(world, finding)
    items[1].progress = 150
    before = (Measure.objects.count(), AuditEvent.objects.count())
    with pytest.raises(MeasureRefused) as refused:
        measures_create(by=office, items=[(finding, d) for d in items])
    assert refused.value.index == 1
    assert "progress" in refused.value.message_dict
    assert (Measure.objects.count(), AuditEvent.objects.count()) == before


def test_a_branch_may_not_add_measures_at_once_either(world: Any) -> None:
    from django.core.exceptions import PermissionDenied

    finding = new_finding(world, "四")
    with pytest.raises(PermissionDenied):
        measures_create(
            by=world.user("branch1"), items=[(finding, d) for d in _items(world, finding)]
        )
    assert not Measure.objects.filter(finding=finding).exists()


def test_the_statements_do_not_grow_with_the_number_of_measures(world: Any) -> None:
    office = world.user("office")
    # One unit object per unit, as an import resolves them: their heads are read once.
    units = (world.unit(world.BRANCH1), world.unit("航空乘务系党支部"))
    counts = []
    # Both within one INSERT of measures on SQLite (999 parameters, about 35 a measure).
    # The first call also reads what is cached after it (the office's roles, content types).
    for size in (3, 6, 24):
        finding = new_finding(world, f"五{size}")
        items = [(finding, d) for _ in range(size // 3) for d in _items(world, finding, units)]
        with CaptureQueriesContext(connection) as queries, batched_events():
            measures_create(by=office, items=items)
        counts.append(len(queries))
    assert counts[1] == counts[2], counts

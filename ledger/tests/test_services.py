"""Writes to the ledger: edits refused on a stale version, validation shared by every entry
point, one task for many units, derived finding states, bulk actions and the reporting hooks."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from core.models import AuditEvent
from ledger import services
from ledger.choices import DeadlineKind, FindingState, MeasureState, UnitPart
from ledger.models import Finding, Inspection, Measure, MeasureGroup, Tag
from ledger.selectors import rollup_of, with_rollup
from ledger.services import (
    ConcurrentEditError,
    MeasureData,
    finding_save,
    inspection_save,
    measure_adjust_evidence_count,
    measure_assign_to_units,
    measure_create,
    measure_record_report,
    measure_set_due_date,
    measure_update,
    measures_bulk_update,
    validate_measure_data,
)
from ledger.tests.helpers import fire_as_owner
from organization.models import Organization, Person, Theme, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def no_guards(monkeypatch: pytest.MonkeyPatch) -> None:
    """Close-out without the guards higher layers register (evidence first); restored after."""
    from ledger import extensions

    monkeypatch.setattr(extensions, "registry", extensions.Registry())


@pytest.fixture
def elsewhere() -> dict[str, Any]:
    """A second organization with a unit, a tag and a person: never valid on our measures."""
    from django.contrib.auth import get_user_model

    org = Organization.objects.create(name="另一所学院")
    unit = Unit.objects.create(organization=org, name="外校党支部", kind="branch")
    tag = Tag.objects.create(organization=org, name="外校标签")
    user = get_user_model().objects.create_user("stranger", password="x")
    person = Person.objects.create(user=user, organization=org, name="外人", unit=unit)
    return {"org": org, "unit": unit, "tag": tag, "person": person}


def data_of(measure: Measure, **changes: Any) -> MeasureData:
    """The measure's current fields as a MeasureData, with some changed."""
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
    return dataclasses.replace(data, **changes)


def events(obj: Any, action: str | None = None) -> list[AuditEvent]:
    qs = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=obj.pk).order_by(
        "seq"
    )
    if action:
        qs = qs.filter(action=action)
    return list(qs)


def new_finding(world: Any, number: str = "九、（一）1.") -> Finding:
    inspection = world.inspection()
    theme = Theme.objects.filter(organization=world.org).order_by("id").first()
    return finding_save(
        by=world.user("office"),
        finding=Finding(
            inspection=inspection, theme=theme, number=number, text="新发现的问题：制度执行不到位。"
        ),
    )


def due(world: Any, days: int = 60) -> dt.date:
    return world.inspection().feedback_date + dt.timedelta(days=days)


# --- optimistic locking ----------------------------------------------------------------------


def test_a_second_edit_from_the_same_version_is_refused_and_names_who_changed_it_and_when(
    world: Any,
) -> None:
    measure = world.measure(state=MeasureState.IN_PROGRESS)
    opened_at = measure.version
    measure_update(
        by=world.user("office"),
        measure=measure,
        data=data_of(measure, content="First edit, by the office."),
        expected_version=opened_at,
    )
    with pytest.raises(ConcurrentEditError) as exc:
        measure_update(
            by=world.user("branch1"),
            measure=measure,
            data=data_of(measure, content="Second edit, from the same page."),
            expected_version=opened_at,
        )
    saved = Measure.objects.get(pk=measure.pk)
    message = exc.value.messages[0]
    assert world.user("office").person.name in message
    assert timezone.localtime(saved.updated_at).strftime("%Y-%m-%d %H:%M:%S") in message
    assert exc.value.code == "concurrent_edit"
    assert saved.content == "First edit, by the office."
    assert saved.version == opened_at + 1


def test_an_edit_from_the_current_version_goes_through_and_bumps_the_version(world: Any) -> None:
    measure = world.measure(state=MeasureState.IN_PROGRESS)
    first = measure_update(
        by=world.user("office"),
        measure=measure,
        data=data_of(measure, progress=70),
        expected_version=measure.version,
    )
    second = measure_update(
        by=world.user("branch1"),
        measure=first,
        data=data_of(first, progress=80),
        expected_version=first.version,
    )
    assert second.version == measure.version + 2
    assert second.updated_by == world.user("branch1")


def test_an_edit_records_only_the_fields_that_changed(world: Any) -> None:
    measure = world.measure(state=MeasureState.IN_PROGRESS)
    before = len(events(measure, "update"))
    measure_update(
        by=world.user("office"),
        measure=measure,
        data=data_of(measure, content="Rewritten measure text.", progress=55),
        expected_version=measure.version,
    )
    updates = events(measure, "update")
    assert len(updates) == before + 1
    assert set(updates[-1].after) == {"content", "progress"}
    assert updates[-1].after == {"content": "Rewritten measure text.", "progress": 55}
    assert updates[-1].before == {"content": measure.content, "progress": measure.progress}


def test_an_edit_that_changes_nothing_writes_no_event(world: Any) -> None:
    measure = world.measure(state=MeasureState.IN_PROGRESS)
    count = len(events(measure))
    measure_update(
        by=world.user("office"),
        measure=measure,
        data=data_of(measure),
        expected_version=measure.version,
    )
    assert len(events(measure)) == count


def test_moving_the_lead_unit_gives_the_measure_the_new_units_two_heads(world: Any) -> None:
    measure = world.measure(state=MeasureState.IN_PROGRESS)
    other = world.unit("航空乘务系党支部")
    measure_update(
        by=world.user("office"),
        measure=measure,
        data=data_of(measure, lead_unit=other, co_units=[], responsible_persons=None),
        expected_version=measure.version,
    )
    saved = Measure.objects.get(pk=measure.pk)
    assert saved.lead_unit == other
    assert set(saved.responsible_persons.all()) == {other.party_secretary, other.admin_head}
    assert list(saved.unit_links.values_list("unit_id", "part")) == [(other.pk, UnitPart.LEAD)]


def test_an_invalid_edit_is_refused_and_changes_nothing(world: Any) -> None:
    measure = world.measure(state=MeasureState.IN_PROGRESS, deadline_kind="by_date")
    count = len(events(measure))
    with pytest.raises(ValidationError):
        measure_update(
            by=world.user("office"),
            measure=measure,
            data=data_of(measure, content="New text", due_date=dt.date(2000, 1, 1)),
            expected_version=measure.version,
        )
    saved = Measure.objects.get(pk=measure.pk)
    assert (saved.content, saved.version, saved.due_date) == (
        measure.content,
        measure.version,
        measure.due_date,
    )
    assert len(events(measure)) == count


# --- validation shared by forms, imports and bulk ---------------------------------------------


def _invalid_cases() -> list[tuple[str, dict[str, Any], str, str]]:
    return [
        ("a blank measure text", {"content": "   "}, "content", "required"),
        (
            "a due date before the feedback date",
            {"due_date": "before"},
            "due_date",
            "before the feedback date",
        ),
        (
            "a long-term measure with a due date",
            {"deadline_kind": DeadlineKind.LONG_TERM, "review_interval_days": 30},
            "due_date",
            "has no due date",
        ),
        (
            "a long-term measure without a review interval",
            {"deadline_kind": DeadlineKind.LONG_TERM, "due_date": None},
            "review_interval_days",
            "review interval",
        ),
        (
            "a measure fixed by a date without a date",
            {"due_date": None},
            "due_date",
            "needs a due date",
        ),
        ("an unknown deadline kind", {"deadline_kind": "someday"}, "deadline_kind", "Unknown"),
        ("progress above a hundred", {"progress": 101}, "progress", "0 to 100"),
        (
            "a lead unit of another organization",
            {"lead_unit": "elsewhere"},
            "lead_unit",
            "not in this organization",
        ),
        (
            "a co-operating unit of another organization",
            {"co_units": "elsewhere"},
            "co_units",
            "not in this organization",
        ),
        ("the lead unit also co-operating", {"co_units": "lead"}, "co_units", "cannot also be"),
        ("a tag of another organization", {"tags": "elsewhere"}, "tags", "another organization"),
        (
            "a responsible person of another organization",
            {"responsible_persons": "elsewhere"},
            "responsible_persons",
            "belong to this organization",
        ),
    ]


@pytest.mark.parametrize(
    ("case", "changes", "field", "words"), _invalid_cases(), ids=[c[0] for c in _invalid_cases()]
)
def test_a_measure_is_refused_with_a_clear_message_for(
    world: Any,
    elsewhere: dict[str, Any],
    case: str,
    changes: dict[str, Any],
    field: str,
    words: str,
) -> None:
    measure = world.measure(deadline_kind="by_date")
    resolved = dict(changes)
    if resolved.get("due_date") == "before":
        resolved["due_date"] = measure.finding.inspection.feedback_date - dt.timedelta(days=1)
    if resolved.get("lead_unit") == "elsewhere":
        resolved["lead_unit"] = elsewhere["unit"]
    if resolved.get("co_units") == "elsewhere":
        resolved["co_units"] = [elsewhere["unit"]]
    if resolved.get("co_units") == "lead":
        resolved["co_units"] = [measure.lead_unit]
    if resolved.get("tags") == "elsewhere":
        resolved["tags"] = [elsewhere["tag"]]
    if resolved.get("responsible_persons") == "elsewhere":
        resolved["responsible_persons"] = [elsewhere["person"]]
    with pytest.raises(ValidationError) as exc:
        validate_measure_data(data_of(measure, **resolved), finding=measure.finding)
    assert field in exc.value.message_dict, exc.value.message_dict
    assert any(words in m for m in exc.value.message_dict[field]), exc.value.message_dict


def test_a_deactivated_lead_unit_is_refused_by_name(world: Any) -> None:
    measure = world.measure()
    unit = world.unit("行政管理党支部")
    Unit.objects.filter(pk=unit.pk).update(is_active=False)
    unit.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        validate_measure_data(
            data_of(measure, lead_unit=unit, co_units=[]), finding=measure.finding
        )
    assert unit.name in exc.value.message_dict["lead_unit"][0]


def test_a_measure_fixed_at_once_needs_no_due_date(world: Any) -> None:
    measure = world.measure()
    validate_measure_data(
        data_of(measure, deadline_kind=DeadlineKind.IMMEDIATE, due_date=None),
        finding=measure.finding,
    )


# --- creating measures -------------------------------------------------------------------


def test_a_new_measure_is_answered_for_by_the_lead_units_two_heads(world: Any) -> None:
    finding = new_finding(world)
    unit = world.unit(world.BRANCH1)
    measure = measure_create(
        by=world.user("office"),
        finding=finding,
        data=MeasureData(content="建立制度", lead_unit=unit, number="1", due_date=due(world)),
    )
    assert set(measure.responsible_persons.all()) == {unit.party_secretary, unit.admin_head}
    assert measure.state == MeasureState.NOT_STARTED
    assert measure.original_due_date == measure.due_date == due(world)
    assert [e.action for e in events(measure)] == ["create"]
    assert events(measure)[0].after["content"] == "建立制度"


def test_a_new_long_term_measure_is_first_reviewed_one_interval_from_today(world: Any) -> None:
    measure = measure_create(
        by=world.user("office"),
        finding=new_finding(world),
        data=MeasureData(
            content="长效机制",
            lead_unit=world.unit(world.BRANCH1),
            deadline_kind=DeadlineKind.LONG_TERM,
            review_interval_days=90,
        ),
    )
    assert measure.due_date is None
    assert measure.next_review_date == timezone.localdate() + dt.timedelta(days=90)


def test_one_task_for_many_units_makes_one_numbered_measure_per_unit(world: Any) -> None:
    finding = new_finding(world)
    units = [world.unit(n) for n in ("航空运输系党支部", "航空乘务系党支部", "人事处")]
    group = measure_assign_to_units(
        by=world.user("office"),
        finding=finding,
        data=MeasureData(
            content="召开专题组织生活会", lead_unit=units[0], number="5", due_date=due(world)
        ),
        units=units,
    )
    measures = list(group.measures.order_by("sort_key"))
    assert [m.number for m in measures] == ["5.1", "5.2", "5.3"]
    assert [m.lead_unit for m in measures] == units
    for m, unit in zip(measures, units, strict=True):
        assert m.finding == finding and m.content == "召开专题组织生活会"
        assert list(m.unit_links.values_list("unit_id", flat=True)) == [unit.pk]
        assert set(m.responsible_persons.all()) == {
            p for p in (unit.party_secretary, unit.admin_head) if p
        }
        assert [e.action for e in events(m)] == ["create"]
    [assigned] = events(finding, "assign_many")
    assert assigned.after["units"] == [u.pk for u in units]
    assert assigned.after["group"] == group.pk


@pytest.mark.parametrize(("number", "expected"), [("", ["1", "2"]), ("7.", ["7.1", "7.2"])])
def test_numbers_of_the_copies_follow_the_given_number(
    world: Any, number: str, expected: list[str]
) -> None:
    group = measure_assign_to_units(
        by=world.user("office"),
        finding=new_finding(world),
        data=MeasureData(
            content="x", lead_unit=world.unit(world.BRANCH1), number=number, due_date=due(world)
        ),
        units=[world.unit(world.BRANCH1), world.unit(world.BRANCH7)],
    )
    assert sorted(group.measures.values_list("number", flat=True)) == expected


def test_assigning_to_no_unit_is_refused_and_creates_nothing(world: Any) -> None:
    groups = MeasureGroup.objects.count()
    with pytest.raises(ValidationError) as exc:
        measure_assign_to_units(
            by=world.user("office"),
            finding=new_finding(world),
            data=MeasureData(content="x", lead_unit=world.unit(world.BRANCH1), due_date=due(world)),
            units=[],
        )
    assert "units" in exc.value.message_dict
    assert MeasureGroup.objects.count() == groups


def test_assigning_with_one_invalid_copy_creates_none_of_them(world: Any) -> None:
    finding = new_finding(world)
    unit = world.unit("行政管理党支部")
    Unit.objects.filter(pk=unit.pk).update(is_active=False)
    with pytest.raises(ValidationError):
        measure_assign_to_units(
            by=world.user("office"),
            finding=finding,
            data=MeasureData(content="x", lead_unit=world.unit(world.BRANCH1), due_date=due(world)),
            units=[world.unit(world.BRANCH1), Unit.objects.get(pk=unit.pk)],
        )
    assert not finding.measures.exists()
    assert not MeasureGroup.objects.filter(finding=finding).exists()


# --- derived finding state -----------------------------------------------------------------


def _rollups(finding: Finding) -> tuple[Any, Any]:
    annotated = with_rollup(Finding.objects.filter(pk=finding.pk)).get()
    return rollup_of(Finding.objects.get(pk=finding.pk)), rollup_of(annotated)


def test_a_finding_without_measures_is_not_rectified(world: Any) -> None:
    plain, annotated = _rollups(new_finding(world))
    assert plain == annotated
    assert plain.state == FindingState.NOT_STARTED
    assert plain.percent == 0


def test_the_finding_roll_up_follows_the_states_of_its_measures(
    world: Any, no_guards: None
) -> None:
    office = world.user("office")
    finding = new_finding(world)
    units = [world.unit(n) for n in ("航空运输系党支部", "航空乘务系党支部", "空港管理系党支部")]
    group = measure_assign_to_units(
        by=office,
        finding=finding,
        data=MeasureData(
            content="立行立改", lead_unit=units[0], number="3", deadline_kind=DeadlineKind.IMMEDIATE
        ),
        units=units,
    )
    m1, m2, m3 = group.measures.order_by("sort_key")

    plain, annotated = _rollups(finding)
    assert plain == annotated
    assert (plain.total, plain.done, plain.started, plain.state) == (
        3,
        0,
        0,
        FindingState.NOT_STARTED,
    )
    assert plain.state_label == str(FindingState.NOT_STARTED.label)

    fire_as_owner(by=world.user("branch1"), measure=m1, name="start")
    plain, annotated = _rollups(finding)
    assert plain == annotated
    assert (plain.started, plain.done, plain.state) == (1, 0, FindingState.IN_PROGRESS)

    fire_as_owner(by=office, measure=m1, name="direct_close")
    fire_as_owner(by=office, measure=m2, name="direct_close")
    plain, annotated = _rollups(finding)
    assert plain == annotated
    assert (plain.done, plain.state, plain.percent) == (2, FindingState.IN_PROGRESS, 67)

    fire_as_owner(by=office, measure=m3, name="direct_close")
    plain, annotated = _rollups(finding)
    assert plain == annotated
    assert (plain.done, plain.state, plain.percent) == (3, FindingState.DONE, 100)

    fire_as_owner(by=office, measure=m3, name="reopen", reason="It came back.")
    assert rollup_of(Finding.objects.get(pk=finding.pk)).state == FindingState.IN_PROGRESS


def test_a_stage_completed_long_term_measure_counts_as_rectified(
    world: Any, no_guards: None
) -> None:
    finding = new_finding(world)
    measure = measure_create(
        by=world.user("office"),
        finding=finding,
        data=MeasureData(
            content="长效机制",
            lead_unit=world.unit(world.BRANCH1),
            deadline_kind=DeadlineKind.LONG_TERM,
            review_interval_days=90,
        ),
    )
    fire_as_owner(by=world.user("branch1"), measure=measure, name="start")
    fire_as_owner(by=world.user("office"), measure=measure, name="office_stage_complete")
    plain, annotated = _rollups(finding)
    assert plain == annotated
    assert plain.state == FindingState.DONE


def test_the_roll_up_of_every_demo_finding_matches_its_measures(world: Any) -> None:
    for finding in with_rollup(Finding.objects.all()):
        states = list(Measure.objects.filter(finding=finding).values_list("state", flat=True))
        rollup = rollup_of(finding)
        assert rollup == rollup_of(Finding.objects.get(pk=finding.pk))
        if states and all(s in (MeasureState.CLOSED, MeasureState.STAGE_DONE) for s in states):
            assert rollup.state == FindingState.DONE
        elif any(s != MeasureState.NOT_STARTED for s in states):
            assert rollup.state == FindingState.IN_PROGRESS
        else:
            assert rollup.state == FindingState.NOT_STARTED


# --- bulk actions --------------------------------------------------------------------------


def _selection(world: Any, n: int = 3, **filters: Any) -> list[Measure]:
    return list(
        Measure.objects.filter(deadline_kind__in=["by_date", "immediate"], **filters).order_by(
            "id"
        )[:n]
    )


def _snapshot(ids: list[int]) -> list[tuple[Any, ...]]:
    return list(
        Measure.objects.filter(pk__in=ids)
        .order_by("id")
        .values_list("lead_unit_id", "due_date", "is_flagged", "version")
    )


def test_the_office_reassigns_the_lead_unit_of_a_selection_each_audited(world: Any) -> None:
    chosen = _selection(world)
    ids = [m.pk for m in chosen]
    unit = world.unit("财务处")
    count = measures_bulk_update(
        by=world.user("office"),
        measures=Measure.objects.unscoped("test selection").filter(pk__in=ids),
        action="reassign_unit",
        value=unit,
    )
    assert count == 3
    for m in Measure.objects.filter(pk__in=ids):
        assert m.lead_unit == unit
        assert m.unit_links.get(part=UnitPart.LEAD).unit == unit
        assert set(m.responsible_persons.all()) == {
            p for p in (unit.party_secretary, unit.admin_head) if p
        }
        [event] = events(m, "bulk:reassign_unit")
        assert event.after["lead_unit_id"] == unit.pk


def test_the_office_sets_a_due_date_on_a_selection_and_keeps_the_original(world: Any) -> None:
    chosen = _selection(world, due_date__isnull=False)
    new_due = due(world, 200)
    measures_bulk_update(
        by=world.user("office"),
        measures=Measure.objects.unscoped("test selection").filter(pk__in=[m.pk for m in chosen]),
        action="set_deadline",
        value=new_due,
    )
    for old in chosen:
        m = Measure.objects.get(pk=old.pk)
        assert m.due_date == new_due
        assert m.original_due_date == (old.original_due_date or new_due)
        assert m.version == old.version + 1
        [event] = events(m, "bulk:set_deadline")
        assert event.after["due_date"] == new_due.isoformat()


def test_the_office_tags_and_flags_a_selection(world: Any) -> None:
    chosen = _selection(world, is_flagged=False)
    ids = [m.pk for m in chosen]
    office = world.user("office")
    tag = services.tag_get_or_create(by=office, organization=world.org, name="警示教育")
    measures_bulk_update(
        by=office,
        measures=Measure.objects.unscoped("test selection").filter(pk__in=ids),
        action="add_tag",
        value=tag,
    )
    measures_bulk_update(
        by=office,
        measures=Measure.objects.unscoped("test selection").filter(pk__in=ids),
        action="flag",
    )
    for m in Measure.objects.filter(pk__in=ids):
        assert tag in m.tags.all()
        assert m.is_flagged
        assert len(events(m, "bulk:add_tag")) == 1
        assert len(events(m, "bulk:flag")) == 1
    measures_bulk_update(
        by=office,
        measures=Measure.objects.unscoped("test selection").filter(pk__in=ids),
        action="unflag",
    )
    assert not Measure.objects.filter(pk__in=ids, is_flagged=True).exists()


def test_one_long_term_measure_in_the_selection_stops_the_whole_due_date_change(
    world: Any,
) -> None:
    chosen = _selection(world)
    long_term = Measure.objects.filter(deadline_kind=DeadlineKind.LONG_TERM).order_by("-id").first()
    ids = [m.pk for m in chosen] + [long_term.pk]
    before, seq = _snapshot(ids), AuditEvent.objects.order_by("-seq").first().seq
    with pytest.raises(ValidationError) as exc:
        measures_bulk_update(
            by=world.user("office"),
            measures=Measure.objects.unscoped("test selection").filter(pk__in=ids),
            action="set_deadline",
            value=due(world, 200),
        )
    assert "long-term" in exc.value.messages[0]
    assert _snapshot(ids) == before
    assert not AuditEvent.objects.filter(seq__gt=seq).exists()


def test_a_due_date_before_the_feedback_stops_the_whole_bulk_change(world: Any) -> None:
    ids = [m.pk for m in _selection(world)]
    before = _snapshot(ids)
    with pytest.raises(ValidationError) as exc:
        measures_bulk_update(
            by=world.user("office"),
            measures=Measure.objects.unscoped("test selection").filter(pk__in=ids),
            action="set_deadline",
            value=world.inspection().feedback_date - dt.timedelta(days=1),
        )
    assert "before the feedback date" in exc.value.messages[0]
    assert _snapshot(ids) == before


def test_a_unit_of_another_organization_stops_the_whole_reassignment(
    world: Any, elsewhere: dict[str, Any]
) -> None:
    ids = [m.pk for m in _selection(world)]
    before = _snapshot(ids)
    links = sorted(
        Measure.units.through.objects.filter(measure_id__in=ids).values_list(
            "measure_id", "unit_id", "part"
        )
    )
    with pytest.raises(ValidationError):
        measures_bulk_update(
            by=world.user("office"),
            measures=Measure.objects.unscoped("test selection").filter(pk__in=ids),
            action="reassign_unit",
            value=elsewhere["unit"],
        )
    assert _snapshot(ids) == before
    assert (
        sorted(
            Measure.units.through.objects.filter(measure_id__in=ids).values_list(
                "measure_id", "unit_id", "part"
            )
        )
        == links
    )


def test_a_deactivated_unit_cannot_take_over_a_selection(world: Any) -> None:
    ids = [m.pk for m in _selection(world)]
    unit = world.unit("财务处")
    Unit.objects.filter(pk=unit.pk).update(is_active=False)
    before = _snapshot(ids)
    with pytest.raises(ValidationError):
        measures_bulk_update(
            by=world.user("office"),
            measures=Measure.objects.unscoped("test selection").filter(pk__in=ids),
            action="reassign_unit",
            value=Unit.objects.get(pk=unit.pk),
        )
    assert _snapshot(ids) == before


def test_an_unknown_bulk_action_or_an_empty_selection_is_refused(world: Any) -> None:
    with pytest.raises(ValidationError, match="Unknown bulk action"):
        measures_bulk_update(
            by=world.user("office"), measures=Measure.objects.all(), action="delete"
        )
    with pytest.raises(ValidationError, match="Select at least one measure"):
        measures_bulk_update(
            by=world.user("office"), measures=Measure.objects.none(), action="flag"
        )


# --- other services ------------------------------------------------------------------------


def test_an_approved_extension_moves_the_due_date_and_keeps_the_original(world: Any) -> None:
    measure = world.measure(deadline_kind="by_date", state=MeasureState.IN_PROGRESS)
    original = measure.original_due_date or measure.due_date
    later = measure.due_date + dt.timedelta(days=30)
    moved = measure_set_due_date(
        by=world.user("office"), measure=measure, due_date=later, reason="Waiting for the budget."
    )
    assert moved.due_date == later
    assert moved.original_due_date == original
    [event] = events(moved, "due_date_changed")
    assert event.message == "Waiting for the budget."
    assert event.after == {"due_date": later.isoformat()}


def test_a_long_term_measure_gets_no_extension(world: Any) -> None:
    measure = Measure.objects.filter(deadline_kind=DeadlineKind.LONG_TERM).first()
    with pytest.raises(ValidationError):
        measure_set_due_date(
            by=world.user("office"), measure=measure, due_date=due(world, 300), reason="x"
        )


def test_a_filed_report_updates_progress_within_zero_and_a_hundred(world: Any) -> None:
    measure = world.measure(state=MeasureState.IN_PROGRESS)
    at = timezone.now()
    measure_record_report(measure_id=measure.pk, progress=140, at=at)
    saved = Measure.objects.get(pk=measure.pk)
    assert (saved.progress, saved.last_report_at) == (100, at)
    measure_record_report(measure_id=measure.pk, progress=None, at=at)
    assert Measure.objects.get(pk=measure.pk).progress == 100
    measure_record_report(measure_id=measure.pk, progress=-5, at=at)
    assert Measure.objects.get(pk=measure.pk).progress == 0


def test_the_evidence_count_follows_added_and_removed_evidence(world: Any) -> None:
    measure = world.measure()
    measure_adjust_evidence_count(measure_id=measure.pk, delta=3)
    measure_adjust_evidence_count(measure_id=measure.pk, delta=-1)
    assert Measure.objects.get(pk=measure.pk).evidence_count == measure.evidence_count + 2


def test_an_inspection_without_an_end_date_gets_three_months_clamped_to_the_month_end(
    world: Any,
) -> None:
    inspection = inspection_save(
        by=world.user("office"),
        inspection=Inspection(
            organization=world.org, name="2021年校内巡察", feedback_date=dt.date(2021, 11, 30)
        ),
    )
    assert inspection.rectification_end == dt.date(2022, 2, 28)
    assert [e.action for e in events(inspection)] == ["create"]


def test_a_theme_of_another_organization_cannot_hold_a_finding(
    world: Any, elsewhere: dict[str, Any]
) -> None:
    from organization.models import TaskForce

    tf = TaskForce.objects.create(organization=elsewhere["org"], name="外校专班")
    theme = Theme.objects.create(organization=elsewhere["org"], name="外校主题", task_force=tf)
    with pytest.raises(ValidationError) as exc:
        finding_save(
            by=world.user("office"),
            finding=Finding(inspection=world.inspection(), theme=theme, text="x"),
        )
    assert "theme" in exc.value.message_dict

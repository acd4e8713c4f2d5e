"""Who may change what on a measure: the office (and the task force for its themes) edits it; a
unit changes only what is its own to say; a closed measure changes only by being reopened."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from ledger.choices import MeasureState
from ledger.models import Measure
from ledger.services import measure_create, measure_data_of, measure_update
from organization.models import Organization, Unit
from organization.tests.test_views import as_rendered

pytestmark = pytest.mark.django_db

BRANCH3 = "空港管理系党支部"


def client_for(world: Any, username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.user(username))
    return client


def state_of(measure: Measure) -> dict[str, Any]:
    m = Measure.objects.get(pk=measure.pk)
    return {
        "content": m.content,
        "due_date": m.due_date,
        "original_due_date": m.original_due_date,
        "lead_unit": m.lead_unit_id,
        "state": m.state,
        "version": m.version,
        "units": sorted(m.unit_links.values_list("unit_id", "part")),
        "events": AuditEvent.objects.filter(object_type="ledger.measure", object_id=m.pk).count(),
    }


def open_measure(world: Any, unit: str = "航空运输系党支部") -> Measure:
    return world.measure(unit=unit, state=MeasureState.IN_PROGRESS, due_date__isnull=False)


def fields(form: dict[str, Any]) -> set[str]:
    """The measure's fields on a rendered form (not the double-submit token)."""
    return set(form) - {"_once"}


def edit_url(measure: Measure) -> str:
    return reverse("ledger:measure_edit", args=[measure.pk])


def test_a_branch_is_offered_only_its_progress_on_the_edit_form(world: Any) -> None:
    page = client_for(world, "branch1").get(edit_url(open_measure(world)))
    assert fields(as_rendered(page)) == {"progress", "version"}
    assert 'data-testid="unit-edit-note"' in page.content.decode()


def test_the_office_is_offered_every_field(world: Any) -> None:
    form = as_rendered(client_for(world, "office").get(edit_url(open_measure(world))))
    assert {"due_date", "lead_unit", "co_units", "progress", "number"} <= set(form)


def test_branch1_cannot_move_the_due_date_or_rewrite_an_open_measure(world: Any) -> None:
    measure = open_measure(world)
    before = state_of(measure)
    client = client_for(world, "branch1")
    data = as_rendered(client.get(edit_url(measure)))
    data["due_date"] = [(measure.due_date + dt.timedelta(days=90)).isoformat()]
    data["content"] = ["Rewritten by the unit"]
    data["deadline_kind"] = ["by_date"]
    client.post(edit_url(measure), {k: v for k, v in data.items()})
    assert state_of(measure) == before


def test_branch1_cannot_edit_a_closed_measure_at_all(world: Any) -> None:
    measure = world.measure(state=MeasureState.CLOSED)
    before = state_of(measure)
    client = client_for(world, "branch1")
    assert client.get(edit_url(measure)).status_code == 403
    response = client.post(
        edit_url(measure),
        {
            "content": "Rewritten after close-out",
            "due_date": "2031-01-01",
            "progress": "10",
            "version": str(measure.version),
        },
    )
    assert response.status_code == 403
    assert state_of(measure) == before
    detail = client.get(reverse("ledger:measure_detail", args=[measure.pk]))
    assert 'data-testid="edit-measure"' not in detail.content.decode()


def test_not_even_the_office_edits_a_closed_measure(world: Any) -> None:
    measure = world.measure(state=MeasureState.CLOSED)
    before = state_of(measure)
    assert client_for(world, "office").get(edit_url(measure)).status_code == 403
    data = measure_data_of(measure)
    data.content = "Quietly rewritten"
    with pytest.raises(PermissionDenied):
        measure_update(
            by=world.user("office"), measure=measure, data=data, expected_version=measure.version
        )
    assert state_of(measure) == before


def test_branch3_cannot_hand_its_measure_to_another_unit(world: Any) -> None:
    measure = open_measure(world, BRANCH3)
    before = state_of(measure)
    client = client_for(world, "branch3")
    data = as_rendered(client.get(edit_url(measure)))
    data["lead_unit"] = [str(world.unit(world.BRANCH7).pk)]
    client.post(edit_url(measure), data)
    assert state_of(measure) == before
    assert client.get(reverse("ledger:measure_detail", args=[measure.pk])).status_code == 200


def test_a_branch_still_updates_its_progress(world: Any) -> None:
    measure = open_measure(world)
    client = client_for(world, "branch1")
    data = as_rendered(client.get(edit_url(measure)))
    new = 77 if measure.progress != 77 else 78
    data["progress"] = [str(new)]
    response = client.post(edit_url(measure), data)
    assert response.status_code == 302
    assert Measure.objects.get(pk=measure.pk).progress == new


@pytest.mark.parametrize(
    "field,value",
    [
        ("due_date", lambda w, m: m.due_date + dt.timedelta(days=90)),
        ("content", lambda w, m: "Rewritten by the unit"),
        ("lead_unit", lambda w, m: w.unit(w.BRANCH7)),
        ("co_units", lambda w, m: [w.unit(w.BRANCH7)]),
    ],
)
def test_the_service_refuses_a_unit_changing_what_is_the_offices(
    world: Any, field: str, value: Any
) -> None:
    measure = open_measure(world)
    before = state_of(measure)
    data = dataclasses.replace(measure_data_of(measure), **{field: value(world, measure)})
    with pytest.raises(PermissionDenied) as refused:
        measure_update(
            by=world.user("branch1"), measure=measure, data=data, expected_version=measure.version
        )
    assert str(refused.value)
    assert state_of(measure) == before


def test_the_refusal_of_a_new_due_date_points_to_the_extension_request(world: Any) -> None:
    measure = open_measure(world)
    data = measure_data_of(measure)
    data.due_date = measure.due_date + dt.timedelta(days=90)
    with pytest.raises(PermissionDenied, match="extension"):
        measure_update(
            by=world.user("branch1"), measure=measure, data=data, expected_version=measure.version
        )


def test_the_office_moves_a_due_date_and_the_original_is_kept(world: Any) -> None:
    measure = open_measure(world)
    original = measure.original_due_date or measure.due_date
    data = measure_data_of(measure)
    data.due_date = measure.due_date + dt.timedelta(days=30)
    measure_update(
        by=world.user("office"), measure=measure, data=data, expected_version=measure.version
    )
    saved = Measure.objects.get(pk=measure.pk)
    assert saved.due_date == data.due_date
    assert saved.original_due_date == original


def test_the_task_force_edits_its_themes_but_not_the_supervision_flag(world: Any) -> None:
    measure = Measure.objects.filter(
        finding__theme__task_force__members__user__username="taskforce1",
        state=MeasureState.IN_PROGRESS,
    ).first()
    assert measure is not None
    data = measure_data_of(measure)
    data.content = measure.content + "（细化）"
    saved = measure_update(
        by=world.user("taskforce1"), measure=measure, data=data, expected_version=measure.version
    )
    assert saved.content == data.content
    flagged = dataclasses.replace(measure_data_of(saved), is_flagged=not saved.is_flagged)
    with pytest.raises(PermissionDenied):
        measure_update(
            by=world.user("taskforce1"), measure=saved, data=flagged, expected_version=saved.version
        )


def test_responsible_persons_are_the_units_to_name_only_if_the_organization_allows(
    world: Any,
) -> None:
    measure = open_measure(world)
    client = client_for(world, "branch1")
    assert "responsible_persons" not in as_rendered(client.get(edit_url(measure)))
    Organization.objects.update(units_edit_responsible_persons=True)
    data = as_rendered(client.get(edit_url(measure)))
    assert fields(data) == {"progress", "responsible_persons", "version"}
    staff = world.user("staff1").person
    data["responsible_persons"] = [str(staff.pk)]
    assert client.post(edit_url(measure), data).status_code == 302
    assert list(Measure.objects.get(pk=measure.pk).responsible_persons.all()) == [staff]


def test_a_unit_cannot_add_measures_even_through_the_service(world: Any) -> None:
    measure = open_measure(world)
    data = measure_data_of(measure)
    data.number = "99"
    count = Measure.objects.count()
    with pytest.raises(PermissionDenied):
        measure_create(by=world.user("branch1"), finding=measure.finding, data=data)
    assert Measure.objects.count() == count
    assert Unit.objects.exists()

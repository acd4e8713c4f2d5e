"""The ledger's person and unit filters: the page lists only the chosen one, the searchable
select finds the others as one types (ledger:filter_options), within what the reader may see."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from ledger.models import Measure
from ledger.selectors import OPTIONS_LIMIT
from organization.models import Person, Unit
from tests.rendered_forms import form_values, options_of, rendered_form, with_values

pytestmark = pytest.mark.django_db


def signed_in(world: Any, username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(world.user(username))
    return client


def options(client: Client, q: str, kind: str = "person", **extra: str) -> list[dict[str, str]]:
    response = client.get(reverse("ledger:filter_options", args=[kind]), {"q": q, **extra})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()["results"]


def test_the_page_lists_no_one_until_one_is_chosen(world: Any) -> None:
    client = signed_in(world, "office")
    page = client.get("/ledger/")
    form = rendered_form(page.content, "ledger-filters")
    for kind in ("person", "unit"):
        assert options_of(form, kind) == [""]
        select = next(el for el in form.iter("select") if el.get("name") == kind)
        assert select.get("data-options-url") == reverse("ledger:filter_options", args=[kind])
    # The bulk form hands a selection to any unit still in use: found by typing as well,
    # among the units still in use only.
    bulk = rendered_form(page.content, "bulk-form")
    assert options_of(bulk, "unit") == [""]
    select = next(el for el in bulk.iter("select") if el.get("name") == "unit")
    url = reverse("ledger:filter_options", args=["unit"]) + "?active=1"
    assert select.get("data-options-url") == url
    unit = Unit.objects.filter(organization=world.org, is_active=True).order_by("id").last()
    offered = client.get(url, {"q": unit.name}).json()["results"]
    assert str(unit.pk) in {o["value"] for o in offered}


def test_a_name_typed_finds_the_person_and_the_rendered_form_filters_by_them(world: Any) -> None:
    client = signed_in(world, "office")
    measure = Measure.objects.filter(responsible_persons__isnull=False).order_by("id").first()
    person = measure.responsible_persons.order_by("id").first()
    found = options(client, person.name[:2])
    assert {"value": str(person.pk), "text": f"{person.name}（{person.unit.name}）"} in found
    assert all(person.name[:2] in o["text"] for o in found)
    # The searchable select puts the choice into the form, which is sent as rendered.
    form = rendered_form(client.get("/ledger/").content, "ledger-filters")
    pairs = with_values(form_values(form), person=str(person.pk))
    response = client.get(f"/ledger/?{urlencode(pairs)}")
    assert response.status_code == 200
    expected = set(
        Measure.objects.filter(Q(responsible_persons=person) | Q(responsible_leader=person))
        .values_list("id", flat=True)
        .distinct()
    )
    shown = set(response.context["page"].paginator.object_list.values_list("id", flat=True))
    assert shown == expected
    # The page shows who was chosen, as the only listed option beside 全部.
    form = rendered_form(response.content, "ledger-filters")
    assert options_of(form, "person") == ["", str(person.pk)]


def test_a_unit_name_finds_its_people(world: Any) -> None:
    client = signed_in(world, "office")
    unit = world.unit(world.BRANCH1)
    found = options(client, unit.name)
    people = set(Person.objects.filter(unit=unit).values_list("pk", flat=True))
    assert people and {int(o["value"]) for o in found} >= set(list(people)[:OPTIONS_LIMIT])


def test_the_list_is_bounded(world: Any) -> None:
    client = signed_in(world, "office")
    found = options(client, "")
    assert 0 < len(found) <= OPTIONS_LIMIT


def test_another_organization_finds_none_of_this_ones_people(world: Any) -> None:
    ours = set(Person.objects.filter(organization=world.org).values_list("pk", flat=True))
    world.second_org()
    client = signed_in(world, "stranger_office")
    found = options(client, "")
    assert not {int(o["value"]) for o in found} & ours


@pytest.mark.parametrize("q", ["\x00", "张\x00三", "'; drop table x; --", "%", "_", "x" * 5000])
def test_hostile_text_is_an_empty_or_plain_answer(world: Any, q: str) -> None:
    client = signed_in(world, "office")
    found = options(client, q)
    assert isinstance(found, list)


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "abc", "0"])
def test_an_impossible_chosen_person_is_named_as_an_invalid_filter(world: Any, value: str) -> None:
    client = signed_in(world, "office")
    response = client.get("/ledger/", {"person": value})
    assert response.status_code == 400
    assert 'data-testid="filter-errors"' in response.content.decode()


def test_units_are_found_by_name_and_the_rendered_form_filters_by_one(world: Any) -> None:
    client = signed_in(world, "office")
    unit = world.unit(world.BRANCH1)
    found = options(client, unit.name[:4], kind="unit")
    assert {"value": str(unit.pk), "text": unit.name} in found
    form = rendered_form(client.get("/ledger/").content, "ledger-filters")
    response = client.get(
        f"/ledger/?{urlencode(with_values(form_values(form), unit=str(unit.pk)))}"
    )
    assert response.status_code == 200
    form = rendered_form(response.content, "ledger-filters")
    assert options_of(form, "unit") == ["", str(unit.pk)]


def test_a_unit_no_longer_in_use_is_not_offered_for_new_work(world: Any) -> None:
    client = signed_in(world, "office")
    unit = world.unit(world.BRANCH7)
    Unit.objects.filter(pk=unit.pk).update(is_active=False)
    assert str(unit.pk) in {o["value"] for o in options(client, unit.name, kind="unit")}
    assert str(unit.pk) not in {
        o["value"] for o in options(client, unit.name, kind="unit", active="1")
    }


def test_an_unknown_kind_of_choice_is_not_found(world: Any) -> None:
    client = signed_in(world, "office")
    assert client.get(reverse("ledger:filter_options", args=["tag"])).status_code == 404

"""The ledger's forms offer people and units the way an office worker picks them: people as
"name · unit · position", only those who can answer for the work, in searchable selects; and
分派至多个单位 as large tick boxes, its label first, with shortcuts by kind and grid."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from ledger.models import Measure
from organization.choices import UnitKind
from organization.models import Person, Unit
from tests.rendered_forms import form_values, rendered_form

pytestmark = pytest.mark.django_db


def signed_in(world: Any, username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.user(username))
    return client


def offered(form: Any, name: str) -> dict[str, str]:
    """A select's options (value → label), without the empty choice."""
    return {
        o.get("value"): o.text_content().strip()
        for o in form.xpath(f'.//select[@name="{name}"]//option')
        if o.get("value")
    }


@pytest.fixture
def someone_who_left(world: Any) -> Person:
    user = get_user_model().objects.create_user("left2020", password="x", is_active=False)
    return Person.objects.create(
        user=user,
        organization=world.org,
        name="离任干部",
        unit=world.unit(world.BRANCH1),
        position="原支部委员",
    )


def expected_people(world: Any) -> dict[str, str]:
    people = Person.objects.filter(
        organization=world.org, user__is_active=True, unit__isnull=False
    ).select_related("unit")
    return {
        str(p.pk): " · ".join(x for x in (p.name, p.unit.name, p.position) if x) for p in people
    }


def test_the_measure_form_offers_people_with_unit_and_position_and_never_the_administrator(
    world: Any, someone_who_left: Person
) -> None:
    finding = world.finding()
    page = signed_in(world, "office").get(reverse("ledger:measure_create", args=[finding.pk]))
    form = rendered_form(page.content, "measure-form")
    admin = world.user("admin").person
    for name in ("responsible_persons", "responsible_leader"):
        people = offered(form, name)
        assert people == expected_people(world), name
        assert str(admin.pk) not in people and str(someone_who_left.pk) not in people
        secretary = world.unit(world.BRANCH1).party_secretary
        assert people[str(secretary.pk)] == (
            f"{secretary.name} · {world.BRANCH1} · {secretary.position}"
        )


def test_the_finding_form_offers_its_responsible_leaders_the_same_way(
    world: Any, someone_who_left: Person
) -> None:
    finding = world.finding()
    page = signed_in(world, "office").get(reverse("ledger:finding_edit", args=[finding.pk]))
    form = rendered_form(page.content, "finding-form")
    leaders = offered(form, "responsible_leaders")
    assert leaders == expected_people(world)
    assert str(world.user("admin").person.pk) not in leaders


def test_every_multi_select_of_the_ledger_forms_is_searchable_without_inline_script(
    world: Any,
) -> None:
    client = signed_in(world, "office")
    finding = world.finding()
    pages = {
        "measure-form": reverse("ledger:measure_create", args=[finding.pk]),
        "finding-form": reverse("ledger:finding_edit", args=[finding.pk]),
    }
    for testid, url in pages.items():
        html = client.get(url).content.decode()
        form = rendered_form(html, testid)
        for select in form.iter("select"):
            if select.get("multiple") is not None:
                assert select.get("data-searchable") == "1", (testid, select.get("name"))
        assert "vendor/tom-select/tom-select.complete.min.js" in html
        assert "vendor/tom-select/tom-select.bootstrap5.min.css" in html
        assert "js/searchable-select.js" in html
        assert "<script>" not in html and "<script >" not in html


def test_a_measure_saved_as_rendered_with_chosen_people_keeps_them(world: Any) -> None:
    measure = world.new_measure()
    client = signed_in(world, "office")
    url = reverse("ledger:measure_edit", args=[measure.pk])
    form = rendered_form(client.get(url).content, "measure-form")
    people = list(offered(form, "responsible_persons"))[:2]
    pairs = [(k, v) for k, v in form_values(form) if k != "responsible_persons"]
    pairs += [("responsible_persons", pk) for pk in people]
    response = client.post(url, urlencode(pairs), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    assert {str(p.pk) for p in Measure.objects.get(pk=measure.pk).responsible_persons.all()} == set(
        people
    )


def test_a_measure_cannot_name_the_administrator_as_responsible(world: Any) -> None:
    measure = world.new_measure()
    client = signed_in(world, "office")
    url = reverse("ledger:measure_edit", args=[measure.pk])
    form = rendered_form(client.get(url).content, "measure-form")
    admin = str(world.user("admin").person.pk)
    pairs = [(k, v) for k, v in form_values(form) if k != "responsible_leader"]
    pairs.append(("responsible_leader", admin))
    response = client.post(url, urlencode(pairs), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Measure.objects.get(pk=measure.pk).responsible_leader_id != int(admin)


# --- 分派至多个单位 -------------------------------------------------------------------------


def assign_page(world: Any, username: str) -> tuple[Client, str, Any]:
    client = signed_in(world, username)
    url = reverse("ledger:measure_assign_many", args=[world.finding().pk])
    html = client.get(url).content.decode()
    return client, url, rendered_form(html, "measure-form")


def test_the_units_come_first_under_their_label_with_shortcuts_by_kind_and_grid(
    world: Any,
) -> None:
    _client, _url, form = assign_page(world, "office")
    first = next(
        el for el in form.iter("input", "select", "textarea") if el.get("type") != "hidden"
    )
    assert first.get("name") == "units"
    order = list(form.iter())
    label = next(
        el
        for el in order
        if el.tag == "label" and el.text_content().strip().startswith("Assign to these units")
    )
    picker = form.xpath(".//*[@data-unit-picker]")[0]
    assert order.index(label) < order.index(picker)
    picks = {
        b.get("data-pick"): b.text_content().strip() for b in form.xpath(".//button[@data-pick]")
    }
    assert picks["kind:branch"] == "All party branches"
    assert picks["kind:department"] == "All functional departments"
    grid = world.unit(world.BRANCH1).liaison_group
    assert picks[f"grid:{grid.pk}"] == grid.name
    boxes = form.xpath('.//input[@name="units"]')
    units = Unit.objects.filter(organization=world.org, is_active=True)
    assert len(boxes) == units.count()
    branch = {str(u.pk) for u in units if u.kind == UnitKind.BRANCH}
    assert {b.get("value") for b in boxes if b.get("data-kind") == "branch"} == branch


def test_someone_who_follows_a_grid_gets_one_shortcut_for_it(world: Any) -> None:
    from ledger.forms import AssignManyForm

    grid = world.unit(world.BRANCH1).liaison_group
    form = AssignManyForm(finding=world.finding(), own_grids=[grid.pk])
    html = str(form["units"])
    assert f'data-pick="grid:{grid.pk}"' in html and "My grid" in html
    assert html.count('data-pick="grid:') == 1


def test_ticking_every_branch_creates_one_measure_per_branch(world: Any) -> None:
    client, url, form = assign_page(world, "office")
    branches = [
        b.get("value")
        for b in form.xpath('.//input[@name="units"]')
        if b.get("data-kind") == "branch"
    ]
    due = world.finding().inspection.rectification_end.isoformat()
    typed = {"content": "开展警示教育专题学习", "due_date": due}
    pairs = [(k, v) for k, v in form_values(form) if k not in typed]
    pairs += list(typed.items()) + [("units", pk) for pk in branches]
    response = client.post(url, urlencode(pairs), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    made = Measure.objects.filter(content="开展警示教育专题学习")
    assert {str(m.lead_unit_id) for m in made} == set(branches)

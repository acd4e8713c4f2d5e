"""The ledger's filter form submitted as the page renders it (its default values, read from
the HTML), and the ledger's choice of inspection: it opens on the current round, remembers the
person's choice, and names the round wherever rounds meet."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from ledger.models import Finding, Inspection, Measure
from ledger.services import MeasureData, finding_save, measure_create
from ledger.tests.helpers import earlier_inspection
from tests.rendered_forms import form_values, options_of, rendered_form, with_values

pytestmark = pytest.mark.django_db

LEDGER = "/ledger/"
FILTERS = "ledger-filters"


def signed_in(world: Any, username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.user(username))
    return client


def the_filters(client: Client) -> Any:
    page = client.get(LEDGER)
    assert page.status_code == 200
    return rendered_form(page.content, FILTERS)


def submit(client: Client, pairs: list[tuple[str, str]], **headers: Any) -> Any:
    """Send the form as the browser does: a plain GET of the page, or htmx's GET of the table."""
    return client.get(f"{LEDGER}?{urlencode(pairs)}", **headers)


def listed(response: Any) -> set[int]:
    """Every measure the filters matched, over all pages; the rows shown are among them."""
    matched = set(response.context["page"].paginator.object_list.values_list("id", flat=True))
    assert {row["m"].pk for row in response.context["rows"]} <= matched
    return matched


def matching(term: str, base: Any) -> set[int]:
    return set(
        base.filter(Q(content__icontains=term) | Q(finding__text__icontains=term)).values_list(
            "id", flat=True
        )
    )


# --- an empty value means "no filter" ----------------------------------------------------------


def test_the_rendered_filters_with_a_search_term_list_only_the_matching_rows(world: Any) -> None:
    client = signed_in(world, "office")
    form = the_filters(client)
    defaults = dict(form_values(form))
    assert defaults["state"] == "" and defaults["overdue"] == ""  # left at 全部
    term = Measure.objects.order_by("id").first().content[4:10]
    expected = matching(term, Measure.objects.all())
    assert expected and len(expected) < Measure.objects.count()
    pairs = with_values(form_values(form), q=term)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):  # Enter / 筛选 with and without htmx
        response = submit(client, pairs, **headers)
        assert response.status_code == 200, response.content.decode()[:500]
        assert listed(response) == expected


def test_every_filter_select_left_at_its_empty_choice_means_no_filter(world: Any) -> None:
    client = signed_in(world, "office")
    form = the_filters(client)
    selects = [el.get("name") for el in form.iter("select")]
    assert {"state", "unit", "overdue", "theme", "tag", "person", "deadline_kind"} <= set(selects)
    everything = set(Measure.objects.values_list("id", flat=True))
    for name in selects:
        if "" not in options_of(form, name):
            continue  # the sort order has no empty choice
        pairs = with_values(form_values(form), **{name: ""})
        response = submit(client, pairs, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, name
        assert listed(response) == everything, name


def test_a_branch_searches_its_ledger_with_the_rendered_filters(world: Any) -> None:
    client = signed_in(world, "branch1")
    form = the_filters(client)
    mine = Measure.objects.visible_to(world.user("branch1"))
    term = mine.order_by("id").first().content[2:8]
    response = submit(client, with_values(form_values(form), q=term))
    assert response.status_code == 200
    assert listed(response) == matching(term, mine)


def test_an_invalid_filter_value_is_named_in_the_table_htmx_swaps_in(world: Any) -> None:
    client = signed_in(world, "office")
    # A page left open while the choices changed still sends what it offered then.
    pairs = with_values(form_values(the_filters(client)), state="withdrawn-long-ago")
    response = submit(client, pairs, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="filter-errors"' in body and "State" in body
    assert 'data-testid="ledger-table"' in body and listed(response) == set()


# --- which inspection the ledger shows ---------------------------------------------------------


@pytest.fixture
def earlier_round(world: Any) -> Measure:
    """A completed earlier round whose first finding and measure carry the same numbers as the
    current round's."""
    office = world.user("office")
    current = world.inspection()
    inspection = earlier_inspection(world, days=800)
    feedback = inspection.feedback_date
    twin = Measure.objects.filter(finding__inspection=current).order_by("id").first()
    finding = finding_save(
        by=office,
        finding=Finding(
            inspection=inspection,
            theme=twin.finding.theme,
            number=twin.finding.number,
            text="上一轮巡察反馈的问题",
        ),
    )
    due = feedback + dt.timedelta(days=60)
    data = MeasureData(content="上一轮的整改措施", lead_unit=twin.lead_unit, due_date=due)
    measure = measure_create(by=office, finding=finding, data=data)
    Measure.objects.filter(pk=measure.pk).update(number=twin.number)
    return Measure.objects.select_related("finding__inspection").get(pk=measure.pk)


def test_the_ledger_opens_on_the_current_inspection(world: Any, earlier_round: Measure) -> None:
    client = signed_in(world, "office")
    response = client.get(LEDGER)
    current = world.inspection()
    assert response.context["filter"].form.cleaned_data["inspection"] == current
    assert listed(response) == set(
        Measure.objects.filter(finding__inspection=current).values_list("id", flat=True)
    )
    assert 'data-testid="inspection-column"' not in response.content.decode()
    form = rendered_form(response.content, FILTERS)
    assert dict(form_values(form))["inspection"] == str(current.pk)


def test_all_inspections_show_the_round_of_each_row_and_the_choice_is_remembered(
    world: Any, earlier_round: Measure
) -> None:
    client = signed_in(world, "office")
    pairs = with_values(form_values(the_filters(client)), inspection="")
    response = submit(client, pairs)
    body = response.content.decode()
    assert response.status_code == 200
    assert listed(response) == set(Measure.objects.values_list("id", flat=True))
    assert 'data-testid="inspection-column"' in body
    assert "党委巡察" in body and world.inspection().label in body

    again = client.get(LEDGER)  # the menu's link, later
    assert listed(again) == set(Measure.objects.values_list("id", flat=True))
    assert dict(form_values(rendered_form(again.content, FILTERS)))["inspection"] == ""


def test_a_chosen_earlier_round_is_remembered(world: Any, earlier_round: Measure) -> None:
    client = signed_in(world, "office")
    old = str(earlier_round.finding.inspection_id)
    assert old in options_of(the_filters(client), "inspection")
    submit(client, with_values(form_values(the_filters(client)), inspection=old))
    again = client.get(LEDGER)
    assert listed(again) == {earlier_round.pk}


def test_a_remembered_round_the_person_may_no_longer_see_falls_back_to_the_current_one(
    world: Any, earlier_round: Measure
) -> None:
    client = signed_in(world, "office")
    old = str(earlier_round.finding.inspection_id)
    submit(client, with_values(form_values(the_filters(client)), inspection=old))
    Measure.objects.filter(pk=earlier_round.pk).delete()
    Finding.objects.filter(inspection_id=old).delete()
    Inspection.objects.filter(pk=old).delete()
    response = client.get(LEDGER)
    assert response.status_code == 200
    assert response.context["filter"].form.cleaned_data["inspection"] == world.inspection()


def test_a_measure_reference_names_its_round_its_finding_and_its_number(
    world: Any, earlier_round: Measure
) -> None:
    twin = (
        Measure.objects.filter(finding__inspection=world.inspection())
        .exclude(pk=earlier_round.pk)
        .order_by("id")
        .first()
    )
    old = earlier_round
    assert (twin.finding.number, twin.number) == (old.finding.number, old.number)
    assert earlier_round.reference != twin.reference
    assert earlier_round.reference == (
        f"党委巡察 · problem {earlier_round.finding.number} · measure {earlier_round.number}"
    )


def test_the_export_and_page_links_carry_the_inspection_shown(
    world: Any, earlier_round: Measure
) -> None:
    import lxml.html

    client = signed_in(world, "office")
    html = client.get(LEDGER).content
    current = str(world.inspection().pk)
    hrefs = [a.get("href") for a in lxml.html.fromstring(html).xpath("//a[@href]")]
    export = next(h for h in hrefs if h.startswith(reverse("documents:ledger_export")))
    assert f"inspection={current}" in export
    sizes = [h for h in hrefs if h.startswith("?") and "per_page=" in h]
    assert sizes and all(f"inspection={current}" in h for h in sizes)


def test_a_search_term_of_a_finding_lists_its_measures_in_the_chosen_round(world: Any) -> None:
    client = signed_in(world, "office")
    form = the_filters(client)
    chosen = dict(form_values(form)).get("inspection")
    assert chosen, "the ledger opens on a round"
    findings = Finding.objects.filter(inspection_id=chosen).order_by("id")
    term = next(
        f.text[3:9]
        for f in findings
        if not Measure.objects.filter(content__icontains=f.text[3:9]).exists()
    )
    expected = matching(term, Measure.objects.filter(finding__inspection_id=chosen))
    assert expected
    response = submit(client, with_values(form_values(form), q=term))
    assert response.status_code == 200
    assert listed(response) == expected

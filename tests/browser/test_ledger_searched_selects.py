"""The ledger's person and unit choices are found by typing (the page no longer lists a
college's thousands of people): the office types a name in the person filter and the table
follows, and narrows by a unit the same way."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.ledger_page import LEDGER, listed, table_reload

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def no_lockouts(transactional_db: Any) -> Any:
    from axes.utils import reset

    reset()
    yield
    reset()


def _shown_inspection(username: str) -> int:
    from django.contrib.auth import get_user_model

    from ledger.selectors import inspection_ids_current_first

    return inspection_ids_current_first(get_user_model().objects.get(username=username))[0]


def _choose(page: Any, select_id: str, typed: str, value: int) -> None:
    """Type into the searchable select `select_id` and pick the option of `value`."""
    page.locator(f"#{select_id} + .ts-wrapper .ts-control").click()
    page.keyboard.type(typed)
    option = page.locator(f"#{select_id}-ts-dropdown .option[data-value='{value}']")
    expect(option).to_be_visible()
    option.click()


def test_the_office_finds_a_person_and_a_unit_by_typing(session_factory: Any) -> None:
    from django.db.models import Q

    from ledger.models import Measure

    inspection = _shown_inspection("office")
    shown = Measure.objects.filter(finding__inspection_id=inspection)
    measure = shown.filter(responsible_persons__isnull=False).order_by("id").first()
    person = measure.responsible_persons.order_by("id").first()
    s = session_factory()
    page = s.login("office")
    page.goto(LEDGER)
    # The page carries no list of people: only 全部.
    assert page.locator("#id_person option").count() == 1

    page.click("[aria-controls=more-filters]")
    expect(page.locator("#more-filters")).to_have_class("collapse show")
    with table_reload(page) as response:
        _choose(page, "id_person", person.name, person.pk)
    assert response.value.status == 200
    expected = set(
        shown.filter(Q(responsible_persons=person) | Q(responsible_leader=person)).values_list(
            "id", flat=True
        )
    )
    expect(page.locator("#ledger-table tr[data-measure]")).to_have_count(len(expected))
    assert listed(page) == expected
    s.screenshot("ledger-person-typed")

    # A reload keeps the chosen person, shown by name.
    page.reload()
    expect(page.locator("#id_person option:checked")).to_have_text(person.name)

    # The unit filter is found the same way.
    unit = measure.lead_unit
    page.goto(LEDGER)
    with table_reload(page):
        _choose(page, "id_unit", unit.name[:4], unit.pk)
    in_unit = set(
        shown.filter(Q(lead_unit=unit) | Q(units=unit)).values_list("id", flat=True).distinct()
    )
    expect(page.locator("#ledger-table tr[data-measure]")).to_have_count(min(len(in_unit), 50))
    assert listed(page) <= in_unit


def test_the_office_hands_a_measure_to_another_unit_with_the_bulk_form(
    session_factory: Any,
) -> None:
    from ledger.models import Measure
    from organization.models import Unit

    s = session_factory()
    page = s.login("office")
    page.goto(LEDGER)
    first = page.locator("#ledger-table input[name=ids]").first
    measure = Measure.objects.get(pk=int(first.get_attribute("value")))
    target = (
        Unit.objects.filter(organization=measure.organization, is_active=True)
        .exclude(pk=measure.lead_unit_id)
        .order_by("sort_order", "id")
        .last()
    )
    first.check()
    page.click("[data-testid=bulk-bar] summary")
    page.select_option("#bulk-form select[name=action]", "reassign_unit")
    # Units are found by typing here too: the page does not list the college's units.
    _choose(page, "bulk_unit", target.name[:4], target.pk)
    with page.expect_response(lambda r: "/ledger/bulk/" in r.url and r.request.method == "POST"):
        page.click("[data-testid=bulk-apply]")
    page.wait_for_load_state()
    measure.refresh_from_db()
    assert measure.lead_unit_id == target.pk

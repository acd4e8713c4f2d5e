"""The ledger as a new user meets it, in Chromium: the office searches with the filters as
they stand (Enter and 筛选), a bad filter is named in place, people are picked in a searchable
select, and 分派至多个单位 is done on a phone with its shortcuts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Q
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.ledger_page import LEDGER, listed, table_reload

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def no_lockouts(transactional_db: Any) -> Any:
    from axes.utils import reset

    reset()
    yield
    reset()


def watch_console(page: Any) -> list[str]:
    """Errors the page logs, CSP refusals among them."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_the_office_searches_the_ledger_with_the_default_filters(session_factory: Any) -> None:
    from ledger.models import Measure

    s = session_factory()
    page = s.login("office")
    errors = watch_console(page)
    page.goto(LEDGER)
    # Every select stands at its default: 全部 for the state and the others.
    assert page.input_value("[data-testid=filter-state]") == ""
    assert page.input_value("[data-testid=filter-overdue]") == ""
    term = Measure.objects.order_by("id").first().content[4:10]
    expected = set(
        Measure.objects.filter(
            Q(content__icontains=term) | Q(finding__text__icontains=term)
        ).values_list("id", flat=True)
    )
    assert 0 < len(expected) < Measure.objects.count()

    page.fill("[data-testid=filter-q]", term)
    with table_reload(page) as response:
        page.press("[data-testid=filter-q]", "Enter")
    assert response.value.status == 200
    expect(page.locator("#ledger-table tr[data-measure]")).to_have_count(len(expected))
    assert listed(page) == expected
    for i in range(page.locator("#ledger-table tr[data-measure]").count()):
        row = page.locator("#ledger-table tr[data-measure]").nth(i)
        pk = int(row.get_attribute("data-measure"))
        measure = Measure.objects.select_related("finding").get(pk=pk)
        assert term in measure.content or term in measure.finding.text
    s.screenshot("ledger-search-enter")

    # 筛选 with a second term gives the same answer as Enter would.
    other = Measure.objects.order_by("-id").first().content[2:8]
    again = set(
        Measure.objects.filter(
            Q(content__icontains=other) | Q(finding__text__icontains=other)
        ).values_list("id", flat=True)
    )
    page.fill("[data-testid=filter-q]", other)
    with table_reload(page) as response:
        page.click("[data-testid=filter-submit]")
    assert response.value.status == 200
    expect(page.locator("#ledger-table tr[data-measure]")).to_have_count(len(again))
    assert listed(page) == again
    assert errors == []
    assert s.foreign_requests() == []


def test_a_filter_the_server_refuses_is_named_in_place_of_the_table(session_factory: Any) -> None:
    s = session_factory()
    page = s.login("office")
    page.goto(LEDGER)
    assert listed(page)
    # A page left open while the states changed still offers a value the server now refuses.
    page.evaluate(
        "document.querySelector('[data-testid=filter-state]')"
        ".add(new Option('已撤销', 'withdrawn-long-ago'))"
    )
    with table_reload(page) as response:
        page.select_option("[data-testid=filter-state]", "withdrawn-long-ago")
    assert response.value.status == 400
    expect(page.locator("[data-testid=filter-errors]")).to_be_visible()
    assert listed(page) == set()
    s.screenshot("ledger-filter-refused")


def test_the_office_picks_responsible_persons_by_typing_a_name(session_factory: Any) -> None:
    from ledger.models import Measure
    from organization.models import Person

    s = session_factory()
    page = s.login("office")
    errors = watch_console(page)
    measure = Measure.objects.filter(state="in_progress").order_by("id").first()
    page.goto(reverse("ledger:measure_edit", args=[measure.pk]))
    control = page.locator("#id_responsible_persons + .ts-wrapper .ts-control")
    expect(control).to_be_visible()
    chosen = (
        Person.objects.filter(unit__isnull=False, user__is_active=True, is_system_admin=False)
        .exclude(pk__in=measure.responsible_persons.values("pk"))
        .select_related("unit")
        .order_by("id")
        .first()
    )
    control.click()
    page.keyboard.type(chosen.name)
    option = page.locator(".ts-dropdown .option", has_text=chosen.name).first
    expect(option).to_contain_text(chosen.unit.name)
    option.click()
    page.keyboard.press("Escape")
    # The administrator is not to be found.
    control.click()
    page.keyboard.type("系统管理员")
    expect(page.locator(".ts-dropdown .option", has_text="系统管理员")).to_have_count(0)
    page.keyboard.press("Escape")
    s.screenshot("measure-form-people")
    page.click("[data-testid=save]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(reverse("ledger:measure_detail", args=[measure.pk]))
    assert measure.responsible_persons.filter(pk=chosen.pk).exists()
    assert errors == []
    assert s.foreign_requests() == []


def test_assigning_to_every_branch_on_a_phone_with_the_shortcuts(session_factory: Any) -> None:
    from ledger.models import Finding, Measure
    from organization.models import Unit

    s = session_factory(width=390, height=844)
    page = s.login("office")
    errors = watch_console(page)
    finding = Finding.objects.order_by("id").first()
    page.goto(reverse("ledger:measure_assign_many", args=[finding.pk]))
    picker = page.locator("[data-testid=unit-picker]")
    expect(picker).to_be_visible()
    boxes = picker.locator("input[name=units]")
    branches = set(Unit.objects.filter(kind="branch", is_active=True).values_list("pk", flat=True))

    def ticked() -> set[int]:
        return {
            int(boxes.nth(i).get_attribute("value"))
            for i in range(boxes.count())
            if boxes.nth(i).is_checked()
        }

    # Each unit is a target a thumb can hit.
    first = picker.locator("label.unit-choice").first.bounding_box()
    assert first is not None and first["height"] >= 44
    page.get_by_role("button", name="全部职能部门").click()
    page.get_by_role("button", name="清空").click()
    assert ticked() == set()
    page.get_by_role("button", name="全部党支部").click()
    assert ticked() == branches
    grid_unit = Unit.objects.filter(kind="department", liaison_group__isnull=False).first()
    if grid_unit is not None:
        page.get_by_role("button", name=grid_unit.liaison_group.name).click()
        assert grid_unit.pk in ticked()
        picker.locator(f"input[name=units][value='{grid_unit.pk}']").uncheck()
    assert ticked() == branches
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("document.documentElement.clientWidth")
    s.screenshot("assign-many-phone")

    page.fill("#id_content", "开展警示教育专题组织生活会")
    page.fill("#id_due_date", finding.inspection.rectification_end.isoformat())
    page.click("[data-testid=save]")
    page.wait_for_load_state("networkidle")
    made = Measure.objects.filter(content="开展警示教育专题组织生活会")
    assert {m.lead_unit_id for m in made} == branches
    assert errors == []

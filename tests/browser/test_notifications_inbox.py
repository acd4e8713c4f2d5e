"""The bell, the inbox on a phone, urging from a measure and answering the urge."""

from __future__ import annotations

from typing import Any

import pytest


def scoped_measure() -> Any:
    """An open measure of branch 1 in grid 1 (liaison1's), as the matrix uses."""
    from ledger.choices import OPEN_STATES
    from ledger.models import Measure

    return (
        Measure.objects.filter(lead_unit__name="航空运输系党支部", state__in=OPEN_STATES)
        .order_by("id")
        .first()
    )


def urge(measure: Any, message: str) -> None:
    from django.contrib.auth import get_user_model

    from notifications.services import urge_create

    office = get_user_model().objects.get(username="office")
    urge_create(by=office, measure_ids=[measure.pk], message=message)


def no_horizontal_scroll(page: Any) -> bool:
    root = "document.documentElement"
    return bool(page.evaluate(f"{root}.scrollWidth <= {root}.clientWidth"))


@pytest.mark.browser
def test_the_unit_reads_an_urge_on_a_phone_and_answers_it(session_factory: Any) -> None:
    measure = scoped_measure()
    assert measure is not None
    urge(measure, "请于本周五前报送整改进展。")
    urge(measure, "请补充佐证材料。")

    s = session_factory(width=390, height=844)
    page = s.login("branch1")
    assert page.locator("[data-testid=unread-count]").inner_text() == "2"
    # On a phone the bell sits in the collapsed menu.
    page.click(".navbar-toggler")
    page.click("[data-testid=inbox-link]")
    page.wait_for_load_state("networkidle")
    items = page.locator("[data-testid=notification]")
    assert items.count() == 2
    assert no_horizontal_scroll(page)
    s.screenshot("notifications-inbox-phone")

    items.first.click()
    page.wait_for_load_state("networkidle")
    assert f"/ledger/measures/{measure.pk}/" in page.url
    panel = page.locator("[data-testid=supervision-panel]")
    assert panel.locator("[data-testid=urge]").count() == 2
    panel.locator("[data-testid=urge] textarea").first.fill("本周四前完成并上传会议记录。")
    panel.locator("[data-testid=answer-urge]").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=urge-answer]").count() == 1
    assert page.locator("[data-testid=unread-count]").inner_text() == "1"
    assert no_horizontal_scroll(page)
    s.screenshot("notifications-urge-answered-phone")
    assert s.foreign_requests() == []


@pytest.mark.browser
def test_the_office_urges_from_the_measure_page_and_sees_the_answer_arrive(
    session_factory: Any,
) -> None:
    from notifications.models import Urge

    measure = scoped_measure()
    office = session_factory()
    page = office.login("office")
    page.goto(f"/ledger/measures/{measure.pk}/")
    page.fill("#id_urge_message", "请尽快推进。")
    page.click("[data-testid=urge-submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=urge-count]").is_visible()
    assert Urge.objects.filter(measure=measure).count() == 1
    office.screenshot("notifications-urged-by-office")

    unit = session_factory()
    unit_page = unit.login("staff1")
    unit_page.goto(f"/ledger/measures/{measure.pk}/")
    unit_page.fill("[data-testid=urge] textarea", "明天完成。")
    unit_page.click("[data-testid=answer-urge]")
    unit_page.wait_for_load_state("networkidle")

    page.goto("/notifications/")
    first = page.locator("[data-testid=notification]").first
    assert first.get_attribute("data-kind") == "urge_answer"
    office.screenshot("notifications-inbox-office")


@pytest.mark.browser
def test_the_preferences_page_copies_the_calendar_address(session_factory: Any) -> None:
    s = session_factory(width=390, height=844)
    page = s.login("liaison1")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/notifications/preferences/")
    address = page.locator("[data-testid=feed-url]").input_value()
    assert address.endswith(".ics")
    page.click("[data-copy-target]")
    page.check("#id_daily_digest")
    page.click("[data-testid=save-preferences]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#id_daily_digest").is_checked()
    assert no_horizontal_scroll(page)
    assert errors == []
    s.screenshot("notifications-preferences-phone")
    # The address works without signing in.
    response = page.request.get(address)
    assert response.status == 200
    assert response.text().startswith("BEGIN:VCALENDAR")

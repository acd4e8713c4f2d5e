"""The office's reminder settings, urging a selection, and the administrator's delivery log."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.browser
def test_the_office_changes_the_ladder(session_factory: Any) -> None:
    from organization.models import Organization

    s = session_factory()
    page = s.login("office")
    page.goto("/notifications/settings/")
    page.fill("#id_step-0-offset_days", "-25")
    page.click("[data-testid=save-settings]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".alert-success").is_visible()
    assert page.locator("#id_step-0-offset_days").input_value() == "-25"
    s.screenshot("notifications-settings")

    from notifications.selectors import ladder_for

    assert ladder_for(Organization.objects.get())[0].offset_days == -25


@pytest.mark.browser
def test_the_office_urges_a_selection_of_late_measures(session_factory: Any) -> None:
    from notifications.models import Urge

    s = session_factory()
    page = s.login("office")
    page.goto("/notifications/urge/")
    boxes = page.locator("input[name=ids]")
    if boxes.count() == 0:
        pytest.skip("nothing is overdue or due soon in the demo today")
    page.check("[data-check-all]")
    selected = boxes.count()
    assert all(boxes.nth(i).is_checked() for i in range(selected))
    page.fill("#id_message", "请各单位抓紧推进，本周五前报送进展。")
    s.screenshot("notifications-urge-selection")
    page.click("[data-testid=urge-selected]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".alert-success").is_visible()
    assert Urge.objects.count() == selected


@pytest.mark.browser
def test_the_administrator_sees_failed_deliveries(session_factory: Any) -> None:
    from notifications.models import Delivery
    from organization.models import Organization

    Delivery.objects.create(
        organization=Organization.objects.get(),
        channel="webhook",
        to="http://127.0.0.1:9/robot/send?key=x",
        subject="Overdue by 3 days",
        status="failed",
        attempts=5,
        last_error="HTTP 500 Internal Server Error",
    )
    s = session_factory()
    page = s.login("admin")
    page.goto("/notifications/deliveries/")
    row = page.locator("[data-testid=deliveries] tr[data-status=failed]")
    assert row.count() == 1
    assert "HTTP 500" in row.inner_text()
    s.screenshot("notifications-deliveries")
    page.click("[data-testid=retry-all]")
    page.wait_for_load_state("networkidle")
    # Queued again with fresh attempts; the closed port fails the first one at once.
    retried = Delivery.objects.get()
    assert (retried.status, retried.attempts) == ("pending", 1)

"""The foundation in a real browser: who sees what on their home page, on a desk and a phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

BRANCH1 = "航空运输系党支部"


@pytest.fixture(autouse=True)
def no_lockouts(transactional_db: Any) -> Any:
    from axes.utils import reset

    reset()
    yield
    reset()


def nav_link(page: Any, url_name: str) -> Any:
    return page.locator(f"#mainnav a.nav-link[href='{reverse(url_name)}']")


def test_the_office_sees_the_whole_organization_and_what_awaits_close_out(
    session_factory: Any,
) -> None:
    s = session_factory()
    page = s.login("office")
    assert page.url.rstrip("/") == s.base_url.rstrip("/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert nav_link(page, "organization:overview").is_visible()
    assert nav_link(page, "ledger:audit_log").is_visible()
    assert page.locator("[data-testid=section-office_close]").is_visible()
    assert page.locator("[data-testid=section-unit_open]").is_visible()
    assert page.locator("[data-testid=section-liaison_review]").count() == 0
    s.screenshot("home-office")
    page.click(f"#mainnav a.nav-link[href='{reverse('organization:overview')}']")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(reverse("organization:overview"))
    # The office's dozen sections fit a 1366 px screen in either language (the English names
    # are the longer): the links wrap, the page does not widen, the user menu stays on the right.
    for language in ("zh-hans", "en"):
        if language == "en":
            with page.expect_navigation():
                page.select_option("#mainnav [data-testid=language-select]", "en")
            page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == language
        width = page.evaluate("document.documentElement.clientWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        menu = page.locator("[data-testid=user-menu]").bounding_box()
        assert menu is not None and width - 400 < menu["x"] + menu["width"] <= width
    s.screenshot("organization-office-english")
    assert s.foreign_requests() == []


def test_branch_one_sees_its_own_units_measures_and_no_organization_screens(
    session_factory: Any,
) -> None:
    s = session_factory()
    page = s.login("branch1")
    assert nav_link(page, "organization:overview").count() == 0
    assert nav_link(page, "ledger:audit_log").count() == 0
    assert page.locator("[data-testid=section-office_close]").count() == 0
    section = page.locator("[data-testid=section-unit_open]")
    assert section.is_visible()
    items = section.locator("li.list-group-item a")
    assert items.count() > 0
    # Every row is the unit's own: the card names the unit once, the rows do not repeat it.
    assert section.locator("[data-testid=card-unit]").inner_text() == BRANCH1
    assert section.locator(".home-row-unit").count() == 0
    s.screenshot("home-branch1")
    assert s.foreign_requests() == []


def test_branch_one_is_refused_the_organization_screens(session_factory: Any) -> None:
    s = session_factory()
    page = s.login("branch1")
    response = page.goto(reverse("organization:overview"))
    assert response is not None and response.status == 403
    assert s.foreign_requests() == []


def test_on_a_phone_the_home_page_fits_and_the_menu_opens(session_factory: Any) -> None:
    s = session_factory(width=375, height=800)
    page = s.login("branch1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    menu = page.locator("#mainnav")
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible()
    assert not menu.is_visible()
    assert not nav_link(page, "ledger:ledger").is_visible()
    toggler.click()
    page.wait_for_selector("#mainnav.show", state="visible")
    assert nav_link(page, "ledger:ledger").is_visible()
    assert toggler.get_attribute("aria-expanded") == "true"
    s.screenshot("home-branch1-phone-menu")
    toggler.click()
    page.wait_for_selector("#mainnav", state="hidden")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    s.screenshot("home-branch1-phone")
    assert s.foreign_requests() == []


def test_the_language_switch_turns_the_ui_to_english_and_it_stays(session_factory: Any) -> None:
    s = session_factory()
    page = s.login("branch1")
    page.goto(reverse("password_change"))
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("label[for=id_old_password]").inner_text().strip().startswith("旧密码")
    with page.expect_navigation():
        page.select_option("#mainnav [data-testid=language-select]", "en")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith(reverse("password_change"))
    assert (
        page.locator("label[for=id_old_password]").inner_text().strip().startswith("Old password")
    )
    page.goto(reverse("home"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert (
        page.locator("[data-testid=section-unit_open]")
        .inner_text()
        .startswith("Your unit's open measures")
    )
    s.screenshot("home-branch1-english")
    assert s.foreign_requests() == []


def test_a_visitor_switches_the_sign_in_page_to_english(session_factory: Any) -> None:
    s = session_factory()
    page = s.page
    page.goto(reverse("login"))
    with page.expect_navigation():
        page.select_option("[data-testid=language-select]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("[data-testid=login-submit]").inner_text().strip() == "Sign in"
    assert s.foreign_requests() == []


def test_five_wrong_passwords_lock_the_account_in_the_browser(session_factory: Any) -> None:
    s = session_factory()
    for _ in range(5):
        s.login("branch2", "wrong-password")
    assert s.page.locator("[data-testid=locked-out]").is_visible()
    s.login("branch2")
    assert s.page.locator("[data-testid=locked-out]").is_visible()
    s.screenshot("locked-out")
    assert s.foreign_requests() == []

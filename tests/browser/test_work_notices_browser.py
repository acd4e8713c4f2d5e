"""A person enters their DingTalk and WeCom user ids on a phone and chooses work notices."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_notifications_inbox import no_horizontal_scroll


@pytest.mark.browser
def test_a_person_enters_their_work_notice_ids_on_a_phone(
    session_factory: Any, settings: Any
) -> None:
    settings.DINGTALK_APP_KEY, settings.DINGTALK_APP_SECRET = "key", "secret"
    settings.DINGTALK_AGENT_ID = "2001"
    settings.WECOM_CORP_ID, settings.WECOM_SECRET, settings.WECOM_AGENT_ID = "ww", "s", "1000002"
    s = session_factory(width=390, height=844)
    page = s.login("branch1")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/notifications/preferences/")
    assert page.locator("#id_dingtalk_enabled").is_checked()
    page.fill("#id_dingtalk_userid", "manager4220")
    page.uncheck("#id_wecom_enabled")
    page.click("[data-testid=save-preferences]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#id_dingtalk_userid").input_value() == "manager4220"
    assert not page.locator("#id_wecom_enabled").is_checked()
    assert no_horizontal_scroll(page)
    assert errors == []
    s.screenshot("notifications-work-notice-ids-phone")

    from organization.models import Person

    person = Person.objects.get(user__username="branch1")
    assert person.dingtalk_userid == "manager4220"

"""Single sign-on in a real browser, at phone width: the sign-in page's 统一身份认证登录 button
goes to the college's CAS server and back to the home page; an identity the platform does not
know gets the page that says whom to ask."""

from __future__ import annotations

from typing import Any

import pytest

from sso.tests import servers

pytestmark = pytest.mark.browser


def test_a_person_signs_in_through_cas_and_a_stranger_is_told_to_ask_the_office(
    session_factory: Any, settings: Any
) -> None:
    from organization.models import Person

    Person.objects.unscoped("test set-up").filter(user__username="branch1").update(
        employee_number="T1001"
    )
    with servers.cas_server() as cas:
        settings.CAS_SERVER_URL = cas.url
        settings.CAS_VERSION = "3"
        settings.SSO_CAS_ATTRIBUTE = "employeeNumber"
        settings.SSO_MATCH_ATTRIBUTE = "employee_number"
        settings.AUTHENTICATION_BACKENDS = [
            *settings.AUTHENTICATION_BACKENDS,
            "sso.backends.CASBackend",
        ]
        cas.user, cas.attributes = "zhangsan", {"employeeNumber": "T1001"}
        s = session_factory(width=390, height=844)
        page = s.page
        page.goto("/login/")
        button = page.locator("[data-testid=sso-cas]")
        assert button.inner_text().strip() == "统一身份认证登录"
        s.screenshot("sso-login-phone")
        button.click()
        page.wait_for_load_state("networkidle")
        assert page.url == s.base_url + "/", page.url
        s.screenshot("sso-signed-in-phone")

        cas.user, cas.attributes = "newcomer", {"employeeNumber": "T9999"}
        stranger = session_factory(width=390, height=844)
        stranger.page.goto("/login/")
        stranger.page.click("[data-testid=sso-cas]")
        stranger.page.wait_for_load_state("networkidle")
        notice = stranger.page.locator("[data-testid=identity-refused]")
        assert "您尚未开通本平台账号" in notice.inner_text()
        stranger.screenshot("sso-refused-phone")

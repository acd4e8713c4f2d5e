"""Login security in a real browser: the office signs in with its password and a code from an
authenticator app, is warned before an idle session ends and then signed out, and a sign-in
elsewhere ends its session when the policy allows one session per account."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def _code_for_next_step(user: Any) -> str:
    """A code the authenticator app would show, of a time step not used before (a code is good
    once): this step's, or the next one's as a phone a little ahead shows it."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    while True:
        totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        now = totp.t()
        step = max(now, device.last_t + 1)
        if step <= now + 1:
            totp.drift = step - now
            return f"{totp.token():0{device.digits}d}"
        time.sleep(1)


def _sign_in_with_code(s: Any, user: Any) -> Any:
    page = s.login("office")
    assert page.url.endswith("/security/verify/"), page.url
    s.screenshot("login-security-verify")
    page.fill("#id_token", _code_for_next_step(user))
    page.click("[data-testid=verify-submit]")
    page.wait_for_load_state("networkidle")
    return page


def test_the_office_signs_in_with_a_code_is_timed_out_and_ended_by_a_second_sign_in(
    session_factory: Any, settings: Any
) -> None:
    from django.contrib.auth import get_user_model

    from demo.organization_demo import ORG_NAME
    from organization.models import Organization
    from security.models import SecurityPolicy

    org = Organization.objects.get(name=ORG_NAME)
    SecurityPolicy.objects.unscoped("test set-up").filter(organization=org).update(
        second_factor_required=True, single_session=True
    )
    office = get_user_model().objects.get(username="office")
    # A short idle limit: the warning comes 6 seconds before the 12-second limit.
    settings.SECURITY_IDLE_TIMEOUT_SECONDS = 12

    s = session_factory()
    page = s.login("office")
    # The office has no authenticator app yet: it must enrol one before anything else.
    page.wait_for_selector("[data-testid=two-factor-qr] svg")
    s.screenshot("login-security-enrol")
    page.goto("/ledger/")
    assert page.url.endswith("/security/two-factor/")
    secret = page.inner_text("[data-testid=two-factor-secret]").strip()
    key_hex = base64.b32decode(secret).hex()
    from django_otp.oath import TOTP

    page.fill("#id_token", f"{TOTP(bytes.fromhex(key_hex)).token():06d}")
    page.click("[data-testid=two-factor-submit]")
    page.wait_for_selector("[data-testid=two-factor-enrolled]")
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/login/**")

    # Password, then the code: signed in, and told when and where the last sign-in was.
    page = _sign_in_with_code(s, office)
    assert "/login/" not in page.url and "/verify/" not in page.url
    body = page.inner_text("main")
    assert "127.0.0.1" in body
    s.screenshot("login-security-signed-in")

    # Idle: the warning first; staying signed in restarts the count.
    warning = page.locator("[data-testid=session-warning]")
    warning.wait_for(state="visible", timeout=12000)
    s.screenshot("login-security-idle-warning")
    page.click("[data-testid=session-stay]")
    warning.wait_for(state="hidden", timeout=3000)
    # Then, left alone, the session ends and the sign-in page says why.
    warning.wait_for(state="visible", timeout=12000)
    page.wait_for_url("**/login/**", timeout=20000)
    assert "无操作" in page.inner_text("main")
    s.screenshot("login-security-idle-signed-out")

    # One session per account: a sign-in in another browser ends this one.
    settings.SECURITY_IDLE_TIMEOUT_SECONDS = None
    page = _sign_in_with_code(s, office)
    assert "/login/" not in page.url
    elsewhere = session_factory()
    other = _sign_in_with_code(elsewhere, office)
    assert "/login/" not in other.url
    elsewhere.screenshot("login-security-elsewhere")
    page.goto("/ledger/")
    page.wait_for_url("**/login/**")
    assert "在别处登录" in page.inner_text("main")
    s.screenshot("login-security-ended-elsewhere")
    other.goto("/ledger/")
    assert "/ledger/" in other.url
    assert not s.foreign_requests() and not elsewhere.foreign_requests()


def test_the_administrator_reads_and_saves_the_security_policy(session_factory: Any) -> None:
    from demo.organization_demo import ORG_NAME
    from organization.models import Organization
    from security.models import SecurityPolicy

    s = session_factory()
    page = s.login("admin")
    page.click("[data-testid=user-menu]")
    page.click("a.dropdown-item[href='/security/policy/']")
    page.wait_for_selector("[data-testid=policy-relaxed]")
    assert "第二因子" in page.inner_text("[data-testid=policy-relaxed]")
    s.screenshot("login-security-policy")
    page.fill("#id_idle_timeout_minutes", "200")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "120" in page.inner_text("main")  # the bound is named in the message
    page.fill("#id_idle_timeout_minutes", "15")
    page.click("main button[type=submit]")
    page.wait_for_selector(".alert-success")
    org = Organization.objects.get(name=ORG_NAME)
    policy = SecurityPolicy.objects.unscoped("test assertion").get(organization=org)
    assert policy.idle_timeout_minutes == 15
    assert not policy.second_factor_required  # the rendered form kept what it showed

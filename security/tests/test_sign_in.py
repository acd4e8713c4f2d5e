"""Sign-in with a second factor, idle timeout, one session per account, lockout from the
policy, the policy page, and every sign-in event in the audit trail."""

from __future__ import annotations

import html
import time
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from security import selectors
from security.middleware import SEEN_KEY
from security.models import SecurityPolicy
from security.tests.helpers import (
    PASSWORD,
    client_in,
    code_for,
    events,
    said,
    set_policy,
    sign_in,
    signed_in,
)

LANGS = ["en", "zh-hans"]


@pytest.fixture(autouse=True)
def no_lockouts(db: Any) -> Any:
    from axes.utils import reset

    reset()
    yield
    reset()


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _enrol(client: Any) -> str:
    """Enrol an authenticator app through the page, as a person does; return its secret."""
    page = client.get(reverse("security:two_factor"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    key = client.session["security_enrol_key"]
    done = client.post(reverse("security:two_factor"), {"token": code_for(key)})
    assert done.status_code == 302
    return str(key)


# --- the audit trail -------------------------------------------------------------------------


def test_sign_in_sign_out_and_a_wrong_password_are_events_of_the_account(world: Any) -> None:
    branch1 = world.user("branch1")
    client = client_in()
    assert sign_in(client, "branch1", "wrong-password").status_code == 200
    assert sign_in(client, "branch1").status_code == 302
    client.post(reverse("logout"))
    assert [e.after for e in events("sign_in_failed", branch1)] == [{"ip": "127.0.0.1"}]
    assert [e.after for e in events("sign_in", branch1)] == [{"ip": "127.0.0.1"}]
    assert len(events("sign_out", branch1)) == 1


@override_settings(AXES_ENABLED=True)
def test_the_lockout_limit_is_the_policys_and_the_lockout_is_an_event(world: Any) -> None:
    set_policy(world.org, lockout_limit=3)
    client = client_in()
    assert sign_in(client, "branch1", "wrong").status_code == 200
    assert sign_in(client, "branch1", "wrong").status_code == 200
    assert sign_in(client, "branch1", "wrong").status_code == 429
    assert sign_in(client, "branch1").status_code == 429
    assert events("lockout", world.user("branch1"))


@pytest.mark.parametrize("lang", LANGS)
def test_the_last_sign_in_time_and_place_are_shown_at_sign_in(world: Any, lang: str) -> None:
    first = client_in(lang)
    sign_in(first, "branch1")
    again = client_in(lang)
    response = again.post(
        reverse("login"), {"username": "branch1", "password": PASSWORD}, follow=True
    )
    text = _text(response)
    prefix = said(lang, "Your last sign-in: %(when)s from %(ip)s.").split("%(when)s")[0]
    assert prefix in text and "127.0.0.1" in text


# --- the second factor -----------------------------------------------------------------------


def test_an_enrolled_account_gives_its_code_after_the_password(world: Any) -> None:
    office = world.user("office")
    client = client_in()
    sign_in(client, "office")
    key = _enrol(client)
    assert TOTPDevice.objects.filter(user=office, confirmed=True).count() == 1
    assert events("second_factor_enrol", office)
    client.post(reverse("logout"))

    client = client_in()
    response = sign_in(client, "office")
    assert response["Location"] == reverse("security:verify")
    assert not signed_in(client)
    wrong = client.post(reverse("security:verify"), {"token": "000000"})
    assert wrong.status_code == 400
    assert said("en", "The code is not correct. Check the time on your phone.") in _text(wrong)
    assert events("second_factor_failed", office)
    # A right code at once is refused too: codes are throttled after a failure.
    hurried = client.post(reverse("security:verify"), {"token": code_for(key, drift=1)})
    assert hurried.status_code == 400
    assert "wait a few seconds" in _text(hurried)
    time.sleep(2.1)
    # The code of the next time step, as a phone a little ahead shows it.
    done = client.post(reverse("security:verify"), {"token": code_for(key, drift=1)})
    assert done.status_code == 302 and signed_in(client)


def test_too_many_wrong_codes_end_the_sign_in(world: Any) -> None:
    set_policy(world.org, lockout_limit=3)
    client = client_in()
    sign_in(client, "office")
    _enrol(client)
    client = client_in()
    sign_in(client, "office")
    for _ in range(2):
        assert client.post(reverse("security:verify"), {"token": "000000"}).status_code == 400
    assert client.post(reverse("security:verify"), {"token": "000000"})["Location"] == reverse(
        "login"
    )
    assert client.get(reverse("security:verify"))["Location"] == reverse("login")


@pytest.mark.parametrize("lang", LANGS)
def test_the_office_must_enrol_when_the_policy_requires_it(world: Any, lang: str) -> None:
    set_policy(world.org, second_factor_required=True)
    client = client_in(lang)
    sign_in(client, "office")
    assert client.get(reverse("ledger:ledger"))["Location"] == reverse("security:two_factor")
    page = client.get(reverse("security:two_factor"))
    assert said(
        lang, "Your role requires a second factor. Enrol an authenticator app to continue."
    ) in _text(page)
    _enrol(client)
    assert client.get(reverse("ledger:ledger")).status_code == 200
    # Branch secretaries are not required to, unless the policy says everyone.
    other = client_in(lang)
    sign_in(other, "branch1")
    assert other.get(reverse("ledger:ledger")).status_code == 200


def test_removing_the_app_is_an_event_and_the_requirement_returns(world: Any) -> None:
    set_policy(world.org, second_factor_required=True)
    office = world.user("office")
    client = client_in()
    sign_in(client, "office")
    _enrol(client)
    assert client.post(reverse("security:two_factor_remove")).status_code == 302
    assert not TOTPDevice.objects.filter(user=office).exists()
    assert events("second_factor_remove", office)
    assert client.get(reverse("home"))["Location"] == reverse("security:two_factor")


def test_a_wrong_code_enrols_nothing(world: Any) -> None:
    client = client_in()
    sign_in(client, "branch1")
    client.get(reverse("security:two_factor"))
    key = client.session["security_enrol_key"]
    wrong = "000000" if code_for(key) != "000000" else "111111"
    assert client.post(reverse("security:two_factor"), {"token": wrong}).status_code == 400
    assert not TOTPDevice.objects.filter(user=world.user("branch1")).exists()


# --- sessions --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_an_idle_session_ends_with_a_message(world: Any, lang: str) -> None:
    set_policy(world.org, idle_timeout_minutes=5)
    client = client_in(lang)
    sign_in(client, "branch1")
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[SEEN_KEY] = int(time.time()) - 301
    session.save()
    response = client.get(reverse("ledger:ledger"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not signed_in(client)
    page = client.get(response["Location"])
    message = said(
        lang, "You were signed out after %(minutes)d minutes without activity.", {"minutes": 5}
    )
    assert message in _text(page)
    assert events("sign_out", world.user("branch1"))[-1].message == "idle timeout"


def test_activity_keeps_the_session(world: Any) -> None:
    set_policy(world.org, idle_timeout_minutes=5)
    client = client_in()
    sign_in(client, "branch1")
    session = client.session
    session[SEEN_KEY] = int(time.time()) - 200
    session.save()
    assert client.post(reverse("security:ping")).status_code == 200
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("lang", LANGS)
def test_a_second_sign_in_ends_the_first_when_the_policy_says_so(world: Any, lang: str) -> None:
    set_policy(world.org, single_session=True)
    first, second = client_in(lang), client_in(lang)
    sign_in(first, "branch1")
    assert first.get(reverse("home")).status_code == 200
    sign_in(second, "branch1")
    assert second.get(reverse("home")).status_code == 200
    gone = first.get(reverse("home"))
    assert gone.status_code == 302 and not signed_in(first)
    page = first.get(gone["Location"])
    assert said(lang, "You were signed out because your account signed in elsewhere.") in _text(
        page
    )
    assert events("session_ended", world.user("branch1"))


def test_without_the_rule_two_sessions_live_side_by_side(world: Any) -> None:
    first, second = client_in(), client_in()
    sign_in(first, "branch1")
    sign_in(second, "branch1")
    assert first.get(reverse("home")).status_code == 200
    assert second.get(reverse("home")).status_code == 200


# --- the policy page -------------------------------------------------------------------------


def _policy_form(**changes: Any) -> dict[str, Any]:
    from security.services import POLICY_FIELDS

    base = SecurityPolicy()
    data: dict[str, Any] = {}
    for name in POLICY_FIELDS:
        value = getattr(base, name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    data.update(changes)
    return data


@pytest.mark.parametrize("lang", LANGS)
def test_the_policy_stays_within_its_bounds(world: Any, lang: str) -> None:
    client = client_in(lang)
    client.force_login(world.user("admin"))
    refused = client.post(reverse("security:policy"), _policy_form(min_length="4"))
    assert refused.status_code == 400
    with_message = said(lang, "Ensure this value is greater than or equal to %(limit_value)s.")
    assert with_message % {"limit_value": 8} in _text(refused)
    saved = client.post(reverse("security:policy"), _policy_form(min_length="12"))
    assert saved.status_code == 302
    assert selectors.policy_of(world.org).min_length == 12
    change = events("security_policy_change")[-1]
    assert change.after["min_length"] == 12


def test_the_demo_policy_page_says_what_is_relaxed(world: Any) -> None:
    client = client_in()
    client.force_login(world.user("admin"))
    page = _text(client.get(reverse("security:policy")))
    assert "A second factor is not required of the administrators and the office" in page
    assert client_in().get(reverse("security:policy")).status_code == 302
    office = client_in()
    office.force_login(world.user("office"))
    assert office.get(reverse("security:policy")).status_code == 403


# --- the self-check --------------------------------------------------------------------------


def test_the_self_check_reports_the_relaxed_demo_and_the_missing_enrolments(world: Any) -> None:
    items = selectors.password_policy_check(world.org)
    assert [i.holds for i in items if i.requirement == "Forced password change"] == [False]
    coverage = selectors.second_factor_coverage(world.org)
    assert coverage[0].holds is False  # not required in the demo
    assert coverage[1].holds is False and "office" not in coverage[1].detail
    # The three administrators are counted with the office.
    assert coverage[1].setting.endswith(f"/{len(_privileged(world))}")
    # Registered: the audit administrator's self-check lists them.
    from core.selfcheck import run_checks

    listed = {i.requirement for i in run_checks(world.org)}
    assert {i.requirement for i in items + coverage} <= listed
    set_policy(world.org, second_factor_required=True, force_password_change=True)
    assert all(i.holds for i in selectors.password_policy_check(world.org))


def _privileged(world: Any) -> list[Any]:
    from organization.models import Person
    from organization.policy import administrators_and_office_q

    people = Person.objects.filter(organization=world.org, user__is_active=True)
    found = list(people.filter(administrators_and_office_q()))
    assert {"admin", "secadmin", "auditor", "office"} <= {p.user.username for p in found}
    return found


def test_an_account_without_a_person_reaches_no_guarded_page(world: Any) -> None:
    bare = get_user_model().objects.create_user("bare2", password="x")
    client = client_in()
    client.force_login(bare)
    assert client.get(reverse("security:policy")).status_code == 403


@pytest.mark.parametrize("lang", LANGS)
def test_the_audit_log_names_the_sign_in_events(world: Any, lang: str) -> None:
    sign_in(client_in(), "branch1", "wrong-password")
    sign_in(client_in(), "branch1")
    reader = client_in(lang)
    reader.force_login(world.user("admin"))
    page = _text(reader.get(reverse("ledger:audit_log")))
    assert said(lang, "Signed in") in page
    assert said(lang, "Failed sign-in") in page


def test_the_administrator_removes_the_app_of_someone_who_lost_their_phone(world: Any) -> None:
    office = world.user("office")
    client = client_in()
    sign_in(client, "office")
    _enrol(client)
    person_pk = office.person.pk
    url = reverse("security:person_second_factor_remove", args=[person_pk])
    # The office may not remove another person's app, nor is it offered the page.
    other = client_in()
    other.force_login(world.user("branch1"))
    assert other.post(url).status_code == 403
    admin = client_in()
    admin.force_login(world.user("admin"))
    page = _text(admin.get(reverse("security:policy")))
    assert office.person.name in page and url in page
    assert admin.post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=office).exists()
    removal = events("second_factor_remove", office)[-1]
    assert removal.actor_id == world.user("admin").pk

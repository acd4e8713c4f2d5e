"""Single sign-on through CAS, OpenID Connect and LDAP, against identity services the tests
start: the identity names an existing person, who lands on the home page signed in and audited;
an identity that names nobody (or a disabled account) gets the page that says whom to ask, and
no account is made."""

from __future__ import annotations

import html
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from organization.models import Person
from security.tests.helpers import (
    client_in,
    code_for,
    events,
    said,
    set_policy,
    sign_in,
    signed_in,
)
from sso.tests import servers

LANGS = ["en", "zh-hans"]
UNKNOWN_HEADING = "You are not yet a user of this platform"
DISABLED_HEADING = "Your account on this platform is disabled"
LDAP_PASSWORD = "Directory-pass-1"


@pytest.fixture(autouse=True)
def no_lockouts(db: Any) -> Any:
    from axes.utils import reset

    reset()
    yield
    reset()


def _backends(*extra: str) -> list[str]:
    return [*settings.AUTHENTICATION_BACKENDS, *extra]


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _person(world: Any, username: str, **fields: Any) -> Any:
    person = Person.objects.unscoped("test set-up").get(user__username=username)
    for name, value in fields.items():
        setattr(person, name, value)
    person.save()
    return person


def walk(client: Any, response: Any) -> Any:
    """Follow redirects as a browser does: the identity service's by HTTP (it is a real
    server), the platform's through the test client."""
    for _ in range(12):
        if response.status_code not in (301, 302):
            return response
        location = response["Location"]
        if urlsplit(location).port is not None:
            answer = requests.get(location, allow_redirects=False, timeout=5)
            assert answer.status_code == 302, answer.text
            location = answer.headers["Location"]
        response = client.get(location)
    raise AssertionError("too many redirects")


def _landed_home(response: Any) -> bool:
    return response.status_code == 200 and response.request["PATH_INFO"] == reverse("home")


# --- CAS --------------------------------------------------------------------------------------


@pytest.fixture
def cas() -> Iterator[Any]:
    with (
        servers.cas_server() as server,
        override_settings(
            CAS_SERVER_URL=server.url,
            CAS_VERSION="3",
            SSO_CAS_ATTRIBUTE="employeeNumber",
            SSO_MATCH_ATTRIBUTE="employee_number",
            AUTHENTICATION_BACKENDS=_backends("sso.backends.CASBackend"),
        ),
    ):
        yield server


@pytest.mark.parametrize("lang", LANGS)
def test_the_sign_in_page_offers_the_unified_identity_service_when_cas_is_configured(
    world: Any, cas: Any, lang: str
) -> None:
    page = client_in(lang).get(reverse("login") + "?next=/ledger/")
    assert said(lang, "Sign in with the unified identity service") in _text(page)
    assert 'data-testid="sso-cas"' in page.content.decode()


def test_without_settings_there_is_no_button_and_the_way_out_is_not_found(world: Any) -> None:
    client = client_in()
    assert "sso-" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("sso:cas_login")).status_code == 404
    assert client.get(reverse("sso:oidc_login")).status_code == 404
    assert client.get(reverse("sso:oidc_callback")).status_code == 404


def test_cas_signs_in_the_person_with_the_employee_number_and_lands_home(
    world: Any, cas: Any
) -> None:
    person = _person(world, "branch1", employee_number="T1001")
    cas.user, cas.attributes = "zhangsan", {"employeeNumber": "T1001"}
    client = client_in()
    page = walk(client, client.get(reverse("sso:cas_login")))
    assert _landed_home(page)
    assert client.session["_auth_user_id"] == str(person.user_id)
    assert cas.validations == 1
    assert [e.after for e in events("sign_in", person.user)] == [{"ip": "127.0.0.1"}]
    assert said("en", "Welcome: this is your first sign-in.") in _text(page)


def test_cas_returns_to_the_page_asked_for(world: Any, cas: Any) -> None:
    _person(world, "branch1", employee_number="T1001")
    cas.user, cas.attributes = "zhangsan", {"employeeNumber": "T1001"}
    client = client_in()
    page = walk(client, client.get(reverse("sso:cas_login") + "?next=/ledger/"))
    assert page.status_code == 200 and page.request["PATH_INFO"] == "/ledger/"


@pytest.mark.parametrize("lang", LANGS)
def test_cas_refuses_an_identity_of_nobody_here_with_the_page_that_says_whom_to_ask(
    world: Any, cas: Any, lang: str
) -> None:
    accounts = get_user_model().objects.count()
    cas.user, cas.attributes = "newcomer", {"employeeNumber": "T9999"}
    client = client_in(lang)
    page = walk(client, client.get(reverse("sso:cas_login")))
    assert page.status_code == 403
    assert said(lang, UNKNOWN_HEADING) in _text(page)
    assert not signed_in(client)
    assert get_user_model().objects.count() == accounts


def test_cas_refuses_a_disabled_account_and_records_the_attempt(world: Any, cas: Any) -> None:
    person = _person(world, "branch1", employee_number="T1001")
    person.user.is_active = False
    person.user.save()
    cas.user, cas.attributes = "zhangsan", {"employeeNumber": "T1001"}
    client = client_in()
    page = walk(client, client.get(reverse("sso:cas_login")))
    assert page.status_code == 403 and said("en", DISABLED_HEADING) in _text(page)
    assert not signed_in(client)
    assert len(events("sign_in_failed", person.user)) == 1
    assert not events("sign_in", person.user)


def test_a_ticket_the_cas_server_does_not_vouch_for_signs_nobody_in(world: Any, cas: Any) -> None:
    client = client_in()
    page = client.get(reverse("sso:cas_login") + "?ticket=ST-forged", follow=True)
    assert page.request["PATH_INFO"] == reverse("login")
    assert said(
        "en", "The sign-in through the unified identity service did not succeed. Try again."
    ) in _text(page)
    assert not signed_in(client)


def test_an_administrator_whose_policy_asks_a_code_gives_it_after_cas(world: Any, cas: Any) -> None:
    person = _person(world, "office", employee_number="T2002")
    set_policy(person.organization, second_factor_required=True)
    device = TOTPDevice.objects.create(user=person.user, name="TOTP", confirmed=True)
    cas.user, cas.attributes = "office", {"employeeNumber": "T2002"}
    client = client_in()
    response = client.get(reverse("sso:cas_login"))
    answer = requests.get(response["Location"], allow_redirects=False, timeout=5)
    response = client.get(answer.headers["Location"])
    assert response.status_code == 302 and response["Location"] == reverse("security:verify")
    assert not signed_in(client)
    page = client.post(reverse("security:verify"), {"token": code_for(device.key)}, follow=True)
    assert _landed_home(page) and signed_in(client)
    assert len(events("sign_in", person.user)) == 1


def test_without_the_policy_asking_no_code_is_asked_after_cas(world: Any, cas: Any) -> None:
    person = _person(world, "branch1", employee_number="T1001")
    set_policy(person.organization, second_factor_required=False)
    TOTPDevice.objects.create(user=person.user, name="TOTP", confirmed=True)
    cas.user, cas.attributes = "zhangsan", {"employeeNumber": "T1001"}
    client = client_in()
    assert _landed_home(walk(client, client.get(reverse("sso:cas_login"))))
    with override_settings(SSO_SECOND_FACTOR=True):
        again = client_in()
        response = walk(again, again.get(reverse("sso:cas_login")))
        assert response.request["PATH_INFO"] == reverse("security:verify")


def test_a_cas_sign_in_owes_no_change_of_a_local_password_it_did_not_use(
    world: Any, cas: Any
) -> None:
    person = _person(world, "branch1", employee_number="T1001")
    set_policy(person.organization, force_password_change=True)
    by_password = client_in()
    sign_in(by_password, "branch1")
    assert by_password.get(reverse("home"))["Location"] == reverse("password_change")
    cas.user, cas.attributes = "zhangsan", {"employeeNumber": "T1001"}
    client = client_in()
    assert _landed_home(walk(client, client.get(reverse("sso:cas_login"))))


def test_one_session_per_account_holds_for_cas_sign_ins(world: Any, cas: Any) -> None:
    person = _person(world, "branch1", employee_number="T1001")
    set_policy(person.organization, single_session=True)
    cas.user, cas.attributes = "zhangsan", {"employeeNumber": "T1001"}
    first, second = client_in(), client_in()
    assert _landed_home(walk(first, first.get(reverse("sso:cas_login"))))
    assert _landed_home(walk(second, second.get(reverse("sso:cas_login"))))
    assert first.get(reverse("home")).status_code == 302
    assert not signed_in(first)


# --- OpenID Connect ---------------------------------------------------------------------------


@pytest.fixture
def oidc() -> Iterator[Any]:
    with (
        servers.oidc_provider() as provider,
        override_settings(
            **provider.settings(),
            SSO_OIDC_CLAIM="email",
            SSO_MATCH_ATTRIBUTE="email",
            AUTHENTICATION_BACKENDS=_backends("sso.backends.OIDCBackend"),
        ),
    ):
        yield provider


def test_oidc_signs_in_the_person_with_the_email_and_lands_home(world: Any, oidc: Any) -> None:
    user = world.user("liaison1")
    user.email = "liaison1@college.test"
    user.save()
    oidc.claims = {"sub": "u-1", "email": "Liaison1@college.test"}
    client = client_in()
    page = client.get(reverse("login"))
    assert 'data-testid="sso-oidc"' in page.content.decode()
    page = walk(client, client.get(reverse("sso:oidc_login")))
    assert _landed_home(page)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert len(events("sign_in", user)) == 1


@pytest.mark.parametrize("lang", LANGS)
def test_oidc_refuses_an_identity_of_nobody_here(world: Any, oidc: Any, lang: str) -> None:
    accounts = get_user_model().objects.count()
    oidc.claims = {"sub": "u-2", "email": "stranger@elsewhere.test"}
    client = client_in(lang)
    page = walk(client, client.get(reverse("sso:oidc_login")))
    assert page.status_code == 403 and said(lang, UNKNOWN_HEADING) in _text(page)
    assert not signed_in(client)
    assert get_user_model().objects.count() == accounts


def test_oidc_with_rs256_id_tokens_checks_them_against_the_providers_published_key(
    world: Any,
) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    user = world.user("liaison1")
    with servers.oidc_provider() as provider:
        provider.use_rs256()
        with override_settings(
            **provider.settings(),
            SSO_OIDC_CLAIM="preferred_username",
            SSO_MATCH_ATTRIBUTE="username",
            AUTHENTICATION_BACKENDS=_backends("sso.backends.OIDCBackend"),
        ):
            provider.claims = {"sub": "u-3", "preferred_username": "liaison1"}
            client = client_in()
            assert _landed_home(walk(client, client.get(reverse("sso:oidc_login"))))
            assert client.session["_auth_user_id"] == str(user.pk)
            # An ID token signed with any other key is not the provider's.
            provider.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            forged = client_in()
            page = walk(forged, forged.get(reverse("sso:oidc_login")))
            assert page.request["PATH_INFO"] == reverse("login")
            assert not signed_in(forged)
    assert len(events("sign_in", user)) == 1


def test_an_oidc_callback_without_a_login_started_here_signs_nobody_in(
    world: Any, oidc: Any
) -> None:
    client = client_in()
    page = client.get(reverse("sso:oidc_callback") + "?code=abc&state=xyz", follow=True)
    assert page.request["PATH_INFO"] == reverse("login")
    assert not signed_in(client)


# --- LDAP -------------------------------------------------------------------------------------

DIRECTORY = [
    {
        "uid": "branch1",
        "cn": "Branch One",
        "employeeNumber": "T1001",
        "mail": "b1@college.test",
        "password": LDAP_PASSWORD,
    },
    {
        "uid": "newcomer",
        "cn": "New Comer",
        "employeeNumber": "T9999",
        "mail": "new@college.test",
        "password": LDAP_PASSWORD,
    },
]


@pytest.fixture(scope="module")
def directory() -> Iterator[str]:
    if servers.SLAPD is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("slapd is missing: the LDAP sign-in is tested against it")
        pytest.skip("slapd is not installed")
    with servers.slapd(DIRECTORY) as uri:
        yield uri


@pytest.fixture
def ldap(directory: str) -> Iterator[str]:
    import ldap as python_ldap
    from django_auth_ldap.config import LDAPSearch

    with override_settings(
        AUTH_LDAP_SERVER_URI=directory,
        AUTH_LDAP_USER_SEARCH=LDAPSearch(
            servers.LDAP_PEOPLE, python_ldap.SCOPE_SUBTREE, "(uid=%(user)s)"
        ),
        SSO_LDAP_ATTRIBUTE="employeeNumber",
        SSO_MATCH_ATTRIBUTE="employee_number",
        AUTHENTICATION_BACKENDS=[
            settings.AUTHENTICATION_BACKENDS[0],
            "sso.backends.LDAPBackend",
            *settings.AUTHENTICATION_BACKENDS[1:],
        ],
    ):
        yield directory


def test_the_directory_password_signs_in_the_person_and_lands_home(world: Any, ldap: str) -> None:
    person = _person(world, "branch1", employee_number="T1001")
    client = client_in()
    assert 'data-testid="sso-ldap"' in client.get(reverse("login")).content.decode()
    page = client.post(
        reverse("login"), {"username": "branch1", "password": LDAP_PASSWORD}, follow=True
    )
    assert _landed_home(page)
    assert client.session["_auth_user_id"] == str(person.user_id)
    assert len(events("sign_in", person.user)) == 1


def test_a_directory_sign_in_owes_no_change_of_the_local_password(world: Any, ldap: str) -> None:
    person = _person(world, "branch1", employee_number="T1001")
    set_policy(person.organization, force_password_change=True)
    client = client_in()
    page = client.post(
        reverse("login"), {"username": "branch1", "password": LDAP_PASSWORD}, follow=True
    )
    assert _landed_home(page)
    local = client_in()
    sign_in(local, "branch1")
    assert local.get(reverse("home"))["Location"] == reverse("password_change")


def test_a_wrong_directory_password_is_a_wrong_password(world: Any, ldap: str) -> None:
    _person(world, "branch1", employee_number="T1001")
    client = client_in()
    page = sign_in(client, "branch1", "not-the-password")
    assert page.status_code == 200 and 'data-testid="login-error"' in page.content.decode()
    assert not signed_in(client)


@pytest.mark.parametrize("lang", LANGS)
def test_the_directory_vouches_for_nobody_here_and_the_page_says_whom_to_ask(
    world: Any, ldap: str, lang: str
) -> None:
    accounts = get_user_model().objects.count()
    client = client_in(lang)
    page = sign_in(client, "newcomer", LDAP_PASSWORD)
    assert page.status_code == 403 and said(lang, UNKNOWN_HEADING) in _text(page)
    assert not signed_in(client)
    assert get_user_model().objects.count() == accounts


def test_the_administrators_local_password_still_signs_in_beside_the_directory(
    world: Any, ldap: str
) -> None:
    client = client_in()
    assert sign_in(client, "admin").status_code == 302
    assert signed_in(client)


# --- settings ---------------------------------------------------------------------------------


def test_each_method_is_turned_on_by_its_environment_variables_and_off_without_them() -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'backends': s.AUTHENTICATION_BACKENDS, "
        "'search': str(getattr(s, 'AUTH_LDAP_USER_SEARCH', '')), "
        "'match': s.SSO_MATCH_ATTRIBUTE}))"
    )
    root = Path(__file__).resolve().parents[2]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CAS_", "LDAP_", "OIDC_"))}
    base |= {"DJANGO_SETTINGS_MODULE": "config.settings"}

    def configured(**env: str) -> dict[str, Any]:
        out = subprocess.run(
            [sys.executable, "-c", script],
            cwd=root,
            env=base | env,
            capture_output=True,
            text=True,
            check=True,
        )
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))

    off = configured()
    assert not [b for b in off["backends"] if b.startswith("sso.")]
    on = configured(
        CAS_SERVER_URL="https://cas.example.edu.cn/cas/",
        LDAP_SERVER_URI="ldap://ldap.example.edu.cn",
        LDAP_USER_BASE="ou=people,dc=example",
        OIDC_CLIENT_ID="rectify",
        SSO_MATCH_ATTRIBUTE="employee_number",
    )
    assert on["backends"] == [
        "axes.backends.AxesStandaloneBackend",
        "sso.backends.LDAPBackend",
        "django.contrib.auth.backends.ModelBackend",
        "sso.backends.CASBackend",
        "sso.backends.OIDCBackend",
    ]
    assert "ou=people,dc=example" in on["search"]
    assert on["match"] == "employee_number"


def test_a_mistake_in_the_settings_is_reported_by_the_checks() -> None:
    from sso.checks import sso_settings_check

    assert sso_settings_check() == []
    with override_settings(SSO_MATCH_ATTRIBUTE="phone"):
        assert [e.id for e in sso_settings_check()] == ["sso.E001"]
    with override_settings(OIDC_RP_CLIENT_ID="rectify", OIDC_RP_SIGN_ALGO="RS256"):
        (error,) = sso_settings_check()
        assert error.id == "sso.E002" and "OIDC_OP_JWKS_ENDPOINT" in error.msg
    with override_settings(AUTH_LDAP_SERVER_URI="ldap://ldap.example.edu.cn"):
        assert [e.id for e in sso_settings_check()] == ["sso.E003"]

"""Password rules of the organization's policy: history, expiry, forced change; every message
in both languages."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from organization import services as org_services
from organization.models import Person
from security.models import AccountSecurity
from security.tests.helpers import (
    PASSWORD,
    client_in,
    events,
    said,
    set_policy,
    sign_in,
    signed_in,
)

LANGS = ["en", "zh-hans"]
NEW = "Qingshui-Hebian-2031"
NEWER = "Yunshan-Shuiyuan-2032"


def _change(client: Any, old: str, new: str) -> Any:
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


# --- history ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_recent_password_cannot_be_chosen_again(world: Any, lang: str) -> None:
    set_policy(world.org, history_count=5)
    client = client_in(lang)
    assert sign_in(client, "branch1").status_code == 302
    assert _change(client, PASSWORD, NEW).status_code == 302
    refused = _change(client, NEW, PASSWORD)
    assert refused.status_code == 200
    message = said(
        lang,
        "This password was used recently; choose one different from the last %(n)d.",
        {"n": 5},
        plural="This password was used recently; choose one different from the last %(n)d.",
        n=5,
    )
    assert message in _text(refused)
    if lang == "zh-hans":
        assert "最近" in message
    assert _change(client, NEW, NEWER).status_code == 302


def test_with_no_history_kept_an_old_password_may_come_back(world: Any) -> None:
    set_policy(world.org, history_count=0)
    client = client_in()
    sign_in(client, "branch1")
    assert _change(client, PASSWORD, NEW).status_code == 302
    assert _change(client, NEW, PASSWORD).status_code == 302


@pytest.mark.parametrize("lang", LANGS)
def test_a_password_of_too_few_character_classes_is_refused(world: Any, lang: str) -> None:
    set_policy(world.org, min_classes=3, min_length=12)
    client = client_in(lang)
    sign_in(client, "branch1")
    refused = _change(client, PASSWORD, "qingshuihebian")
    assert refused.status_code == 200
    body = _text(refused)
    assert (
        said(
            lang,
            "The password must mix at least %(n)d of: capital letters, small letters, digits, "
            "other characters.",
            {"n": 3},
        )
        in body
    )
    short = _change(client, PASSWORD, "Qs-2031-ab")
    assert said(
        lang,
        "The password must have at least %(n)d character.",
        {"n": 12},
        plural="The password must have at least %(n)d characters.",
        n=12,
    ) in _text(short)


# --- expiry ----------------------------------------------------------------------------------


def _age_password(username: str, days: float) -> None:
    user = get_user_model().objects.get(username=username)
    AccountSecurity.objects.filter(user=user).update(
        password_changed_at=timezone.now() - dt.timedelta(days=days)
    )


@pytest.mark.parametrize("lang", LANGS)
def test_an_expired_password_must_be_changed_before_anything_else(world: Any, lang: str) -> None:
    set_policy(world.org, expiry_days=30)
    _age_password("branch1", 31)
    client = client_in(lang)
    assert sign_in(client, "branch1").status_code == 302
    ledger = client.get(reverse("ledger:ledger"))
    assert ledger.status_code == 302 and ledger["Location"] == reverse("password_change")
    page = client.get(reverse("password_change"))
    assert said(lang, "Your password has expired. Choose a new one to continue.") in _text(page)
    assert _change(client, PASSWORD, NEW).status_code == 302
    assert client.get(reverse("ledger:ledger")).status_code == 200
    assert events("password_change", get_user_model().objects.get(username="branch1"))


@pytest.mark.parametrize("lang", LANGS)
def test_a_password_about_to_expire_is_announced_at_sign_in(world: Any, lang: str) -> None:
    set_policy(world.org, expiry_days=30, expiry_warning_days=7)
    _age_password("branch1", 25)
    client = client_in(lang)
    response = client.post(
        reverse("login"), {"username": "branch1", "password": PASSWORD}, follow=True
    )
    text = _text(response)
    warning = said(lang, "Your password expires in %(days)d days; change it soon.", {"days": 5})
    assert warning in text
    # Still usable: the warning asks, it does not force.
    assert client.get(reverse("ledger:ledger")).status_code == 200


def test_a_password_outside_the_warning_period_is_not_announced(world: Any) -> None:
    set_policy(world.org, expiry_days=30, expiry_warning_days=7)
    _age_password("branch1", 10)
    client = client_in()
    response = client.post(
        reverse("login"), {"username": "branch1", "password": PASSWORD}, follow=True
    )
    assert "expires in" not in _text(response)


# --- forced change ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_password_reset_by_an_administrator_is_changed_at_the_next_sign_in(
    world: Any, lang: str
) -> None:
    set_policy(world.org, force_password_change=True)
    admin = world.user("admin")
    person = Person.objects.unscoped("test set-up").get(user__username="branch1")
    org_services.person_set_password(actor=admin, person=person, password=NEW)
    client = client_in(lang)
    assert sign_in(client, "branch1", NEW).status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == reverse("password_change")
    page = client.get(reverse("password_change"))
    assert said(
        lang, "An administrator set your password. Choose your own before you continue."
    ) in _text(page)
    # The administrator's password may not simply be kept.
    assert _change(client, NEW, NEW).status_code == 200
    assert _change(client, NEW, NEWER).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    user = person.user
    assert [e.action for e in events("password_change", user)] == ["password_change"]
    assert events("password_reset")


def test_a_new_account_changes_its_password_at_first_sign_in(world: Any) -> None:
    set_policy(world.org, force_password_change=True)
    user = get_user_model().objects.create_user("newcomer", password=NEW)
    Person.objects.create(user=user, organization=world.org, name="新同事")
    client = client_in()
    assert sign_in(client, "newcomer", NEW).status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse("password_change")
    assert _change(client, NEW, NEWER).status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_the_demo_policy_forces_no_change(world: Any) -> None:
    """The demo college keeps its shared demo password (its policy says so on the page)."""
    client = client_in()
    sign_in(client, "branch1")
    assert signed_in(client)
    assert client.get(reverse("home")).status_code == 200

"""Shared steps of the login security tests: signing in through the form, the policy, codes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

PASSWORD = "Rectify-2021"


def client_in(lang: str = "en") -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


def sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def said(lang: str, msgid: str, params: Any = None, plural: str | None = None, n: int = 1) -> str:
    """The message as the product says it in `lang`."""
    with translation.override(lang):
        text = ngettext(msgid, plural, n) if plural else gettext(msgid)
    return text % params if params is not None else text


def set_policy(org: Any, **fields: Any) -> Any:
    from security.models import SecurityPolicy

    policy, _created = SecurityPolicy.objects.unscoped("test set-up").get_or_create(
        organization=org
    )
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.save()
    return policy


def code_for(key_hex: str, *, drift: int = 0) -> str:
    """The six-digit TOTP code an authenticator app shows now for the secret."""
    from django_otp.oath import TOTP

    return f"{TOTP(bytes.fromhex(key_hex), drift=drift).token():06d}"


def events(action: str, user: Any = None) -> list[Any]:
    from core.models import AuditEvent

    qs = AuditEvent.objects.unscoped("test assertion").filter(action=action)
    if user is not None:
        qs = qs.filter(object_type="auth.user", object_id=user.pk)
    return list(qs.order_by("seq"))

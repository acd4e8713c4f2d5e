"""Reads of single sign-on: which account an identity from the college's identity service
names, and which sign-on methods are configured."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured

from organization.models import Person

ATTRIBUTES = ("employee_number", "username", "email")
UNKNOWN = "unknown"
INACTIVE = "inactive"


@dataclass(frozen=True)
class Match:
    """The account an identity names, or why there is none (`UNKNOWN`, `INACTIVE`)."""

    user: Any = None
    refused: str | None = None


def match_attribute() -> str:
    attribute = settings.SSO_MATCH_ATTRIBUTE
    if attribute not in ATTRIBUTES:
        raise ImproperlyConfigured(
            f"SSO_MATCH_ATTRIBUTE must be one of {', '.join(ATTRIBUTES)}, not {attribute!r}."
        )
    return str(attribute)


def account_for_identity(value: Any) -> Match:
    """The one existing person's account the identity names by SSO_MATCH_ATTRIBUTE.

    Unscoped by necessity: nobody is signed in yet, and the identity service has vouched for the
    identity. Only people of the platform (an account with a Person) match; an identity that
    names none, or names more than one, is unknown; a deactivated account is refused.
    """
    if isinstance(value, list | tuple):
        value = value[0] if len(value) == 1 else None
    value = str(value or "").strip()
    if not value:
        return Match(refused=UNKNOWN)
    attribute = match_attribute()
    people = Person.objects.unscoped("sign-in: nobody is signed in yet").select_related("user")
    if attribute == "employee_number":
        people = people.filter(employee_number=value)
    elif attribute == "username":
        people = people.filter(**{f"user__{get_user_model().USERNAME_FIELD}": value})
    else:
        people = people.filter(user__email__iexact=value)
    found = list(people[:2])
    if len(found) != 1:
        return Match(refused=UNKNOWN)
    user = found[0].user
    if not user.is_active:
        return Match(user=user, refused=INACTIVE)
    return Match(user=user)


def cas_enabled() -> bool:
    return bool(settings.CAS_SERVER_URL)


def oidc_enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID)


def ldap_enabled() -> bool:
    return bool(settings.AUTH_LDAP_SERVER_URI)

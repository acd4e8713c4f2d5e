"""Permission matrix cases of single sign-on's URLs: public ways out to the identity service
and back. The matrix runs without an identity service configured, where they are not found;
tests/test_sign_on.py signs in through each against its own server."""

from __future__ import annotations

from django.urls import reverse

from tests.matrix import ADMINS, EVERYONE, Case, roles

EVERY_ACCOUNT = (*EVERYONE, *ADMINS)
NAMES = ("sso:cas_login", "sso:oidc_login", "sso:oidc_callback")


def _cases() -> list[Case]:
    cases = []
    for name in NAMES:
        cases.append(
            Case(
                name,
                lambda w, name=name: reverse(name),
                roles(*EVERY_ACCOUNT, status=404),
                default=404,
                anonymous=404,
                public=True,
                note="not configured",
            )
        )
        # Only GET: the services send the browser back with a GET.
        cases.append(
            Case(
                name,
                lambda w, name=name: reverse(name),
                roles(*EVERY_ACCOUNT, status=405),
                default=405,
                method="post",
                anonymous=405,
                public=True,
                stranger=405,
                changes=(),
            )
        )
    return cases


CASES = _cases()

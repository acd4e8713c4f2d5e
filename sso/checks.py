"""Start-up checks of the single sign-on settings: a mistake is reported by `manage.py check`
(and at every start), not by a failed sign-in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from sso.selectors import ATTRIBUTES


@register()
def sso_settings_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    if settings.SSO_MATCH_ATTRIBUTE not in ATTRIBUTES:
        errors.append(
            Error(
                f"SSO_MATCH_ATTRIBUTE is {settings.SSO_MATCH_ATTRIBUTE!r}.",
                hint=f"Use one of: {', '.join(ATTRIBUTES)}.",
                id="sso.E001",
            )
        )
    if settings.OIDC_RP_CLIENT_ID:
        missing = [
            name
            for name in (
                "OIDC_OP_AUTHORIZATION_ENDPOINT",
                "OIDC_OP_TOKEN_ENDPOINT",
                "OIDC_OP_USER_ENDPOINT",
            )
            if not getattr(settings, name, "")
        ]
        if settings.OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")) and not getattr(
            settings, "OIDC_OP_JWKS_ENDPOINT", None
        ):
            missing.append("OIDC_OP_JWKS_ENDPOINT")
        if missing:
            errors.append(
                Error(
                    "OpenID Connect is on (OIDC_CLIENT_ID) but not configured: "
                    + ", ".join(missing)
                    + ".",
                    hint="See docs/sso.md.",
                    id="sso.E002",
                )
            )
    finds_people = getattr(settings, "AUTH_LDAP_USER_SEARCH", None) or getattr(
        settings, "AUTH_LDAP_USER_DN_TEMPLATE", None
    )
    if settings.AUTH_LDAP_SERVER_URI and not finds_people:
        errors.append(
            Error(
                "LDAP is on (LDAP_SERVER_URI) but LDAP_USER_BASE is not set.",
                hint="See docs/sso.md.",
                id="sso.E003",
            )
        )
    return errors

"""The sign-in page's single sign-on buttons: one for each configured identity service."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from sso import selectors

register = template.Library()


@register.inclusion_tag("sso/buttons.html")
def sso_buttons(next_url: str = "") -> dict[str, Any]:
    query = "?" + urlencode({"next": next_url}) if next_url else ""
    buttons = []
    if selectors.cas_enabled():
        buttons.append(
            {
                "key": "cas",
                "label": _("Sign in with the unified identity service"),
                "url": reverse("sso:cas_login") + query,
            }
        )
    if selectors.oidc_enabled():
        buttons.append(
            {
                "key": "oidc",
                "label": _("Sign in with OpenID Connect")
                if buttons
                else _("Sign in with the unified identity service"),
                "url": reverse("sso:oidc_login") + query,
            }
        )
    return {"buttons": buttons, "ldap": selectors.ldap_enabled()}

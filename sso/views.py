"""Thin views of single sign-on: the way out to the college's identity service and the way
back. Signing in then follows the password's path (security.views.sign_in_by_identity)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_cas_ng.utils import get_cas_client
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from security import selectors as security_selectors
from security.views import identity_refused, sign_in_by_identity
from sso import selectors


def _ask_code(user: Any) -> bool:
    return bool(settings.SSO_SECOND_FACTOR) or security_selectors.second_factor_required(user)


def _failed(request: HttpRequest) -> HttpResponse:
    refused = getattr(request, "identity_refused", None)
    if refused is not None:
        return identity_refused(request, inactive=refused == selectors.INACTIVE)
    messages.error(
        request, _("The sign-in through the unified identity service did not succeed. Try again.")
    )
    return HttpResponseRedirect(reverse("login"))


def _next(request: HttpRequest) -> str:
    target = request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return ""
    return target


@login_not_required
@require_GET
def cas_login(request: HttpRequest) -> HttpResponse:
    """Without a ticket: off to the CAS server. With one: back from it, to be validated."""
    if not selectors.cas_enabled():
        raise Http404
    target = _next(request)
    service = request.build_absolute_uri(reverse("sso:cas_login"))
    if target:
        service += "?" + urlencode({"next": target})
    ticket = request.GET.get("ticket")
    if not ticket:
        return HttpResponseRedirect(get_cas_client(service_url=service).get_login_url())
    try:
        user = authenticate(request, ticket=ticket, service=service)
    except requests.RequestException:
        user = None
    if user is None:
        return _failed(request)
    return sign_in_by_identity(
        request, user, target or reverse(settings.LOGIN_REDIRECT_URL), ask_code=_ask_code(user)
    )


class OIDCStartView(OIDCAuthenticationRequestView):
    """Off to the OpenID Connect provider's authorization endpoint."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not selectors.oidc_enabled():
            raise Http404
        return super().get(request)  # type: ignore[no-any-return]


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider with a code: the backend checks it and names the account."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not selectors.oidc_enabled():
            raise Http404
        try:
            return super().get(request)  # type: ignore[no-any-return]
        except (requests.RequestException, SuspiciousOperation):
            # The provider unreachable, a state of no sign-in begun here, a token that does
            # not verify: no sign-in, and the sign-in page says so.
            return _failed(request)

    def login_success(self) -> HttpResponse:
        user = self.user
        return sign_in_by_identity(self.request, user, self.success_url, ask_code=_ask_code(user))

    def login_failure(self) -> HttpResponse:
        return _failed(self.request)

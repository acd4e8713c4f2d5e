"""Authentication backends of single sign-on. Each asks its identity service who the person is
and then only looks the identity up (sso.selectors.account_for_identity): none creates an
account, changes one, or grants a role. A refusal is left on the request (`identity_refused`)
so that the page can say whom to ask instead of "wrong password"."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django_auth_ldap.backend import LDAPBackend as BaseLDAPBackend
from django_cas_ng.backends import CASBackend as BaseCASBackend
from django_cas_ng.utils import get_cas_client
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from security import services as security_services
from sso import selectors


def matched(request: HttpRequest | None, identity: Any) -> Any:
    """The account of the identity, or None with the reason left on the request."""
    match = selectors.account_for_identity(identity)
    if match.refused is None:
        return match.user
    if request is not None:
        request.identity_refused = match.refused  # type: ignore[attr-defined]
    if match.user is not None:
        # A deactivated account's attempt is an event of that account.
        security_services.failed_sign_in_recorded(username=match.user.username, request=request)
    return None


class CASBackend(BaseCASBackend):
    """CAS: the ticket is validated with the CAS server; its user name (or the attribute
    SSO_CAS_ATTRIBUTE) is the identity."""

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest, ticket: str, service: str
    ) -> Any:
        if not ticket or not service:
            return None
        client = get_cas_client(service_url=service, request=request)
        username, attributes, _pgtiou = client.verify_ticket(ticket)
        if not username:
            return None
        attribute = settings.SSO_CAS_ATTRIBUTE
        identity = (attributes or {}).get(attribute) if attribute else username
        return matched(request, identity)


class LDAPBackend(BaseLDAPBackend):
    """LDAP: the password typed in the sign-in form is checked by binding to the directory;
    the name typed (or the directory attribute SSO_LDAP_ATTRIBUTE) is the identity."""

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[Any, bool]:
        attribute = settings.SSO_LDAP_ATTRIBUTE
        identity = ldap_user.attrs.get(attribute.lower()) if attribute else ldap_user._username
        user = matched(getattr(ldap_user, "_request", None), identity)
        if user is None:
            raise ldap_user.AuthenticationFailed("no person of the platform has this identity")
        # The sign-in form then treats it as the identity service's sign-in: no local
        # password change is owed for it.
        user.by_identity_service = True
        return user, False


class OIDCBackend(OIDCAuthenticationBackend):
    """OpenID Connect: the ID token is verified and the user-info endpoint read; the claim
    SSO_OIDC_CLAIM (from either) is the identity."""

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        claims = dict(payload)
        claims.update(self.get_userinfo(access_token, id_token, payload) or {})
        return matched(self.request, claims.get(settings.SSO_OIDC_CLAIM))

"""Token authentication: `Authorization: Bearer <secret>`. A token is its own authentication;
the browser session (its idle timeout, second factor, CSRF) plays no part."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from api.selectors import token_by_secret
from api.services import token_touch

KEYWORDS = ("bearer", "token")


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as “Authorization: Bearer <token>”."), code="invalid_token"
            )
        try:
            secret = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(
                _("The token is not valid."), code="invalid_token"
            ) from exc
        token = token_by_secret(secret)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                _("The token is not valid."), code="invalid_token"
            )
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                _("The token has been revoked."), code="token_revoked"
            )
        if not token.is_active():
            raise exceptions.AuthenticationFailed(_("The token has expired."), code="token_expired")
        token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token in the OpenAPI schema (a bearer token)."""

    target_class = "api.authentication.PersonalTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "个人访问令牌 (rct_…)"}

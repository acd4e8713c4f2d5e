"""Every API error is JSON: `{"code": "...", "message": "...", "fields": {...}}`; the message in
the language the client asks for (Accept-Language; zh-Hans by default)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from ledger.services import ConcurrentEditError

CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "invalid_token",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
    exceptions.ParseError: "parse_error",
    exceptions.ValidationError: "invalid",
}
MESSAGES = {
    "not_authenticated": lambda: _("Send a personal access token."),
    "permission_denied": lambda: _("You may not do this."),
    "not_found": lambda: _("Not found."),
    "method_not_allowed": lambda: _("This method is not allowed here."),
    "rate_limited": lambda: _("Too many requests; try again later."),
    "invalid": lambda: _("The request is not valid."),
    "parse_error": lambda: _("The request body could not be read."),
    "unsupported_media_type": lambda: _("Send JSON (or multipart for files)."),
    "not_acceptable": lambda: _("Ask for JSON."),
}


def _flat(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {str(k): _flat(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [str(x) if not isinstance(x, (dict, list)) else _flat(x) for x in detail]
    return str(detail)


def _django_validation(exc: DjangoValidationError) -> Response:
    code = "version_conflict" if isinstance(exc, ConcurrentEditError) else None
    if code is None:
        code = getattr(exc, "code", None) or "invalid"
        if hasattr(exc, "error_list") and exc.error_list and exc.error_list[0].code:
            code = exc.error_list[0].code or code
    fields: dict[str, list[str]] = {}
    if hasattr(exc, "error_dict"):
        fields = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    message = " ".join(exc.messages) or MESSAGES["invalid"]()
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    state = status.HTTP_409_CONFLICT if code == "version_conflict" else status.HTTP_400_BAD_REQUEST
    return Response(body, status=state)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        return _django_validation(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    code = next((c for cls, c in CODES.items() if isinstance(exc, cls)), "error")
    # A code given where the error is raised (e.g. "token_expired") is kept; DRF's defaults
    # are replaced by the stable codes above.
    given = exc.get_codes() if not isinstance(exc, exceptions.ValidationError) else None
    if isinstance(given, str) and given != exc.default_code:
        code = given
    body: dict[str, Any] = {"code": code}
    if isinstance(exc, exceptions.ValidationError):
        body["message"] = MESSAGES["invalid"]()
        body["fields"] = _flat(exc.detail)
    elif code in MESSAGES and isinstance(exc, (exceptions.NotFound, exceptions.MethodNotAllowed)):
        body["message"] = MESSAGES[code]()
    else:
        detail = str(exc.detail)
        body["message"] = detail if detail else MESSAGES.get(code, MESSAGES["invalid"])()
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    return Response(body, status=exc.status_code, headers=headers)

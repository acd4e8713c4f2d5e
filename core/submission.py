"""What happens to every POST before its view: knows no domain.

1. The body is read here, so that a damaged or oversized upload (a file name longer than the
   multipart header limit, too many fields, a body over the limit) becomes a message on the form
   the person came from, never a bare "Bad Request (400)".
2. A form that carries a one-time token (`{% submit_once %}` beside `{% csrf_token %}`) is
   handled at most once per person: the view runs in one transaction with the token's row, and
   a repeat of the same token answers with the first result (the same redirect), storing
   nothing. A refused submission (the form shown again) keeps nothing, token included, so it
   can be corrected and sent again.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.multipartparser import MultiPartParserError
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.models import SubmissionToken

FIELD = "_once"
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
_REDIRECTS = (301, 302, 303)


def new_key() -> str:
    return secrets.token_urlsafe(24)


def _unreadable_message(exc: Exception) -> str:
    if isinstance(exc, RequestDataTooBig):
        return _("The form is too large to be sent. Shorten the text or send fewer files.")
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return _("The form holds too many fields or files. Send fewer at once.")
    return _(
        "The upload could not be read: a file name may be too long. "
        "Rename the file (under 100 characters) and try again."
    )


def _back(request: HttpRequest) -> str:
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return request.get_full_path()


class SubmissionMiddleware:
    """Reads every POST body first, and runs token-carrying submissions once."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return self.get_response(request)
        try:
            request.POST  # noqa: B018 - parse now, before any view or CSRF check reads it
            request.FILES  # noqa: B018
        except (
            MultiPartParserError,
            RequestDataTooBig,
            TooManyFieldsSent,
            TooManyFilesSent,
        ) as exc:
            messages.error(request, _unreadable_message(exc))
            return HttpResponseRedirect(_back(request))
        key = request.POST.get(FIELD, "")
        user = getattr(request, "user", None)
        if not _KEY.fullmatch(key) or user is None or not user.is_authenticated:
            return self.get_response(request)
        return self._once(request, key)

    def _once(self, request: HttpRequest, key: str) -> HttpResponse:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    token = SubmissionToken.objects.create(
                        user=request.user, key=key, path=request.path[:300]
                    )
            except IntegrityError:
                first = SubmissionToken.objects.filter(user_id=request.user.pk, key=key).first()
                messages.info(
                    request, _("This form had already been sent; nothing was saved twice.")
                )
                target = first.result_url if first is not None and first.result_url else ""
                return HttpResponseRedirect(target or request.get_full_path())
            response = self.get_response(request)
            if response.status_code in _REDIRECTS and response.has_header("Location"):
                token.result_url = response["Location"][:500]
                token.save(update_fields=["result_url"])
            else:
                # Refused (or failed): keep nothing, so the corrected form can be sent again.
                transaction.set_rollback(True)
            return response

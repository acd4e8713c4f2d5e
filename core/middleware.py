"""The product's own error pages whatever DEBUG is.

With DEBUG on, Django answers a missing page or a failing view with its technical page (in
English, listing every URL pattern). People trying the product in development mode meet the
same pages as production users; the traceback still goes to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse

from core import views

logger = logging.getLogger("django.request")


class ErrorPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # No view matched: with DEBUG on this is the technical URL list.
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
        ):
            return views.page_not_found(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG:
            return None  # Django's own handling already uses the handlers in config/urls.py
        if isinstance(exception, Http404):
            return views.page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return None  # handler403 is used whatever DEBUG is
        if isinstance(exception, SuspiciousOperation | BadRequest):
            return views.bad_request(request, exception)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"request": request},
        )
        got_request_exception.send(sender=self.__class__, request=request)
        return views.server_error(request)

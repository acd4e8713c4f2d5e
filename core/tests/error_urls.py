"""The site's URLs plus views that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns
from core.views import conflict


def _server_error(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failing view")


def _permission_denied(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def _conflict(request: HttpRequest) -> HttpResponse:
    return conflict(request)


urlpatterns = [
    path("failing/500/", _server_error),
    path("failing/403/", _permission_denied),
    path("failing/409/", _conflict),
    *urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

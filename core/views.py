"""Views that belong to no domain: sign-in, password change, health and error pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@login_not_required
def health(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# --- error pages: each in the UI language, with a way back to the previous page and home ---


def _back_url(request: HttpRequest) -> str:
    # The page the person came from, when it is one of ours; otherwise only "home" is offered.
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""


def _error_page(
    request: HttpRequest, status: int, context: dict[str, Any] | None = None
) -> HttpResponse:
    return render(
        request,
        f"errors/{status}.html",
        {"status": status, "back_url": _back_url(request), **(context or {})},
        status=status,
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404)


def conflict(request: HttpRequest, message: str = "") -> HttpResponse:
    """The answer when an action cannot be done in the object's present state (HTTP 409)."""
    return _error_page(request, 409, {"message": message})


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(
        request,
        "errors/403_csrf.html",
        {"status": 403, "back_url": _back_url(request)},
        status=403,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without context processors: the database may be what failed.
    template = loader.get_template("errors/500.html")
    return HttpResponseServerError(template.render({"back_url": _back_url(request)}))

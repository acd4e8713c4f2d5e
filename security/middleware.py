"""Keeps each signed-in session to the organization's rules: the idle timeout, one session per
account, and a password change or second-factor enrolment before anything else."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from security import selectors, services

SEEN_KEY = "security_seen"
# Pages a person may reach while a password change or an enrolment is still owed.
GATE_OPEN = {
    "password_change",
    "logout",
    "set_language",
    "health",
    "security:two_factor",
    "security:ping",
}


def ended_elsewhere_message() -> str:
    return _("You were signed out because your account signed in elsewhere.")


def _url_name(request: HttpRequest) -> str | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match.view_name


class SessionSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            if hasattr(request, "session") and request.session.pop(services.ENDED_KEY, None):
                messages.warning(request, ended_elsewhere_message(), fail_silently=True)
            return self.get_response(request)
        rules = request.session.get(selectors.SESSION_KEY)
        if rules is None:
            rules = selectors.session_rules(user)
            request.session[selectors.SESSION_KEY] = rules
        if rules.get("single"):
            state = selectors.account_state_of(user)
            if state and state.session_key and state.session_key != request.session.session_key:
                return self._end(request, user, "signed in elsewhere", ended_elsewhere_message())
        now = int(time.time())
        seen = request.session.get(SEEN_KEY)
        if seen is not None and now - int(seen) > int(rules["idle"]):
            return self._end(
                request,
                user,
                "idle timeout",
                _("You were signed out after %(minutes)d minutes without activity.")
                % {"minutes": max(int(rules["idle"]) // 60, 1)},
            )
        # The session is written only when the mark moves by a tenth of the limit, so most
        # requests save nothing; the page counts down from the mark, not from its own load.
        if seen is None or now - int(seen) >= max(1, int(rules["idle"]) // 10):
            request.session[SEEN_KEY] = now
        gate = rules.get("gate")
        if gate and _url_name(request) not in GATE_OPEN:
            target = "password_change" if gate == selectors.GATE_PASSWORD else "security:two_factor"
            return HttpResponseRedirect(reverse(target))
        return self.get_response(request)

    def _end(self, request: HttpRequest, user: Any, reason: str, text: str) -> HttpResponse:
        services.sign_out_recorded(user=user, reason=reason)
        logout(request)
        messages.warning(request, text, fail_silently=True)
        login = reverse("login")
        if request.method == "GET" and _url_name(request) != "security:ping":
            login += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login
            return response
        return HttpResponseRedirect(login)


def session_security(request: HttpRequest) -> dict[str, Any]:
    """Template context: the idle limits the page's warning counts down from."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    rules = request.session.get(selectors.SESSION_KEY) or {}
    if not rules:
        return {}
    seen = int(request.session.get(SEEN_KEY) or time.time())
    left = max(int(rules["idle"]) - (int(time.time()) - seen), 0)
    return {"session_idle": left, "session_warn": rules.get("warn")}

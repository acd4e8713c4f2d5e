"""Failed sign-ins and lockouts become events of the audit trail, and each new session gets its
rules. Django and django-axes announce these only through signals; the receivers pass them
straight on. Sign-ins and sign-outs are recorded by the views a person uses (security.views)."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed


def _on_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Every new session starts with its rules (also one a test opens with force_login)."""
    from security import selectors

    session = getattr(request, "session", None)
    if session is not None:
        session[selectors.SESSION_KEY] = selectors.session_rules(user)
        session["security_seen"] = int(time.time())


def _on_login_failed(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    from security import services

    username = (credentials or {}).get("username")
    if username:
        services.failed_sign_in_recorded(username=str(username), request=request)


def _on_locked_out(sender: Any, request: Any, username: Any, **kwargs: Any) -> None:
    from security import services

    if username:
        services.lockout_recorded(username=str(username), request=request)


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(_on_logged_in, dispatch_uid="security_logged_in")
    user_login_failed.connect(_on_login_failed, dispatch_uid="security_login_failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid="security_locked_out")

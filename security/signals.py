"""Sign-ins, sign-outs, failures and lockouts become events of the audit trail.

Django and django-axes announce these only through signals; the receivers pass them straight
to the named services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.utils import formats, timezone
from django.utils.translation import gettext as _

SKIP_SIGN_OUT_EVENT = "_security_sign_out_recorded"


def _on_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from security import selectors, services

    last_at, last_ip = services.sign_in_recorded(request=request, user=user)
    session = getattr(request, "session", None)
    if session is not None:
        import time

        session[selectors.SESSION_KEY] = selectors.session_rules(user)
        session["security_seen"] = int(time.time())
    if request is None or not hasattr(request, "_messages"):
        return
    if last_at is None:
        messages.info(request, _("Welcome: this is your first sign-in."), fail_silently=True)
    else:
        when = formats.date_format(timezone.localtime(last_at), "DATETIME_FORMAT")
        messages.info(
            request,
            _("Your last sign-in: %(when)s from %(ip)s.")
            % {"when": when, "ip": last_ip or _("an unknown address")},
            fail_silently=True,
        )
    policy = selectors.policy_for_user(user)
    days = selectors.days_until_expiry(user, policy)
    if days is not None:
        messages.warning(
            request,
            _("Your password expires in %(days)d days; change it soon.") % {"days": days},
            fail_silently=True,
        )


def _on_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from security import services

    if user is None or getattr(request, SKIP_SIGN_OUT_EVENT, False):
        return
    services.sign_out_recorded(user=user)


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
    user_logged_out.connect(_on_logged_out, dispatch_uid="security_logged_out")
    user_login_failed.connect(_on_login_failed, dispatch_uid="security_login_failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid="security_locked_out")

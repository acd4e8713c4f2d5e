"""Writes about login security; every one audited in the same transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import diff_fields, record_event
from security.models import AccountSecurity, PasswordHistory, SecurityPolicy
from security.policy import may_set_security_policy
from security.selectors import policy_for_user, policy_of

# Left in a session that a sign-in elsewhere ended, so its next page can say why.
ENDED_KEY = "security_ended"

POLICY_FIELDS = (
    "min_length",
    "min_classes",
    "history_count",
    "expiry_days",
    "expiry_warning_days",
    "lockout_limit",
    "idle_timeout_minutes",
    "single_session",
    "force_password_change",
    "second_factor_required",
    "second_factor_for_everyone",
)


def client_ip(request: Any) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _state_for_update(user: Any) -> AccountSecurity:
    # An account first seen here has never chosen its own password.
    state, _created = AccountSecurity.objects.select_for_update().get_or_create(
        user_id=user.pk, defaults={"must_change_password": True}
    )
    return state


def security_policy_update(
    *, actor: Any, organization: Any, data: dict[str, Any]
) -> SecurityPolicy:
    """Save the organization's policy within the safe bounds; the change is audited."""
    if not may_set_security_policy(actor):
        raise PermissionDenied(_("Only the security administrator sets the security policy."))
    with transaction.atomic():
        policy = (
            SecurityPolicy.objects.editable_by(actor)
            .select_for_update()
            .filter(organization=organization)
            .first()
        )
        creating = policy is None
        if policy is None:
            policy = policy_of(organization)
        before = {f: getattr(policy, f) for f in POLICY_FIELDS}
        for name in POLICY_FIELDS:
            if name in data:
                setattr(policy, name, data[name])
        policy.full_clean()
        after = {f: getattr(policy, f) for f in POLICY_FIELDS}
        b, a = diff_fields(before, after)
        if not creating and not a and not b:
            return policy
        policy.save()
        record_event(actor=actor, obj=policy, action="security_policy_change", before=b, after=a)
    return policy


def password_recorded(*, user: Any) -> None:
    """A new password was stored for the account (by anyone): keep its hash for the history,
    restart its expiry, and ask for a change at the next sign-in. The account's own change
    clears that request right after (`password_changed_by_owner`)."""
    with transaction.atomic():
        state = _state_for_update(user)
        state.password_changed_at = timezone.now()
        state.must_change_password = True
        state.save(update_fields=["password_changed_at", "must_change_password"])
        PasswordHistory.objects.create(user_id=user.pk, encoded=user.password)
        keep = max(policy_for_user(user).history_count, 1)
        stale = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[keep:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()


def password_changed_by_owner(*, user: Any, session: SessionBase | None = None) -> None:
    with transaction.atomic():
        state = _state_for_update(user)
        state.must_change_password = False
        fields = ["must_change_password"]
        if session is not None and session.session_key:
            # Changing the password renews the session key; it stays the account's session.
            state.session_key = session.session_key
            fields.append("session_key")
        state.save(update_fields=fields)
        record_event(actor=user, obj=user, action="password_change")


def sign_in_recorded(*, request: Any, user: Any) -> tuple[Any, str | None]:
    """Note the sign-in and return the previous one's time and address, to show them."""
    with transaction.atomic():
        state = _state_for_update(user)
        previous = (state.last_sign_in_at, state.last_sign_in_ip)
        state.last_sign_in_at = timezone.now()
        state.last_sign_in_ip = client_ip(request)
        session = getattr(request, "session", None)
        old_key = state.session_key
        state.session_key = (session.session_key or "") if session is not None else ""
        state.save(update_fields=["last_sign_in_at", "last_sign_in_ip", "session_key"])
        record_event(actor=user, obj=user, action="sign_in", after={"ip": state.last_sign_in_ip})
        if old_key and old_key != state.session_key and policy_for_user(user).single_session:
            # One session per account: the earlier one ends now.
            from importlib import import_module

            from django.conf import settings

            store = import_module(settings.SESSION_ENGINE).SessionStore
            earlier = store(session_key=old_key)
            if earlier.exists(old_key):
                # Signed out at once; its next page says why.
                earlier.clear()
                earlier[ENDED_KEY] = "elsewhere"
                earlier.save()
            record_event(
                actor=user,
                obj=user,
                action="session_ended",
                message="signed in elsewhere",
            )
    return previous


def sign_out_recorded(*, user: Any, reason: str = "") -> None:
    with transaction.atomic():
        record_event(actor=user, obj=user, action="sign_out", message=reason)


def failed_sign_in_recorded(*, username: str, request: Any) -> None:
    """A wrong password for an existing account is an event of that account; a name that
    matches no account is left to the lockout log (the trail records objects that exist)."""
    User = get_user_model()
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
    if user is None:
        return
    with transaction.atomic():
        record_event(
            actor=None, obj=user, action="sign_in_failed", after={"ip": client_ip(request)}
        )


def lockout_recorded(*, username: str, request: Any) -> None:
    User = get_user_model()
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
    if user is None:
        return
    with transaction.atomic():
        record_event(actor=None, obj=user, action="lockout", after={"ip": client_ip(request)})


def second_factor_failed(*, user: Any, request: Any) -> None:
    with transaction.atomic():
        record_event(
            actor=None, obj=user, action="second_factor_failed", after={"ip": client_ip(request)}
        )


def totp_matches(*, key: str, token: str) -> int | None:
    """The time step the code belongs to (this one or a neighbour, for a phone a little off),
    or None when it matches none."""
    totp = TOTP(bytes.fromhex(key), step=30, t0=0, digits=6, drift=0)
    if not token.isdigit():
        return None
    for offset in (0, -1, 1):
        totp.drift = offset
        if totp.token() == int(token):
            return int(totp.t())
    return None


def second_factor_enrol(*, user: Any, key: str, token: str) -> TOTPDevice:
    """Enrol the authenticator app that shows codes for `key`, proven by one of its codes."""
    step = totp_matches(key=key, token=token)
    if step is None:
        raise ValidationError(_("The code is not correct. Check the time on your phone."))
    with transaction.atomic():
        TOTPDevice.objects.select_for_update().filter(user_id=user.pk).delete()
        device = TOTPDevice.objects.create(
            user=user, name="TOTP", key=key, confirmed=True, last_t=step
        )
        record_event(actor=user, obj=user, action="second_factor_enrol")
    return device


def second_factor_remove(*, user: Any, actor: Any = None) -> int:
    """Remove the account's authenticator app: by the person, or by the security administrator
    for someone who lost their phone (who then enrols again at the next sign-in if required)."""
    actor = actor or user
    if actor.pk != user.pk and not may_set_security_policy(actor):
        raise PermissionDenied(_("Only the security administrator sets the security policy."))
    with transaction.atomic():
        removed, _detail = TOTPDevice.objects.filter(user_id=user.pk).delete()
        if removed:
            record_event(actor=actor, obj=user, action="second_factor_remove")
    return removed

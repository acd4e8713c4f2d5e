"""Reads about login security: the policy that applies, an account's standing, the checks."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.selfcheck import CheckItem
from organization import policy as org_policy
from organization.models import Organization, Person
from security.models import AccountSecurity, SecurityPolicy


def policy_of(organization: Organization | None) -> SecurityPolicy:
    """The organization's saved policy, or the baseline (unsaved) when it has none."""
    if organization is None:
        return SecurityPolicy()
    saved = (
        SecurityPolicy.objects.unscoped("the rules that apply to the organization's accounts")
        .filter(organization=organization)
        .first()
    )
    return saved or SecurityPolicy(organization=organization)


def person_of(user: Any) -> Person | None:
    if user is None or getattr(user, "pk", None) is None:
        return None
    return (
        Person.objects.unscoped("the account's own profile")
        .select_related("organization")
        .filter(user_id=user.pk)
        .first()
    )


def policy_for_user(user: Any) -> SecurityPolicy:
    person = person_of(user)
    return policy_of(person.organization if person else None)


def account_state_of(user: Any) -> AccountSecurity | None:
    if user is None or getattr(user, "pk", None) is None:
        return None
    return AccountSecurity.objects.filter(user_id=user.pk).first()


def is_privileged(person: Person) -> bool:
    """One of the three administrators (三员) or a member of the rectification office — by the
    roles held, whether or not the separation keeps the administrators from business records."""
    return org_policy.is_administrator_or_office(org_policy.as_actor(person.user))


def second_factor_required(user: Any, policy: SecurityPolicy | None = None) -> bool:
    person = person_of(user)
    if person is None:
        return False
    policy = policy or policy_of(person.organization)
    if policy.second_factor_for_everyone:
        return True
    return policy.second_factor_required and is_privileged(person)


def confirmed_device(user: Any) -> TOTPDevice | None:
    if user is None or getattr(user, "pk", None) is None:
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def password_expires_at(user: Any, policy: SecurityPolicy) -> dt.datetime | None:
    if not policy.expiry_days:
        return None
    state = account_state_of(user)
    if state is None or state.password_changed_at is None:
        return None
    return state.password_changed_at + dt.timedelta(days=policy.expiry_days)


def password_expired(user: Any, policy: SecurityPolicy) -> bool:
    expires = password_expires_at(user, policy)
    return expires is not None and expires <= timezone.now()


def days_until_expiry(user: Any, policy: SecurityPolicy) -> int | None:
    """Whole days left when the warning period has begun; None otherwise."""
    expires = password_expires_at(user, policy)
    if expires is None:
        return None
    left = expires - timezone.now()
    if left <= dt.timedelta(0) or left > dt.timedelta(days=policy.expiry_warning_days):
        return None
    # Counted up: 4 days and some hours left is "5 days".
    return math.ceil(left / dt.timedelta(days=1))


def must_change_password(user: Any, policy: SecurityPolicy) -> bool:
    """Whether the person must choose a new password now: it was set by someone else (an
    account with no record of a password change has never chosen its own), or it expired."""
    state = account_state_of(user)
    set_by_another = state is None or state.must_change_password
    return bool(policy.force_password_change and set_by_another) or password_expired(user, policy)


def idle_timeout_seconds(policy: SecurityPolicy) -> int:
    override = getattr(settings, "SECURITY_IDLE_TIMEOUT_SECONDS", None)
    return int(override) if override else policy.idle_timeout_minutes * 60


def idle_warning_seconds(policy: SecurityPolicy) -> int:
    """How long before the timeout the page warns: a minute, or half a very short limit."""
    return min(60, idle_timeout_seconds(policy) // 2)


def people_with_second_factor(actor: Any) -> list[Person]:
    """The people of the actor's organization with an authenticator app, for its policy page."""
    users = TOTPDevice.objects.filter(confirmed=True).values("user_id")
    return list(Person.objects.visible_to(actor).filter(user_id__in=users).select_related("unit"))


# --- the self-check (等保 baseline) ------------------------------------------------------------

Item = tuple[str, str, bool, str]


def password_policy_check(organization: Organization) -> list[CheckItem]:
    """Whether the organization's password and session rules hold the 等保 baseline."""
    policy = policy_of(organization)
    base = SecurityPolicy()
    items: list[Item] = [
        (
            _("Minimum password length"),
            str(policy.min_length),
            policy.min_length >= base.min_length,
            _("At least %(n)d characters.") % {"n": base.min_length},
        ),
        (
            _("Character classes"),
            str(policy.min_classes),
            policy.min_classes >= base.min_classes,
            _("At least three of four classes."),
        ),
        (
            _("Password history"),
            str(policy.history_count),
            policy.history_count >= base.history_count,
            _("The last %(n)d passwords may not be reused.") % {"n": base.history_count},
        ),
        (
            _("Password expiry"),
            str(policy.expiry_days),
            0 < policy.expiry_days <= base.expiry_days,
            _("Passwords expire within %(n)d days.") % {"n": base.expiry_days},
        ),
        (
            _("Lockout after failed sign-ins"),
            str(policy.lockout_limit),
            policy.lockout_limit <= base.lockout_limit,
            _("At most %(n)d failures.") % {"n": base.lockout_limit},
        ),
        (
            _("Idle session timeout"),
            str(policy.idle_timeout_minutes),
            policy.idle_timeout_minutes <= base.idle_timeout_minutes,
            _("At most %(n)d minutes.") % {"n": base.idle_timeout_minutes},
        ),
        (
            _("Forced password change"),
            _("on") if policy.force_password_change else _("off"),
            policy.force_password_change,
            _("At first sign-in and after an administrator's reset."),
        ),
    ]
    return [CheckItem(*item) for item in items]


def second_factor_coverage(organization: Organization) -> list[CheckItem]:
    """Whether the administrators and the office must use, and do use, a second factor."""
    policy = policy_of(organization)
    people = (
        Person.objects.unscoped("the self-check counts the organization's administrators")
        .filter(organization=organization, user__is_active=True)
        .filter(org_policy.administrators_and_office_q())
        .select_related("user")
    )
    enrolled = set(
        TOTPDevice.objects.filter(
            user_id__in=[p.user_id for p in people], confirmed=True
        ).values_list("user_id", flat=True)
    )
    missing = [p.name for p in people if p.user_id not in enrolled]
    items: list[Item] = [
        (
            _("Second factor required for administrators and the office"),
            _("on") if policy.second_factor_required else _("off"),
            policy.second_factor_required,
            _("TOTP with an authenticator app."),
        ),
        (
            _("Administrators and office with a second factor"),
            f"{len(people) - len(missing)}/{len(people)}",
            not missing,
            _("Not yet enrolled: %(names)s") % {"names": "、".join(missing)} if missing else "",
        ),
    ]
    return [CheckItem(*item) for item in items]


# --- what a signed-in session must keep to (computed at sign-in, kept in the session) ---------

SESSION_KEY = "security"
GATE_PASSWORD = "password"
GATE_SECOND_FACTOR = "second_factor"


def session_rules(user: Any, *, by_identity_service: bool = False) -> dict[str, Any]:
    """The rules one session keeps to, read once at sign-in so ordinary requests ask nothing
    of the database: the idle limit, whether the account has one session only, and what the
    person must do before anything else (change the password, enrol a second factor).

    A session signed in through the identity service (`by_identity_service`) used no local
    password, so it owes no change of one."""
    person = person_of(user)
    policy = policy_of(person.organization if person else None)
    gate = None
    if person is None:
        pass  # an account of no organization reaches nothing that needs guarding
    elif not by_identity_service and must_change_password(user, policy):
        gate = GATE_PASSWORD
    elif second_factor_required(user, policy) and confirmed_device(user) is None:
        gate = GATE_SECOND_FACTOR
    return {
        "idle": idle_timeout_seconds(policy),
        "warn": idle_warning_seconds(policy),
        "single": policy.single_session,
        "gate": gate,
        "expired": not by_identity_service and password_expired(user, policy),
    }

"""Permission matrix cases of login security's URLs."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.matrix import ADMINS, EVERYONE, Case, once, post_only, roles

# A person's own sign-in and second factor: every signed-in person, the administrators too.
SIGNED_IN_PEOPLE = (*EVERYONE, *ADMINS)


def _demo_idle_minutes(w: Any) -> int | None:
    from security.models import SecurityPolicy

    return (
        SecurityPolicy.objects.unscoped("the matrix reads what the POST changed")
        .filter(organization=w.org)
        .values_list("idle_timeout_minutes", flat=True)
        .first()
    )


def _enrolled_person(w: Any) -> int:
    """Branch 1's secretary, with an authenticator app (made once per test)."""

    def make() -> int:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        user = w.user("branch1")
        TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
        return int(user.person.pk)

    return int(once(w, "enrolled_person", make))


def _devices_of_branch1(w: Any) -> int:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user__username="branch1").count()


CASES = [
    # The second sign-in step: without a pending sign-in everyone is sent on, nothing changes.
    Case(
        "security:verify",
        lambda w: reverse("security:verify"),
        roles(*SIGNED_IN_PEOPLE, status=302),
        anonymous=302,
        public=True,
    ),
    Case(
        "security:verify",
        lambda w: reverse("security:verify"),
        roles(*SIGNED_IN_PEOPLE, status=302),
        method="post",
        data=lambda w: {"token": "123456"},
        anonymous=302,
        public=True,
        stranger=302,
        changes=(),
    ),
    # Everyone manages their own second factor.
    Case("security:two_factor", lambda w: reverse("security:two_factor"), roles(*SIGNED_IN_PEOPLE)),
    # A code without an enrolment begun in this session enrols nothing.
    Case(
        "security:two_factor",
        lambda w: reverse("security:two_factor"),
        roles(*SIGNED_IN_PEOPLE, status=400),
        method="post",
        data=lambda w: {"token": "123456"},
        stranger=400,
        changes=(),
    ),
    *post_only(
        Case(
            "security:two_factor_remove",
            lambda w: reverse("security:two_factor_remove"),
            roles(*SIGNED_IN_PEOPLE, status=302),
            method="post",
            stranger=302,
            changes=(),
        )
    ),
    *post_only(
        Case(
            "security:ping",
            lambda w: reverse("security:ping"),
            roles(*SIGNED_IN_PEOPLE, status=200),
            method="post",
            stranger=200,
            changes=(),
        )
    ),
    # The policy: the security administrator (the system administrator only where the
    # administrators are not separated; the matrix runs separated).
    Case("security:policy", lambda w: reverse("security:policy"), roles("secadmin")),
    Case(
        "security:policy",
        lambda w: reverse("security:policy"),
        roles("secadmin", status=302),
        method="post",
        form=lambda w: {"idle_timeout_minutes": "15"},
        form_as="secadmin",
        effect=_demo_idle_minutes,
    ),
    # A lost phone: the security administrator removes someone's app.
    *post_only(
        Case(
            "security:person_second_factor_remove",
            lambda w: reverse("security:person_second_factor_remove", args=[_enrolled_person(w)]),
            roles("secadmin", status=302),
            method="post",
            effect=_devices_of_branch1,
        )
    ),
]

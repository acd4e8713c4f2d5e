"""Permission-matrix cases for every organization and account URL (collected by
tests/test_permission_matrix.py). Directory forms are posted as the office's page renders them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.matrix import (
    ALL_OF_ORG,
    SIGNED_IN,
    Case,
    fields_of,
    once,
    post_only,
    read_only,
    roles,
)

# The directory and the settings: the system administrator keeps them when the three
# administrators are separated, with the office.
MANAGERS = ("admin", "office")
READERS = ("admin", "office", "leader")
EVERYONE = ALL_OF_ORG

DEMO_PASSWORD = "Rectify-2021"


def _model(kind: str) -> Any:
    from organization.models import LiaisonGroup, Person, TaskForce, Theme, Unit

    return {
        "units": Unit,
        "liaison_groups": LiaisonGroup,
        "task_forces": TaskForce,
        "themes": Theme,
        "people": Person,
    }[kind]


def _obj(kind: str):  # type: ignore[no-untyped-def]
    """The first record of a directory; for people, staff1 (administrators are their own case)."""

    def pk(w):  # type: ignore[no-untyped-def]
        if kind == "people":
            return w.user("staff1").person.pk
        return _model(kind).objects.filter(organization=w.org).order_by("id").first().pk

    return pk


def _count(kind: str):  # type: ignore[no-untyped-def]
    def count(w):  # type: ignore[no-untyped-def]
        return _model(kind).objects.filter(organization=w.org).count()

    count.__name__ = f"{kind}_count"
    return count


def _fields(kind: str, *names: str):  # type: ignore[no-untyped-def]
    def fields(w):  # type: ignore[no-untyped-def]
        return fields_of(_model(kind), _obj(kind)(w), *names)

    fields.__name__ = f"{kind}_{'_'.join(names)}"
    return fields


def _admin_person(w: Any) -> Any:
    from organization.models import Person

    return Person.objects.get(pk=once(w, "admin", lambda: w.user("admin").person.pk))


def _admin_fields(w: Any) -> Any:
    from organization.models import Person

    person = _admin_person(w)
    return fields_of(
        Person, person.pk, "name", "user__is_active", "is_system_admin", "user__username"
    ), _pending(w)


def _pending(w: Any) -> int:
    """Account changes awaiting the security administrator: what the system administrator's
    changes to people make while the three administrators are separated."""
    from organization.models import PendingChange

    return PendingChange.objects.filter(organization=w.org, status="pending").count()


def _pending_change(w: Any) -> Any:
    """A change the system administrator asked for: staff1's position."""
    from organization import services
    from organization.models import PendingChange, Person

    def make() -> int:
        w.separate_duties()
        person = Person.objects.select_related("user").get(user__username="staff1")
        person.position = "支部纪检委员（待批）"
        change = services.person_save(
            actor=w.user("admin"),
            person=person,
            username=person.user.username,
            email=person.user.email,
        )
        assert isinstance(change, PendingChange)
        return change.pk

    return once(w, "pending", make)


def _pending_status(w: Any) -> Any:
    from organization.models import PendingChange

    return fields_of(PendingChange, _pending_change(w), "status")


def _locked_staff(w: Any) -> int:
    """staff1, locked after repeated failed sign-ins."""
    from axes.models import AccessAttempt

    def make() -> int:
        AccessAttempt.objects.create(
            username="staff1",
            ip_address="10.0.0.9",
            user_agent="test",
            # The most any security policy allows: locked whatever the organization's limit.
            failures_since_start=10,
            get_data="",
            post_data="",
            http_accept="",
            path_info="/login/",
        )
        return w.user("staff1").person.pk

    return once(w, "locked", make)


def _attempts(w: Any) -> int:
    from axes.models import AccessAttempt

    return AccessAttempt.objects.filter(username="staff1").count()


def _events(action: str):  # type: ignore[no-untyped-def]
    def events(w):  # type: ignore[no-untyped-def]
        from core.models import AuditEvent

        return (
            AuditEvent.objects.unscoped("the matrix counts sign-in events")
            .filter(action=action)
            .count()
        )

    events.__name__ = f"{action}_events"
    return events


def _password(username: str | None = None):  # type: ignore[no-untyped-def]
    def password(w):  # type: ignore[no-untyped-def]
        user = w.user(username) if username else w.actor
        if user is None:
            return None
        return type(user).objects.filter(pk=user.pk).values_list("password", flat=True).first()

    password.__name__ = f"password_of_{username or 'actor'}"
    return password


def _settings(w: Any) -> Any:
    from organization.models import Organization

    return fields_of(Organization, w.org.pk, "warn_days", "leading_group_name")


def _theme_form(w: Any) -> dict[str, Any]:
    from organization.models import TaskForce

    return {
        "name": "新增主题",
        "task_force": str(TaskForce.objects.filter(organization=w.org)[0].pk),
    }


CREATE_FORMS = {
    "units": lambda w: {"name": "新增党支部", "kind": "branch"},
    "liaison_groups": lambda w: {"name": "第八联络组"},
    "task_forces": lambda w: {"name": "新增工作专班"},
    "themes": _theme_form,
    "people": lambda w: {
        "name": "新同志",
        "username": "newcomer",
        "password": "A-long-Passw0rd-2021",
        "unit": str(w.unit(w.BRANCH1).pk),
    },
}
EDIT_FORMS = {
    "units": ("sort_order", "77"),
    "liaison_groups": ("sort_order", "77"),
    "task_forces": ("sort_order", "77"),
    "themes": ("sort_order", "77"),
    "people": ("position", "支部宣传委员"),
}

CASES = [
    Case("login", lambda w: reverse("login"), roles(*EVERYONE, status=302), anonymous=200),
    # A wrong password: nobody is signed in; the failure is an event of the account.
    Case(
        "login",
        lambda w: reverse("login"),
        roles(*EVERYONE, status=302),
        method="post",
        data=lambda w: {"username": "branch1", "password": "wrong-password"},
        anonymous=200,
        public=True,
        stranger=302,
        effect=_events("sign_in_failed"),
        changes=("anonymous",),
    ),
    *post_only(
        Case(
            "logout",
            lambda w: reverse("logout"),
            roles(*EVERYONE, status=302),
            method="post",
            stranger=302,
            effect=_events("sign_out"),
            changes=tuple(SIGNED_IN),
        )
    ),
    Case("password_change", lambda w: reverse("password_change"), roles(*EVERYONE)),
    Case(
        "password_change",
        lambda w: reverse("password_change"),
        roles(*EVERYONE, status=302),
        method="post",
        data=lambda w: {
            "old_password": DEMO_PASSWORD,
            "new_password1": "A-new-Passw0rd-2026",
            "new_password2": "A-new-Passw0rd-2026",
        },
        stranger=302,
        effect=_password(),
        changes=tuple(SIGNED_IN),
    ),
    *post_only(
        Case(
            "set_language",
            lambda w: reverse("set_language"),
            roles(*EVERYONE, status=302),
            method="post",
            data=lambda w: {"language": "en", "next": "/"},
            anonymous=302,
            public=True,
            stranger=302,
            changes=(),
        ),
        get_status=302,
    ),
    *read_only(
        Case(
            "health",
            lambda w: reverse("health"),
            roles(*EVERYONE),
            anonymous=200,
            public=True,
            stranger=200,
        ),
        Case("home", lambda w: reverse("home"), roles(*EVERYONE)),
        Case("organization:overview", lambda w: reverse("organization:overview"), roles(*READERS)),
    ),
    Case("organization:settings", lambda w: reverse("organization:settings"), roles(*MANAGERS)),
    Case(
        "organization:settings",
        lambda w: reverse("organization:settings"),
        roles(*MANAGERS, status=302),
        method="post",
        form=lambda w: {"warn_days": "12"},
        effect=_settings,
    ),
    Case(
        "organization:people_password",
        lambda w: reverse("organization:people_password", args=[w.user("staff1").person.pk]),
        roles("admin"),
    ),
    Case(
        "organization:people_password",
        lambda w: reverse("organization:people_password", args=[w.user("staff1").person.pk]),
        roles("admin", status=302),
        method="post",
        form=lambda w: {"password1": "A-new-Passw0rd-2026", "password2": "A-new-Passw0rd-2026"},
        form_as="admin",
        effect=_password("staff1"),
    ),
    # Only an administrator manages an administrator's account; the office does not.
    Case(
        "organization:people_edit",
        lambda w: reverse("organization:people_edit", args=[_admin_person(w).pk]),
        roles("admin"),
        note="admin-account",
    ),
    Case(
        "organization:people_active",
        lambda w: reverse("organization:people_active", args=[_admin_person(w).pk]),
        roles("admin", status=302),
        method="post",
        data=lambda w: {"active": "1"},
        effect=_admin_fields,
        changes=(),  # the account is active already
        note="admin-account",
    ),
    Case(
        "organization:people_password",
        lambda w: reverse("organization:people_password", args=[_admin_person(w).pk]),
        roles("admin"),
        note="admin-account",
    ),
    Case(
        "organization:people_edit",
        lambda w: reverse("organization:people_edit", args=[_admin_person(w).pk]),
        roles("admin", status=302) | {"office": frozenset({403, 404, 200})},
        method="post",
        form=lambda w: {"name": "改名的管理员", "username": "admin2"},
        form_as="admin",
        effect=_admin_fields,
        note="the-administrator",
        # Separated, the change waits for the security administrator: a pending change.
        changes=("admin",),
    ),
    Case(
        "organization:people_active",
        lambda w: reverse("organization:people_active", args=[_admin_person(w).pk]),
        {"office": frozenset({403, 404, 302}), "admin": 302},
        method="post",
        data=lambda w: {"active": "0"},
        effect=_admin_fields,
        changes=(),
        note="the-administrator",
    ),
]


def _with_pending(effect):  # type: ignore[no-untyped-def]
    """A person's fields with the pending changes: the office changes the first, the system
    administrator (separated) the second."""

    def both(w):  # type: ignore[no-untyped-def]
        return effect(w), _pending(w)

    both.__name__ = f"{effect.__name__}_or_pending"
    return both


CASES += [
    # The security administrator's desk: approvals and locked accounts.
    *read_only(
        Case(
            "organization:security_desk",
            lambda w: reverse("organization:security_desk"),
            roles("admin", "secadmin"),
        )
    ),
    *post_only(
        Case(
            "organization:pending_approve",
            lambda w: reverse("organization:pending_approve", args=[_pending_change(w)]),
            {"secadmin": 302, "admin": 403},
            method="post",
            effect=_pending_status,
        ),
        Case(
            "organization:pending_reject",
            lambda w: reverse("organization:pending_reject", args=[_pending_change(w)]),
            {"secadmin": 302, "admin": 403},
            method="post",
            data=lambda w: {"reason": "岗位未变"},
            effect=_pending_status,
        ),
        Case(
            "organization:people_unlock",
            lambda w: reverse("organization:people_unlock", args=[_locked_staff(w)]),
            {"secadmin": 302},
            method="post",
            effect=_attempts,
        ),
    ),
]

for _kind in ("units", "liaison_groups", "task_forces", "themes", "people"):
    _field, _value = EDIT_FORMS[_kind]
    _people = _kind == "people"
    CASES += [
        *read_only(
            Case(
                f"organization:{_kind}_list",
                lambda w, k=_kind: reverse(f"organization:{k}_list"),
                roles(*READERS),
            )
        ),
        Case(
            f"organization:{_kind}_create",
            lambda w, k=_kind: reverse(f"organization:{k}_create"),
            roles(*MANAGERS),
        ),
        Case(
            f"organization:{_kind}_create",
            lambda w, k=_kind: reverse(f"organization:{k}_create"),
            roles(*MANAGERS, status=302),
            method="post",
            form=CREATE_FORMS[_kind],
            effect=_with_pending(_count(_kind)) if _people else _count(_kind),
        ),
        Case(
            f"organization:{_kind}_edit",
            lambda w, k=_kind: reverse(f"organization:{k}_edit", args=[_obj(k)(w)]),
            roles(*MANAGERS),
        ),
        Case(
            f"organization:{_kind}_edit",
            lambda w, k=_kind: reverse(f"organization:{k}_edit", args=[_obj(k)(w)]),
            roles(*MANAGERS, status=302),
            method="post",
            form=lambda w, f=_field, v=_value: {f: v},
            effect=_with_pending(_fields(_kind, _field)) if _people else _fields(_kind, _field),
        ),
        *post_only(
            Case(
                f"organization:{_kind}_active",
                lambda w, k=_kind: reverse(f"organization:{k}_active", args=[_obj(k)(w)]),
                roles(*MANAGERS, status=302),
                method="post",
                data=lambda w: {"active": "0"},
                effect=(
                    _with_pending(_fields(_kind, "user__is_active"))
                    if _people
                    else _fields(_kind, "is_active")
                ),
            )
        ),
    ]

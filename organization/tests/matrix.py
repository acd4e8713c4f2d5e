from django.urls import reverse

from tests.matrix import EVERYONE, MANAGERS, READERS, Case, roles


def _obj(kind: str):  # type: ignore[no-untyped-def]
    def path(w):  # type: ignore[no-untyped-def]
        from organization.models import LiaisonGroup, Person, TaskForce, Theme, Unit

        model = {
            "units": Unit,
            "liaison_groups": LiaisonGroup,
            "task_forces": TaskForce,
            "themes": Theme,
            "people": Person,
        }[kind]
        objects = model.objects.order_by("id")
        if model is Person:
            # An ordinary person; administrators' accounts have cases of their own below.
            objects = objects.filter(is_system_admin=False)
        return objects.first().pk

    return path


CASES = [
    Case("login", lambda w: reverse("login"), roles(*EVERYONE, status=302), anonymous=200),
    Case("logout", lambda w: reverse("logout"), roles(*EVERYONE, status=302), method="post"),
    Case("password_change", lambda w: reverse("password_change"), roles(*EVERYONE)),
    Case(
        "set_language",
        lambda w: reverse("set_language"),
        roles(*EVERYONE, status=302),
        method="post",
        data=lambda w: {"language": "en", "next": "/"},
        anonymous=302,
        public=True,
    ),
    Case("health", lambda w: reverse("health"), roles(*EVERYONE), anonymous=200),
    Case("home", lambda w: reverse("home"), roles(*EVERYONE)),
    Case("organization:overview", lambda w: reverse("organization:overview"), roles(*READERS)),
    Case("organization:settings", lambda w: reverse("organization:settings"), roles(*MANAGERS)),
    Case(
        "organization:people_password",
        lambda w: reverse("organization:people_password", args=[w.user("staff1").person.pk]),
        roles("admin"),
    ),
    # Only an administrator manages an administrator's account; the office does not.
    Case(
        "organization:people_edit",
        lambda w: reverse("organization:people_edit", args=[w.user("admin").person.pk]),
        roles("admin"),
        note="admin-account",
    ),
    Case(
        "organization:people_active",
        lambda w: reverse("organization:people_active", args=[w.user("admin").person.pk]),
        roles("admin", status=302),
        method="post",
        data=lambda w: {"active": "1"},
        note="admin-account",
    ),
    Case(
        "organization:people_password",
        lambda w: reverse("organization:people_password", args=[w.user("admin").person.pk]),
        roles("admin"),
        note="admin-account",
    ),
]

for _kind in ("units", "liaison_groups", "task_forces", "themes", "people"):
    CASES += [
        Case(
            f"organization:{_kind}_list",
            lambda w, k=_kind: reverse(f"organization:{k}_list"),
            roles(*READERS),
        ),
        Case(
            f"organization:{_kind}_create",
            lambda w, k=_kind: reverse(f"organization:{k}_create"),
            roles(*MANAGERS),
        ),
        Case(
            f"organization:{_kind}_edit",
            lambda w, k=_kind: reverse(f"organization:{k}_edit", args=[_obj(k)(w)]),
            roles(*MANAGERS),
        ),
        Case(
            f"organization:{_kind}_active",
            lambda w, k=_kind: reverse(f"organization:{k}_active", args=[_obj(k)(w)]),
            roles(*MANAGERS, status=302),
            method="post",
            data=lambda w: {"active": "1"},
        ),
    ]

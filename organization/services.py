"""Writes to the organization directory. Each service is atomic and audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.utils.translation import gettext as _

from core.audit import diff_fields, record_event, to_jsonable
from organization import policy
from organization.models import LiaisonGroup, Organization, Person, Unit

User = get_user_model()


def snapshot(obj: Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Plain values of a model's concrete fields (foreign keys as ids), for audit records."""
    data: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        data[f.attname] = to_jsonable(getattr(obj, f.attname))
    return data


def _m2m_ids(obj: Model, name: str) -> list[int]:
    return sorted(getattr(obj, name).values_list("id", flat=True)) if obj.pk else []


def directory_save(
    *,
    actor: Any,
    instance: Model,
    m2m: dict[str, list[Model]] | None = None,
    units: list[Unit] | None = None,
) -> Model:
    """Create or update a unit, group, task force, theme or the organization, with audit.

    `m2m` sets many-to-many members; `units` (liaison groups only) sets the grid: the units
    listed move into this group and units no longer listed leave it.
    """
    with transaction.atomic():
        creating = instance.pk is None
        before: dict[str, Any] = {}
        if not creating:
            rows = type(instance)._default_manager.unscoped("row lock after the policy check")  # type: ignore[attr-defined]
            old = rows.select_for_update().get(pk=instance.pk)
            before = snapshot(old)
            for name in m2m or {}:
                before[name] = _m2m_ids(old, name)
            if isinstance(instance, LiaisonGroup):
                before["units"] = sorted(
                    Unit.objects.unscoped("service check after the policy check")
                    .filter(liaison_group=old.pk)
                    .values_list("id", flat=True)
                )
        instance.full_clean(validate_unique=True, validate_constraints=True)
        instance.save()
        after = snapshot(instance)
        for name, objs in (m2m or {}).items():
            getattr(instance, name).set(objs)
            after[name] = sorted(o.pk for o in objs)
        if isinstance(instance, LiaisonGroup) and units is not None:
            unit_ids = [u.pk for u in units]
            Unit.objects.unscoped("service check after the policy check").filter(
                liaison_group=instance
            ).exclude(pk__in=unit_ids).update(liaison_group=None)
            Unit.objects.unscoped("service check after the policy check").filter(
                pk__in=unit_ids
            ).update(liaison_group=instance)
            after["units"] = sorted(unit_ids)
        if creating:
            record_event(actor=actor, obj=instance, action="create", after=after)
        else:
            b, a = diff_fields(before, after)
            if a or b:
                record_event(actor=actor, obj=instance, action="update", before=b, after=a)
        return instance


def _active_admins(organization_id: int) -> Any:
    return Person.objects.unscoped(
        "administrators of the organization, counted by the service"
    ).filter(
        Q(is_system_admin=True) | Q(user__is_superuser=True),
        organization_id=organization_id,
        user__is_active=True,
    )


def _require_not_last_admin(person: Person) -> None:
    """An organization always keeps one active administrator: nobody else can manage them."""
    if not _active_admins(person.organization_id).exclude(pk=person.pk).exists():
        raise ValidationError(
            _("%(name)s is the last active system administrator and cannot be removed.")
            % {"name": person.name}
        )


def _require_manage_person(actor: Any, person: Person | None) -> None:
    if person is None:
        policy.require(
            actor, "manage_people", message=_("Only the office manages the people directory.")
        )
    else:
        policy.require(
            actor,
            "manage_person",
            person,
            message=_("Only a system administrator manages a system administrator's account."),
        )


def directory_set_active(*, actor: Any, instance: Model, active: bool) -> Model:
    """Deactivate or reactivate: nothing with history is ever deleted."""
    with transaction.atomic():
        rows = type(instance)._default_manager.unscoped("row lock after the policy check")  # type: ignore[attr-defined]
        obj = rows.select_for_update().get(pk=instance.pk)
        if isinstance(obj, Person):
            _require_manage_person(actor, obj)
        target: Any = obj.user if isinstance(obj, Person) else obj
        if target.is_active == active:
            return obj
        if (
            isinstance(obj, Person)
            and not active
            and obj.pk in _active_admins(obj.organization_id).values_list("pk", flat=True)
        ):
            _require_not_last_admin(obj)
        target.is_active = active
        target.save(update_fields=["is_active"])
        record_event(
            actor=actor,
            obj=obj,
            action="activate" if active else "deactivate",
            before={"is_active": not active},
            after={"is_active": active},
        )
        return obj


PERSON_USER_FIELDS = ("username", "email")


# What other layers do when a person is added (the ledger links the names it kept as text):
# filled from their AppConfig.ready(), so organization imports none of them.
PersonAddedHook = Callable[[Any, Person], None]
_person_added_hooks: list[PersonAddedHook] = []


def register_person_added(hook: PersonAddedHook) -> None:
    if hook not in _person_added_hooks:
        _person_added_hooks.append(hook)


def person_save(
    *,
    actor: Any,
    person: Person,
    username: str,
    email: str,
    password: str | None = None,
) -> Person:
    """Create or update a person together with the login account behind it."""
    with transaction.atomic():
        creating = person.pk is None
        before: dict[str, Any] = {}
        old_person = (
            None
            if creating
            else Person.objects.unscoped("row lock after the policy check")
            .select_for_update()
            .select_related("user")
            .get(pk=person.pk)
        )
        _require_manage_person(actor, old_person)
        was_admin = bool(old_person and old_person.is_system_admin)
        if person.is_system_admin != was_admin:
            policy.require(
                actor,
                "grant_admin",
                message=_("Only a system administrator grants or removes that role."),
            )
            if was_admin and old_person is not None and old_person.user.is_active:
                _require_not_last_admin(old_person)
        if creating:
            # The account's first name carries the person's name so audit records read naturally.
            user: AbstractBaseUser = User(
                username=username, email=email, first_name=person.name[:150]
            )
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
            person.user = user  # type: ignore[assignment]
        else:
            old = old_person
            assert old is not None
            before = snapshot(old) | {"username": old.user.username, "email": old.user.email}
            user = person.user
            user.username = username  # type: ignore[attr-defined]
            user.email = email  # type: ignore[attr-defined]
            user.first_name = person.name[:150]  # type: ignore[attr-defined]
            user.save()
        person.full_clean()
        person.save()
        after = snapshot(person) | {"username": username, "email": email}
        if creating:
            record_event(actor=actor, obj=person, action="create", after=after)
            for hook in _person_added_hooks:
                hook(actor, person)
        else:
            b, a = diff_fields(before, after)
            if a or b:
                record_event(actor=actor, obj=person, action="update", before=b, after=a)
        return person


def person_set_password(*, actor: Any, person: Person, password: str) -> None:
    policy.require(
        actor,
        "reset_password",
        Person.objects.unscoped("the person the policy is asked about")
        .select_related("user")
        .get(pk=person.pk),
        message=_("Only a system administrator resets passwords of this account."),
    )
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=person.user_id)
        user.set_password(password)
        user.save(update_fields=["password"])
        # The password itself never enters the audit trail, only the fact it was reset.
        record_event(actor=actor, obj=person, action="password_reset")


def organization_update(*, actor: Any, organization: Organization) -> Organization:
    result = directory_save(actor=actor, instance=organization)
    assert isinstance(result, Organization)
    return result

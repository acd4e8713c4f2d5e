"""Writes to the organization directory. Each service is atomic and audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import diff_fields, record_event, to_jsonable
from organization import policy
from organization.choices import PendingKind, PendingStatus
from organization.models import LiaisonGroup, Organization, PendingChange, Person, Unit

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
        if isinstance(obj, Person) and _needs_approval(actor):
            return _request_change(
                actor=actor,
                kind=PendingKind.ACTIVATE if active else PendingKind.DEACTIVATE,
                person=obj,
                payload={"is_active": active},
                before={"is_active": not active},
            )
        return _apply_set_active(actor=actor, obj=obj, target=target, active=active)


def _apply_set_active(*, actor: Any, obj: Model, target: Any, active: bool) -> Model:
    """Switch the account or record; the caller holds the row lock and the transaction."""
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


ADMIN_FLAGS = ("is_system_admin", "is_security_admin", "is_audit_admin")
# The fields of a person an account change may set (the form's fields).
PERSON_FIELDS = (
    "name",
    "unit_id",
    "unit_role",
    "position",
    "employee_number",
    "phone",
    "birth_year",
    "is_young_cadre",
    "dingtalk_userid",
    "wecom_userid",
    "is_leader",
    "is_office",
    *ADMIN_FLAGS,
)


def _require_one_admin_role(person: Person) -> None:
    """三员: the system, security and audit administrators are three different people (the
    database refuses it too: `person_one_admin_role`)."""
    if sum(bool(getattr(person, flag)) for flag in ADMIN_FLAGS) > 1:
        raise ValidationError(
            _("A person holds at most one of the system, security and audit administrator roles.")
        )


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
) -> Person | PendingChange:
    """Create or update a person together with the login account behind it.

    While the three administrators are separated, the system administrator's change is not
    made: it becomes a pending change the security administrator approves or rejects."""
    with transaction.atomic():
        creating = person.pk is None
        old_person = (
            None
            if creating
            else Person.objects.unscoped("row lock after the policy check")
            .select_for_update()
            .select_related("user")
            .get(pk=person.pk)
        )
        _require_manage_person(actor, old_person)
        if any(
            bool(getattr(person, flag)) != bool(old_person and getattr(old_person, flag))
            for flag in ADMIN_FLAGS
        ):
            policy.require(
                actor,
                "grant_admin",
                message=_("Only a system administrator grants or removes that role."),
            )
        _require_one_admin_role(person)
        password_hash = make_password(password) if password else None
        if _needs_approval(actor):
            values = {f: to_jsonable(getattr(person, f)) for f in PERSON_FIELDS}
            values |= {"username": username, "email": email}
            if creating:
                if password_hash:
                    values["password"] = password_hash
                return _request_change(
                    actor=actor,
                    kind=PendingKind.CREATE,
                    person=None,
                    payload=values,
                    name=person.name,
                )
            assert old_person is not None
            current = {f: to_jsonable(getattr(old_person, f)) for f in PERSON_FIELDS} | {
                "username": old_person.user.username,
                "email": old_person.user.email,
            }
            before, after = diff_fields(current, values)
            if not after:
                return old_person
            return _request_change(
                actor=actor,
                kind=PendingKind.UPDATE,
                person=old_person,
                payload=after,
                before=before,
            )
        return _apply_person_save(
            actor=actor,
            person=person,
            old_person=old_person,
            username=username,
            email=email,
            password_hash=password_hash,
        )


def _apply_person_save(
    *,
    actor: Any,
    person: Person,
    old_person: Person | None,
    username: str,
    email: str,
    password_hash: str | None,
    message: str = "",
) -> Person:
    """Save the person and the account; the caller holds the row lock and the transaction."""
    creating = old_person is None
    before: dict[str, Any] = {}
    was_admin = bool(old_person and old_person.is_system_admin)
    if not person.is_system_admin and was_admin and old_person and old_person.user.is_active:
        _require_not_last_admin(old_person)
    _require_one_admin_role(person)
    # The form checks the username too; an approved change may meet a name taken meanwhile.
    clash = User.objects.filter(username__iexact=username)
    if old_person is not None:
        clash = clash.exclude(pk=old_person.user_id)
    if clash.exists():
        raise ValidationError(_("The username “%(name)s” is taken.") % {"name": username})
    if creating:
        # The account's first name carries the person's name so audit records read naturally.
        user: AbstractBaseUser = User(username=username, email=email, first_name=person.name[:150])
        if password_hash:
            user.password = password_hash
        else:
            user.set_unusable_password()
        user.save()
        person.user = user  # type: ignore[assignment]
    else:
        assert old_person is not None
        before = snapshot(old_person) | {
            "username": old_person.user.username,
            "email": old_person.user.email,
        }
        user = person.user
        user.username = username  # type: ignore[attr-defined]
        user.email = email  # type: ignore[attr-defined]
        user.first_name = person.name[:150]  # type: ignore[attr-defined]
        user.save()
    person.full_clean()
    person.save()
    after = snapshot(person) | {"username": username, "email": email}
    if creating:
        record_event(actor=actor, obj=person, action="create", after=after, message=message)
        for hook in _person_added_hooks:
            hook(actor, person)
    else:
        b, a = diff_fields(before, after)
        if a or b:
            record_event(
                actor=actor, obj=person, action="update", before=b, after=a, message=message
            )
    return person


# --- account changes awaiting the security administrator (三员分立) ---------------------------


def _needs_approval(actor: Any) -> bool:
    """Separated, the system administrator's account changes wait for the security
    administrator — once there is one: until the first is appointed (itself the system
    administrator's change), the change is made directly, and the self-check says separation
    does not hold."""
    if not policy.changes_need_approval(actor):
        return False
    return (
        Person.objects.unscoped("whether the organization has a security administrator")
        .filter(
            organization_id=policy.as_actor(actor).organization_id,
            is_security_admin=True,
            user__is_active=True,
        )
        .exists()
    )


def _request_change(
    *,
    actor: Any,
    kind: str,
    person: Person | None,
    payload: dict[str, Any],
    before: dict[str, Any] | None = None,
    name: str = "",
) -> PendingChange:
    """Record the system administrator's change as pending; nothing else changes."""
    actor_obj = policy.as_actor(actor)
    # Only a signed-in person of an organization gets here (the policy asked who they are).
    assert actor_obj.organization_id is not None and actor_obj.user_id is not None
    change = PendingChange.objects.create(
        organization_id=actor_obj.organization_id,
        kind=kind,
        person=person,
        person_name=(person.name if person is not None else name)[:50],
        payload=payload,
        before=before or {},
        requested_by_id=actor_obj.user_id,
        requested_at=timezone.now(),
    )
    # The request is an event of the person it changes (so the trail names each field as the
    # person's); a new account has no person yet and is an event of the change itself.
    record_event(
        actor=actor,
        obj=person if person is not None else change,
        action="change_requested",
        before=change.before or None,
        after=change.shown_payload()
        if person is not None
        else {"kind": kind, "person_name": change.person_name},
        message=_("Account change #%(n)d: %(kind)s, awaiting approval")
        % {"n": change.pk, "kind": change.get_kind_display()},
    )
    return change


def _locked_pending(actor: Any, change: PendingChange) -> PendingChange:
    policy.require(
        actor,
        "administer_security",
        message=_("Only the security administrator approves or rejects account changes."),
    )
    locked = (
        PendingChange.objects.editable_by(actor).select_for_update().filter(pk=change.pk).first()
    )
    if locked is None:
        raise PermissionDenied(_("You are not allowed to do this."))
    if locked.status != PendingStatus.PENDING:
        raise ValidationError(_("This change has already been decided."))
    if locked.requested_by_id == policy.as_actor(actor).user_id:
        raise ValidationError(_("A change is approved by someone other than who asked for it."))
    return locked


def pending_change_approve(*, actor: Any, change: PendingChange) -> PendingChange:
    """The security administrator approves: the change takes effect now, audited twice (the
    decision, and the change itself with the approver as actor)."""
    with transaction.atomic():
        locked = _locked_pending(actor, change)
        note = _("Approved account change #%(n)d requested by %(who)s") % {
            "n": locked.pk,
            "who": locked.requested_by.get_full_name() or locked.requested_by.get_username(),
        }
        data = dict(locked.payload)
        if locked.kind == PendingKind.CREATE:
            person = Person(organization_id=locked.organization_id)
            _set_person_fields(person, data)
            _apply_person_save(
                actor=actor,
                person=person,
                old_person=None,
                username=data["username"],
                email=data.get("email", ""),
                password_hash=data.get("password"),
                message=note,
            )
            locked.person = person
        elif locked.kind == PendingKind.UPDATE:
            old = (
                Person.objects.unscoped("row lock of the approved change's person")
                .select_for_update()
                .select_related("user")
                .get(pk=locked.person_id)
            )
            person = (
                Person.objects.unscoped("the approved change's person")
                .select_related("user")
                .get(pk=old.pk)
            )
            _set_person_fields(person, data)
            _apply_person_save(
                actor=actor,
                person=person,
                old_person=old,
                username=data.get("username", old.user.username),
                email=data.get("email", old.user.email),
                password_hash=None,
                message=note,
            )
        else:
            obj = (
                Person.objects.unscoped("row lock of the approved change's person")
                .select_for_update()
                .select_related("user")
                .get(pk=locked.person_id)
            )
            active = locked.kind == PendingKind.ACTIVATE
            if obj.user.is_active != active:
                _apply_set_active(actor=actor, obj=obj, target=obj.user, active=active)
        _decide(actor, locked, PendingStatus.APPROVED, "")
        return locked


def pending_change_reject(*, actor: Any, change: PendingChange, reason: str = "") -> PendingChange:
    """The security administrator rejects: nothing changes but the change's status."""
    with transaction.atomic():
        locked = _locked_pending(actor, change)
        _decide(actor, locked, PendingStatus.REJECTED, reason.strip()[:300])
        return locked


def _set_person_fields(person: Person, data: dict[str, Any]) -> None:
    for name in PERSON_FIELDS:
        if name in data:
            setattr(person, name, data[name])


def _decide(actor: Any, change: PendingChange, status: str, reason: str) -> None:
    change.status = status
    change.decided_by_id = policy.as_actor(actor).user_id
    change.decided_at = timezone.now()
    change.reason = reason
    change.save(update_fields=["status", "decided_by", "decided_at", "reason", "person"])
    record_event(
        actor=actor,
        obj=change,
        action="change_approved" if status == PendingStatus.APPROVED else "change_rejected",
        before={"status": PendingStatus.PENDING},
        after={"status": status, "reason": reason} if reason else {"status": status},
    )


def unlock_account(*, actor: Any, person: Person) -> int:
    """The security administrator lifts a sign-in lockout (django-axes); audited."""
    from axes.utils import reset

    policy.require(
        actor,
        "administer_security",
        message=_("Only the security administrator unlocks accounts."),
    )
    with transaction.atomic():
        cleared = int(reset(username=person.user.get_username()) or 0)
        record_event(actor=actor, obj=person, action="unlock", after={"attempts_cleared": cleared})
        return cleared


WORK_NOTICE_ID_FIELDS = ("dingtalk_userid", "wecom_userid")


def person_set_work_notice_ids(*, actor: Any, ids: dict[str, str]) -> Person:
    """A person keeps their own DingTalk / WeCom user ids (for work notices to them) on their
    notification preferences; only the fields given change. Audited like any person change."""
    actor_person_id = policy.as_actor(actor).person_id
    if actor_person_id is None:
        raise PermissionDenied(_("Your account has no personal profile to keep these ids in."))
    unknown = set(ids) - set(WORK_NOTICE_ID_FIELDS)
    if unknown:
        raise ValueError(f"not a work-notice id field: {sorted(unknown)}")
    with transaction.atomic():
        person = (
            Person.objects.unscoped("the actor's own profile")
            .select_for_update()
            .get(pk=actor_person_id)
        )
        before = {name: getattr(person, name) for name in ids}
        for name, value in ids.items():
            setattr(person, name, value.strip())
        person.full_clean(exclude=[f.name for f in Person._meta.fields if f.name not in ids])
        b, a = diff_fields(before, {name: getattr(person, name) for name in ids})
        if a or b:
            person.save(update_fields=list(ids))
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

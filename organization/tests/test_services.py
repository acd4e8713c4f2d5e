"""Writes to the directory: atomic, audited with before/after, and never a hard delete."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from core.audit import verify_chain
from core.models import AuditEvent
from ledger.models import Measure
from organization import services
from organization.choices import UnitKind, UnitRole
from organization.models import LiaisonGroup, Organization, Person, TaskForce, Theme, Unit

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW_PASSWORD = "Qingshui-Hebian-2031"


def events_of(obj: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=obj.pk).order_by(
            "seq"
        )
    )


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()


@pytest.fixture
def office(world: Any) -> Any:
    return world.user("office")


@pytest.fixture
def org(world: Any) -> Organization:
    return world.org


# --- create and update -------------------------------------------------------------------


def test_creating_a_unit_records_who_created_it_and_what_it_holds(office: Any, org: Any) -> None:
    group = LiaisonGroup.objects.get(name="第三联络组")
    unit = services.directory_save(
        actor=office,
        instance=Unit(
            organization=org, name="保卫处", kind=UnitKind.DEPARTMENT, liaison_group=group
        ),
    )
    [event] = events_of(unit)
    assert event.action == "create"
    assert event.actor_id == office.pk
    assert event.before is None
    assert event.after["name"] == "保卫处"
    assert event.after["kind"] == UnitKind.DEPARTMENT
    assert event.after["liaison_group_id"] == group.pk
    assert event.after["is_active"] is True


def test_updating_a_unit_records_only_the_fields_that_changed(office: Any, world: Any) -> None:
    unit = world.unit(world.BRANCH1)
    unit.sort_order = 42
    services.directory_save(actor=office, instance=unit)
    event = events_of(unit)[-1]
    assert event.action == "update"
    assert event.before == {"sort_order": 0}
    assert event.after == {"sort_order": 42}


def test_saving_a_unit_unchanged_writes_no_event(office: Any, world: Any) -> None:
    unit = world.unit(world.BRANCH1)
    count = AuditEvent.objects.count()
    services.directory_save(actor=office, instance=unit)
    assert AuditEvent.objects.count() == count


def test_changing_task_force_members_records_the_member_ids(office: Any, world: Any) -> None:
    tf = TaskForce.objects.order_by("id").first()
    old = sorted(tf.members.values_list("id", flat=True))
    newcomer = world.user("staff1").person
    services.directory_save(
        actor=office, instance=tf, m2m={"members": [*tf.members.all(), newcomer]}
    )
    assert newcomer in tf.members.all()
    event = events_of(tf)[-1]
    assert event.action == "update"
    assert event.before == {"members": old}
    assert event.after == {"members": sorted([*old, newcomer.pk])}


def test_a_liaison_group_takes_the_units_listed_and_releases_the_others(
    office: Any, world: Any
) -> None:
    group = LiaisonGroup.objects.get(name="第七联络组")
    before = sorted(group.units.values_list("id", flat=True))
    kept = world.unit(world.BRANCH7)
    newcomer = Unit.objects.create(organization=world.org, name="保卫处", kind=UnitKind.DEPARTMENT)
    services.directory_save(actor=office, instance=group, m2m={}, units=[kept, newcomer])
    assert set(group.units.all()) == {kept, newcomer}
    released = set(before) - {kept.pk}
    assert released
    assert not Unit.objects.filter(pk__in=released, liaison_group__isnull=False).exists()
    event = events_of(group)[-1]
    assert event.before == {"units": before}
    assert event.after == {"units": sorted([kept.pk, newcomer.pk])}


def test_a_duplicate_name_is_refused_and_nothing_is_written(office: Any, org: Any) -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.directory_save(
            actor=office,
            instance=Unit(organization=org, name="人事处", kind=UnitKind.DEPARTMENT),
        )
    assert Unit.objects.filter(name="人事处").count() == 1
    assert AuditEvent.objects.count() == count


def test_changing_the_organization_settings_is_audited(office: Any, org: Organization) -> None:
    org.warn_days = 7
    services.organization_update(actor=office, organization=org)
    event = events_of(org)[-1]
    assert (event.action, event.before, event.after) == (
        "update",
        {"warn_days": 10},
        {"warn_days": 7},
    )


def test_a_theme_moves_to_another_task_force_with_audit(office: Any) -> None:
    theme = Theme.objects.get(name="党的建设")
    old_tf = theme.task_force_id
    other_tf = TaskForce.objects.exclude(pk=old_tf).get()
    theme.task_force = other_tf
    services.directory_save(actor=office, instance=theme)
    event = events_of(theme)[-1]
    assert event.before == {"task_force_id": old_tf}
    assert event.after == {"task_force_id": other_tf.pk}


# --- deactivate, never delete -----------------------------------------------------------


def test_deactivating_a_unit_keeps_it_and_its_measures(office: Any, world: Any) -> None:
    unit = world.unit(world.BRANCH7)
    measures = Measure.objects.filter(lead_unit=unit).count()
    assert measures
    services.directory_set_active(actor=office, instance=unit, active=False)
    unit.refresh_from_db()
    assert unit.is_active is False
    assert Measure.objects.filter(lead_unit=unit).count() == measures
    event = events_of(unit)[-1]
    assert (event.action, event.before, event.after) == (
        "deactivate",
        {"is_active": True},
        {"is_active": False},
    )


def test_deactivating_twice_writes_one_event(office: Any, world: Any) -> None:
    unit = world.unit(world.BRANCH7)
    services.directory_set_active(actor=office, instance=unit, active=False)
    count = AuditEvent.objects.count()
    services.directory_set_active(actor=office, instance=unit, active=False)
    assert AuditEvent.objects.count() == count


def test_a_deactivated_unit_can_be_reactivated(office: Any, world: Any) -> None:
    unit = world.unit(world.BRANCH7)
    services.directory_set_active(actor=office, instance=unit, active=False)
    services.directory_set_active(actor=office, instance=unit, active=True)
    unit.refresh_from_db()
    assert unit.is_active is True
    assert [e.action for e in events_of(unit)][-2:] == ["deactivate", "activate"]


def test_deactivating_a_person_disables_the_login_but_keeps_the_person(
    office: Any, world: Any
) -> None:
    person = world.user("staff1").person
    services.directory_set_active(actor=office, instance=person, active=False)
    person.refresh_from_db()
    assert Person.objects.filter(pk=person.pk).exists()
    assert person.is_active is False
    assert person.user.is_active is False
    assert person.user.check_password("Rectify-2021")  # the password is kept for reactivation
    event = events_of(person)[-1]
    assert (event.action, event.before, event.after) == (
        "deactivate",
        {"is_active": True},
        {"is_active": False},
    )
    services.directory_set_active(actor=office, instance=person, active=True)
    assert User.objects.get(pk=person.user_id).is_active is True


@pytest.mark.parametrize("model", [LiaisonGroup, TaskForce, Theme])
def test_groups_task_forces_and_themes_are_deactivated_not_deleted(
    model: type, office: Any
) -> None:
    obj = model.objects.order_by("id").first()
    services.directory_set_active(actor=office, instance=obj, active=False)
    obj.refresh_from_db()
    assert obj.is_active is False
    assert events_of(obj)[-1].action == "deactivate"


# --- people ------------------------------------------------------------------------------


def new_person(org: Organization, unit: Unit, **fields: Any) -> Person:
    return Person(organization=org, name="新同志", unit=unit, unit_role=UnitRole.STAFF, **fields)


def test_creating_a_person_creates_the_account_and_audits_it_without_the_password(
    office: Any, org: Organization, world: Any
) -> None:
    person = services.person_save(
        actor=office,
        person=new_person(org, world.unit(world.BRANCH1), birth_year=1998),
        username="newcomer",
        email="newcomer@example.edu.cn",
        password=NEW_PASSWORD,
    )
    user = User.objects.get(username="newcomer")
    assert person.user == user
    assert user.check_password(NEW_PASSWORD)
    assert user.first_name == "新同志"
    [event] = events_of(person)
    assert event.action == "create"
    assert event.after["username"] == "newcomer"
    assert event.after["email"] == "newcomer@example.edu.cn"
    assert event.after["birth_year"] == 1998
    text = json.dumps([event.before, event.after, event.message], ensure_ascii=False)
    assert NEW_PASSWORD not in text
    assert user.password not in text


def test_a_person_created_without_a_password_cannot_sign_in(
    office: Any, org: Organization, world: Any
) -> None:
    services.person_save(
        actor=office,
        person=new_person(org, world.unit(world.BRANCH1)),
        username="nopassword",
        email="",
    )
    assert not User.objects.get(username="nopassword").has_usable_password()


def test_an_invalid_person_leaves_no_account_behind(
    office: Any, org: Organization, world: Any
) -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.person_save(
            actor=office,
            person=new_person(org, world.unit(world.BRANCH1), birth_year=1800),
            username="ghost",
            email="",
            password=NEW_PASSWORD,
        )
    assert not User.objects.filter(username="ghost").exists()
    assert AuditEvent.objects.count() == count


def test_renaming_a_person_updates_the_account_and_records_before_and_after(
    office: Any, world: Any
) -> None:
    person = world.user("staff1").person
    old_name, old_username = person.name, person.user.username
    person.name = "改名同志"
    services.person_save(actor=office, person=person, username="staff1b", email="s@example.edu.cn")
    user = User.objects.get(pk=person.user_id)
    assert (user.username, user.first_name) == ("staff1b", "改名同志")
    event = events_of(person)[-1]
    assert event.action == "update"
    assert event.before["name"] == old_name
    assert event.before["username"] == old_username
    assert event.after["name"] == "改名同志"
    assert event.after["username"] == "staff1b"


def test_resetting_a_password_is_audited_without_the_password(world: Any) -> None:
    admin = world.user("admin")
    person = world.user("staff1").person
    services.person_set_password(actor=admin, person=person, password=NEW_PASSWORD)
    user = User.objects.get(pk=person.user_id)
    assert user.check_password(NEW_PASSWORD)
    event = events_of(person)[-1]
    assert event.action == "password_reset"
    assert event.actor_id == admin.pk
    assert event.before is None and event.after is None
    everything = json.dumps(
        list(AuditEvent.objects.values("before", "after", "message")), ensure_ascii=False
    )
    assert NEW_PASSWORD not in everything
    assert user.password not in everything


def test_every_directory_write_keeps_the_audit_chain_intact(office: Any, world: Any) -> None:
    unit = world.unit(world.BRANCH7)
    unit.sort_order = 9
    services.directory_save(actor=office, instance=unit)
    services.directory_set_active(actor=office, instance=unit, active=False)
    services.person_set_password(
        actor=world.user("admin"), person=world.user("staff1").person, password=NEW_PASSWORD
    )
    assert verify_chain().ok

"""The access choke point: roles derived from memberships, and who sees or changes the directory."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import models

from demo.organization_demo import BRANCHES
from organization.choices import Role, UnitKind
from organization.models import LiaisonGroup, Organization, Person, TaskForce, Theme, Unit
from organization.scope import (
    ANONYMOUS,
    CAPABILITIES,
    actor_for,
    forget_actor,
    has_capability,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
DIRECTORY = (Organization, Unit, LiaisonGroup, TaskForce, Theme, Person)
OFFICE_UNIT = "纪委办公室"

ADMIN = Role.ADMIN
LEADER = Role.LEADER
OFFICE = Role.OFFICE
TASK_FORCE = Role.TASK_FORCE
LIAISON = Role.LIAISON
UNIT_HEAD = Role.UNIT_HEAD
UNIT_STAFF = Role.UNIT_STAFF

# What each demo account may do follows from where it sits in the organization.
EXPECTED_ROLES: dict[str, set[str]] = {
    "admin": {ADMIN},
    # The office director heads the discipline office and leads both task forces.
    "office": {OFFICE, UNIT_HEAD, TASK_FORCE},
    "office2": {OFFICE, UNIT_STAFF},
    "leader": {LEADER},
    "taskforce1": {TASK_FORCE, UNIT_STAFF},
    "taskforce2": {TASK_FORCE, UNIT_STAFF},
    **{f"liaison{i}": {LIAISON, UNIT_STAFF} for i in range(1, 8)},
    **{f"branch{i}": {UNIT_HEAD} for i in range(1, 8)},
    "staff1": {UNIT_STAFF},
    **{f"dept{i}": {UNIT_HEAD} for i in range(1, 5)},
}
DEPARTMENTS_OF_DEPT_ACCOUNTS = ["党委办公室", "人事处", "学生工作处(团委)", "图文信息中心"]
GROUP_NAMES = [f"第{n}联络组" for n in "一二三四五六七"]


def fresh(username: str) -> Any:
    """The user as a new request would load it: no Actor cached yet."""
    return User.objects.get(username=username)


def directory_counts(org: Organization) -> dict[type, int]:
    return {
        Organization: 1,
        Unit: Unit.objects.filter(organization=org).count(),
        LiaisonGroup: LiaisonGroup.objects.filter(organization=org).count(),
        TaskForce: TaskForce.objects.filter(organization=org).count(),
        Theme: Theme.objects.filter(organization=org).count(),
        Person: Person.objects.filter(organization=org).count(),
    }


def another_organization() -> tuple[Organization, User]:
    """A second college with one unit, one group, one task force, one theme and its office."""
    org = Organization.objects.create(name="另一所学院")
    group = LiaisonGroup.objects.create(organization=org, name="第一联络组")
    unit = Unit.objects.create(
        organization=org, name="航空运输系党支部", kind=UnitKind.BRANCH, liaison_group=group
    )
    tf = TaskForce.objects.create(organization=org, name="党建专班")
    Theme.objects.create(organization=org, name="党的建设", task_force=tf)
    user = User.objects.create_user("other_office", password="x")
    Person.objects.create(user=user, organization=org, name="外校整改办", unit=unit, is_office=True)
    return org, user


# --- roles -------------------------------------------------------------------------------


@pytest.mark.parametrize("username", sorted(EXPECTED_ROLES))
def test_each_demo_account_gets_the_roles_its_memberships_give(username: str) -> None:
    actor = actor_for(fresh(username))
    assert set(actor.roles) == EXPECTED_ROLES[username]
    assert actor.is_authenticated
    assert actor.organization_id == Organization.objects.get().pk


@pytest.mark.parametrize("n", range(1, 8))
def test_branch_secretary_n_heads_the_nth_branch_of_the_seed(n: int, world: Any) -> None:
    actor = actor_for(fresh(f"branch{n}"))
    branch = world.unit(BRANCHES[n - 1])
    assert actor.head_unit_ids == {branch.pk}
    assert actor.unit_ids == {branch.pk}
    assert actor.unit_id == branch.pk
    assert not actor.liaison_group_ids and not actor.task_force_ids
    assert not actor.sees_all and not actor.manages_all


@pytest.mark.parametrize("n", range(1, 8))
def test_liaison_n_belongs_to_the_nth_liaison_group(n: int) -> None:
    actor = actor_for(fresh(f"liaison{n}"))
    group = LiaisonGroup.objects.get(name=GROUP_NAMES[n - 1])
    assert actor.liaison_group_ids == {group.pk}
    assert not actor.head_unit_ids


@pytest.mark.parametrize("n", range(1, 5))
def test_department_account_n_heads_its_department(n: int, world: Any) -> None:
    actor = actor_for(fresh(f"dept{n}"))
    assert actor.head_unit_ids == {world.unit(DEPARTMENTS_OF_DEPT_ACCOUNTS[n - 1]).pk}


def test_task_force_members_belong_to_their_own_task_force_only() -> None:
    tf1, tf2 = TaskForce.objects.order_by("sort_order", "id")
    assert actor_for(fresh("taskforce1")).task_force_ids == {tf1.pk}
    assert actor_for(fresh("taskforce2")).task_force_ids == {tf2.pk}


def test_staff_member_works_in_branch_one_without_heading_it(world: Any) -> None:
    actor = actor_for(fresh("staff1"))
    branch1 = world.unit(world.BRANCH1)
    assert actor.unit_id == branch1.pk
    assert actor.unit_ids == {branch1.pk}
    assert actor.head_unit_ids == frozenset()


def test_the_office_director_heads_the_discipline_office_and_leads_both_task_forces(
    world: Any,
) -> None:
    actor = actor_for(fresh("office"))
    assert actor.head_unit_ids == {world.unit(OFFICE_UNIT).pk}
    assert actor.task_force_ids == set(TaskForce.objects.values_list("id", flat=True))
    assert actor.sees_all and actor.manages_all


def test_the_leader_sees_everything_but_manages_nothing() -> None:
    actor = actor_for(fresh("leader"))
    assert actor.sees_all
    assert not actor.manages_all


def test_a_person_may_hold_several_roles_at_once() -> None:
    person = Person.objects.get(user__username="branch1")
    TaskForce.objects.order_by("id").first().members.add(person)
    LiaisonGroup.objects.get(name=GROUP_NAMES[6]).members.add(person)
    person.is_leader = True
    person.save()
    assert set(actor_for(fresh("branch1")).roles) == {UNIT_HEAD, TASK_FORCE, LIAISON, LEADER}


def test_membership_of_a_deactivated_group_gives_no_role() -> None:
    group = LiaisonGroup.objects.get(name=GROUP_NAMES[0])
    group.is_active = False
    group.save()
    actor = actor_for(fresh("liaison1"))
    assert LIAISON not in actor.roles
    assert actor.liaison_group_ids == frozenset()


def test_membership_of_a_deactivated_task_force_gives_no_role() -> None:
    TaskForce.objects.filter(members__user__username="taskforce1").update(is_active=False)
    assert TASK_FORCE not in actor_for(fresh("taskforce1")).roles


def test_a_superuser_flag_makes_a_person_an_administrator() -> None:
    User.objects.filter(username="staff1").update(is_superuser=True)
    assert ADMIN in actor_for(fresh("staff1")).roles


def test_the_actor_is_cached_on_the_user_until_forgotten() -> None:
    user = fresh("branch1")
    first = actor_for(user)
    Person.objects.filter(user=user).update(is_leader=True)
    assert actor_for(user) is first
    forget_actor(user)
    assert LEADER in actor_for(user).roles


# --- people who are no one ---------------------------------------------------------------


def test_a_user_without_a_person_has_no_roles_and_sees_nothing() -> None:
    user = User.objects.create_user("nobody", password="Rectify-2021")
    actor = actor_for(user)
    assert actor.roles == frozenset()
    assert not actor.is_authenticated
    assert actor.organization_id is None
    for model in DIRECTORY:
        assert not model.objects.visible_to(user).exists(), model
        assert not model.objects.editable_by(user).exists(), model
    assert not any(has_capability(user, cap) for cap in CAPABILITIES)


def test_a_superuser_without_a_person_sees_nothing_either() -> None:
    user = User.objects.create_superuser("root", password="Rectify-2021")
    assert actor_for(user).roles == frozenset()
    for model in DIRECTORY:
        assert not model.objects.visible_to(user).exists(), model


@pytest.mark.parametrize("username", ["admin", "office", "branch1"])
def test_a_deactivated_user_is_anonymous(username: str) -> None:
    User.objects.filter(username=username).update(is_active=False)
    user = fresh(username)
    assert actor_for(user) is ANONYMOUS
    for model in DIRECTORY:
        assert not model.objects.visible_to(user).exists(), model
        assert not model.objects.editable_by(user).exists(), model
    assert not any(has_capability(user, cap) for cap in CAPABILITIES)


def test_an_anonymous_visitor_is_no_one_and_sees_nothing() -> None:
    assert actor_for(AnonymousUser()) is ANONYMOUS
    assert actor_for(None) is ANONYMOUS
    for model in DIRECTORY:
        assert not model.objects.visible_to(AnonymousUser()).exists(), model


# --- the directory -----------------------------------------------------------------------


@pytest.mark.parametrize("username", sorted(EXPECTED_ROLES))
def test_everyone_in_the_organization_reads_the_whole_directory(username: str) -> None:
    org = Organization.objects.get()
    user = fresh(username)
    for model, total in directory_counts(org).items():
        assert model.objects.visible_to(user).count() == total, model


@pytest.mark.parametrize("username", ["admin", "office", "office2"])
def test_the_office_and_administrators_may_change_the_whole_directory(username: str) -> None:
    org = Organization.objects.get()
    user = fresh(username)
    for model, total in directory_counts(org).items():
        assert model.objects.editable_by(user).count() == total, model


@pytest.mark.parametrize(
    "username", ["leader", "taskforce1", "liaison1", "branch1", "staff1", "dept1"]
)
def test_nobody_else_may_change_any_of_the_directory(username: str) -> None:
    user = fresh(username)
    for model in DIRECTORY:
        assert not model.objects.editable_by(user).exists(), model


def of(model: type, org: Organization) -> dict[str, int]:
    return {"pk": org.pk} if model is Organization else {"organization_id": org.pk}


def test_nobody_sees_or_changes_another_organizations_directory() -> None:
    demo = Organization.objects.get()
    other, other_office = another_organization()
    for username in ("admin", "office", "leader", "branch1"):
        user = fresh(username)
        for model in DIRECTORY:
            assert not model.objects.visible_to(user).filter(**of(model, other)).exists()
            assert not model.objects.editable_by(user).filter(**of(model, other)).exists()
    for model in DIRECTORY:
        assert not model.objects.visible_to(other_office).filter(**of(model, demo)).exists()
        assert model.objects.editable_by(other_office).filter(**of(model, other)).exists()


# --- capabilities ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capability", "allowed"),
    [
        ("organization.view", {"admin", "office", "office2", "leader"}),
        ("organization.manage", {"admin", "office", "office2"}),
        ("people.reset_password", {"admin"}),
        ("audit.view", {"admin", "office", "office2", "leader"}),
        ("review.liaison", {f"liaison{i}" for i in range(1, 8)}),
        ("review.office", {"admin", "office", "office2"}),
        ("dashboard.view", set(EXPECTED_ROLES)),
    ],
)
def test_only_the_right_accounts_hold_each_capability(capability: str, allowed: set[str]) -> None:
    holders = {u for u in EXPECTED_ROLES if has_capability(fresh(u), capability)}
    assert holders == allowed


def test_every_capability_names_only_known_roles() -> None:
    for capability, roles in CAPABILITIES.items():
        assert roles, capability
        assert roles <= set(Role.values), capability


def _memberships_by_the_orm(person: Person) -> dict[str, frozenset[int]]:
    """The memberships as the ORM reads them, one relation at a time: what the one-statement
    read in `organization.scope` must equal."""
    reason = "the reference reads of a test"
    groups = LiaisonGroup.objects.unscoped(reason).filter(is_active=True)
    liaison = frozenset(groups.filter(members=person).values_list("id", flat=True)) | frozenset(
        groups.filter(leader=person).values_list("id", flat=True)
    )
    forces = TaskForce.objects.unscoped(reason).filter(is_active=True)
    task_forces = frozenset(forces.filter(members=person).values_list("id", flat=True)) | frozenset(
        forces.filter(leader=person).values_list("id", flat=True)
    )
    units = Unit.objects.unscoped(reason)
    return {
        "task_force": task_forces,
        "liaison_group": liaison,
        "grid_unit": frozenset(
            units.filter(liaison_group_id__in=liaison).values_list("id", flat=True)
        ),
        "head_unit": frozenset(
            units.filter(is_active=True)
            .filter(models.Q(party_secretary=person) | models.Q(admin_head=person))
            .values_list("id", flat=True)
        ),
    }


def test_the_memberships_read_in_one_statement_are_the_orms_for_everyone(world: Any) -> None:
    from organization.scope import _memberships

    reason = "a test compares every person"
    people = Person.objects.unscoped(reason)
    # Twists the demo lacks: a group led by someone outside it, a deactivated group with
    # members, a person leading a task force they are not a member of, a deactivated unit
    # its secretary still names.
    group = LiaisonGroup.objects.unscoped(reason).order_by("id").first()
    outsider = people.exclude(liaison_groups=group).exclude(led_liaison_groups=group).first()
    assert group and outsider
    LiaisonGroup.objects.unscoped(reason).filter(pk=group.pk).update(leader=outsider)
    other = LiaisonGroup.objects.unscoped(reason).exclude(pk=group.pk).order_by("id").first()
    assert other and other.members.exists()
    LiaisonGroup.objects.unscoped(reason).filter(pk=other.pk).update(is_active=False)
    force = TaskForce.objects.unscoped(reason).order_by("id").first()
    assert force
    TaskForce.objects.unscoped(reason).filter(pk=force.pk).update(leader=outsider)
    unit = Unit.objects.unscoped(reason).exclude(party_secretary=None).order_by("id").first()
    assert unit
    Unit.objects.unscoped(reason).filter(pk=unit.pk).update(is_active=False)
    seen = 0
    for person in people.order_by("id"):
        assert _memberships(person.pk) == _memberships_by_the_orm(person), person.name
        seen += 1
    assert seen > 20
    assert _memberships(outsider.pk)["liaison_group"] >= {group.pk}
    assert _memberships(outsider.pk)["task_force"] >= {force.pk}

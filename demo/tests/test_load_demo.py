"""The demo college: loaded from the seed, safe to load again, and every account works."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from ledger.choices import MeasureState
from ledger.models import Finding, Inspection, Measure
from organization.choices import Role, UnitKind, UnitRole
from organization.models import LiaisonGroup, Organization, Person, TaskForce, Theme, Unit
from organization.scope import actor_for

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Rectify-2021"

# As the seed names them, in the order it names them.
SEED_BRANCHES = [
    "航空运输系党支部",
    "航空乘务系党支部",
    "空港管理系党支部",
    "航空维修系党支部",
    "航空制造系党支部",
    "基础教学部党支部",
    "行政管理党支部",
]
SEED_DEPARTMENTS = ["党委办公室", "人事处", "学生工作处(团委)", "图文信息中心"]
DISCIPLINE_OFFICE = "纪委办公室"
SEED_TASK_FORCES = [
    "党建和党风廉政建设问题整改落实工作专班",
    "意识形态和思想政治工作问题整改落实工作专班",
]
ACCOUNTS = (
    ["admin", "office", "office2", "leader", "taskforce1", "taskforce2"]
    + [f"liaison{i}" for i in range(1, 8)]
    + [f"branch{i}" for i in range(1, 8)]
    + ["staff1"]
    + [f"dept{i}" for i in range(1, 5)]
)


def inventory() -> dict[str, Any]:
    """Everything a second load must leave exactly as it was."""
    return {
        "organizations": list(Organization.objects.values_list("id", "name", "office_director")),
        "units": list(
            Unit.objects.order_by("id").values_list(
                "id", "name", "kind", "liaison_group", "party_secretary", "admin_head", "is_active"
            )
        ),
        "groups": list(LiaisonGroup.objects.order_by("id").values_list("id", "name", "leader")),
        "group_members": sorted(
            LiaisonGroup.members.through.objects.values_list("liaisongroup", "person")
        ),
        "task_forces": list(TaskForce.objects.order_by("id").values_list("id", "name", "leader")),
        "themes": list(Theme.objects.order_by("id").values_list("id", "name", "task_force")),
        "people": list(
            Person.objects.order_by("id").values_list(
                "id", "user__username", "name", "unit", "unit_role"
            )
        ),
        "users": User.objects.count(),
        "inspections": Inspection.objects.count(),
        "findings": Finding.objects.count(),
        "measures": list(Measure.objects.order_by("id").values_list("id", "state", "due_date")),
        "audit_events": AuditEvent.objects.count(),
    }


# --- loading -----------------------------------------------------------------------------


def test_loading_the_demo_again_changes_nothing(world: Any) -> None:
    before = inventory()
    call_command("load_demo", quiet=True)
    assert inventory() == before


def test_if_empty_leaves_an_existing_database_alone(world: Any) -> None:
    before = inventory()
    out = StringIO()
    call_command("load_demo", "--if-empty", "--quiet", stdout=out)
    assert "already holds data" in out.getvalue()
    assert inventory() == before


def test_loading_prints_every_demo_login_and_the_shared_password(world: Any) -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert PASSWORD in text
    for username in ACCOUNTS:
        assert f"  {username} " in text, username


# --- the demo follows the seed -----------------------------------------------------------


def test_the_seven_directly_affiliated_branches_are_those_of_the_seed_in_its_order() -> None:
    branches = Unit.objects.filter(kind=UnitKind.BRANCH).order_by("sort_order", "id")
    assert [u.name for u in branches] == SEED_BRANCHES


def test_the_departments_that_reported_and_the_discipline_office_exist() -> None:
    departments = set(Unit.objects.filter(kind=UnitKind.DEPARTMENT).values_list("name", flat=True))
    assert {*SEED_DEPARTMENTS, DISCIPLINE_OFFICE} <= departments


def test_the_two_task_forces_of_the_seed_exist_and_own_themes() -> None:
    task_forces = TaskForce.objects.order_by("sort_order", "id")
    assert [tf.name for tf in task_forces] == SEED_TASK_FORCES
    for tf in task_forces:
        assert tf.themes.exists(), tf.name
        assert tf.members.exists(), tf.name
    assert (
        TaskForce.objects.get(name=SEED_TASK_FORCES[0])
        .members.filter(user__username="taskforce1")
        .exists()
    )
    assert (
        TaskForce.objects.get(name=SEED_TASK_FORCES[1])
        .members.filter(user__username="taskforce2")
        .exists()
    )


def test_seven_liaison_groups_each_follow_one_branch() -> None:
    groups = list(LiaisonGroup.objects.order_by("sort_order", "id"))
    assert len(groups) == 7
    for n, (group, branch) in enumerate(zip(groups, SEED_BRANCHES, strict=True), start=1):
        assert list(group.units.filter(kind=UnitKind.BRANCH).values_list("name", flat=True)) == [
            branch
        ]
        assert group.leader.user.username == f"liaison{n}"
        assert group.members.filter(user__username=f"liaison{n}").exists()


def test_every_unit_sits_in_exactly_one_grid() -> None:
    assert not Unit.objects.filter(liaison_group__isnull=True).exists()
    grid_units = [u.pk for g in LiaisonGroup.objects.all() for u in g.units.all()]
    assert sorted(grid_units) == sorted(Unit.objects.values_list("id", flat=True))


def test_the_office_director_is_the_discipline_committee_secretary() -> None:
    org = Organization.objects.get()
    director = org.office_director
    assert director.user.username == "office"
    assert "纪委书记" in director.position
    assert director.is_office
    assert director.unit.name == DISCIPLINE_OFFICE
    assert Unit.objects.get(name=DISCIPLINE_OFFICE).party_secretary == director
    assert set(TaskForce.objects.values_list("leader", flat=True)) == {director.pk}


@pytest.mark.parametrize("n", range(1, 8))
def test_branch_n_is_the_party_secretary_of_the_nth_branch_of_the_seed(n: int) -> None:
    person = Person.objects.get(user__username=f"branch{n}")
    branch = Unit.objects.get(name=SEED_BRANCHES[n - 1])
    assert branch.party_secretary == person
    assert person.unit == branch
    assert person.unit_role == UnitRole.HEAD
    assert branch.admin_head is not None and branch.admin_head != person


@pytest.mark.parametrize("n", range(1, 5))
def test_dept_n_heads_the_nth_department_that_reported(n: int) -> None:
    person = Person.objects.get(user__username=f"dept{n}")
    assert person.unit.name == SEED_DEPARTMENTS[n - 1]
    assert person.unit.admin_head == person


def test_staff1_is_an_ordinary_member_of_branch_one() -> None:
    person = Person.objects.get(user__username="staff1")
    assert person.unit.name == SEED_BRANCHES[0]
    assert person.unit_role == UnitRole.STAFF


# The role each account exists to demonstrate.
KEY_ROLE = {
    "admin": Role.ADMIN,
    "office": Role.OFFICE,
    "office2": Role.OFFICE,
    "leader": Role.LEADER,
    "taskforce1": Role.TASK_FORCE,
    "taskforce2": Role.TASK_FORCE,
    **{f"liaison{i}": Role.LIAISON for i in range(1, 8)},
    **{f"branch{i}": Role.UNIT_HEAD for i in range(1, 8)},
    "staff1": Role.UNIT_STAFF,
    **{f"dept{i}": Role.UNIT_HEAD for i in range(1, 5)},
}


@pytest.mark.parametrize("username", ACCOUNTS)
def test_each_demo_account_exists_with_the_role_it_demonstrates(username: str) -> None:
    user = User.objects.get(username=username)
    assert user.is_active
    assert user.check_password(PASSWORD)
    assert KEY_ROLE[username] in actor_for(user).roles


# --- every account signs in and finds its own home page ----------------------------------

MANAGERS = {"admin", "office", "office2"}
SEE_ALL = MANAGERS | {"leader"}
WITHOUT_UNIT = {"admin", "leader"}


def sections_expected(username: str) -> tuple[set[str], set[str]]:
    """(sections the home page must show, sections it must not show) for an account."""
    must = {"overdue", "due_soon"}
    must_not: set[str] = set()
    (must if username in MANAGERS else must_not).add("office_close")
    (must if username.startswith("liaison") else must_not).add("liaison_review")
    (must_not if username in WITHOUT_UNIT else must).add("unit_open")
    if username in SEE_ALL or username.startswith("taskforce"):
        must.add("flagged")
    return must, must_not


def section_keys(response: Any) -> set[str]:
    import re

    return set(re.findall(r'data-testid="section-([a-z_]+)"', response.content.decode()))


@pytest.fixture(autouse=True)
def no_lockouts(db: Any) -> Any:
    from axes.utils import reset

    reset()
    yield
    reset()


@pytest.mark.parametrize("username", ACCOUNTS)
def test_each_demo_account_signs_in_and_sees_its_own_home_page(username: str) -> None:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, username
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert Person.objects.get(user__username=username).name in home.content.decode()
    must, must_not = sections_expected(username)
    keys = section_keys(home)
    assert must <= keys, (username, keys)
    assert not (must_not & keys), (username, keys)


def sections_of(client: Client) -> dict[str, Any]:
    return {s.key: s for s in client.get(reverse("home")).context["sections"]}


def test_the_office_finds_the_measures_awaiting_close_out(world: Any) -> None:
    section = sections_of(world.client("office"))["office_close"]
    waiting = Measure.objects.filter(state=MeasureState.PENDING_CLOSE)
    assert section.count == waiting.count() > 0
    assert all(m.state == MeasureState.PENDING_CLOSE for m in section.measures)


def test_liaison_one_finds_the_close_out_requests_of_its_grid(world: Any) -> None:
    section = sections_of(world.client("liaison1"))["liaison_review"]
    grid = LiaisonGroup.objects.get(leader__user__username="liaison1")
    waiting = Measure.objects.filter(
        state=MeasureState.PENDING_REVIEW, lead_unit__liaison_group=grid
    )
    assert section.count == waiting.count()
    assert all(m.lead_unit.liaison_group_id == grid.pk for m in section.measures)


def test_branch_one_finds_only_its_own_units_open_measures(world: Any) -> None:
    section = sections_of(world.client("branch1"))["unit_open"]
    branch1 = world.unit(SEED_BRANCHES[0])
    assert section.count > 0
    assert {m.lead_unit_id for m in section.measures} == {branch1.pk}
    assert all(
        m.state in (MeasureState.NOT_STARTED, MeasureState.IN_PROGRESS) for m in section.measures
    )


def test_the_leader_has_nothing_to_close_out(world: Any) -> None:
    assert "office_close" not in sections_of(world.client("leader"))

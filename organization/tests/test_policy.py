"""The one policy: every "may X" is answered in one place, and nothing outside the organization
app reads a role."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.template import Context, Template
from django.test import RequestFactory

from organization import policy

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# Reading a role directly: the flags on a person, the role names, the actor's role set and the
# role-derived shortcuts of the Actor. Outside organization/ these are asked of the policy.
ROLE_FLAG = re.compile(
    r"\b(is_office|is_leader|is_system_admin|is_superuser)\b(?!\()"
    r"|\bRole\.[A-Z_]+|actor\.roles|\.sees_all\b|\.manages_all\b|\.has\(\""
)
SKIP = ("organization", "demo", "bench", ".venv", "node_modules", "static", "test-output")


def _code_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in SKIP or "tests" in rel.parts or "migrations" in rel.parts:
            continue
        if path.suffix in (".py", ".html") and path.is_file():
            files.append(path)
    return files


def test_no_module_outside_organization_reads_a_role() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _code_files()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROLE_FLAG.search(line)
    ]
    assert not found, "ask organization.policy instead:\n" + "\n".join(found)


def test_every_rule_the_apps_need_is_registered() -> None:
    assert {
        "edit_measure",
        "edit_measure_fields",
        "add_measure",
        "request_extension",
        "review_office",
        "review_liaison",
        "report_for_unit",
        "see_unit_report",
        "edit_unit_report",
        "see_person_record",
        "view_track_records",
        "manage_people",
        "manage_admins",
        "manage_person",
        "urge",
        "import",
    } <= policy.rules()


def test_an_unknown_question_is_a_programming_error(world: Any) -> None:
    with pytest.raises(LookupError):
        policy.may(world.user("office"), "fly_to_the_moon")


def test_capabilities_of_the_one_table_are_questions_too(world: Any) -> None:
    assert policy.may(world.user("office"), "ledger.bulk")
    assert not policy.may(world.user("branch1"), "ledger.bulk")


def test_a_person_outside_any_organization_may_nothing(world: Any) -> None:
    from django.contrib.auth import get_user_model

    stranger = get_user_model().objects.create_user("stranger", password="x-Rectify-2031")
    assert not policy.may(stranger, "view_ledger")
    assert not policy.can_edit_measure(stranger, world.measure())


def test_require_says_why_in_the_refusal(world: Any) -> None:
    with pytest.raises(PermissionDenied, match="administrator"):
        policy.require(
            world.user("office"),
            "manage_admins",
            message="Only an administrator manages administrators.",
        )
    assert policy.require(world.user("admin"), "manage_admins").is_authenticated


@pytest.mark.parametrize(
    "username,may_edit",
    [("office", True), ("branch1", True), ("staff1", False), ("liaison1", False)],
)
def test_templates_ask_the_policy_through_one_tag(
    world: Any, username: str, may_edit: bool
) -> None:
    request = RequestFactory().get("/")
    request.user = world.user(username)
    measure = world.measure(state="in_progress")
    html = Template(
        '{% load policy %}{% may "edit_measure" m as ok %}{% if ok %}EDIT{% endif %}'
        '{% if request.user|may:"view_track_records" %}RECORDS{% endif %}'
    ).render(Context({"request": request, "m": measure}))
    assert ("EDIT" in html) == may_edit
    assert ("RECORDS" in html) == (username == "office")


def test_a_person_sees_their_own_track_record_and_readers_see_everyones(world: Any) -> None:
    me = world.user("branch1").person
    other = world.user("branch3").person
    assert policy.can_see_person_record(world.user("branch1"), me)
    assert not policy.can_see_person_record(world.user("branch1"), other)
    assert policy.can_see_person_record(world.user("leader"), other)


def test_the_unit_report_rules_are_the_ones_the_scope_applies(world: Any) -> None:
    from organization.models import Unit
    from reporting.models import UnitReport

    for username in ("branch1", "liaison1", "taskforce1", "leader", "dept1"):
        user = world.user(username)
        for unit in Unit.objects.filter(organization=world.org):
            report = UnitReport(unit=unit, inspection=world.inspection())
            in_scope = UnitReport.objects.visible_to(user).filter(unit=unit).exists()
            if in_scope:
                assert policy.can_see_unit_report(user, unit), (username, unit.name)
            assert report.unit_id == unit.pk

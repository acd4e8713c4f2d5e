"""三员分立: the system, security and audit administrators are three people; separated, the
system administrator's account and role changes take effect only once the security
administrator approves them, and none of the three reads business records."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from organization import policy, services
from organization.models import PendingChange, Person
from organization.tests.test_views import as_rendered
from tests.matrix import ADMINS, ROLES

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def separated(world: Any) -> Any:
    world.separate_duties()
    return world


def client_for(world: Any, username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.user(username))
    return client


def person(username: str) -> Person:
    return Person.objects.select_related("user").get(user__username=username)


def test_the_permission_matrix_has_the_three_administrators() -> None:
    assert set(ADMINS) <= set(ROLES)
    assert [ROLES[r] for r in ADMINS] == ["admin", "secadmin", "auditor"]


def test_an_account_change_by_the_system_administrator_waits_for_approval(separated: Any) -> None:
    admin, staff = separated.user("admin"), person("staff1")
    page = client_for(separated, "admin").get(reverse("organization:people_edit", args=[staff.pk]))
    data = as_rendered(page)
    data["is_leader"] = ["on"]
    data["position"] = ["支部书记助理"]
    response = client_for(separated, "admin").post(
        reverse("organization:people_edit", args=[staff.pk]), data
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert (staff.is_leader, staff.position) != (True, "支部书记助理")
    change = PendingChange.objects.get(person=staff, status="pending")
    assert change.requested_by == admin
    assert change.payload == {"is_leader": True, "position": "支部书记助理"}
    # Nothing changed: the role is not the person's until approved.
    assert not policy.sees_everything(policy.as_actor(staff.user))

    # The security administrator approves: now it takes effect, and both are in the trail.
    response = client_for(separated, "secadmin").post(
        reverse("organization:pending_approve", args=[change.pk])
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert (staff.is_leader, staff.position) == (True, "支部书记助理")
    change.refresh_from_db()
    assert change.status == "approved" and change.decided_by == separated.user("secadmin")
    actions = list(
        AuditEvent.objects.filter(object_type="organization.pendingchange", object_id=change.pk)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["change_approved"]
    requested = AuditEvent.objects.get(
        object_type="organization.person", object_id=staff.pk, action="change_requested"
    )
    assert requested.actor == admin and requested.after == change.payload
    update = AuditEvent.objects.filter(
        object_type="organization.person", object_id=staff.pk, action="update"
    ).latest("seq")
    assert update.actor == separated.user("secadmin")
    assert update.after["is_leader"] is True


def test_a_rejected_change_never_takes_effect(separated: Any) -> None:
    staff = person("staff1")
    change = services.directory_set_active(
        actor=separated.user("admin"), instance=staff, active=False
    )
    assert isinstance(change, PendingChange)
    assert User.objects.get(pk=staff.user_id).is_active
    services.pending_change_reject(actor=separated.user("secadmin"), change=change, reason="仍在岗")
    change.refresh_from_db()
    assert change.status == "rejected" and change.reason == "仍在岗"
    assert User.objects.get(pk=staff.user_id).is_active
    with pytest.raises(ValidationError):
        services.pending_change_approve(actor=separated.user("secadmin"), change=change)
    assert User.objects.get(pk=staff.user_id).is_active


def test_a_new_account_is_created_only_on_approval(separated: Any) -> None:
    newcomer = Person(
        organization=separated.org, name="新同志", unit=separated.unit(separated.BRANCH1)
    )
    change = services.person_save(
        actor=separated.user("admin"),
        person=newcomer,
        username="newcomer",
        email="",
        password="A-long-Passw0rd-2021",
    )
    assert isinstance(change, PendingChange)
    assert not User.objects.filter(username="newcomer").exists()
    assert "password" not in change.shown_payload()
    assert change.payload["password"] != "A-long-Passw0rd-2021"  # only its hash is kept
    services.pending_change_approve(actor=separated.user("secadmin"), change=change)
    user = User.objects.get(username="newcomer")
    assert user.check_password("A-long-Passw0rd-2021")
    change.refresh_from_db()
    assert change.person == user.person


def test_only_the_security_administrator_decides(separated: Any) -> None:
    staff = person("staff1")
    staff.position = "新的职务"
    change = services.person_save(
        actor=separated.user("admin"),
        person=staff,
        username=staff.user.username,
        email=staff.user.email,
    )
    assert isinstance(change, PendingChange)
    for username in ("admin", "auditor", "office"):
        with pytest.raises(PermissionDenied):
            services.pending_change_approve(actor=separated.user(username), change=change)
    response = client_for(separated, "admin").post(
        reverse("organization:pending_approve", args=[change.pk])
    )
    assert response.status_code == 403
    assert PendingChange.objects.get(pk=change.pk).status == "pending"


def test_without_separation_the_system_administrator_acts_at_once(world: Any) -> None:
    world.separate_duties(on=False)
    staff = person("staff1")
    staff.position = "直接生效"
    result = services.person_save(
        actor=world.user("admin"), person=staff, username=staff.user.username, email=""
    )
    assert isinstance(result, Person)
    assert Person.objects.get(pk=staff.pk).position == "直接生效"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("is_system_admin", "is_security_admin"),
        ("is_system_admin", "is_audit_admin"),
        ("is_security_admin", "is_audit_admin"),
    ],
)
def test_a_person_cannot_hold_two_of_the_three_roles(world: Any, first: str, second: str) -> None:
    world.separate_duties(on=False)
    staff = person("staff1")
    setattr(staff, first, True)
    setattr(staff, second, True)
    # The service refuses...
    with pytest.raises(ValidationError):
        services.person_save(
            actor=world.user("admin"), person=staff, username=staff.user.username, email=""
        )
    # ...and so does the database, whatever writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=staff.pk).update(**{first: True, second: True})
    assert not Person.objects.filter(pk=staff.pk, **{first: True, second: True}).exists()


def test_the_form_refuses_two_administrator_roles(world: Any) -> None:
    world.separate_duties(on=False)
    staff = person("staff1")
    client = client_for(world, "admin")
    url = reverse("organization:people_edit", args=[staff.pk])
    data = as_rendered(client.get(url))
    data["is_security_admin"] = ["on"]
    data["is_audit_admin"] = ["on"]
    response = client.post(url, data)
    assert response.status_code == 400
    assert b"at most one of the system, security and audit" in response.content
    staff.refresh_from_db()
    assert not (staff.is_security_admin or staff.is_audit_admin)


def test_the_security_administrator_unlocks_an_account(separated: Any) -> None:
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username="staff1",
        ip_address="10.0.0.9",
        user_agent="test",
        # The most any policy allows (security.models.SecurityPolicy's bounds): locked whatever
        # the organization's limit is.
        failures_since_start=10,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
    )
    desk = client_for(separated, "secadmin").get(reverse("organization:security_desk"))
    assert desk.status_code == 200 and "staff1" in desk.content.decode()
    staff = person("staff1")
    response = client_for(separated, "secadmin").post(
        reverse("organization:people_unlock", args=[staff.pk])
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="staff1").exists()
    assert AuditEvent.objects.filter(
        object_type="organization.person", object_id=staff.pk, action="unlock"
    ).exists()


def test_the_administrator_pages_state_the_separation(world: Any) -> None:
    client = client_for(world, "admin")
    world.separate_duties(on=False)
    page = client.get(reverse("organization:people_list")).content.decode()
    assert 'data-separated="off"' in page
    world.separate_duties()
    page = client.get(reverse("organization:people_list")).content.decode()
    assert 'data-separated="on"' in page


def test_the_system_administrator_is_refused_business_pages_and_the_audit_log(
    separated: Any,
) -> None:
    from tests.test_permission_matrix import GATHERING

    planted = separated.plant_markers()
    client = client_for(separated, "admin")
    statuses = {}
    for name, path_of, _htmx in GATHERING:
        if name in ("home", "inbox", "calendar feed"):
            continue  # the person's own pages, with nothing of the business on them
        statuses[name] = client.get(path_of(separated, planted)).status_code
    wrong = {name: s for name, s in statuses.items() if s not in (403, 404)}
    assert not wrong
    assert statuses["audit log"] == 403


def test_every_write_url_refuses_the_audit_administrator() -> None:
    """The audit administrator changes nothing but their own account (password, inbox,
    notification preferences, calendar link) and runs verifications; the matrix runs each of
    these cases (tests/test_permission_matrix.py)."""
    from tests.test_permission_matrix import CASES

    own = {
        "logout",  # signing out is recorded in the audit trail
        "api:tokens",  # their own API token (it reaches what they reach: no business record)
        "password_change",
        "notifications:mark_all_read",
        "notifications:calendar_regenerate",
        "notifications:preferences",
        "compliance:verify",
    }
    writes = [c for c in CASES if c.method == "post" and c.url_name not in own]
    assert writes
    allowed = [f"{c.url_name} {c.note}" for c in writes if c.changes_for("auditor")]
    assert not allowed


def test_the_installation_switches_the_separation_from_the_command_line(world: Any) -> None:
    import io

    from django.core.management import call_command

    world.separate_duties(on=False)
    events = AuditEvent.objects.count()
    call_command("separation_of_duties", "on", stdout=io.StringIO())
    world.org.refresh_from_db()
    assert world.org.separation_of_duties
    assert AuditEvent.objects.count() == events + 1
    out = io.StringIO()
    call_command("separation_of_duties", stdout=out)
    assert "separation of duties on" in out.getvalue()


def test_an_approval_meeting_a_username_taken_meanwhile_is_refused(separated: Any) -> None:
    newcomer = Person(organization=separated.org, name="新同志")
    change = services.person_save(
        actor=separated.user("admin"),
        person=newcomer,
        username="branch1",
        email="",
        password="A-long-Passw0rd-2021",
    )
    assert isinstance(change, PendingChange)
    with pytest.raises(ValidationError):
        services.pending_change_approve(actor=separated.user("secadmin"), change=change)
    assert PendingChange.objects.get(pk=change.pk).status == "pending"
    response = client_for(separated, "secadmin").post(
        reverse("organization:pending_approve", args=[change.pk])
    )
    assert response.status_code == 302  # the desk, with the message
    assert PendingChange.objects.get(pk=change.pk).status == "pending"

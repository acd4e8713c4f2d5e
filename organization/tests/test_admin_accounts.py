"""Only an administrator manages administrators, and the last active one always stays."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from organization import services
from organization.models import Person
from organization.tests.test_views import as_rendered

pytestmark = pytest.mark.django_db

User = get_user_model()


def client_for(world: Any, username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.user(username))
    return client


def admin_person() -> Person:
    return Person.objects.select_related("user").get(user__username="admin")


def account(person: Person) -> tuple[str, bool, str, str]:
    user = User.objects.get(pk=person.user_id)
    return user.username, user.is_active, user.password, Person.objects.get(pk=person.pk).name


def events_of(person: Person) -> int:
    return AuditEvent.objects.filter(object_type="organization.person", object_id=person.pk).count()


def test_the_office_cannot_open_or_post_the_administrators_edit_form(world: Any) -> None:
    admin = admin_person()
    before, events = account(admin), events_of(admin)
    client = client_for(world, "office")
    url = reverse("organization:people_edit", args=[admin.pk])
    assert client.get(url).status_code == 403
    form = as_rendered(client_for(world, "admin").get(url))
    form["username"] = ["taken-over"]
    form["name"] = ["改名"]
    assert client.post(url, form).status_code == 403
    assert account(admin) == before
    assert events_of(admin) == events


def test_the_office_cannot_deactivate_or_reset_the_administrator(world: Any) -> None:
    admin = admin_person()
    before = account(admin)
    client = client_for(world, "office")
    response = client.post(reverse("organization:people_active", args=[admin.pk]), {"active": "0"})
    assert response.status_code == 403
    assert client.get(reverse("organization:people_password", args=[admin.pk])).status_code == 403
    assert account(admin) == before


def test_the_people_list_offers_the_office_no_buttons_on_the_administrators_row(
    world: Any,
) -> None:
    admin = admin_person()
    page = client_for(world, "office").get(reverse("organization:people_list")).content.decode()
    assert reverse("organization:people_edit", args=[admin.pk]) not in page
    assert reverse("organization:people_active", args=[admin.pk]) not in page
    branch1 = world.user("branch1").person
    assert reverse("organization:people_edit", args=[branch1.pk]) in page
    admin_page = client_for(world, "admin").get(reverse("organization:people_list"))
    assert reverse("organization:people_edit", args=[admin.pk]) in admin_page.content.decode()


def test_the_office_still_edits_ordinary_people_and_their_usernames(world: Any) -> None:
    person = world.user("staff1").person
    client = client_for(world, "office")
    url = reverse("organization:people_edit", args=[person.pk])
    form = as_rendered(client.get(url))
    form["username"] = ["staff1-renamed"]
    assert client.post(url, form).status_code == 302
    assert User.objects.get(pk=person.user_id).username == "staff1-renamed"


def test_the_service_refuses_the_office_too(world: Any) -> None:
    admin = admin_person()
    office = world.user("office")
    with pytest.raises(PermissionDenied):
        services.directory_set_active(actor=office, instance=admin, active=False)
    with pytest.raises(PermissionDenied):
        services.person_set_password(actor=office, person=admin, password="Another-Pass-2031")
    admin.name = "改名"
    with pytest.raises(PermissionDenied):
        services.person_save(actor=office, person=admin, username="renamed", email="")
    assert account(admin_person())[0] == "admin"


def test_an_administrator_manages_another_administrator(world: Any) -> None:
    second = world.user("dept1").person
    admin = world.user("admin")
    second.is_system_admin = True
    services.person_save(actor=admin, person=second, username="dept1", email="")
    services.directory_set_active(actor=admin, instance=second, active=False)
    assert not User.objects.get(pk=second.user_id).is_active


def test_the_last_active_administrator_cannot_be_deactivated(world: Any) -> None:
    # A second administrator signs in and tries to switch off the first, then the other way.
    second = world.user("dept1").person
    second.is_system_admin = True
    services.person_save(actor=world.user("admin"), person=second, username="dept1", email="")
    services.directory_set_active(actor=world.user("dept1"), instance=admin_person(), active=False)
    assert not User.objects.get(username="admin").is_active
    with pytest.raises(ValidationError):
        services.directory_set_active(actor=world.user("dept1"), instance=second, active=False)
    assert User.objects.get(pk=second.user_id).is_active


def test_the_last_administrator_cannot_be_deactivated_through_the_page(world: Any) -> None:
    admin = admin_person()
    second = services.person_save(
        actor=world.user("admin"),
        person=Person(organization=world.org, name="第二管理员", is_system_admin=True),
        username="admin2b",
        email="",
        password="Rectify-2021-xyz",
    )
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(pk=second.user_id))
    client.post(reverse("organization:people_active", args=[admin.pk]), {"active": "0"})
    assert not User.objects.get(pk=admin.user_id).is_active
    response = client.post(
        reverse("organization:people_active", args=[second.pk]), {"active": "0"}, follow=True
    )
    assert User.objects.get(pk=second.user_id).is_active
    assert response.status_code == 200


def test_the_last_administrator_cannot_lose_the_role_either(world: Any) -> None:
    admin = admin_person()
    admin.is_system_admin = False
    with pytest.raises(ValidationError, match="last active system administrator"):
        services.person_save(actor=world.user("admin"), person=admin, username="admin", email="")
    assert admin_person().is_system_admin

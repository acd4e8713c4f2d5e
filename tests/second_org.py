"""A second organization beside the demo college, with its own office director.

The demo holds one organization, where a missing organization filter goes unnoticed; these
helpers add another one whose people must never read a row of the first.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from core.audit import record_event
from organization.choices import UnitKind, UnitRole
from organization.models import Organization, Person, Unit

OTHER_ORG = "另一学院"
OTHER_UNIT = "外院综合科"
OTHER_USERNAME = "other_college_office"


def second_organization() -> Person:
    """The office director of another organization (created once per test database)."""
    found = Person.objects.filter(user__username=OTHER_USERNAME).first()
    if found is not None:
        return found
    with transaction.atomic():
        org = Organization.objects.create(name=OTHER_ORG, short_name="另一学院")
        unit = Unit.objects.create(organization=org, name=OTHER_UNIT, kind=UnitKind.DEPARTMENT)
        user = get_user_model().objects.create_user(OTHER_USERNAME, password="Rectify-2021")
        person = Person.objects.create(
            user=user,
            organization=org,
            name="另一学院整改办主任",
            unit=unit,
            unit_role=UnitRole.HEAD,
            is_office=True,
        )
        record_event(actor=user, obj=unit, action="create", after={"name": unit.name})
    return person


def client_of(person: Any) -> Any:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(person.user)
    return client

"""Reads of the organization that forms and pages of every layer share."""

from __future__ import annotations

from django.db.models import QuerySet

from organization.models import Organization, Person


def responsible_candidates(organization: Organization) -> QuerySet[Person]:
    """People who can answer for a measure or a finding (责任领导 / 责任人): active people with an
    active unit of the organization, grouped by unit. The system administrator's account runs
    the platform and answers for no rectification work."""
    return (
        Person.objects.unscoped("choices of the form's own organization")
        .filter(
            organization=organization,
            user__is_active=True,
            user__is_superuser=False,
            is_system_admin=False,
            is_security_admin=False,
            is_audit_admin=False,
            unit__organization=organization,
            unit__is_active=True,
        )
        .select_related("unit")
        .order_by("unit__sort_order", "unit_id", "name", "id")
    )


def person_label(person: Person) -> str:
    """How a person is offered in a choice: name · unit · position."""
    parts = [person.name, person.unit.name if person.unit_id else "", person.position]
    return " · ".join(p for p in parts if p)

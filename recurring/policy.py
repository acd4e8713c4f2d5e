"""Who may do what with recurring work, in the one policy (`organization.policy`)."""

from __future__ import annotations

from typing import Any

from organization.policy import in_office, register_rule, sees_everything
from organization.scope import Actor


def manage_recurring(actor: Actor, template: Any) -> bool:
    """The office sets up templates and applies them; nobody else does."""
    if template is not None and template.organization_id != actor.organization_id:
        return False
    return in_office(actor)


def view_recurring(actor: Actor, template: Any) -> bool:
    if template is not None and template.organization_id != actor.organization_id:
        return False
    return sees_everything(actor)


def register_recurring_policy() -> None:
    register_rule("manage_recurring", manage_recurring)
    register_rule("view_recurring", view_recurring)

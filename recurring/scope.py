"""Scope rules for recurring work: read by those who read the whole organization, changed by
the office (branches meet the measures it creates in the ledger, scoped as every measure)."""

from __future__ import annotations

from django.db.models import Q

from organization.policy import in_office, sees_everything
from organization.scope import NOTHING, Action, Actor, register_scope


def template_rule(actor: Actor, action: Action) -> Q:
    if in_office(actor) or (action == "view" and sees_everything(actor)):
        return Q(organization_id=actor.organization_id)
    return NOTHING


def run_rule(actor: Actor, action: Action) -> Q:
    if in_office(actor) or (action == "view" and sees_everything(actor)):
        return Q(template__organization_id=actor.organization_id)
    return NOTHING


def register_recurring_rules() -> None:
    from recurring.models import RecurringTemplate, TemplateRun

    register_scope(RecurringTemplate, template_rule)
    register_scope(TemplateRun, run_rule)

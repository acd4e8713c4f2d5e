"""Scope rules for the register: the office and the leaders see every rule; the lead
department sees and edits its own; a consulted department sees the rules (and drafts) it is
consulted on; nobody else learns that a rule exists."""

from __future__ import annotations

from django.db.models import Q

from organization.policy import in_office, sees_everything
from organization.scope import NOTHING, Action, Actor, register_scope


def rule_q(actor: Actor, action: Action, prefix: str = "") -> Q:
    from regulations.models import Rule

    in_org = Q(**{f"{prefix}organization_id": actor.organization_id})
    if in_office(actor) or (action == "view" and sees_everything(actor)):
        return in_org
    if not actor.unit_ids:
        return NOTHING
    units = sorted(actor.unit_ids)
    q = Q(**{f"{prefix}lead_unit_id__in": units})
    if action == "view":
        consulted = Rule.consulted_units.through.objects.filter(unit_id__in=units)
        q |= Q(**{f"{prefix}pk__in": consulted.values("rule_id")})
    return in_org & q


def register_regulations_rules() -> None:
    from regulations.models import ConsultationRound, DraftVersion, Evaluation, Opinion, Reply, Rule

    register_scope(Rule, lambda actor, action: rule_q(actor, action))
    for model in (DraftVersion, ConsultationRound, Evaluation):
        register_scope(model, lambda actor, action: rule_q(actor, action, "rule__"))
    register_scope(Opinion, lambda actor, action: rule_q(actor, "view", "round__rule__"))
    register_scope(Reply, lambda actor, action: rule_q(actor, "view", "opinion__round__rule__"))

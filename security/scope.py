"""Which security policies a person may read or change."""

from __future__ import annotations

from django.db.models import Q

from organization.scope import NOTHING, Action, Actor, register_scope


def security_policy_rule(actor: Actor, action: Action) -> Q:
    """Everyone of the organization reads its policy (it says what their passwords must be);
    only whoever may set it changes it."""
    from security.policy import may_set_security_policy

    if action == "view" or may_set_security_policy(actor):
        return Q(organization_id=actor.organization_id)
    return NOTHING


def register_security_rules() -> None:
    from security.models import SecurityPolicy

    register_scope(SecurityPolicy, security_policy_rule)

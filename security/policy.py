"""Who may do what about login security."""

from __future__ import annotations

from typing import Any

from organization import policy as org_policy


def may_set_security_policy(person: Any) -> bool:
    """Edit the organization's security policy: the security administrator where the
    organization names one, otherwise the system administrator."""
    may_administer = getattr(org_policy, "may_administer_security", None)
    if may_administer is not None:
        return bool(may_administer(person))
    actor = org_policy.as_actor(person)
    return actor.organization_id is not None and org_policy.administers(actor)


def register_security_policy() -> None:
    org_policy.register_rule(
        "set_security_policy", lambda actor, obj: may_set_security_policy(actor)
    )

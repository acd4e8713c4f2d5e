"""`{% separation_notice %}`: the administrator's pages state whether the three administrators
are separated (三员分立), read from the asker's organization."""

from __future__ import annotations

from typing import Any

from django import template

from organization import policy
from organization.scope import actor_for

register = template.Library()


@register.inclusion_tag("organization/_separation.html", takes_context=True)
def separation_notice(context: Any) -> dict[str, Any]:
    request = context.get("request")
    actor = actor_for(getattr(request, "user", None))
    return {
        "separated": actor.separated,
        "shown": actor.organization_id is not None,
        # The system administrator follows their requests on the security administrator's desk.
        "desk": actor.separated
        and (policy.may_administer_accounts(actor) or policy.may_administer_security(actor)),
    }

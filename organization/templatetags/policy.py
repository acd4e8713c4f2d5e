"""Templates ask the policy, never a role: `{% load policy %}`, then

{% if request.user|may:"view_track_records" %} … {% endif %}
{% may "edit_measure" m as can_edit %}{% if can_edit %} … {% endif %}
"""

from __future__ import annotations

from typing import Any

from django import template

from organization import policy

register = template.Library()


@register.filter(name="may")
def may_filter(user: Any, action: str) -> bool:
    return policy.may(user, action)


@register.simple_tag(takes_context=True, name="may")
def may_tag(context: template.Context, action: str, obj: Any = None) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None) if request is not None else context.get("user")
    return policy.may(user, action, obj)

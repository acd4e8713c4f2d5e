"""The lockout limit django-axes applies (AXES_FAILURE_LIMIT): the account's organization's."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model


def failure_limit(request: Any, credentials: Any) -> int:
    from security.selectors import policy_for_user

    default = int(getattr(settings, "SECURITY_DEFAULT_LOCKOUT_LIMIT", 5))
    username = (credentials or {}).get("username") if isinstance(credentials, dict) else None
    if not username:
        return default
    User = get_user_model()
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
    if user is None:
        return default
    return policy_for_user(user).lockout_limit

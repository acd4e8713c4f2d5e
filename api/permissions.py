from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request


class TokenPermission(permissions.BasePermission):
    """Signed in by a token; a read-only token reads and nothing else. What the person may see
    and do is decided by the same scope and services as the pages."""

    message = _("This token is read-only.")
    code = "read_only_token"

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.user is None or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        return token is not None and not token.read_only

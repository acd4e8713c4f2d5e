"""Reads of personal access tokens. A token belongs to one person and is read only by them
(or by the authentication, by its secret's digest), so these reads are filtered by owner."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from api.models import PersonalToken
from api.services import digest_of


def tokens_of(user: Any) -> QuerySet[PersonalToken]:
    return PersonalToken.objects.filter(user_id=user.pk)


def token_by_secret(secret: str) -> PersonalToken | None:
    return PersonalToken.objects.select_related("user").filter(digest=digest_of(secret)).first()

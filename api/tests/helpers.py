"""A test client that carries a personal access token, as a program would."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

from api.models import PersonalToken
from api.services import token_create


def token_for(user: Any, *, read_only: bool = False, days: int = 30) -> str:
    _token, secret = token_create(by=user, name="test", days=days, read_only=read_only)
    return secret


def api_client(secret: str | None, *, language: str = "zh-hans") -> Client:
    headers = {"Accept-Language": language}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    return Client(HTTP_HOST="127.0.0.1", headers=headers)


def client_for(world: Any, username: str | None, **kwargs: Any) -> Client:
    return api_client(token_for(world.user(username), **kwargs) if username else None)


def expire(secret: str) -> None:
    from api.services import digest_of

    PersonalToken.objects.filter(digest=digest_of(secret)).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

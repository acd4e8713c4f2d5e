"""Personal access tokens: created and revoked by their owner, both audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import PersonalToken
from core.audit import record_event

# Every token ends; a year is the longest a person may ask for.
MAX_DAYS = 365
PREFIX = "rct_"


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, by: Any, name: str, days: int, read_only: bool) -> tuple[PersonalToken, str]:
    """A new token for `by`; returns it with its secret, which is never stored nor shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if len(name) > 100:
        raise ValidationError({"name": _("The name is at most 100 characters.")})
    if days is None or not 1 <= int(days) <= MAX_DAYS:
        raise ValidationError(
            {"days": _("A token lasts from 1 to %(max)d days.") % {"max": MAX_DAYS}}
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        token = PersonalToken.objects.create(
            user=by,
            name=name,
            prefix=secret[:12],
            digest=digest_of(secret),
            read_only=bool(read_only),
            created_at=now,
            expires_at=now + dt.timedelta(days=int(days)),
        )
        record_event(
            actor=by,
            obj=token,
            action="api_token:created",
            after={
                "name": token.name,
                "prefix": token.prefix,
                "read_only": token.read_only,
                "expires_at": token.expires_at.isoformat(),
            },
        )
    return token, secret


def token_revoke(*, by: Any, token: PersonalToken) -> PersonalToken:
    """The owner ends a token at once; revoking twice changes nothing."""
    with transaction.atomic():
        current = PersonalToken.objects.select_for_update().get(pk=token.pk)
        if current.user_id != by.pk:
            raise PermissionDenied
        if current.revoked_at is not None:
            return current
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at"])
        record_event(
            actor=by,
            obj=current,
            action="api_token:revoked",
            before={"revoked_at": None},
            after={"revoked_at": current.revoked_at.isoformat()},
            message=current.name,
        )
    return current


def token_touch(*, token: PersonalToken) -> None:
    """Record when a token was last used; written at most once a minute per token."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        PersonalToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now

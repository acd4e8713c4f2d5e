"""Audit primitives: append an event to the hash chain, and verify the chain.

Callers pass plain JSON-able values; `record_event` must run inside the caller's transaction so
the event and the change it describes commit or roll back together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from core.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def to_jsonable(value: Any) -> Any:
    """Normalise a value to what a JSON column stores and returns unchanged."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    return str(value)


def object_type_of(obj: Model) -> str:
    return obj._meta.label_lower


def _canonical(
    *,
    seq: int,
    created_at: dt.datetime,
    actor_id: int | None,
    actor_name: str,
    object_type: str,
    object_id: int,
    object_repr: str,
    action: str,
    message: str,
    before: Any,
    after: Any,
    prev_hash: str,
) -> bytes:
    payload = {
        "seq": seq,
        "created_at": created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr,
        "action": action,
        "message": message,
        "before": before,
        "after": after,
        "prev_hash": prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(
        _canonical(
            seq=event.seq,
            created_at=event.created_at,
            actor_id=event.actor_id,
            actor_name=event.actor_name,
            object_type=event.object_type,
            object_id=event.object_id,
            object_repr=event.object_repr,
            action=event.action,
            message=event.message,
            before=event.before,
            after=event.after,
            prev_hash=event.prev_hash,
        )
    ).hexdigest()


def record_event(
    *,
    actor: Any,
    obj: Model,
    action: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    message: str = "",
) -> AuditEvent:
    """Append one event to the chain. Must be called inside `transaction.atomic()`."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change")
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_name = ""
    if actor is not None and actor_id is not None:
        actor_name = (actor.get_full_name() or actor.get_username())[:150]
    event = AuditEvent(
        seq=head.seq + 1,
        created_at=timezone.now(),
        actor_id=actor_id,
        actor_name=actor_name,
        object_type=object_type_of(obj),
        object_id=int(obj.pk),
        object_repr=str(obj)[:300],
        action=action[:64],
        message=message,
        before=to_jsonable(dict(before)) if before is not None else None,
        after=to_jsonable(dict(after)) if after is not None else None,
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(event)
    event.save(force_insert=True)
    head.seq = event.seq
    head.last_hash = event.hash
    head.save(update_fields=["seq", "last_hash"])
    return event


def diff_fields(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the keys whose values changed, for compact before/after records."""
    b = to_jsonable(dict(before))
    a = to_jsonable(dict(after))
    keys = [k for k in a if b.get(k) != a.get(k)] + [k for k in b if k not in a]
    return {k: b.get(k) for k in keys}, {k: a.get(k) for k in keys}


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def _iter_events(batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        chunk = list(
            AuditEvent.objects.unscoped("verifying the whole chain")
            .filter(seq__gt=last)
            .order_by("seq")[:batch]
        )
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def verify_chain() -> VerifyResult:
    """Recompute every hash in order; name the first event where the chain breaks.

    An edited event no longer matches its own hash; a deleted one leaves a gap in the
    sequence and a dangling prev_hash; an inserted one breaks its successor's prev_hash.
    """
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in _iter_events():
        checked += 1
        if event.seq != expected_seq:
            return VerifyResult(
                checked, ChainBreak(event.seq, f"sequence gap: expected {expected_seq}")
            )
        if event.prev_hash != expected_prev:
            return VerifyResult(checked, ChainBreak(event.seq, "previous hash does not match"))
        if event_hash(event) != event.hash:
            return VerifyResult(checked, ChainBreak(event.seq, "content does not match its hash"))
        expected_prev = event.hash
        expected_seq += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != expected_seq - 1 or head.last_hash != expected_prev):
        # Name the first event the head does not account for: an event appended behind the
        # head's back, or (when events were deleted from the end) the first one missing.
        first = min(head.seq, expected_seq - 1) + 1
        return VerifyResult(checked, ChainBreak(first, "chain head does not match the last event"))
    return VerifyResult(checked, None)

"""Audit primitives: append an event to the hash chain, and verify the chain.

Callers pass plain JSON-able values; `record_event` must run inside the caller's transaction so
the event and the change it describes commit or roll back together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Func, Model, TextField
from django.utils import timezone

from core.models import AuditChainHead, AuditEvent, AuditVerification

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


@dataclass
class _Batch:
    """Events of one `batched_events` block: the head as it moves, the events not yet written."""

    head: AuditChainHead
    start_seq: int
    pending: list[AuditEvent]


_batch: ContextVar[_Batch | None] = ContextVar("audit_batch", default=None)
# Pending events are written in slices of this many (memory stays flat in a long import).
BATCH_WRITE = 2000


@contextmanager
def batched_events() -> Iterator[None]:
    """Append the events recorded inside the block with the chain head locked once and the
    events written in bulk: each gets the seq, prev_hash and hash it would have had one by one,
    and the head moves once at the end. For long writes in one transaction (a ledger import);
    the block must run inside that transaction, and a failure inside it must end the
    transaction, since events of work undone by a caught error would still be written."""
    if not connection.in_atomic_block:
        raise RuntimeError("batched_events must run inside the transaction of the changes")
    if _batch.get() is not None:
        yield  # inside an outer batch: that one writes
        return
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    batch = _Batch(head=head, start_seq=head.seq, pending=[])
    token = _batch.set(batch)
    try:
        yield
        _write(batch)
        if batch.head.seq != batch.start_seq:
            batch.head.save(update_fields=["seq", "last_hash"])
    finally:
        _batch.reset(token)


def in_batch() -> bool:
    """Whether events are being batched: a failure inside then ends the whole transaction
    (see `batched_events`), so the writes inside need no savepoint of their own."""
    return _batch.get() is not None


def _write(batch: _Batch) -> None:
    if batch.pending:
        AuditEvent.objects.bulk_create(batch.pending)
        batch.pending = []


def record_event(
    *,
    actor: Any,
    obj: Model,
    action: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    message: str = "",
) -> AuditEvent:
    """Append one event to the chain. Must be called inside `transaction.atomic()`.

    Inside `batched_events` the event is hashed now and written with the batch (its pk is
    set only then)."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change")
    batch = _batch.get()
    if batch is not None:
        head = batch.head
    else:
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
    head.seq = event.seq
    head.last_hash = event.hash
    if batch is not None:
        batch.pending.append(event)
        if len(batch.pending) >= BATCH_WRITE:
            _write(batch)
        return event
    event.save(force_insert=True)
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


# The columns a hash covers, in _canonical's order, then the stored hash: verification reads
# these as plain tuples (no model instance per event; 860,000 of them in a large install).
_HASHED = (
    "seq",
    "created_at",
    "actor_id",
    "actor_name",
    "object_type",
    "object_id",
    "object_repr",
    "action",
    "message",
    "before",
    "after",
    "prev_hash",
)


def _iter_rows(
    batch: int = 10000, *, after: int = 0, upto: int | None = None
) -> Iterator[tuple[Any, ...]]:
    """Every event (with `after` < seq <= `upto`) as a tuple of _HASHED + ("hash",), in sequence
    order, batch by batch by key (each batch one indexed range read, so memory stays flat
    however long the chain).

    The rows are read by the query the ORM builds but without its per-value converters:
    `_fast_canonical` takes the columns as the driver returns them (JSON as text)."""
    last = after
    events = AuditEvent.objects.unscoped("verifying the whole chain")
    if upto is not None:
        events = events.filter(seq__lte=upto)
    columns: list[Any] = list(_HASHED)
    if connection.vendor == "postgresql":
        # The time as the text _canonical writes, written by the server: parsing each value
        # into a datetime (psycopg's text loader, which Django's time-zone loader extends, is
        # pure Python) and writing it out again took a fifth of the verification.
        events = events.annotate(created_text=_PG_UTC_ISO)
        columns[columns.index("created_at")] = "created_text"
    while True:
        query = events.filter(seq__gt=last).order_by("seq").values_list(*columns, "hash")[:batch]
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            chunk = cursor.fetchall()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1][0]


_dumps_value = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
# What json.dumps(ensure_ascii=False) writes for a str, without the encoder's dispatch.
_dumps_str = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _json_text(raw: Any) -> str:
    """A JSON column as _canonical writes it, from what the driver returns (text or decoded)."""
    if raw is None:
        return "null"
    return str(_dumps_value(json.loads(raw) if isinstance(raw, (str, bytes)) else raw))


# created_at as _canonical writes it (datetime.isoformat with microseconds, in UTC), written
# by PostgreSQL: a timestamptz has microseconds at most, as a datetime does.
_PG_UTC_ISO = Func(
    F("created_at"),
    template=(
        "to_char(%(expressions)s AT TIME ZONE 'UTC', "
        """'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
    ),
    output_field=TextField(),
)


def _utc_iso(raw: Any) -> str:
    """created_at as _canonical writes it, from what the driver returns: that text already
    (PostgreSQL, see `_PG_UTC_ISO`), an aware datetime, or a naive one in UTC (Django's SQLite
    converter; text if read without it)."""
    if isinstance(raw, str) and len(raw) == 32 and raw[10] == "T" and raw.endswith("+00:00"):
        return raw
    value = dt.datetime.fromisoformat(raw) if isinstance(raw, str) else raw
    if value.tzinfo is None:
        return f"{value.isoformat(timespec='microseconds')}+00:00"
    if value.utcoffset():
        value = value.astimezone(dt.UTC)
    return str(value.isoformat(timespec="microseconds"))


def _fast_canonical(row: tuple[Any, ...]) -> bytes:
    """_canonical of a raw row, byte for byte: the payload's keys are fixed, so the object is
    written in their sorted order around each value's own encoding (what json.dumps with
    sort_keys writes for the whole) instead of building and sorting a dict per event."""
    (
        seq,
        created_at,
        actor_id,
        actor_name,
        object_type,
        object_id,
        object_repr,
        action,
        message,
        before,
        after,
        prev_hash,
    ) = row[:12]
    text = _dumps_str
    actor = "null" if actor_id is None else int(actor_id)
    return (
        f'{{"action":{text(action)},"actor_id":{actor},"actor_name":{text(actor_name)},'
        f'"after":{_json_text(after)},"before":{_json_text(before)},'
        f'"created_at":"{_utc_iso(created_at)}","message":{text(message)},'
        f'"object_id":{int(object_id)},"object_repr":{text(object_repr)},'
        f'"object_type":{text(object_type)},"prev_hash":{text(prev_hash)},"seq":{int(seq)}}}'
    ).encode()


def _row_hash(row: tuple[Any, ...]) -> str:
    """event_hash of an event read as a raw row by _iter_rows."""
    return hashlib.sha256(_fast_canonical(row)).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    """A copy of the chain head kept outside the database: the events up to `seq` existed,
    the last with this hash, at `at`."""

    seq: int
    hash: str
    at: str


class CheckpointError(ValueError):
    pass


def checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_PATH)


def _last_line(path: Path) -> str:
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - 4096))
        lines = f.read().decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else ""


def write_checkpoint(path: Path | None = None) -> Checkpoint | None:
    """Append the chain head to the checkpoint file, unless it is the head written last.

    Whoever can rewrite the database cannot, by that alone, rewrite this file: deleting the
    newest events and moving the head back then shows in `verify_audit --checkpoint`.
    Returns the line written, or None when the head has not moved since.
    """
    path = path or checkpoint_path()
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or head.seq == 0:
        return None
    point = Checkpoint(seq=head.seq, hash=head.last_hash, at=timezone.now().isoformat())
    if path.exists():
        try:
            last = json.loads(_last_line(path) or "null")
        except ValueError:
            last = None
        if isinstance(last, dict) and (last.get("seq"), last.get("hash")) == (
            point.seq,
            point.hash,
        ):
            return None
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"seq": point.seq, "hash": point.hash, "at": point.at}) + "\n"
    with path.open("a", encoding="utf-8") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())
    return point


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """Every line of a checkpoint file; a line that is not a checkpoint is an error, not a skip."""
    points = []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CheckpointError(f"cannot read {path}: {exc.strerror}") from exc
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            points.append(Checkpoint(seq=int(data["seq"]), hash=str(data["hash"]), at=data["at"]))
        except (ValueError, TypeError, KeyError) as exc:
            raise CheckpointError(f"{path}, line {number}: not a checkpoint") from exc
    return points


def verify_chain(checkpoints: list[Checkpoint] | None = None, *, jobs: int = 1) -> VerifyResult:
    """Recompute every hash in order; name the first event where the chain breaks.

    An edited event no longer matches its own hash; a deleted one leaves a gap in the
    sequence and a dangling prev_hash; an inserted one breaks its successor's prev_hash.
    With checkpoints (copies of the head kept outside the database), an event a checkpoint
    names must still be there with the same hash: so deleting the newest events and moving
    the head back, or rewriting the chain and every hash after, is found too.

    With `jobs` > 1 (and a database other processes can read, outside a transaction) ranges of
    the chain are checked side by side in that many processes (`verify_ranges`); when they
    find anything wrong, the chain is read again in order to name the first break exactly.
    """
    if jobs > 1 and _can_fork_readers():
        intact = verify_ranges(checkpoints, jobs=jobs)
        if intact is not None:
            return intact
    return _verify_in_order(checkpoints)


def default_jobs() -> int:
    """Processes for verify_audit: the machine's cores, at most four (the database serves
    the reads; more readers than that only wait on it)."""
    return max(1, min(os.cpu_count() or 1, 4))


def _can_fork_readers() -> bool:
    # Another process sees neither an in-memory SQLite database nor rows of an open
    # transaction; the connections are closed before forking (a child must not share them).
    if connection.in_atomic_block:
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Range:
    """What one process found in seq after..upto: all good or not, and the ends to stitch."""

    ok: bool
    first_prev: str | None
    last_hash: str | None


def _verify_range(after: int, upto: int, recorded: dict[int, Checkpoint]) -> _Range:
    expected_seq, first_prev, last = after + 1, None, None
    for row in _iter_rows(after=after, upto=upto):
        seq, prev_hash, stored = row[0], row[11], row[12]
        if seq != expected_seq or (first_prev is not None and prev_hash != last):
            return _Range(False, None, None)
        if _row_hash(row) != stored:
            return _Range(False, None, None)
        point = recorded.get(seq)
        if point is not None and point.hash != stored:
            return _Range(False, None, None)
        if first_prev is None:
            first_prev = prev_hash
        last = stored
        expected_seq += 1
    return _Range(expected_seq == upto + 1, first_prev, last)


def _range_in_child(args: tuple[int, int, dict[int, Checkpoint]]) -> _Range:
    return _verify_range(*args)


def verify_ranges(
    checkpoints: list[Checkpoint] | None = None, *, jobs: int = 2
) -> VerifyResult | None:
    """The chain checked in ranges by `jobs` forked processes, the ranges then stitched (each
    range's first prev_hash is the hash of the one before's last event). Returns the result
    when the chain is intact, None when anything is wrong (the caller reads it in order then,
    so the first break is named as `_verify_in_order` names it)."""
    import multiprocessing

    from django.db import connections
    from django.db.models import Max

    events = AuditEvent.objects.unscoped("verifying the whole chain")
    top = events.aggregate(top=Max("seq"))["top"] or 0
    head = AuditChainHead.objects.filter(pk=1).first()
    recorded = {point.seq: point for point in checkpoints or []}
    if top == 0 or head is None or head.seq != top or any(seq > top for seq in recorded):
        return None
    # Several ranges per process, so one slow range does not leave the others idle.
    pieces = jobs * 4
    bounds = [top * i // pieces for i in range(pieces + 1)]
    tasks = [(lo, hi, recorded) for lo, hi in itertools.pairwise(bounds) if hi > lo]
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        ranges = pool.map(_range_in_child, tasks)
    expected_prev = GENESIS_HASH
    for found in ranges:
        if not found.ok or found.first_prev != expected_prev:
            return None
        expected_prev = found.last_hash or ""
    if head.last_hash != expected_prev:
        return None
    return VerifyResult(top, None)


def _verify_in_order(checkpoints: list[Checkpoint] | None = None) -> VerifyResult:
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    recorded = {point.seq: point for point in checkpoints or []}
    for row in _iter_rows():
        seq, prev_hash, stored = row[0], row[11], row[12]
        checked += 1
        if seq != expected_seq:
            return VerifyResult(checked, ChainBreak(seq, f"sequence gap: expected {expected_seq}"))
        if prev_hash != expected_prev:
            return VerifyResult(checked, ChainBreak(seq, "previous hash does not match"))
        if _row_hash(row) != stored:
            return VerifyResult(checked, ChainBreak(seq, "content does not match its hash"))
        point = recorded.get(seq)
        if point is not None and point.hash != stored:
            return VerifyResult(
                checked,
                ChainBreak(seq, f"hash differs from the checkpoint of {point.at}"),
            )
        expected_prev = stored
        expected_seq += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != expected_seq - 1 or head.last_hash != expected_prev):
        # Name the first event the head does not account for: an event appended behind the
        # head's back, or (when events were deleted from the end) the first one missing.
        first = min(head.seq, expected_seq - 1) + 1
        return VerifyResult(checked, ChainBreak(first, "chain head does not match the last event"))
    beyond = [point for point in recorded.values() if point.seq >= expected_seq]
    if beyond:
        newest = max(beyond, key=lambda point: point.seq)
        return VerifyResult(
            checked,
            ChainBreak(
                expected_seq,
                f"missing: the checkpoint of {newest.at} records events up to "
                f"#{newest.seq}, the chain ends at #{expected_seq - 1}",
            ),
        )
    return VerifyResult(checked, None)


def verify_and_record(
    *, run_by: Any = None, checkpoints: list[Checkpoint] | None = None, jobs: int = 1
) -> tuple[VerifyResult, AuditVerification]:
    """Verify the chain and keep the run (`AuditVerification`) for the self-check. A run from
    the audit administrator's page is an event of the trail too; a scheduled run is not."""
    started = timezone.now()
    result = verify_chain(checkpoints, jobs=jobs)
    with transaction.atomic():
        run = AuditVerification.objects.create(
            started_at=started,
            checked=result.checked,
            ok=result.ok,
            broken_at=result.first_break.seq if result.first_break else None,
            reason=(result.first_break.reason if result.first_break else "")[:300],
            run_by=run_by,
        )
        if run_by is not None:
            record_event(
                actor=run_by,
                obj=run,
                action="verify",
                after={"checked": run.checked, "ok": run.ok, "broken_at": run.broken_at},
            )
    return result, run

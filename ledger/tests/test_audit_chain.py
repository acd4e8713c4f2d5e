"""The tamper-evident audit trail: verify_audit passes an intact chain and names the first
broken event when one is edited, deleted or inserted directly in the database. On PostgreSQL
the database itself refuses to update or delete an event."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.audit import GENESIS_HASH, batched_events, event_hash, record_event, verify_chain
from core.models import AuditChainHead, AuditEvent
from core.triggers import SQLITE_DROP
from ledger.models import Measure
from ledger.services import measure_transition

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)
TRIGGER = "core_auditevent_append_only"


def allow_tampering() -> None:
    """Switch the append-only triggers off for this test's transaction (rolled back after)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE core_auditevent DISABLE TRIGGER {TRIGGER}")
            cursor.execute("ALTER TABLE core_auditchainhead DISABLE TRIGGER USER")
        else:
            for statement in SQLITE_DROP:
                cursor.execute(statement)


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def middle_seq() -> int:
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) > 10, "the demo writes a chain to tamper with"
    return seqs[len(seqs) // 2]


def verify_audit() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def refused(seq: int) -> str:
    with pytest.raises(CommandError) as exc:
        verify_audit()
    message = str(exc.value)
    assert f"#{seq}:" in message, message
    return message


# --- an intact chain -----------------------------------------------------------------------


def test_the_demo_chain_is_intact(world: Any) -> None:
    result = verify_chain()
    assert result.ok
    assert result.checked == AuditEvent.objects.count()
    assert "Audit chain intact" in verify_audit()
    assert f"{AuditEvent.objects.count()} events" in verify_audit()


def test_verify_audit_refuses_fewer_than_one_process(world: Any) -> None:
    with pytest.raises(CommandError, match="--jobs must be 1 or more"):
        call_command("verify_audit", "--jobs", "0", stdout=io.StringIO())
    assert "Audit chain intact" in verify_audit()


def test_the_chain_starts_at_the_genesis_hash_and_links_each_event_to_the_one_before(
    world: Any,
) -> None:
    events = list(AuditEvent.objects.order_by("seq")[:50])
    assert events[0].seq == 1 and events[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.seq == before.seq + 1
        assert after.prev_hash == before.hash
        assert event_hash(after) == after.hash
    head = AuditChainHead.objects.get(pk=1)
    last = AuditEvent.objects.order_by("-seq").first()
    assert (head.seq, head.last_hash) == (last.seq, last.hash)


def test_new_events_keep_the_chain_intact(world: Any) -> None:
    measure = world.measure(state="in_progress")
    with transaction.atomic():
        record_event(
            actor=world.user("office"),
            obj=measure,
            action="note",
            before={"when": dt.date(2021, 3, 31), "ids": {3, 1, 2}},
            after={"amount": 1.5, "at": timezone.now()},
            message="含中文的说明",
        )
    assert verify_chain().ok


def test_verification_reads_awkward_values_as_they_were_hashed(world: Any) -> None:
    """verify_chain hashes the raw columns its own way (core.audit._fast_canonical); events
    with quotes, line breaks, emoji, nested keys out of order, no actor and a timestamp on a
    whole second must come out byte for byte as they were hashed when recorded."""
    allow_tampering()  # to give the first event a whole-second time, and rehash the two
    measure = world.measure(state="in_progress")
    whole_second = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        first = record_event(
            actor=None,
            obj=measure,
            action="note",
            before={"z": [1, {"b": None, "a": True}], "a": '"引号"\n\\反斜杠'},
            after={"emoji": "\U0001f600", "tab": "\t", "ctl": "\u0007", "big": 2**60},
            message="</script>&amp;\u2028",
        )
        second = record_event(actor=world.user("branch1"), obj=measure, action="empty")
    AuditEvent.objects.filter(pk=first.pk).update(created_at=whole_second)
    event = AuditEvent.objects.get(pk=first.pk)
    AuditEvent.objects.filter(pk=first.pk).update(hash=event_hash(event))
    AuditEvent.objects.filter(pk=second.pk).update(prev_hash=event_hash(event))
    later = AuditEvent.objects.get(pk=second.pk)
    AuditEvent.objects.filter(pk=second.pk).update(hash=event_hash(later))
    AuditChainHead.objects.filter(pk=1).update(last_hash=event_hash(later))
    assert verify_chain().ok


def test_events_of_a_batch_chain_as_they_would_one_by_one(world: Any) -> None:
    measure = world.measure(state="in_progress")
    office = world.user("office")
    head_before = AuditChainHead.objects.get(pk=1)
    with transaction.atomic(), batched_events():
        events = [
            record_event(actor=office, obj=measure, action="note", after={"n": n}, message="批")
            for n in range(5)
        ]
        # Written when the block ends; the head stays where it was until then.
        assert not AuditEvent.objects.filter(seq__gt=head_before.seq).exists()
        assert AuditChainHead.objects.get(pk=1).seq == head_before.seq
    stored = list(AuditEvent.objects.filter(seq__gt=head_before.seq).order_by("seq"))
    assert [e.seq for e in stored] == [head_before.seq + n for n in range(1, 6)]
    assert stored[0].prev_hash == head_before.last_hash
    assert [e.hash for e in stored] == [e.hash for e in events]
    assert all(event_hash(e) == e.hash for e in stored)
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.last_hash) == (stored[-1].seq, stored[-1].hash)
    assert verify_chain().ok
    # An event recorded after the batch links to its last one.
    with transaction.atomic():
        after = record_event(actor=office, obj=measure, action="note")
    assert after.prev_hash == stored[-1].hash and verify_chain().ok


def test_a_batch_longer_than_one_write_keeps_the_chain(world: Any, monkeypatch: Any) -> None:
    import core.audit

    monkeypatch.setattr(core.audit, "BATCH_WRITE", 3)
    measure = world.measure(state="in_progress")
    count = AuditEvent.objects.count()
    with transaction.atomic(), batched_events():
        for n in range(8):
            record_event(actor=None, obj=measure, action="note", after={"n": n})
    assert AuditEvent.objects.count() == count + 8
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
@on_postgresql
def test_ranges_checked_side_by_side_agree_with_one_pass(world: Any) -> None:
    """verify_audit's processes (core.audit.verify_ranges) read committed rows of their own
    connections: the demo chain is intact in ranges as in one pass, and a checkpoint that
    disagrees sends the check back to one pass, which names the event."""
    from core.audit import Checkpoint, verify_ranges

    count = AuditEvent.objects.count()
    assert verify_ranges(jobs=2) == verify_chain() == verify_chain(jobs=2)
    assert verify_chain(jobs=2).checked == count
    seq = middle_seq()
    wrong = [Checkpoint(seq=seq, hash="0" * 64, at="2026-01-01T00:00:00+00:00")]
    assert verify_ranges(wrong, jobs=2) is None
    result = verify_chain(wrong, jobs=2)
    assert result.first_break is not None and result.first_break.seq == seq
    assert "checkpoint" in result.first_break.reason


def test_a_failed_batch_leaves_no_event(world: Any) -> None:
    measure = world.measure(state="in_progress")
    count = AuditEvent.objects.count()
    head = AuditChainHead.objects.get(pk=1)
    with pytest.raises(ValueError), transaction.atomic(), batched_events():
        record_event(actor=None, obj=measure, action="note")
        raise ValueError("the import is refused")
    assert AuditEvent.objects.count() == count
    assert AuditChainHead.objects.get(pk=1).seq == head.seq
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_an_event_or_a_batch_outside_the_transaction_of_its_change_is_refused() -> None:
    from organization.models import Organization

    with pytest.raises(RuntimeError, match="inside the transaction"):
        record_event(actor=None, obj=Organization(pk=1, name="x"), action="note")
    with pytest.raises(RuntimeError, match="inside the transaction"), batched_events():
        pass


def test_an_empty_chain_is_intact(world: Any) -> None:
    allow_tampering()
    sql("DELETE FROM core_auditevent")
    sql("DELETE FROM core_auditchainhead")
    assert verify_chain().ok
    assert "0 events" in verify_audit()


# --- the database refuses changes to the trail -------------------------------------------


@on_postgresql
def test_postgresql_refuses_to_update_an_audit_event(world: Any) -> None:
    seq = middle_seq()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql("UPDATE core_auditevent SET message = %s WHERE seq = %s", ["forged", seq])
    assert AuditEvent.objects.get(seq=seq).message != "forged"


@on_postgresql
def test_postgresql_refuses_to_delete_an_audit_event(world: Any) -> None:
    seq = middle_seq()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql("DELETE FROM core_auditevent WHERE seq = %s", [seq])
    assert AuditEvent.objects.filter(seq=seq).exists()


@on_postgresql
def test_postgresql_refuses_an_update_through_the_orm_too(world: Any) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=middle_seq()).update(actor_name="someone else")


# --- tampering is detected -----------------------------------------------------------------


def test_an_edited_event_is_named_by_verify_audit(world: Any) -> None:
    seq = middle_seq()
    allow_tampering()
    sql("UPDATE core_auditevent SET message = %s WHERE seq = %s", ["quietly rewritten", seq])
    result = verify_chain()
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.reason) == (
        seq,
        "content does not match its hash",
    )
    assert "content does not match" in refused(seq)


@pytest.mark.parametrize("moved", [dt.timedelta(microseconds=1), dt.timedelta(hours=8)])
def test_an_event_whose_time_is_moved_is_named(world: Any, moved: dt.timedelta) -> None:
    """By a microsecond, or by the eight hours between Beijing time and UTC: the time is hashed
    as UTC text, which PostgreSQL writes itself when verifying (core.audit._PG_UTC_ISO)."""
    seq = middle_seq()
    allow_tampering()
    event = AuditEvent.objects.get(seq=seq)
    AuditEvent.objects.filter(seq=seq).update(created_at=event.created_at + moved)
    result = verify_chain()
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.reason) == (
        seq,
        "content does not match its hash",
    )


def test_an_event_whose_before_and_after_are_edited_is_named(world: Any) -> None:
    event = AuditEvent.objects.filter(action__startswith="transition:").order_by("seq").first()
    allow_tampering()
    sql(
        "UPDATE core_auditevent SET after = %s WHERE seq = %s",
        ['{"state": "closed"}', event.seq],
    )
    refused(event.seq)


def test_an_edited_event_with_a_recomputed_hash_breaks_the_next_link(world: Any) -> None:
    seq = middle_seq()
    allow_tampering()
    forged = AuditEvent.objects.get(seq=seq)
    forged.actor_name = "someone else"
    sql(
        "UPDATE core_auditevent SET actor_name = %s, hash = %s WHERE seq = %s",
        [forged.actor_name, event_hash(forged), seq],
    )
    result = verify_chain()
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.reason) == (
        seq + 1,
        "previous hash does not match",
    )
    refused(seq + 1)


def test_a_deleted_event_is_named_by_verify_audit(world: Any) -> None:
    seq = middle_seq()
    allow_tampering()
    sql("DELETE FROM core_auditevent WHERE seq = %s", [seq])
    result = verify_chain()
    assert result.first_break is not None
    assert result.first_break.seq == seq + 1
    assert "sequence gap" in result.first_break.reason
    assert f"expected {seq}" in refused(seq + 1)


def test_a_deleted_last_event_is_caught_by_the_chain_head(world: Any) -> None:
    last = AuditEvent.objects.order_by("-seq").first().seq
    allow_tampering()
    sql("DELETE FROM core_auditevent WHERE seq = %s", [last])
    result = verify_chain()
    assert result.first_break is not None
    assert result.first_break.seq == last
    assert "chain head" in refused(last)


def _forged_row(seq: int, prev_hash: str) -> AuditEvent:
    event = AuditEvent(
        seq=seq,
        created_at=timezone.now(),
        actor_id=None,
        actor_name="",
        object_type="ledger.measure",
        object_id=1,
        object_repr="forged",
        action="transition:office_close",
        message="",
        before={"state": "in_progress"},
        after={"state": "closed"},
        prev_hash=prev_hash,
    )
    event.hash = event_hash(event)
    return event


def _insert(event: AuditEvent) -> None:
    sql(
        "INSERT INTO core_auditevent (seq, created_at, actor_id, actor_name, object_type, "
        "object_id, object_repr, action, message, before, after, prev_hash, hash) "
        "VALUES (%s, %s, NULL, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [
            event.seq,
            connection.ops.adapt_datetimefield_value(event.created_at),
            event.actor_name,
            event.object_type,
            event.object_id,
            event.object_repr,
            event.action,
            event.message,
            '{"state": "in_progress"}',
            '{"state": "closed"}',
            event.prev_hash,
            event.hash,
        ],
    )


def test_an_event_inserted_in_the_middle_is_named_by_verify_audit(world: Any) -> None:
    seq = middle_seq()
    allow_tampering()
    # Make room at `seq` by moving every later event one place on (two steps, so the unique
    # sequence never clashes), then slip a well-formed event linked to its predecessor in.
    sql("UPDATE core_auditevent SET seq = -seq - 1 WHERE seq >= %s", [seq])
    sql("UPDATE core_auditevent SET seq = -seq WHERE seq < 0")
    previous = AuditEvent.objects.get(seq=seq - 1)
    _insert(_forged_row(seq, previous.hash))
    assert AuditEvent.objects.get(seq=seq).object_repr == "forged"
    result = verify_chain()
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.reason) == (
        seq + 1,
        "previous hash does not match",
    )
    refused(seq + 1)


def test_an_event_inserted_with_a_made_up_link_is_named_by_verify_audit(world: Any) -> None:
    last = AuditEvent.objects.order_by("-seq").first()
    allow_tampering()
    _insert(_forged_row(last.seq + 1, "f" * 64))
    result = verify_chain()
    assert result.first_break is not None
    assert result.first_break.seq == last.seq + 1
    refused(last.seq + 1)


def test_an_event_appended_behind_the_chain_heads_back_is_named_by_verify_audit(
    world: Any,
) -> None:
    last = AuditEvent.objects.order_by("-seq").first()
    allow_tampering()
    _insert(_forged_row(last.seq + 1, last.hash))
    result = verify_chain()
    assert result.first_break is not None
    assert "chain head" in result.first_break.reason
    assert result.first_break.seq == last.seq + 1


def test_verify_audit_names_the_first_break_when_there_are_several(world: Any) -> None:
    first, second = middle_seq(), middle_seq() + 3
    allow_tampering()
    sql("UPDATE core_auditevent SET message = 'x' WHERE seq IN (%s, %s)", [first, second])
    refused(first)


def test_a_change_made_through_the_product_after_tampering_still_shows_the_break(
    world: Any,
) -> None:
    seq = middle_seq()
    allow_tampering()
    sql("UPDATE core_auditevent SET message = 'x' WHERE seq = %s", [seq])
    measure = Measure.objects.filter(state="not_started").first()
    measure_transition(by=world.user("office"), measure=measure, name="start")
    refused(seq)

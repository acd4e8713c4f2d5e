"""The audit trail cannot be rewound: on SQLite and PostgreSQL alike the database refuses to
update or delete an event and lets the chain head move forward only; and whoever lifts those
triggers is still caught by `verify_audit --checkpoint`, which compares the chain with copies
of the head kept outside the database."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from core.audit import read_checkpoints, record_event, verify_chain, write_checkpoint
from core.models import AuditChainHead, AuditEvent
from core.triggers import SQLITE_DROP

pytestmark = pytest.mark.django_db


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def lift_triggers() -> None:
    """What someone holding the database can do; rolled back with the test's transaction."""
    if connection.vendor == "postgresql":
        sql("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        sql("ALTER TABLE core_auditchainhead DISABLE TRIGGER USER")
    else:
        for statement in SQLITE_DROP:
            sql(statement)


def head() -> AuditChainHead:
    return AuditChainHead.objects.get(pk=1)


def middle_seq() -> int:
    return head().seq // 2


def verify_audit(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> str:
    with pytest.raises(CommandError) as exc:
        verify_audit(*args)
    return str(exc.value)


def note(world: Any) -> AuditEvent:
    with transaction.atomic():
        return record_event(actor=world.user("office"), obj=world.measure(), action="note")


@pytest.fixture
def checkpoint(tmp_path: Path, world: Any) -> Path:
    """A checkpoint file holding the head as it stands, as `audit_checkpoint` writes it."""
    path = tmp_path / "checkpoint.jsonl"
    call_command("audit_checkpoint", "--file", str(path), stdout=io.StringIO())
    return path


# --- the database refuses -------------------------------------------------------------------


def test_the_database_refuses_to_update_an_event(world: Any) -> None:
    seq = middle_seq()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql("UPDATE core_auditevent SET message = %s WHERE seq = %s", ["forged", seq])
    assert AuditEvent.objects.get(seq=seq).message != "forged"


def test_the_database_refuses_to_delete_an_event(world: Any) -> None:
    seq = head().seq
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql("DELETE FROM core_auditevent WHERE seq = %s", [seq])
    assert AuditEvent.objects.filter(seq=seq).exists()


def test_the_database_refuses_to_move_the_head_back(world: Any) -> None:
    before = head()
    previous = AuditEvent.objects.get(seq=before.seq - 1)
    with pytest.raises(DatabaseError, match="only moves forward"), transaction.atomic():
        sql(
            "UPDATE core_auditchainhead SET seq = %s, last_hash = %s WHERE id = 1",
            [previous.seq, previous.hash],
        )
    assert (head().seq, head().last_hash) == (before.seq, before.last_hash)


def test_the_database_refuses_to_change_the_heads_hash_in_place(world: Any) -> None:
    with pytest.raises(DatabaseError, match="only moves forward"), transaction.atomic():
        sql("UPDATE core_auditchainhead SET last_hash = %s WHERE id = 1", ["f" * 64])


def test_the_database_refuses_a_head_ahead_of_the_events(world: Any) -> None:
    with pytest.raises(DatabaseError, match="only moves forward"), transaction.atomic():
        sql("UPDATE core_auditchainhead SET seq = seq + 5, last_hash = %s WHERE id = 1", ["f" * 64])


def test_the_database_refuses_to_delete_the_head(world: Any) -> None:
    with pytest.raises(DatabaseError, match="only moves forward"), transaction.atomic():
        sql("DELETE FROM core_auditchainhead")
    assert AuditChainHead.objects.filter(pk=1).exists()


def test_the_head_still_moves_forward_as_events_are_recorded(world: Any) -> None:
    before = head().seq
    event = note(world)
    assert (head().seq, head().last_hash) == (before + 1, event.hash)
    assert verify_chain().ok


# --- the checkpoint file ----------------------------------------------------------------------


def test_audit_checkpoint_appends_the_head_once_per_move(tmp_path: Path, world: Any) -> None:
    path = tmp_path / "var" / "checkpoint.jsonl"
    out = io.StringIO()
    call_command("audit_checkpoint", "--file", str(path), stdout=out)
    assert f"#{head().seq}" in out.getvalue()
    call_command("audit_checkpoint", "--file", str(path), stdout=out)
    assert "has not moved" in out.getvalue()
    note(world)
    call_command("audit_checkpoint", "--file", str(path), stdout=out)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["seq"] for line in lines] == [head().seq - 1, head().seq]
    assert lines[-1]["hash"] == head().last_hash


def test_run_reminders_writes_a_checkpoint_to_the_configured_file(
    settings: Any, world: Any
) -> None:
    call_command("run_reminders", "--no-send", verbosity=0)
    points = read_checkpoints(Path(settings.AUDIT_CHECKPOINT_PATH))
    assert (points[-1].seq, points[-1].hash) == (head().seq, head().last_hash)


def test_an_unwritable_checkpoint_file_is_a_clear_error(
    settings: Any, tmp_path: Path, world: Any
) -> None:
    (tmp_path / "not-a-folder").write_text("")
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "not-a-folder" / "checkpoint.jsonl"
    with pytest.raises(CommandError, match="could not be written"):
        call_command("audit_checkpoint", stdout=io.StringIO())
    with pytest.raises(CommandError, match="Reminders done, but the audit checkpoint"):
        call_command("run_reminders", "--no-send", verbosity=0)


def test_an_intact_chain_agrees_with_its_checkpoints(checkpoint: Path, world: Any) -> None:
    note(world)
    write_checkpoint(checkpoint)
    assert "2 checkpoints agree" in verify_audit("--checkpoint", str(checkpoint))


def test_a_checkpoint_file_that_is_not_one_is_a_clear_error(tmp_path: Path, world: Any) -> None:
    path = tmp_path / "checkpoint.jsonl"
    path.write_text('{"seq": 3, "hash": "ab", "at": "2021-03-01"}\nnot json\n')
    assert "line 2: not a checkpoint" in refused("--checkpoint", str(path))
    assert "cannot read" in refused("--checkpoint", str(tmp_path / "missing.jsonl"))


# --- tampering with the triggers lifted is detected ------------------------------------------


def test_an_edited_event_is_detected(checkpoint: Path, world: Any) -> None:
    seq = middle_seq()
    lift_triggers()
    sql("UPDATE core_auditevent SET message = %s WHERE seq = %s", ["quietly rewritten", seq])
    message = refused("--checkpoint", str(checkpoint))
    assert f"#{seq}: content does not match its hash" in message


def test_a_deleted_middle_event_is_detected(checkpoint: Path, world: Any) -> None:
    seq = middle_seq()
    lift_triggers()
    sql("DELETE FROM core_auditevent WHERE seq = %s", [seq])
    assert f"#{seq + 1}: sequence gap: expected {seq}" in refused("--checkpoint", str(checkpoint))


def test_the_newest_events_deleted_and_the_head_rewound_are_detected(
    checkpoint: Path, world: Any
) -> None:
    last = head().seq
    keep = AuditEvent.objects.get(seq=last - 3)
    lift_triggers()
    sql("DELETE FROM core_auditevent WHERE seq > %s", [keep.seq])
    sql("UPDATE core_auditchainhead SET seq = %s, last_hash = %s", [keep.seq, keep.hash])
    # The chain alone is consistent again: that is what the checkpoint is for.
    assert verify_chain().ok
    message = refused("--checkpoint", str(checkpoint))
    assert f"#{keep.seq + 1}: missing" in message
    assert f"records events up to #{last}, the chain ends at #{keep.seq}" in message


def test_a_chain_rewritten_from_an_event_on_is_detected(checkpoint: Path, world: Any) -> None:
    """Delete the newest events and append forged ones with good hashes: the chain and the
    head agree, the sequence reaches the checkpoint again, but the hash there differs."""
    last = head().seq
    keep = AuditEvent.objects.get(seq=last - 2)
    lift_triggers()
    sql("DELETE FROM core_auditevent WHERE seq > %s", [keep.seq])
    sql("UPDATE core_auditchainhead SET seq = %s, last_hash = %s", [keep.seq, keep.hash])
    for _ in range(2):
        note(world)
    assert verify_chain().ok
    assert f"#{last}: hash differs from the checkpoint" in refused("--checkpoint", str(checkpoint))


@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_the_trail_and_keeps_the_triggers() -> None:
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    from organization.models import Organization

    org = Organization.objects.create(name="x")
    with transaction.atomic():
        record_event(actor=None, obj=org, action="note")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()

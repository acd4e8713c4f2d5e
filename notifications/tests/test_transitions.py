"""Close-out progress read from the audit chain: who hears of each transition, exactly once."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse

from core.audit import record_event
from ledger.services import measure_transition
from ledger.tests.helpers import fire_as_owner
from notifications import escalation
from notifications.choices import Kind
from notifications.escalation import transitions_process
from notifications.models import EventCursor, Notification
from notifications.tests.conftest import make_measure

pytestmark = pytest.mark.usefixtures("quiet_history", "english")


def fire(measure: Any, user: Any, name: str, reason: str = "") -> None:
    """Record a transition event as measure_transition does, without its guards: this app only
    reads the chain, whatever layer fired the transition."""
    with transaction.atomic():
        record_event(
            actor=user,
            obj=measure,
            action=f"transition:{name}",
            before={"state": measure.state},
            after={"state": "x"},
            message=reason,
        )


def told(measure: Any) -> dict[str, set[str]]:
    """Per transition key, the usernames told."""
    out: dict[str, set[str]] = {}
    for n in Notification.objects.filter(measure=measure, kind=Kind.TRANSITION).select_related(
        "recipient"
    ):
        out.setdefault(n.title.split(":")[0], set()).add(n.recipient.username)
    return out


class TestWhoHearsOfEachTransition:
    def test_the_liaison_group_hears_of_a_close_out_request(self, world: Any) -> None:
        measure = make_measure(world, due=None, deadline_kind="immediate")
        fire(measure, world.user("branch1"), "request_close")
        assert transitions_process() == 1
        assert told(measure) == {"Close-out requested, please review": {"liaison1"}}

    def test_the_office_and_the_unit_hear_of_an_approval_but_not_the_approver(
        self, world: Any
    ) -> None:
        measure = make_measure(world, due=None, deadline_kind="immediate")
        fire(measure, world.user("liaison1"), "liaison_approve")
        transitions_process()
        assert told(measure) == {
            "Approved by the liaison group, awaiting close-out": {
                "office",
                "office2",
                "staff1",
                "branch1",
                "head1",
            }
        }

    def test_the_unit_hears_of_a_return_with_the_reason(self, world: Any) -> None:
        measure = make_measure(world, due=None, deadline_kind="immediate")
        fire(measure, world.user("liaison1"), "liaison_return", reason="Minutes are missing.")
        transitions_process()
        (note,) = Notification.objects.filter(measure=measure, recipient=world.user("staff1"))
        assert note.title.startswith("Returned by the liaison group")
        assert "Reason: Minutes are missing." in note.body
        assert told(measure)["Returned by the liaison group"] == {"staff1", "branch1", "head1"}

    def test_the_unit_and_the_liaison_group_hear_of_a_close_out(self, world: Any) -> None:
        measure = make_measure(world, due=None, deadline_kind="immediate")
        fire(measure, world.user("office"), "office_close")
        transitions_process()
        assert told(measure) == {"Closed out (销号)": {"staff1", "branch1", "head1", "liaison1"}}

    def test_a_real_transition_by_the_ledger_service_is_announced_at_once(self, world: Any) -> None:
        measure = make_measure(world, due=None, deadline_kind="immediate")
        measure_transition(by=world.user("branch1"), measure=measure, name="start")
        with mock.patch("ledger.services.guards_for", return_value=[]):
            fire_as_owner(by=world.user("branch1"), measure=measure, name="request_close")
        # Announced in the transaction of the transition, before any run of the scheduler;
        # "start" concerns nobody else; the request goes to the grid's liaison group.
        assert told(measure) == {"Close-out requested, please review": {"liaison1"}}
        assert transitions_process() == 0
        note = Notification.objects.get(measure=measure)
        assert note.url == reverse("ledger:measure_detail", args=[measure.pk])


class TestExactlyOnce:
    def test_running_twice_announces_nothing_twice(self, world: Any) -> None:
        measure = make_measure(world, due=None, deadline_kind="immediate")
        fire(measure, world.user("branch1"), "request_close")
        fire(measure, world.user("branch1"), "withdraw")
        assert transitions_process() == 2
        assert transitions_process() == 0
        assert Notification.objects.filter(measure=measure).count() == 2

    def test_a_crash_halfway_neither_loses_nor_doubles_an_announcement(self, world: Any) -> None:
        measure = make_measure(world, due=None, deadline_kind="immediate")
        fire(measure, world.user("branch1"), "request_close")
        fire(measure, world.user("liaison1"), "liaison_return", reason="More evidence.")
        fire(measure, world.user("office"), "office_close")
        real = escalation._notify_transition
        calls = {"n": 0}

        def crash_on_second(*args: Any, **kwargs: Any) -> int:
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("killed")
            return real(*args, **kwargs)

        with (
            mock.patch.object(escalation, "_notify_transition", side_effect=crash_on_second),
            pytest.raises(RuntimeError),
        ):
            transitions_process(batch=2)
        # The whole batch rolled back with its cursor: nothing is half announced.
        assert Notification.objects.filter(measure=measure).count() == 0
        transitions_process(batch=2)
        transitions_process(batch=2)
        assert sorted(told(measure)) == [
            "Close-out requested, please review",
            "Closed out (销号)",
            "Returned by the liaison group",
        ]
        assert Notification.objects.filter(measure=measure).count() == 1 + 3 + 4

    def test_the_cursor_follows_the_last_announced_event(self, world: Any) -> None:
        measure = make_measure(world, due=None, deadline_kind="immediate")
        fire(measure, world.user("branch1"), "request_close")
        transitions_process()
        from core.models import AuditEvent

        last = AuditEvent.objects.filter(action="transition:request_close").order_by("-seq")[0]
        assert EventCursor.objects.get(name="transitions").seq == last.seq

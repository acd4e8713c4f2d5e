"""A measure walked through every light and every rung of the ladder on a frozen clock."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from core.models import AuditEvent
from ledger.lights import Light, Reason
from ledger.selectors import measure_light, policy_for
from ledger.services import measure_record_report, measure_set_due_date, measure_transition
from ledger.tests.helpers import fire_as_owner
from notifications import escalation
from notifications.choices import Channel, DeliveryStatus, Kind
from notifications.escalation import ladder_run, reminders_run
from notifications.models import Delivery, Notification, NotificationSettings, ReminderLog
from notifications.tests.conftest import at, make_measure

pytestmark = pytest.mark.usefixtures("quiet_history", "english")

ONE_DAY = dt.timedelta(days=1)


def due_date() -> dt.date:
    # Well inside the demo round (its feedback came 75 days before the real today).
    return timezone.localdate() + dt.timedelta(days=60)


def reminders_of(measure: Any) -> list[Notification]:
    return list(Notification.objects.filter(measure=measure, kind=Kind.REMINDER).order_by("id"))


def who(notes: list[Notification]) -> set[int]:
    return {n.recipient_id for n in notes}


def emails_about(measure: Any) -> list[Any]:
    return [m for m in mail.outbox if measure.content[:20] in m.subject]


def task_force_people(measure: Any) -> set[int]:
    force = measure.finding.theme.task_force
    people = {p.user_id for p in force.members.all()}
    return people | ({force.leader.user_id} if force.leader else set())


def light_on(measure: Any, day: dt.date) -> Any:
    measure.refresh_from_db()
    org = measure.finding.inspection.organization
    return measure_light(measure, today=day, policy=policy_for(org))


class TestTheWalk:
    def test_every_light_and_every_rung_reaches_the_right_people_once(
        self, world: Any, cast: Any, webhook_server: Any
    ) -> None:
        NotificationSettings.objects.create(organization=world.org, webhook_url=webhook_server.url)
        due = due_date()
        measure = make_measure(world, due=due, progress=10)
        responsible = cast.users("staff1")
        step_people = {
            "t_minus_20": responsible,
            "t_minus_10": responsible | cast.users("leader", "liaison1"),
            "overdue": cast.users("branch1", "head1", "office", "office2")
            | task_force_people(measure),
            "overdue_escalated": cast.users("office", "office2"),
        }

        # Thirty days out, 10% done when three quarters of the time is gone: behind schedule.
        start = due - dt.timedelta(days=30)
        assert (light_on(measure, start).light, light_on(measure, start).reason) == (
            Light.YELLOW,
            Reason.BEHIND_SCHEDULE,
        )
        reminders_run(now=at(start))
        assert reminders_of(measure) == []

        # The unit reports progress: on track again, nothing sent.
        measure_record_report(measure_id=measure.pk, progress=70, at=at(start))
        assert light_on(measure, start).light == Light.WHITE

        fired: dict[str, dt.date] = {}
        day = start
        while day <= due + dt.timedelta(days=15):
            before = {log.step_code for log in ReminderLog.objects.filter(measure=measure)}
            reminders_run(now=at(day))
            reminders_run(now=at(day, 15))  # a second run the same day sends nothing more
            for log in ReminderLog.objects.filter(measure=measure):
                if log.step_code not in before:
                    fired[log.step_code] = day
            light = light_on(measure, day)
            if day <= due - dt.timedelta(days=11):
                assert light.light == Light.WHITE, day
            elif day <= due:
                assert (light.light, light.reason) == (Light.YELLOW, Reason.DUE_SOON), day
            else:
                assert (light.light, light.reason) == (Light.RED, Reason.OVERDUE), day
            day += ONE_DAY

        assert fired == {
            "t_minus_20": due - dt.timedelta(days=20),
            "t_minus_10": due - dt.timedelta(days=10),
            "overdue": due + ONE_DAY,
            "overdue_escalated": due + dt.timedelta(days=11),
        }

        # Each rung reached its audience exactly once, in the inbox and by email.
        notes = reminders_of(measure)
        for code, people in step_people.items():
            key = f"reminder:{measure.pk}:{due.isoformat()}:{code}"
            step_notes = [n for n in notes if n.key == key]
            assert who(step_notes) == people, code
            assert len(step_notes) == len(people), code
        assert len(notes) == sum(len(p) for p in step_people.values())
        emails = Delivery.objects.filter(notification__in=notes, channel=Channel.EMAIL)
        assert emails.count() == len(notes)
        assert set(emails.values_list("status", flat=True)) == {DeliveryStatus.SENT}
        outbox = emails_about(measure)
        assert len(outbox) == len(notes)
        staff1 = world.user("staff1").email
        assert sorted(m.subject for m in outbox if m.to == [staff1]) == sorted(
            [
                f"[学院] Due in 20 days: {measure_label_for(measure)}",
                f"[学院] Due in 10 days: {measure_label_for(measure)}",
            ]
        )

        # The group robot got one message per rung, mentioning by phone those it concerns.
        robot = [
            body
            for body in webhook_server.received
            if measure.content[:20] in body["text"] + body["title"]
        ]
        assert len(robot) == 4
        assert robot[-1]["title"].startswith("Flagged for supervision")

        # The last rung flagged the measure for supervision through the audited ledger service.
        measure.refresh_from_db()
        assert measure.is_flagged
        assert AuditEvent.objects.filter(
            object_type="ledger.measure", object_id=measure.pk, action="bulk:flag"
        ).exists()
        timeline = AuditEvent.objects.filter(
            object_type="ledger.measure", object_id=measure.pk, action="reminder:sent"
        )
        assert timeline.count() == 4

        # Weeks later nothing is repeated.
        reminders_run(now=at(due + dt.timedelta(days=40)))
        assert len(reminders_of(measure)) == len(notes)

        # Closed out: green, and the ladder stops for good.
        office = world.user("office")
        measure_transition(by=office, measure=measure, name="start")
        measure.refresh_from_db()
        with mock.patch("ledger.services.guards_for", return_value=[]):
            measure = fire_as_owner(by=office, measure=measure, name="request_close")
            measure = fire_as_owner(
                by=world.user("liaison1"), measure=measure, name="liaison_approve"
            )
            measure = fire_as_owner(by=office, measure=measure, name="office_close")
        assert light_on(measure, due + dt.timedelta(days=41)).light == Light.GREEN

    def test_moving_the_due_date_starts_the_ladder_again(self, world: Any) -> None:
        due = due_date()
        measure = make_measure(world, due=due)
        ladder_run(now=at(due + dt.timedelta(days=2)))
        assert set(
            ReminderLog.objects.filter(measure=measure).values_list("step_code", flat=True)
        ) == {
            "t_minus_20",
            "t_minus_10",
            "overdue",
        }
        later = due + dt.timedelta(days=30)
        measure_set_due_date(
            by=world.user("office"), measure=measure, due_date=later, reason="Extension"
        )
        ladder_run(now=at(due + dt.timedelta(days=3)))
        assert not ReminderLog.objects.filter(measure=measure, due_date=later).exists()
        ladder_run(now=at(later - dt.timedelta(days=20)))
        assert list(
            ReminderLog.objects.filter(measure=measure, due_date=later).values_list(
                "step_code", flat=True
            )
        ) == ["t_minus_20"]
        keys = set(Notification.objects.filter(measure=measure).values_list("key", flat=True))
        assert f"reminder:{measure.pk}:{later.isoformat()}:t_minus_20" in keys

    def test_a_missed_run_catches_up_and_each_person_hears_only_the_latest_rung(
        self, world: Any, cast: Any
    ) -> None:
        due = due_date()
        measure = make_measure(world, due=due, persons=("staff1", "branch1"))
        # The scheduler was down until the measure was already overdue.
        ladder_run(now=at(due + dt.timedelta(days=3)))
        logs = ReminderLog.objects.filter(measure=measure)
        assert set(logs.values_list("step_code", flat=True)) == {
            "t_minus_20",
            "t_minus_10",
            "overdue",
        }
        notes = reminders_of(measure)

        def heard(name: str) -> list[str]:
            return [n.key.rsplit(":", 1)[1] for n in notes if n.recipient_id in cast.users(name)]

        # branch1 is responsible (both early rungs) and heads the unit (overdue): told once.
        assert heard("branch1") == ["overdue"]
        assert heard("staff1") == ["t_minus_10"]
        assert len(notes) == len(who(notes))
        assert who(notes) == cast.users(
            "staff1", "leader", "liaison1", "branch1", "head1", "office", "office2"
        ) | task_force_people(measure)

    def test_no_rung_fires_while_a_request_filed_in_time_awaits_review(self, world: Any) -> None:
        due = due_date()
        measure = make_measure(world, due=due)
        office = world.user("office")
        measure = measure_transition(by=office, measure=measure, name="start")
        with mock.patch("ledger.services.guards_for", return_value=[]):
            measure = fire_as_owner(by=office, measure=measure, name="request_close")
        ladder_run(now=at(due - dt.timedelta(days=5)))
        assert not ReminderLog.objects.filter(measure=measure).exists()
        # Still unreviewed after the due date: the unit is not late, nothing fires.
        ladder_run(now=at(due + dt.timedelta(days=15)))
        assert not ReminderLog.objects.filter(measure=measure).exists()

    def test_long_term_and_undated_measures_are_not_on_the_ladder(self, world: Any) -> None:
        long_term = make_measure(
            world, due=None, deadline_kind="long_term", review_interval_days=30
        )
        undated = make_measure(world, due=None, deadline_kind="immediate")
        assert light_on(long_term, timezone.localdate()).light == Light.BLUE
        assert light_on(undated, timezone.localdate()).light == Light.GREY
        ladder_run(now=at(timezone.localdate() + dt.timedelta(days=400)))
        assert not ReminderLog.objects.filter(measure__in=[long_term, undated]).exists()


class TestIdempotence:
    def test_a_crash_halfway_neither_loses_nor_doubles_a_reminder(self, world: Any) -> None:
        due = due_date()
        first = make_measure(world, due=due, content="Crash test one")
        second = make_measure(world, due=due, content="Crash test two")
        real_notify = escalation.notify

        def crash_on_second(**kwargs: Any) -> Any:
            if kwargs["measure"].pk == second.pk:
                raise RuntimeError("the machine lost power")
            return real_notify(**kwargs)

        when = at(due - dt.timedelta(days=20))
        with (
            mock.patch.object(escalation, "notify", side_effect=crash_on_second),
            pytest.raises(RuntimeError),
        ):
            ladder_run(now=when)
        assert ReminderLog.objects.filter(measure=first).count() == 1
        assert not ReminderLog.objects.filter(measure=second).exists()
        assert not Notification.objects.filter(measure=second).exists()

        ladder_run(now=when)
        ladder_run(now=when)
        for measure in (first, second):
            notes = reminders_of(measure)
            assert len(notes) == 1, measure
            assert ReminderLog.objects.filter(measure=measure).count() == 1

    def test_the_command_runs_everything_and_twice_sends_nothing_twice(self, world: Any) -> None:
        from django.core.management import call_command

        measure = make_measure(world, due=timezone.localdate() + dt.timedelta(days=5))
        call_command("run_reminders", verbosity=0)
        notes = reminders_of(measure)
        assert notes
        sent = len(mail.outbox)
        call_command("run_reminders", verbosity=0)
        assert reminders_of(measure) == notes
        assert len(mail.outbox) == sent

    def test_a_dry_run_keeps_nothing(self, world: Any) -> None:
        from django.core.management import call_command

        measure = make_measure(world, due=timezone.localdate() + dt.timedelta(days=5))
        call_command("run_reminders", "--dry-run", verbosity=0)
        assert reminders_of(measure) == []
        assert mail.outbox == []


class TestConfiguredLadder:
    def test_the_office_ladder_replaces_the_default(self, world: Any, cast: Any) -> None:
        NotificationSettings.objects.create(
            organization=world.org,
            ladder=[
                {"code": "on_the_day", "offset_days": 0, "audiences": ["unit_heads"]},
                {
                    "code": "week_late",
                    "offset_days": 7,
                    "audiences": ["office"],
                    "flag_for_supervision": True,
                },
            ],
        )
        due = due_date()
        measure = make_measure(world, due=due)
        ladder_run(now=at(due - dt.timedelta(days=20)))
        assert reminders_of(measure) == []
        ladder_run(now=at(due))
        assert who(reminders_of(measure)) == cast.users("branch1", "head1")
        ladder_run(now=at(due + dt.timedelta(days=7)))
        measure.refresh_from_db()
        assert measure.is_flagged

    def test_working_day_counting_skips_the_national_day_holiday(self, world: Any) -> None:
        from ledger.models import Measure

        world.org.calendar_mode = "working"
        world.org.save()
        measure = make_measure(world, due=due_date())
        # Due Fri 10 Oct 2025, just after the National Day and Mid-autumn break (Oct 1-8 off,
        # Sun 28 Sep and Sat 11 Oct worked). Ten working days back: Oct 9, Sep 30, 29, 28, 26,
        # 25, 24, 23, 22, 19.
        Measure.objects.filter(pk=measure.pk).update(due_date=dt.date(2025, 10, 10))

        def steps() -> set[str]:
            return set(
                ReminderLog.objects.filter(measure=measure).values_list("step_code", flat=True)
            )

        ladder_run(now=at(dt.date(2025, 9, 18)))
        assert steps() == {"t_minus_20"}
        ladder_run(now=at(dt.date(2025, 9, 19)))
        assert steps() == {"t_minus_20", "t_minus_10"}
        # The first working day after the due date is the worked Saturday.
        ladder_run(now=at(dt.date(2025, 10, 10)))
        assert "overdue" not in steps()
        ladder_run(now=at(dt.date(2025, 10, 11)))
        assert "overdue" in steps()
        titles = [n.title for n in reminders_of(measure)]
        assert any(t.startswith("Due in 10 working days") for t in titles)


def measure_label_for(measure: Any) -> str:
    from notifications.dispatch import measure_label

    return measure_label(measure)

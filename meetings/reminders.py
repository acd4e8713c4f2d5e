"""Meetings on the calendar feed, and the scheduler's reminders of parts falling due.

A reporting unit's people are reminded once when its part falls due within a day and, if the
part is still a draft when the due time has passed, chased once more, as missing reports are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import selectors
from meetings.choices import MeetingState, PartState
from meetings.models import Meeting, MeetingPart
from notifications.choices import Kind
from notifications.dispatch import Message, notify
from notifications.feeds import CalendarEntry
from organization.models import Person
from organization.policy import in_office
from organization.scope import actor_for

REMIND_BEFORE = dt.timedelta(days=1)
MEETING_LENGTH = dt.timedelta(hours=2)


def calendar_entries(user: Any) -> list[CalendarEntry]:
    """The meetings the person attends (by name or through their unit) or runs, and the due
    times of their unit's parts still to hand in."""
    actor = actor_for(user)
    if actor.person_id is None:
        return []
    since = timezone.now() - dt.timedelta(days=60)
    attends = Q(attendees__person_id=actor.person_id)
    if actor.unit_ids:
        units = sorted(actor.unit_ids)
        attends |= Q(attendees__unit_id__in=units) | Q(parts__unit_id__in=units)
    if actor.task_force_ids:
        attends |= Q(task_forces__in=sorted(actor.task_force_ids))
    if in_office(actor):
        attends = Q(pk__isnull=False)
    meetings = (
        Meeting.objects.visible_to(user)
        .filter(attends, starts_at__gte=since)
        .distinct()
        .order_by("starts_at")[:200]
    )
    entries = [
        CalendarEntry(
            key=f"meeting-{m.pk}",
            start=m.starts_at,
            end=m.starts_at + MEETING_LENGTH,
            summary=f"[{m.get_kind_display()}] {m.title}",
            description=m.place,
            url=reverse("meetings:detail", args=[m.pk]),
            location=m.place,
        )
        for m in meetings
    ]
    if actor.unit_ids:
        parts = (
            MeetingPart.objects.visible_to(user)
            .filter(
                unit_id__in=sorted(actor.unit_ids),
                state=PartState.DRAFT,
                meeting__state=MeetingState.PLANNED,
                due_at__gte=since,
            )
            .select_related("meeting", "unit")
            .order_by("due_at")[:200]
        )
        entries += [
            CalendarEntry(
                key=f"meeting-part-{p.pk}-due",
                start=p.due_at - dt.timedelta(minutes=30),
                end=p.due_at,
                summary=_("[Part due] %(unit)s: %(meeting)s")
                % {"unit": p.unit.name, "meeting": p.meeting.title},
                description=p.meeting.title,
                url=reverse("meetings:part", args=[p.pk]),
            )
            for p in parts
        ]
    return entries


def _unit_people(part: MeetingPart) -> list[Any]:
    """Those who write the unit's part: its heads and its staff."""
    unit = part.unit
    people = Person.objects.unscoped("the reporting unit's own people, for its reminder").filter(
        Q(unit_id=unit.pk) | Q(secretary_of=unit) | Q(head_of=unit)
    )
    return [p.user for p in people.select_related("user").distinct()]


def parts_due_run(now: dt.datetime) -> int:
    """Remind units of parts falling due within a day, and chase parts past due: once each
    (the notification key makes a second run send nothing)."""
    sent = 0
    for part in selectors.parts_due(now=now, within=REMIND_BEFORE):
        missing = part.due_at < now
        meeting = part.meeting
        due = timezone.localtime(part.due_at).strftime("%Y-%m-%d %H:%M")
        if missing:
            title = _("Your part of %(meeting)s is missing (due %(due)s)")
        else:
            title = _("Your part of %(meeting)s is due %(due)s")
        with transaction.atomic():
            sent += len(
                notify(
                    organization=meeting.organization,
                    recipients=_unit_people(part),
                    message=Message(
                        kind=Kind.REMINDER,
                        title=title % {"meeting": meeting.title, "due": due},
                        body=_(
                            "%(unit)s reports at the meeting on %(when)s in %(place)s. Check "
                            "the pre-filled work done, problems and next steps, then submit."
                        )
                        % {
                            "unit": part.unit.name,
                            "when": timezone.localtime(meeting.starts_at).strftime(
                                "%Y-%m-%d %H:%M"
                            ),
                            "place": meeting.place,
                        },
                        url=reverse("meetings:part", args=[part.pk]),
                        key=f"meeting-part-{'missing' if missing else 'due'}:{part.pk}",
                    ),
                    now=now,
                    send_after=False,
                )
            )
    return sent

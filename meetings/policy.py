"""The meetings' rules in the one policy (`organization.policy`).

The office runs every meeting; members of an organizing task force run theirs. A reporting
unit's own people (those who file its reports) edit its part until the part's due time, while
the meeting is still planned.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from meetings.choices import MeetingState
from organization.policy import acts_for_unit, in_office, in_task_force, register_rule
from organization.scope import Actor, has_capability


def _in_org(actor: Actor, obj: Any) -> bool:
    return obj is not None and getattr(obj, "organization_id", None) == actor.organization_id


def runs_meeting(actor: Actor, meeting: Any) -> bool:
    """The office, or a member of one of the meeting's organizing task forces."""
    if not _in_org(actor, meeting):
        return False
    if in_office(actor):
        return True
    if not actor.task_force_ids:
        return False
    ids = {tf.pk for tf in meeting.task_forces.all()}
    return bool(ids & actor.task_force_ids)


def add_meeting(actor: Actor, obj: Any = None) -> bool:
    """Call a meeting: the office, or a task force (for meetings it organizes)."""
    return actor.organization_id is not None and (in_office(actor) or in_task_force(actor))


def prepare_meeting(actor: Actor, meeting: Any) -> bool:
    return runs_meeting(actor, meeting) and meeting.state == MeetingState.PLANNED


def record_attendance(actor: Actor, meeting: Any) -> bool:
    return runs_meeting(actor, meeting) and meeting.state in (
        MeetingState.PLANNED,
        MeetingState.HELD,
    )


def record_minutes(actor: Actor, meeting: Any) -> bool:
    return runs_meeting(actor, meeting) and meeting.state == MeetingState.HELD


def act_on_requirements(actor: Actor, meeting: Any) -> bool:
    """Turn requirements into measures: once the meeting is held, by those who run it."""
    return runs_meeting(actor, meeting) and meeting.state in (
        MeetingState.HELD,
        MeetingState.MINUTES_ISSUED,
    )


def edit_part(actor: Actor, part: Any) -> bool:
    """Those who run the meeting, until it is held; the unit's reporters, until the due time."""
    if part is None:
        return False
    meeting = part.meeting
    if not _in_org(actor, meeting) or meeting.state != MeetingState.PLANNED:
        return False
    if runs_meeting(actor, meeting):
        return True
    return (
        acts_for_unit(actor, part.unit_id)
        and has_capability(actor, "report.file")
        and timezone.now() <= part.due_at
    )


def register_meetings_policy() -> None:
    register_rule("add_meeting", add_meeting)
    register_rule("run_meeting", runs_meeting)
    register_rule("prepare_meeting", prepare_meeting)
    register_rule("record_attendance", record_attendance)
    register_rule("record_minutes", record_minutes)
    register_rule("act_on_requirements", act_on_requirements)
    register_rule("edit_meeting_part", edit_part)

"""Scope rules for meetings, registered with the one choke point (organization.scope).

A meeting is seen by those who see everything, by the members of its organizing task forces,
by its attendees (a person invited by name, or anyone acting for an invited unit) and by its
reporting units; it is changed by the office and its organizing task forces. A unit's part is
seen by the unit itself and by those who run or read the whole meeting, not by the other units.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from ledger.scope import measure_reach_q
from organization.policy import in_office, sees_everything
from organization.scope import NOTHING, Action, Actor, register_scope


def _runs_q(actor: Actor, prefix: str = "") -> Q:
    """Meetings an organizing task force of the actor's runs."""
    if not actor.task_force_ids:
        return NOTHING
    from meetings.models import Meeting

    runs = Meeting.task_forces.through.objects.filter(
        meeting_id=OuterRef(f"{prefix}pk" if prefix else "pk"),
        taskforce_id__in=sorted(actor.task_force_ids),
    )
    return Q(Exists(runs))


def _attends_q(actor: Actor) -> Q:
    from meetings.models import Attendee, MeetingPart

    q = NOTHING
    if actor.person_id is not None:
        q |= Q(
            Exists(Attendee.objects.filter(meeting_id=OuterRef("pk"), person_id=actor.person_id))
        )
    if actor.unit_ids:
        units = sorted(actor.unit_ids)
        q |= Q(Exists(Attendee.objects.filter(meeting_id=OuterRef("pk"), unit_id__in=units)))
        q |= Q(Exists(MeetingPart.objects.filter(meeting_id=OuterRef("pk"), unit_id__in=units)))
    return q


def meeting_rule(actor: Actor, action: Action) -> Q:
    in_org = Q(organization_id=actor.organization_id)
    if in_office(actor) or (action == "view" and sees_everything(actor)):
        return in_org
    if action == "view":
        return in_org & (_runs_q(actor) | _attends_q(actor))
    return in_org & _runs_q(actor)


def _meetings(actor: Actor, action: Action) -> Q:
    from meetings.models import Meeting

    if in_office(actor) or (action == "view" and sees_everything(actor)):
        return Q(meeting__organization_id=actor.organization_id)
    return Q(meeting__in=Meeting.objects.filter(meeting_rule(actor, action)).values("pk"))


def meeting_child_rule(actor: Actor, action: Action) -> Q:
    """Agenda, attendees, minutes and requirements: seen and changed with their meeting."""
    return _meetings(actor, action)


def part_rule(actor: Actor, action: Action) -> Q:
    """A unit's part: its own unit, and whoever runs (or reads everything of) the meeting."""
    from meetings.models import Meeting

    whole = Q(
        meeting__in=Meeting.objects.filter(
            Q(organization_id=actor.organization_id) & _runs_q(actor)
        ).values("pk")
    )
    if in_office(actor) or (action == "view" and sees_everything(actor)):
        return Q(meeting__organization_id=actor.organization_id)
    own = (
        Q(meeting__organization_id=actor.organization_id, unit_id__in=sorted(actor.unit_ids))
        if actor.unit_ids
        else NOTHING
    )
    return whole | own if actor.task_force_ids else own


def requirement_measure_rule(actor: Actor, action: Action) -> Q:
    """A link is seen with its meeting, and by whoever sees the measure born of it (the measure
    page names the meeting it came from); it is never changed, only created by the service."""
    if action != "view":
        return NOTHING
    in_org = Q(measure__organization_id=actor.organization_id)
    if sees_everything(actor):
        return in_org
    via_meeting = Q(
        requirement__meeting__in=_meeting_ids(actor),
    )
    return in_org & (via_meeting | measure_reach_q(actor, prefix="measure__"))


def _meeting_ids(actor: Actor) -> object:
    from meetings.models import Meeting

    return Meeting.objects.filter(meeting_rule(actor, "view")).values("pk")


def register_meetings_rules() -> None:
    from meetings.models import (
        AgendaItem,
        Attendee,
        Meeting,
        MeetingPart,
        Minutes,
        Requirement,
        RequirementMeasure,
    )

    register_scope(Meeting, meeting_rule)
    for model in (AgendaItem, Attendee, Minutes, Requirement):
        register_scope(model, meeting_child_rule)
    register_scope(MeetingPart, part_rule)
    register_scope(RequirementMeasure, requirement_measure_rule)

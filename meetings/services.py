"""Writes of the meetings layer. Every service checks the policy, is atomic, locks the rows it
changes and records an audit event in the same transaction.

A meeting moves planned → held → minutes issued, only through `meeting_transition` and the
table `TRANSITIONS`. Measures born of a requirement are created by the ledger's own services
(`measure_create`, or `measure_assign_to_units` for one task given to several units).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import diff_fields, record_event
from ledger.choices import DeadlineKind
from ledger.models import Finding, Inspection, Measure, Tag
from ledger.services import MeasureData, measure_assign_to_units, measure_create
from meetings import selectors
from meetings.choices import Attendance, MeetingKind, MeetingState, PartState
from meetings.models import (
    AgendaItem,
    Attendee,
    Meeting,
    MeetingPart,
    Minutes,
    Requirement,
    RequirementMeasure,
)
from organization import policy
from organization.models import Organization, Person, TaskForce, Unit

TEXT_LIMIT = 20000
MAX_AGENDA_ITEMS = 30
MAX_REQUIREMENTS = 30


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    label: Any


# The meeting's life: planned (prepared, parts collected) → held (attendance recorded) →
# minutes issued (纪要印发). Nothing goes back: a correction to issued minutes is a new meeting.
TRANSITIONS: dict[str, Transition] = {
    "hold": Transition(
        frozenset({MeetingState.PLANNED}), MeetingState.HELD, gettext_lazy("Record as held")
    ),
    "issue_minutes": Transition(
        frozenset({MeetingState.HELD}),
        MeetingState.MINUTES_ISSUED,
        gettext_lazy("Issue the minutes"),
    ),
}


def _text(value: str | None, *, field: str, label: str, required: bool, limit: int) -> str:
    text = (value or "").strip().replace("\r\n", "\n")
    if required and not text:
        raise ValidationError({field: _("%(label)s is required.") % {"label": label}})
    if len(text) > limit:
        raise ValidationError(
            {
                field: _("%(label)s is too long (%(limit)d characters at most).")
                % {"label": label, "limit": limit}
            }
        )
    return text


def _lock_meeting(meeting_id: int) -> Meeting:
    return (
        Meeting.objects.unscoped("row lock after the policy check")
        .select_for_update(of=("self",))
        .get(pk=meeting_id)
    )


# --- calling a meeting ---------------------------------------------------------------------


@dataclass
class MeetingData:
    title: str
    kind: str
    inspection: Inspection
    starts_at: dt.datetime
    place: str
    parts_due_at: dt.datetime
    chair: Person | None = None
    task_forces: list[TaskForce] = field(default_factory=list)
    by_office: bool = False
    by_leading_group: bool = False
    agenda: list[str] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)


def _validate_meeting(data: MeetingData, organization: Organization) -> None:
    errors: dict[str, list[str]] = {}
    if data.kind not in MeetingKind.values:
        errors.setdefault("kind", []).append(_("Unknown meeting kind."))
    if data.inspection.organization_id != organization.pk:
        errors.setdefault("inspection", []).append(_("The inspection is of another organization."))
    if any(t.organization_id != organization.pk for t in data.tags):
        errors.setdefault("tags", []).append(_("A campaign is of another organization."))
    if data.parts_due_at > data.starts_at:
        errors.setdefault("parts_due_at", []).append(
            _("The parts must be due before the meeting starts.")
        )
    if not (data.task_forces or data.by_office or data.by_leading_group):
        errors.setdefault("task_forces", []).append(
            _("Name who organizes the meeting: task forces, the office or the leading group.")
        )
    people = [*data.people, *([data.chair] if data.chair else [])]
    if any(p.organization_id != organization.pk for p in people) or any(
        tf.organization_id != organization.pk for tf in data.task_forces
    ):
        errors.setdefault("people", []).append(_("Everyone must belong to this organization."))
    if len(data.agenda) > MAX_AGENDA_ITEMS:
        errors.setdefault("agenda", []).append(
            _("At most %(count)d agenda items.") % {"count": MAX_AGENDA_ITEMS}
        )
    if any(len(item) > 300 for item in data.agenda):
        errors.setdefault("agenda", []).append(
            _("An agenda item is too long (300 characters at most).")
        )
    if errors:
        raise ValidationError(errors)


def meeting_create(*, by: Any, organization: Organization, data: MeetingData) -> Meeting:
    """Call a meeting: its agenda, and as attendees the chair, the members of the organizing
    task forces and the people named."""
    actor = policy.require(by, "add_meeting")
    if actor.organization_id != organization.pk:
        raise PermissionDenied
    if not policy.in_office(actor) and not {tf.pk for tf in data.task_forces} & set(
        actor.task_force_ids
    ):
        raise ValidationError({"task_forces": _("Name your own task force among the organizers.")})
    title = _text(data.title, field="title", label=_("Title"), required=True, limit=200)
    place = _text(data.place, field="place", label=_("Place"), required=True, limit=200)
    data.agenda = [a.strip() for a in data.agenda if a.strip()]
    _validate_meeting(data, organization)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            organization=organization,
            inspection=data.inspection,
            title=title,
            kind=data.kind,
            starts_at=data.starts_at,
            place=place,
            chair=data.chair,
            by_office=data.by_office,
            by_leading_group=data.by_leading_group,
            parts_due_at=data.parts_due_at,
            state=MeetingState.PLANNED,
            state_changed_at=timezone.now(),
            created_by=by,
        )
        meeting.task_forces.set(data.task_forces)
        meeting.tags.set(data.tags)
        AgendaItem.objects.bulk_create(
            [AgendaItem(meeting=meeting, position=i, text=t) for i, t in enumerate(data.agenda, 1)]
        )
        people: dict[int, Person] = {}
        for person in [
            *([data.chair] if data.chair else []),
            *[m for tf in data.task_forces for m in tf.members.all()],
            *[tf.leader for tf in data.task_forces if tf.leader],
            *data.people,
        ]:
            people.setdefault(person.pk, person)
        Attendee.objects.bulk_create([Attendee(meeting=meeting, person=p) for p in people.values()])
        record_event(
            actor=by,
            obj=meeting,
            action="create",
            after={
                "title": title,
                "kind": data.kind,
                "starts_at": data.starts_at,
                "place": place,
                "chair": data.chair.pk if data.chair else None,
                "task_forces": sorted(tf.pk for tf in data.task_forces),
                "tags": sorted(t.pk for t in data.tags),
                "by_office": data.by_office,
                "by_leading_group": data.by_leading_group,
                "parts_due_at": data.parts_due_at,
                # Not the names of the meeting's relations: the audit log reads keys as fields.
                "agenda_items": data.agenda,
                "invited_people": sorted(people),
            },
        )
        return meeting


def meeting_transition(*, by: Any, meeting: Meeting, name: str) -> Meeting:
    """Fire a named transition of the meeting: locked, checked against the table, audited."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise ValidationError(_("Unknown action."))
    with transaction.atomic():
        current = _lock_meeting(meeting.pk)
        policy.require(by, "run_meeting", current)
        if current.state not in transition.sources:
            raise ValidationError(
                _("“%(action)s” is not possible while the meeting is “%(state)s”.")
                % {"action": transition.label, "state": current.get_state_display()}
            )
        if (
            name == "issue_minutes"
            and not Minutes.objects.unscoped("the meeting is locked and its runner checked")
            .filter(meeting=current)
            .exists()
        ):
            raise ValidationError(_("Record the minutes before issuing them."))
        before = current.state
        current.state = transition.target
        current.state_changed_at = timezone.now()
        current.version += 1
        current.save(update_fields=["state", "state_changed_at", "version"])
        if name == "issue_minutes":
            Minutes.objects.unscoped("the meeting is locked and its runner checked").filter(
                meeting=current
            ).update(issued_at=current.state_changed_at)
        record_event(
            actor=by,
            obj=current,
            action=f"transition:{name}",
            before={"state": before},
            after={"state": current.state},
        )
        return current


# --- preparation: reporting units and their parts ------------------------------------------


def meeting_set_reporting_units(*, by: Any, meeting: Meeting, units: Sequence[Unit]) -> Meeting:
    """The units that report at the meeting: a part each, pre-filled from the unit's latest
    report of the current cycle and its figures; a unit taken off loses its part."""
    with transaction.atomic():
        current = _lock_meeting(meeting.pk)
        policy.require(by, "prepare_meeting", current)
        if any(u.organization_id != current.organization_id or not u.is_active for u in units):
            raise ValidationError(_("Choose active units of this organization."))
        existing = {
            p.unit_id: p
            for p in MeetingPart.objects.unscoped("the meeting is locked and its runner checked")
            .select_for_update(of=("self",))
            .filter(meeting=current)
            .order_by("id")
        }
        wanted = {u.pk: u for u in units}
        removed = sorted(set(existing) - set(wanted))
        added = [u for pk, u in wanted.items() if pk not in existing]
        if removed:
            MeetingPart.objects.unscoped("the meeting is locked and its runner checked").filter(
                meeting=current, unit_id__in=removed
            ).delete()
            Attendee.objects.unscoped("the meeting is locked and its runner checked").filter(
                meeting=current, unit_id__in=removed, person=None
            ).delete()
        now = timezone.now()
        for unit in sorted(added, key=lambda u: (u.sort_order, u.pk)):
            texts = selectors.unit_prefill(by, current, unit)
            MeetingPart.objects.create(
                meeting=current,
                unit=unit,
                position=unit.sort_order,
                work_done=texts["work_done"],
                problems=texts["problems"],
                next_steps=texts["next_steps"],
                figures=selectors.unit_figures(by, current, unit),
                figures_at=now,
                due_at=current.parts_due_at,
                updated_by=by,
            )
            Attendee.objects.unscoped("the meeting is locked and its runner checked").get_or_create(
                meeting=current, unit=unit, person=None
            )
        if added or removed:
            current.version += 1
            current.save(update_fields=["version"])
            record_event(
                actor=by,
                obj=current,
                action="reporting_units",
                before={"units": sorted(existing)},
                after={"units": sorted(wanted)},
            )
        return current


@dataclass
class PartData:
    work_done: str
    problems: str = ""
    next_steps: str = ""


def part_save(
    *, by: Any, part: MeetingPart, data: PartData, expected_version: int | None, submit: bool
) -> MeetingPart:
    """The unit (or those who run the meeting) edits its part; `submit` hands it in, and its
    figures are counted again as they stand."""
    work = _text(
        data.work_done, field="work_done", label=_("Work done"), required=submit, limit=TEXT_LIMIT
    )
    problems = _text(
        data.problems, field="problems", label=_("Problems"), required=False, limit=TEXT_LIMIT
    )
    steps = _text(
        data.next_steps, field="next_steps", label=_("Next steps"), required=False, limit=TEXT_LIMIT
    )
    with transaction.atomic():
        current = (
            MeetingPart.objects.unscoped("row lock; the policy check follows")
            .select_for_update(of=("self",))
            .select_related("meeting", "unit")
            .get(pk=part.pk)
        )
        policy.require(
            by,
            "edit_meeting_part",
            current,
            message=_("This part can no longer be changed: it was due %(due)s.")
            % {"due": timezone.localtime(current.due_at).strftime("%Y-%m-%d %H:%M")},
        )
        if expected_version is not None and expected_version != current.version:
            raise ValidationError(
                _("This part was changed by someone else after you opened it; reload the page.")
            )
        before = {
            "work_done": current.work_done,
            "problems": current.problems,
            "next_steps": current.next_steps,
            "state": current.state,
        }
        current.work_done, current.problems, current.next_steps = work, problems, steps
        if submit:
            current.state = PartState.SUBMITTED
            current.submitted_at = timezone.now()
            current.figures = selectors.unit_figures(by, current.meeting, current.unit)
            current.figures_at = current.submitted_at
        after = {
            "work_done": work,
            "problems": problems,
            "next_steps": steps,
            "state": current.state,
        }
        b, a = diff_fields(before, after)
        if not (a or b or submit):
            return current
        current.updated_by = by
        current.version += 1
        current.save()
        record_event(
            actor=by,
            obj=current,
            action="submit" if submit else "update",
            before=b,
            after=a | ({"figures": current.figures} if submit else {}),
        )
        return current


# --- the meeting itself -------------------------------------------------------------------


@dataclass
class AttendanceRow:
    attendee_id: int
    attendance: str
    reason: str = ""


def attendance_record(*, by: Any, meeting: Meeting, rows: Sequence[AttendanceRow]) -> Meeting:
    """Record who was present, on leave (请假, with the reason) or absent; a planned meeting is
    recorded as held at the same time."""
    errors: list[str] = []
    for row in rows:
        if row.attendance not in (Attendance.PRESENT, Attendance.LEAVE, Attendance.ABSENT):
            errors.append(_("Choose present, on leave or absent for everyone."))
        if row.attendance == Attendance.LEAVE and not row.reason.strip():
            errors.append(_("Give the reason for each leave (请假)."))
        if len(row.reason) > 300:
            errors.append(_("A reason is too long (300 characters at most)."))
    if errors:
        raise ValidationError(sorted(set(errors)))
    with transaction.atomic():
        current = _lock_meeting(meeting.pk)
        policy.require(by, "record_attendance", current)
        attendees = {
            a.pk: a
            for a in Attendee.objects.unscoped("the meeting is locked and its runner checked")
            .select_for_update(of=("self",))
            .filter(meeting=current)
            .order_by("id")
        }
        changes: dict[str, Any] = {}
        for row in rows:
            attendee = attendees.get(row.attendee_id)
            if attendee is None:
                raise ValidationError(_("An attendee is not of this meeting; reload the page."))
            reason = row.reason.strip() if row.attendance == Attendance.LEAVE else ""
            if (attendee.attendance, attendee.reason) != (row.attendance, reason):
                attendee.attendance, attendee.reason = row.attendance, reason
                attendee.save(update_fields=["attendance", "reason"])
                changes[str(attendee.pk)] = [row.attendance, reason]
        if changes:
            record_event(actor=by, obj=current, action="attendance", after=changes)
        if current.state == MeetingState.PLANNED:
            current = meeting_transition(by=by, meeting=current, name="hold")
        return current


def minutes_save(
    *,
    by: Any,
    meeting: Meeting,
    summary: str,
    requirements: Sequence[str],
    expected_version: int | None,
) -> Minutes:
    """Write the minutes: the chair's summing-up and the numbered requirements (会议要求).
    A requirement that already became measures keeps its place: it can be reworded, not
    removed."""
    text = _text(summary, field="summary", label=_("Summing-up"), required=True, limit=TEXT_LIMIT)
    items = [r.strip() for r in requirements if r and r.strip()]
    if len(items) > MAX_REQUIREMENTS:
        raise ValidationError(
            {"requirements": _("At most %(count)d requirements.") % {"count": MAX_REQUIREMENTS}}
        )
    if any(len(r) > 5000 for r in items):
        raise ValidationError(
            {"requirements": _("A requirement is too long (5000 characters at most).")}
        )
    with transaction.atomic():
        current = _lock_meeting(meeting.pk)
        policy.require(by, "record_minutes", current)
        minutes = (
            Minutes.objects.unscoped("the meeting is locked and its runner checked")
            .filter(meeting=current)
            .first()
        )
        if minutes is not None and expected_version not in (None, minutes.version):
            raise ValidationError(
                _(
                    "The minutes were changed by someone else after you opened them; reload the "
                    "page."
                )
            )
        if minutes is None and expected_version not in (None, 0):
            raise ValidationError(_("The minutes were removed; reload the page."))
        existing = {
            r.number: r
            for r in Requirement.objects.unscoped(
                "the meeting is locked and its runner checked"
            ).filter(meeting=current)
        }
        linked = set(
            RequirementMeasure.objects.unscoped("the meeting is locked and its runner checked")
            .filter(requirement__meeting=current)
            .values_list("requirement__number", flat=True)
        )
        dropped = sorted(n for n in existing if n > len(items) and n in linked)
        if dropped:
            raise ValidationError(
                {
                    "requirements": _(
                        "Requirement %(numbers)s already became measures and cannot be removed."
                    )
                    % {"numbers": "、".join(map(str, dropped))}
                }
            )
        before = {
            "summary": minutes.summary if minutes else "",
            "requirement_texts": [existing[n].text for n in sorted(existing)],
        }
        for number, item in enumerate(items, 1):
            old = existing.get(number)
            if old is None:
                Requirement.objects.create(meeting=current, number=number, text=item)
            elif old.text != item:
                old.text = item
                old.save(update_fields=["text"])
        Requirement.objects.unscoped("the meeting is locked and its runner checked").filter(
            meeting=current, number__gt=len(items)
        ).delete()
        if minutes is None:
            minutes = Minutes.objects.create(meeting=current, summary=text, updated_by=by)
        else:
            minutes.summary = text
            minutes.updated_by = by
            minutes.version += 1
            minutes.save()
        b, a = diff_fields(before, {"summary": text, "requirement_texts": items})
        if a or b:
            record_event(actor=by, obj=current, action="minutes", before=b, after=a)
        return minutes


# --- requirements become measures ---------------------------------------------------------


@dataclass
class RequirementMeasuresData:
    finding: Finding
    content: str
    units: list[Unit]
    due_date: dt.date | None
    deadline_kind: str = DeadlineKind.BY_DATE
    supervised: bool = False  # 挂牌督办: the office watches it as a supervised item
    number: str = ""
    deadline_text: str = ""


def next_measure_number(finding: Finding) -> str:
    """The number after the finding's last numbered measure (measures are 1, 2, 3 under it)."""
    numbers = (
        Measure.objects.unscoped("numbers under a finding the caller adds measures to")
        .filter(finding=finding)
        .values_list("number", flat=True)
    )
    return str(max((int(n) for n in numbers if n.isdigit()), default=0) + 1)


def requirement_make_measures(
    *, by: Any, requirement: Requirement, data: RequirementMeasuresData
) -> list[Measure]:
    """A requirement becomes one measure (one unit) or a group of measures, one per unit (分派至
    多个单位), through the ledger's own services; each is linked back to the requirement."""
    if not data.units:
        raise ValidationError({"units": _("Choose at least one unit.")})
    if data.supervised and not policy.in_office(policy.as_actor(by)):
        raise ValidationError(
            {"supervised": _("Only the office flags a measure for supervision (挂牌督办).")}
        )
    measure_data = MeasureData(
        content=data.content,
        lead_unit=data.units[0],
        number=data.number.strip() or next_measure_number(data.finding),
        deadline_kind=data.deadline_kind,
        deadline_text=data.deadline_text,
        due_date=data.due_date,
        is_flagged=data.supervised,
    )
    with transaction.atomic():
        meeting = _lock_meeting(requirement.meeting_id)
        policy.require(by, "act_on_requirements", meeting)
        if data.finding.inspection_id != meeting.inspection_id:
            raise ValidationError({"finding": _("Choose a finding of the meeting's inspection.")})
        if len(data.units) == 1:
            measures = [measure_create(by=by, finding=data.finding, data=measure_data)]
        else:
            group = measure_assign_to_units(
                by=by, finding=data.finding, data=measure_data, units=data.units
            )
            measures = list(
                Measure.objects.unscoped("the measures the service has just created")
                .filter(group=group)
                .order_by("id")
            )
        try:
            with transaction.atomic():
                RequirementMeasure.objects.bulk_create(
                    [
                        RequirementMeasure(requirement=requirement, measure=m, created_by=by)
                        for m in measures
                    ]
                )
        except IntegrityError as exc:  # pragma: no cover - a measure is new, so never linked
            raise ValidationError(_("A measure is already linked to a requirement.")) from exc
        record_event(
            actor=by,
            obj=requirement,
            action="measures_created",
            after={
                "meeting": meeting.pk,
                "measures": [m.pk for m in measures],
                "units": [u.pk for u in data.units],
                "supervised": data.supervised,
            },
        )
        return measures

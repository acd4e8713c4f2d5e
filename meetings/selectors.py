"""Reads of the meetings layer: lists, a meeting's parts and outcomes, pre-fills and figures.

Every read starts from `visible_to(user)`; figures and pre-fills are read through the reader's
own scope of the ledger and reporting (the office and task forces that prepare a meeting see the
units they pick).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from ledger.choices import DONE_STATES, OPEN_STATES, MeasureState
from ledger.lights import LightResult
from ledger.models import Finding, Measure
from ledger.selectors import ledger_measures, measure_light, overdue_q, policy_for
from meetings.models import (
    Attendee,
    Meeting,
    MeetingPart,
    Minutes,
    Requirement,
    RequirementMeasure,
)
from organization.choices import UnitKind
from organization.models import LiaisonGroup, Person, TaskForce, Unit
from reporting import selectors as reporting_selectors
from reporting.models import ReportingCycle, UnitReport

FIGURE_KEYS = ("total", "open", "overdue", "returned", "closed")


def meetings_for(user: Any) -> QuerySet[Meeting]:
    return (
        Meeting.objects.visible_to(user)
        .select_related("chair", "inspection")
        .prefetch_related("task_forces", "tags")
        .order_by("-starts_at", "-id")
    )


def rules_deliberated_at(user: Any, meeting: Meeting) -> list[Any]:
    """The rules (制度) this person may see that were deliberated (审议) at the meeting, read
    through the reverse relation: the register builds on meetings, never the other way round."""
    return list(meeting.deliberated_rules.visible_to(user).order_by("deliberated_on", "id"))


def meeting_parts(user: Any, meeting: Meeting) -> list[MeetingPart]:
    return list(
        MeetingPart.objects.visible_to(user)
        .filter(meeting=meeting)
        .select_related("unit", "updated_by__person")
        .order_by("position", "unit__sort_order", "id")
    )


def meeting_attendees(user: Any, meeting: Meeting) -> list[Attendee]:
    return list(
        Attendee.objects.visible_to(user)
        .filter(meeting=meeting)
        .select_related("person__unit", "unit")
        .order_by("unit__sort_order", "person_id", "id")
    )


def meeting_minutes(user: Any, meeting: Meeting) -> Minutes | None:
    return Minutes.objects.visible_to(user).filter(meeting=meeting).first()


@dataclass
class Outcome:
    """What became of a measure born of a requirement, as the meeting page shows it."""

    measure: Measure
    light: LightResult
    visible: bool

    @property
    def closed(self) -> bool:
        return self.measure.state in DONE_STATES


@dataclass
class RequirementView:
    requirement: Requirement
    outcomes: list[Outcome] = field(default_factory=list)


def requirement_views(user: Any, meeting: Meeting) -> list[RequirementView]:
    """Each requirement with the measures born of it; measures the reader may not open are
    counted (their unit and state) but not linked."""
    today = timezone.localdate()
    light_policy = policy_for(meeting.organization)
    links = (
        RequirementMeasure.objects.visible_to(user)
        .filter(requirement__meeting=meeting)
        .select_related("measure__lead_unit", "measure__finding__inspection")
        .order_by("id")
    )
    visible_ids = set(
        Measure.objects.visible_to(user)
        .filter(meeting_requirement_link__requirement__meeting=meeting)
        .values_list("pk", flat=True)
    )
    views = {
        r.pk: RequirementView(r)
        for r in Requirement.objects.visible_to(user).filter(meeting=meeting).order_by("number")
    }
    for link in links:
        view = views.get(link.requirement_id)
        if view is None:
            continue
        m = link.measure
        view.outcomes.append(
            Outcome(
                measure=m,
                light=measure_light(m, today=today, policy=light_policy),
                visible=m.pk in visible_ids,
            )
        )
    return list(views.values())


def measure_origin(user: Any, measure: Measure) -> tuple[RequirementMeasure, bool] | None:
    """The meeting requirement a measure was born of, and whether the reader may open that
    meeting (otherwise its title is shown without a link)."""
    link = (
        RequirementMeasure.objects.visible_to(user)
        .filter(measure=measure)
        .select_related("requirement__meeting")
        .first()
    )
    if link is None:
        return None
    meeting = link.requirement.meeting
    may_open = Meeting.objects.visible_to(user).filter(pk=meeting.pk).exists()
    return link, may_open


# --- preparation --------------------------------------------------------------------------


def unit_measures(by: Any, meeting: Meeting, unit: Unit, *, campaign: Any = None) -> QuerySet:
    """The unit's measures of the meeting's inspection, as `by` sees them; only those carrying
    the campaign (专题活动) when one is given."""
    qs = reporting_selectors.unit_measures(by, unit, meeting.inspection)
    if campaign is not None:
        qs = qs.filter(tags=campaign)
    return qs


def unit_figures(
    by: Any,
    meeting: Meeting,
    unit: Unit,
    *,
    today: dt.date | None = None,
    campaign: Any = None,
) -> dict:
    """The unit's measures of the meeting's inspection, counted: all, open, overdue, returned
    (被退回) and closed — the same rules as the ledger's lists and lights."""
    today = today or timezone.localdate()
    qs = unit_measures(by, meeting, unit, campaign=campaign)
    return {
        "total": qs.count(),
        "open": qs.filter(state__in=OPEN_STATES).count(),
        "overdue": qs.filter(overdue_q(today)).count(),
        "returned": qs.filter(returned_at__isnull=False, state=MeasureState.IN_PROGRESS).count(),
        "closed": qs.filter(state__in=DONE_STATES).count(),
    }


def unit_prefill(by: Any, meeting: Meeting, unit: Unit) -> dict[str, str]:
    """The part's three texts from the unit's report of the current cycle (单位汇报); when the
    unit has not saved one, what that report would be pre-filled with (its measure reports)."""
    cycle = (
        ReportingCycle.objects.visible_to(by)
        .filter(inspection_id=meeting.inspection_id, is_active=True)
        .first()
    )
    if cycle is None:
        return {"work_done": "", "problems": "", "next_steps": ""}
    period = reporting_selectors.period_of(cycle, timezone.localdate())
    report = (
        UnitReport.objects.visible_to(by)
        .filter(unit=unit, inspection_id=meeting.inspection_id, period_start=period.start)
        .first()
    )
    if report is not None:
        return {
            "work_done": report.work_done,
            "problems": report.problems,
            "next_steps": report.next_steps,
        }
    view = reporting_selectors.unit_report_for(by, unit=unit, inspection=meeting.inspection)
    if view is None:
        return {"work_done": "", "problems": "", "next_steps": ""}
    return view.prefill


def units_to_pick(user: Any, meeting: Meeting) -> QuerySet[Unit]:
    return (
        Unit.objects.visible_to(user)
        .filter(organization_id=meeting.organization_id, is_active=True)
        .order_by("sort_order", "id")
    )


def grid_shortcuts(user: Any, meeting: Meeting) -> list[dict[str, str]]:
    """One button per liaison group's grid (网格)."""
    groups = LiaisonGroup.objects.visible_to(user).filter(
        organization_id=meeting.organization_id, is_active=True
    )
    return [{"pick": f"grid:{g.pk}", "label": g.name} for g in groups.order_by("sort_order", "id")]


def shortcut_units(user: Any, meeting: Meeting, shortcut: str) -> list[Unit]:
    """The units a shortcut of the preparation page picks."""
    units = Unit.objects.visible_to(user).filter(
        organization_id=meeting.organization_id, is_active=True
    )
    if shortcut == "branches":
        return list(units.filter(kind=UnitKind.BRANCH))
    if shortcut == "themes":
        # The units with measures under the organizing task forces' themes.
        tf_ids = [tf.pk for tf in meeting.task_forces.all()]
        measures = ledger_measures(user).filter(
            inspection_id=meeting.inspection_id,
            finding__theme__task_force_id__in=tf_ids,
        )
        return list(units.filter(Q(measure_links__measure__in=measures.values("pk"))).distinct())
    return []


def chooseable_people(user: Any, organization_id: int) -> QuerySet[Person]:
    return (
        Person.objects.visible_to(user)
        .filter(organization_id=organization_id, user__is_active=True)
        .select_related("unit")
        .order_by("unit__sort_order", "id")
    )


def chooseable_task_forces(user: Any, organization_id: int) -> QuerySet[TaskForce]:
    return TaskForce.objects.visible_to(user).filter(
        organization_id=organization_id, is_active=True
    )


def findings_for_measures(user: Any, meeting: Meeting) -> QuerySet[Finding]:
    """Findings of the meeting's inspection to which the reader may add measures."""
    return (
        Finding.objects.editable_by(user)
        .filter(inspection_id=meeting.inspection_id)
        .select_related("theme", "inspection")
        .order_by("sort_key", "id")
    )


def parts_due(*, now: dt.datetime, within: dt.timedelta) -> QuerySet[MeetingPart]:
    """Draft parts of planned meetings due within `within` (or already past due): what the
    scheduler reminds units of and chases. Runs for every organization."""
    from meetings.choices import MeetingState, PartState

    return (
        MeetingPart.objects.unscoped("the scheduler reminds every organization's units")
        .filter(
            state=PartState.DRAFT,
            meeting__state=MeetingState.PLANNED,
            due_at__lte=now + within,
            meeting__starts_at__gte=now,
        )
        .select_related("meeting__organization", "unit__party_secretary__user")
        .prefetch_related(
            Prefetch(
                "unit__people",
                queryset=Person.objects.unscoped("the reporting unit's own people").select_related(
                    "user"
                ),
            )
        )
    )

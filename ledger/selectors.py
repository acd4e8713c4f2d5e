"""Reads from the ledger: scoped querysets, derived states, lights and timelines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from core.models import AuditEvent
from core.workdays import CalendarMode
from ledger.choices import (
    DONE_STATES,
    OPEN_STATES,
    DeadlineKind,
    FindingState,
    MeasureState,
    UnitPart,
)
from ledger.lights import LightPolicy, LightResult, MeasureFacts, compute_light
from ledger.models import Finding, Inspection, Measure, MeasureUnit
from organization.models import Organization


def ledger_measures(user: Any) -> QuerySet[Measure]:
    """Measures the user may see, with everything a ledger row shows loaded in fixed queries."""
    return (
        Measure.objects.visible_to(user)
        .select_related(
            "finding__theme__task_force",
            "finding__inspection",
            "lead_unit",
            "responsible_leader",
        )
        .prefetch_related(
            Prefetch(
                "unit_links",
                queryset=MeasureUnit.objects.filter(part=UnitPart.COOP).select_related("unit"),
                to_attr="coop_links",
            ),
            "responsible_persons",
            "tags",
        )
    )


def policy_for(organization: Organization | None) -> LightPolicy:
    if organization is None:
        return LightPolicy()
    mode = (
        CalendarMode.WORKING_DAYS
        if organization.calendar_mode == "working"
        else CalendarMode.CALENDAR_DAYS
    )
    return LightPolicy(
        warn_days=organization.warn_days, behind_points=organization.behind_points, mode=mode
    )


def measure_light(
    measure: Measure, *, today: dt.date | None = None, policy: LightPolicy | None = None
) -> LightResult:
    """The warning light of one measure; needs finding.inspection loaded (the start date)."""
    facts = MeasureFacts(
        is_closed=measure.state in DONE_STATES and measure.deadline_kind != DeadlineKind.LONG_TERM,
        is_long_term=measure.deadline_kind == DeadlineKind.LONG_TERM,
        due_date=measure.due_date,
        start_date=measure.finding.inspection.feedback_date,
        progress=measure.progress,
        next_review_date=measure.next_review_date,
    )
    return compute_light(facts, today=today or timezone.localdate(), policy=policy or LightPolicy())


def overdue_q(today: dt.date) -> Q:
    """Open measures past their due date, and long-term ones past their review date."""
    return Q(state__in=OPEN_STATES, due_date__lt=today) | Q(
        deadline_kind=DeadlineKind.LONG_TERM, next_review_date__lt=today
    )


def due_within_q(today: dt.date, days: int) -> Q:
    return Q(
        state__in=OPEN_STATES, due_date__gte=today, due_date__lte=today + dt.timedelta(days=days)
    )


@dataclass(frozen=True)
class FindingRollup:
    total: int
    done: int
    started: int

    @property
    def state(self) -> str:
        if self.total and self.done == self.total:
            return FindingState.DONE
        if self.started:
            return FindingState.IN_PROGRESS
        return FindingState.NOT_STARTED

    @property
    def state_label(self) -> str:
        return str(FindingState(self.state).label)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def with_rollup(findings: QuerySet[Finding]) -> QuerySet[Finding]:
    """Annotate findings with measure counts, from which their derived state follows."""
    return findings.annotate(
        m_total=Count("measures", distinct=True),
        m_done=Count("measures", filter=Q(measures__state__in=DONE_STATES), distinct=True),
        m_started=Count(
            "measures", filter=~Q(measures__state=MeasureState.NOT_STARTED), distinct=True
        ),
    )


def rollup_of(finding: Finding) -> FindingRollup:
    if hasattr(finding, "m_total"):
        return FindingRollup(finding.m_total, finding.m_done, finding.m_started)  # type: ignore[attr-defined]
    states = list(
        finding.measures.unscoped("a finding's progress counts all its measures").values_list(
            "state", flat=True
        )
    )
    return FindingRollup(
        total=len(states),
        done=sum(1 for s in states if s in DONE_STATES),
        started=sum(1 for s in states if s != MeasureState.NOT_STARTED),
    )


def state_counts(measures: QuerySet[Measure]) -> dict[str, int]:
    rows = measures.order_by().values("state").annotate(n=Count("id"))
    counts = {s: 0 for s in MeasureState.values}
    counts.update({r["state"]: r["n"] for r in rows})
    return counts


# --- timelines -------------------------------------------------------------------------


def _events(user: Any, q: Q, limit: int) -> list[AuditEvent]:
    # Events are scoped like the objects they record: a person reads the story of what they
    # may see, never the report text or return reasons of another unit's measures.
    return list(
        AuditEvent.objects.visible_to(user)
        .filter(q)
        .select_related("actor__person")
        .order_by("-seq")[:limit]
    )


def measure_timeline(measure: Measure, *, user: Any, limit: int = 300) -> list[AuditEvent]:
    """Everything that happened to a measure, newest first. Other layers write events on the
    measure itself (reports, evidence, reviews), so this one query shows them all."""
    return _events(user, Q(object_type="ledger.measure", object_id=measure.pk), limit)


def finding_timeline(finding: Finding, *, user: Any, limit: int = 300) -> list[AuditEvent]:
    measure_ids = Measure.objects.visible_to(user).filter(finding_id=finding.pk).values("id")
    return _events(
        user,
        Q(object_type="ledger.finding", object_id=finding.pk)
        | Q(object_type="ledger.measure", object_id__in=measure_ids),
        limit,
    )


def inspection_timeline(inspection: Inspection, *, user: Any, limit: int = 300) -> list[AuditEvent]:
    finding_ids = Finding.objects.visible_to(user).filter(inspection_id=inspection.pk).values("id")
    return _events(
        user,
        Q(object_type="ledger.inspection", object_id=inspection.pk)
        | Q(object_type="ledger.finding", object_id__in=finding_ids),
        limit,
    )


def visible_findings(user: Any) -> QuerySet[Finding]:
    return Finding.objects.visible_to(user).select_related("theme__task_force", "inspection")


def measures_of_unit(unit_ids: Iterable[int]) -> Q:
    ids = sorted(unit_ids)
    return Q(lead_unit_id__in=ids) | Q(
        Exists(MeasureUnit.objects.filter(measure_id=OuterRef("pk"), unit_id__in=ids))
    )

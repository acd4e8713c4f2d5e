"""Reads from the ledger: scoped querysets, derived states, lights and timelines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, QuerySet, When
from django.utils import timezone

from core.models import AuditEvent
from core.workdays import CalendarMode
from ledger.choices import (
    DONE_STATES,
    OPEN_STATES,
    DeadlineKind,
    FindingState,
    InspectionStatus,
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


def inspection_ids_current_first(user: Any) -> list[int]:
    """The inspections the user may see, the current one first: rounds still being rectified
    before completed ones, the latest feedback first."""
    completed = Case(When(status=InspectionStatus.CLOSED, then=1), default=0)
    return list(
        Inspection.objects.visible_to(user)
        .order_by(completed, "-feedback_date", "-id")
        .values_list("pk", flat=True)
    )


def policy_for(organization: Organization | None) -> LightPolicy:
    if organization is None:
        return LightPolicy()
    return LightPolicy(
        warn_days=organization.warn_days,
        behind_points=organization.behind_points,
        mode=CalendarMode.of(organization.calendar_mode),
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


def with_rollup(
    findings: QuerySet[Finding], *, within: QuerySet[Measure] | None = None
) -> QuerySet[Finding]:
    """Annotate findings with measure counts, from which their derived state follows.

    `within` limits the counts to those measures (e.g. the ones a person may see), so a page
    never counts what it does not show."""
    scope = Q() if within is None else Q(measures__in=within.values("pk"))
    return findings.annotate(
        m_total=Count("measures", filter=scope, distinct=True),
        m_done=Count("measures", filter=scope & Q(measures__state__in=DONE_STATES), distinct=True),
        m_started=Count(
            "measures",
            filter=scope & ~Q(measures__state=MeasureState.NOT_STARTED),
            distinct=True,
        ),
    )


def rollup_of_measures(measures: Iterable[Measure]) -> FindingRollup:
    """The roll-up of the measures given (those a page shows)."""
    states = [m.state for m in measures]
    return FindingRollup(
        total=len(states),
        done=sum(1 for s in states if s in DONE_STATES),
        started=sum(1 for s in states if s != MeasureState.NOT_STARTED),
    )


def rollup_of(finding: Finding) -> FindingRollup:
    if hasattr(finding, "m_total"):
        return FindingRollup(finding.m_total, finding.m_done, finding.m_started)  # type: ignore[attr-defined]
    states = list(finding.measures.values_list("state", flat=True))
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


# --- completion rates: 问题完成率 and 措施完成率 -----------------------------------------------


def completion_percent(done: int, total: int) -> str:
    """A rate as every page and document prints it: at most one decimal ("66.7", "100")."""
    if not total:
        return "0"
    return f"{round(100 * done / total, 1):g}"


@dataclass(frozen=True)
class Completion:
    """The two completion rates (完成率) of a scope. A finding (问题) counts as rectified when
    it has measures and all of them are done; a measure (措施) when it is closed or its stage
    is done. Every page and document takes its rates from here, named with their base."""

    findings: int
    findings_done: int
    findings_started: int
    measures: int
    measures_done: int

    @property
    def findings_open(self) -> int:
        return self.findings - self.findings_done

    @property
    def measures_open(self) -> int:
        return self.measures - self.measures_done

    @property
    def findings_rate(self) -> str:
        return completion_percent(self.findings_done, self.findings)

    @property
    def measures_rate(self) -> str:
        return completion_percent(self.measures_done, self.measures)


def completion(*, findings: QuerySet[Finding], measures: QuerySet[Measure]) -> Completion:
    """Completion of the given (already scoped) findings and measures, in two queries: only the
    measures given count towards a finding, so a unit's rates are those of what it sees."""
    per_finding = {
        row["finding_id"]: row
        for row in measures.order_by()
        .values("finding_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(state__in=DONE_STATES)),
            started=Count("id", filter=~Q(state=MeasureState.NOT_STARTED)),
        )
    }
    finding_ids = list(findings.order_by().values_list("id", flat=True))
    rows = [per_finding.get(pk) for pk in finding_ids]
    return Completion(
        findings=len(finding_ids),
        findings_done=sum(1 for r in rows if r and r["total"] and r["done"] == r["total"]),
        findings_started=sum(1 for r in rows if r and r["started"]),
        measures=sum(r["total"] for r in per_finding.values()),
        measures_done=sum(r["done"] for r in per_finding.values()),
    )


# --- timelines -------------------------------------------------------------------------


def _events(q: Q, limit: int) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(q).select_related("actor__person").order_by("-seq")[:limit]
    )


def measure_timeline(measure: Measure, *, limit: int = 300) -> list[AuditEvent]:
    """Everything that happened to a measure, newest first. Other layers write events on the
    measure itself (reports, evidence, reviews), so this one query shows them all."""
    return _events(Q(object_type="ledger.measure", object_id=measure.pk), limit)


def finding_timeline(finding: Finding, *, limit: int = 300) -> list[AuditEvent]:
    measure_ids = Measure.objects.filter(finding_id=finding.pk).values("id")
    return _events(
        Q(object_type="ledger.finding", object_id=finding.pk)
        | Q(object_type="ledger.measure", object_id__in=measure_ids),
        limit,
    )


def inspection_timeline(inspection: Inspection, *, limit: int = 300) -> list[AuditEvent]:
    finding_ids = Finding.objects.filter(inspection_id=inspection.pk).values("id")
    return _events(
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

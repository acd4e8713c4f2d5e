"""Reads of the reporting layer, for its own pages, the home page, dashboards and documents.

Every read starts from `visible_to(user)`: a person sees reports, evidence, decisions and
look-backs exactly for the measures they see.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import AuditEvent
from ledger.choices import DONE_STATES, OPEN_STATES, DeadlineKind, MeasureState, UnitPart
from ledger.models import Finding, Inspection, Measure, MeasureUnit
from ledger.selectors import ledger_measures
from organization import policy
from organization.models import Unit
from organization.scope import actor_for
from reporting.choices import (
    OPEN_REQUEST_STATUSES,
    ExtensionStatus,
    LookBackStatus,
    RequestStatus,
    ReviewOutcome,
)
from reporting.cycles import Period, period_containing
from reporting.models import (
    CloseRequest,
    Evidence,
    ExtensionRequest,
    LookBack,
    ProgressReport,
    ReportingCycle,
    ReviewDecision,
    UnitReport,
)

# States in which a measure owes a report every cycle. Measures waiting for review owe none
# (the reviewers have the ball), nor do closed ones or long-term ones between their reviews.
REPORT_DUE_STATES = (MeasureState.NOT_STARTED, MeasureState.IN_PROGRESS)


# --- reporting cycles ------------------------------------------------------------------------


def period_of(cycle: ReportingCycle, day: dt.date) -> Period:
    return period_containing(
        day, frequency=cycle.frequency, weekday=cycle.weekday, day_of_month=cycle.day_of_month
    )


def active_cycles(user: Any) -> list[ReportingCycle]:
    return list(
        ReportingCycle.objects.visible_to(user)
        .filter(is_active=True)
        .select_related("inspection")
        .order_by("inspection_id")
    )


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def current_periods(user: Any, *, today: dt.date) -> dict[int, Period]:
    """Inspection id -> the reporting period that `today` falls in, for cycles in force."""
    periods: dict[int, Period] = {}
    for cycle in active_cycles(user):
        if cycle.starts_on and today < cycle.starts_on:
            continue
        periods[cycle.inspection_id] = period_of(cycle, today)
    return periods


def missing_report_measures(user: Any, *, today: dt.date) -> QuerySet[Measure]:
    """Visible open measures with no progress report in the current cycle of their inspection.

    Only inspections with a reporting cycle in force count; each cycle adds one `Exists`
    subquery, so the whole list is one SQL query whatever the number of measures.
    """
    periods = current_periods(user, today=today)
    base = ledger_measures(user).filter(state__in=REPORT_DUE_STATES)
    if not periods:
        return base.none()
    q = Q(pk__in=[])
    for inspection_id, period in periods.items():
        start, end = _bounds(period)
        reported = ProgressReport.objects.filter(
            measure_id=OuterRef("pk"), filed_at__gte=start, filed_at__lt=end
        )
        q |= Q(inspection_id=inspection_id) & ~Q(Exists(reported))
    return base.filter(q).order_by(
        "lead_unit__sort_order", "lead_unit_id", "finding__sort_key", "sort_key", "id"
    )


@dataclass
class MissingGroup:
    unit: Unit
    measures: list[Measure]


def missing_by_unit(user: Any, *, today: dt.date) -> list[MissingGroup]:
    groups: dict[int, MissingGroup] = {}
    for m in missing_report_measures(user, today=today):
        groups.setdefault(m.lead_unit_id, MissingGroup(m.lead_unit, [])).measures.append(m)
    return list(groups.values())


# --- a measure's page ------------------------------------------------------------------------


@dataclass
class ReportRow:
    report: ProgressReport
    superseded_by: ProgressReport | None
    evidence: list[Evidence] = field(default_factory=list)


def measure_reports(user: Any, measure: Measure, *, limit: int | None = None) -> list[ReportRow]:
    """The measure's reports the user may see, newest first; `limit`: only the newest ones
    (a correction is newer than what it corrects, so each shown row still knows whether it
    was superseded)."""
    reports = list(
        ProgressReport.objects.visible_to(user)
        .filter(measure=measure)
        .select_related("unit", "author__person", "supersedes")
        .prefetch_related(
            Prefetch(
                "evidence",
                # Named by its measure as well as its reports (a report's evidence is filed on
                # the report's measure): read through the measure's index. By the report ids
                # alone, SQLite scanned the whole table where few files are filed with a report
                # (24 ms at 190,000 files).
                queryset=Evidence.objects.unscoped("evidence of measures scoped above")
                .filter(measure=measure)
                .order_by("id"),
            )
        )
        .order_by("-filed_at", "-id")[:limit]
    )
    by_old = {r.supersedes_id: r for r in reports if r.supersedes_id}
    return [ReportRow(r, by_old.get(r.pk), list(r.evidence.all())) for r in reports]


def measure_evidence(user: Any, measure: Measure, *, limit: int | None = None) -> list[Evidence]:
    """The measure's evidence the user may see, newest first (`limit`: only the newest)."""
    return list(
        Evidence.objects.visible_to(user)
        .filter(measure=measure)
        .select_related("uploaded_by__person", "withdrawn_by__person", "unit")
        .order_by("-uploaded_at", "-id")[:limit]
    )


def measure_history_counts(user: Any, measure: Measure) -> dict[str, int]:
    """How many reports and pieces of evidence (and of those, not withdrawn) the user may see on
    the measure: the page shows the newest and says how many there are in all."""

    evidence = (
        Evidence.objects.visible_to(user)
        .filter(measure=measure)
        .aggregate(total=Count("id"), live=Count("id", filter=Q(withdrawn_at__isnull=True)))
    )
    reports = ProgressReport.objects.visible_to(user).filter(measure=measure).count()
    return {"reports": reports, "evidence": evidence["total"], "live_evidence": evidence["live"]}


@dataclass
class DecisionView:
    decision: ReviewDecision
    changes: list[str]


def changes_since(
    decision: ReviewDecision, measure_now: dict[str, Any], evidence_now: list[dict[str, Any]]
) -> list[str]:
    """What differs between what the reviewer approved and what stands now (plain labels)."""
    from django.utils.translation import gettext as _

    labels = {
        "number": _("number"),
        "content": _("measure text"),
        "lead_unit_id": _("lead unit"),
        "co_units": _("co-operating units"),
        "deadline_kind": _("deadline kind"),
        "due_date": _("due date"),
    }
    changes: list[str] = []
    snap = decision.measure_snapshot or {}
    for key, label in labels.items():
        if key in snap and snap[key] != measure_now.get(key):
            changes.append(_("%(field)s changed") % {"field": label})
    then = {e["id"]: e for e in decision.evidence_snapshot or []}
    now = {e["id"]: e for e in evidence_now}
    added = [now[i]["name"] for i in now if i not in then]
    gone = [then[i]["name"] for i in then if i not in now]
    if added:
        changes.append(_("evidence added: %(names)s") % {"names": "、".join(added)})
    if gone:
        changes.append(_("evidence withdrawn: %(names)s") % {"names": "、".join(gone)})
    return changes


def measure_decisions(user: Any, measure: Measure) -> list[DecisionView]:
    from reporting.services import evidence_snapshot, measure_snapshot

    decisions = list(
        ReviewDecision.objects.visible_to(user)
        .filter(measure=measure)
        .select_related("decided_by__person", "request")
        .order_by("-decided_at", "-id")
    )
    if not decisions:
        return []
    m_now, e_now = measure_snapshot(measure), evidence_snapshot(measure)
    return [
        DecisionView(
            d,
            changes_since(d, m_now, e_now)
            if d.outcome
            in (
                ReviewOutcome.APPROVED,
                ReviewOutcome.CLOSED,
                ReviewOutcome.STAGE_DONE,
                ReviewOutcome.DIRECT_CLOSED,
            )
            else [],
        )
        for d in decisions
    ]


# A request is current only while the measure stands where the request says it waits; a step
# fired from elsewhere (the ledger's own buttons) leaves the row behind, and it is not shown.
CURRENT_STATE_OF = {
    RequestStatus.PENDING_LIAISON: MeasureState.PENDING_REVIEW,
    RequestStatus.PENDING_OFFICE: MeasureState.PENDING_CLOSE,
}


def is_current(request: CloseRequest, measure: Measure) -> bool:
    return CURRENT_STATE_OF.get(request.status) == measure.state  # type: ignore[call-overload]


def open_request(measure: Measure) -> CloseRequest | None:
    request = (
        CloseRequest.objects.unscoped("records of a measure already fetched through its scope")
        .filter(measure=measure, status__in=OPEN_REQUEST_STATUSES)
        .select_related("requested_by__person")
        .order_by("-requested_at", "-id")
        .first()
    )
    return request if request is not None and is_current(request, measure) else None


def last_return(
    measure: Measure, *, decisions: list[ReviewDecision] | None = None
) -> ReviewDecision | None:
    """The latest 'returned' decision, when it is the latest decision at all: what the unit
    must answer before asking again. `decisions`: every decision of the measure, newest first,
    when the caller has read them already (`measure_decisions` on the measure's page)."""
    if decisions is not None:
        latest = decisions[0] if decisions else None
    else:
        latest = (
            ReviewDecision.objects.unscoped(
                "records of a measure already fetched through its scope"
            )
            .filter(measure=measure)
            .select_related("decided_by__person")
            .order_by("-decided_at", "-id")
            .first()
        )
    if latest is None or latest.outcome != ReviewOutcome.RETURNED:
        return None
    if measure.state != MeasureState.IN_PROGRESS:
        return None
    newer = CloseRequest.objects.unscoped(
        "records of a measure already fetched through its scope"
    ).filter(measure=measure, requested_at__gt=latest.decided_at)
    return None if newer.exists() else latest


def last_return_event(measure: Measure) -> AuditEvent | None:
    """A return recorded only on the ledger (fired outside the review panel)."""
    return (
        AuditEvent.objects.unscoped("records of a measure already fetched through its scope")
        .filter(
            object_type="ledger.measure",
            object_id=measure.pk,
            action__in=("transition:liaison_return", "transition:office_return"),
        )
        .select_related("actor__person")
        .order_by("-seq")
        .first()
    )


def request_summaries(measure_ids: list[int]) -> dict[int, str]:
    """The summary of each measure's latest close-out request, read from the ledger's own
    event (the request's reason), so requests made from any screen have one."""
    summaries: dict[int, str] = {}
    rows = (
        AuditEvent.objects.unscoped("records of a measure already fetched through its scope")
        .filter(
            object_type="ledger.measure",
            object_id__in=measure_ids,
            action="transition:request_close",
        )
        .order_by("object_id", "-seq")
        .values_list("object_id", "message")
    )
    for object_id, message in rows:
        summaries.setdefault(object_id, message)
    return summaries


def request_summary(measure: Measure) -> str:
    return request_summaries([measure.pk]).get(measure.pk, "")


def measure_extensions(user: Any, measure: Measure) -> list[ExtensionRequest]:
    return list(
        ExtensionRequest.objects.visible_to(user)
        .filter(measure=measure)
        .select_related("requested_by__person", "decided_by__person")
        .order_by("-requested_at", "-id")
    )


def measure_lookbacks(user: Any, measure: Measure) -> list[LookBack]:
    return list(
        LookBack.objects.visible_to(user)
        .filter(measure=measure)
        .select_related("checked_by__person", "scheduled_by__person")
        # By the measure's index too, as the reports' evidence above.
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.visible_to(user).filter(measure=measure))
        )
        .order_by("-planned_date", "-id")
    )


# --- review queues ---------------------------------------------------------------------------


def _request_prefetch() -> Prefetch:
    return Prefetch(
        "close_requests",
        queryset=CloseRequest.objects.unscoped("requests of measures scoped above")
        .filter(status__in=OPEN_REQUEST_STATUSES)
        .select_related("requested_by__person"),
        to_attr="open_requests",
    )


def liaison_queue(user: Any) -> QuerySet[Measure]:
    """Close-out requests waiting for this person's liaison group(s), oldest first."""
    actor = actor_for(user)
    if not actor.liaison_group_ids:
        return Measure.objects.none()
    return (
        ledger_measures(user)
        .filter(
            state=MeasureState.PENDING_REVIEW,
            lead_unit__liaison_group_id__in=sorted(actor.liaison_group_ids),
        )
        .prefetch_related(_request_prefetch())
        .order_by("state_changed_at", "id")
    )


def office_close_queue(user: Any) -> QuerySet[Measure]:
    """Requests approved by the liaison groups, waiting for the office, oldest first."""
    return (
        ledger_measures(user)
        .filter(state=MeasureState.PENDING_CLOSE)
        .prefetch_related(_request_prefetch())
        .order_by("state_changed_at", "id")
    )


def at_liaison_queue(user: Any) -> QuerySet[Measure]:
    return (
        ledger_measures(user)
        .filter(state=MeasureState.PENDING_REVIEW)
        .prefetch_related(_request_prefetch())
        .order_by("state_changed_at", "id")
    )


def pending_extensions(user: Any) -> QuerySet[ExtensionRequest]:
    return (
        ExtensionRequest.objects.visible_to(user)
        .filter(status=ExtensionStatus.PENDING)
        .select_related(
            "measure__lead_unit", "measure__finding__inspection", "requested_by__person"
        )
        .order_by("requested_at", "id")
    )


def reviews_due(user: Any, *, today: dt.date) -> QuerySet[Measure]:
    """Long-term measures whose periodic review date has come (or passed), oldest first."""
    return (
        ledger_measures(user)
        .filter(
            deadline_kind=DeadlineKind.LONG_TERM,
            state__in=(MeasureState.IN_PROGRESS, MeasureState.STAGE_DONE, MeasureState.NOT_STARTED),
            next_review_date__lte=today,
        )
        .order_by("next_review_date", "id")
    )


def lookbacks_due(user: Any, *, today: dt.date) -> QuerySet[LookBack]:
    return (
        LookBack.objects.visible_to(user)
        .filter(status=LookBackStatus.SCHEDULED, planned_date__lte=today)
        .select_related("measure__lead_unit", "measure__finding__inspection")
        .order_by("planned_date", "id")
    )


def lookbacks(user: Any) -> QuerySet[LookBack]:
    return (
        LookBack.objects.visible_to(user)
        .select_related(
            "measure__lead_unit",
            "measure__finding__theme",
            "measure__finding__inspection",
            "checked_by__person",
        )
        .order_by("status", "planned_date", "id")
    )


# --- reconciliation (对账) -----------------------------------------------------------------


@dataclass
class Issue:
    code: str
    message: str


@dataclass
class ReconcileRow:
    measure: Measure
    evidence_count: int
    last_report: ProgressReport | None
    history: list[AuditEvent]
    issues: list[Issue]


@dataclass
class Reconciliation:
    finding: Finding
    rows: list[ReconcileRow]
    total: int
    closed: int

    @property
    def is_rectified(self) -> bool:
        """已整改: every measure closed out (a long-term one: its current stage completed)."""
        return bool(self.total) and self.closed == self.total

    @property
    def issue_count(self) -> int:
        return sum(len(r.issues) for r in self.rows)


REVIEW_ACTIONS = tuple(
    f"transition:{n}"
    for n in (
        "request_close",
        "withdraw",
        "liaison_approve",
        "liaison_return",
        "office_close",
        "office_return",
        "direct_close",
        "office_stage_complete",
        "reopen",
    )
)


def measure_issues(
    m: Measure,
    *,
    live_evidence: int,
    reports_after_closure: int,
    open_coop_units: list[str],
) -> list[Issue]:
    from django.utils.translation import gettext as _

    issues: list[Issue] = []
    if m.state == MeasureState.CLOSED:
        if live_evidence == 0:
            issues.append(Issue("no_evidence", _("Closed out without evidence.")))
        if open_coop_units:
            issues.append(
                Issue(
                    "coop_open",
                    _("Closed out while a co-operating unit's part is still open: %(units)s.")
                    % {"units": "、".join(open_coop_units)},
                )
            )
        if reports_after_closure:
            issues.append(
                Issue("report_after_closure", _("A progress report was filed after the close-out."))
            )
    if m.evidence_count != live_evidence:
        issues.append(
            Issue(
                "count_mismatch",
                _("The ledger counts %(ledger)d evidence files but %(live)d are on file.")
                % {"ledger": m.evidence_count, "live": live_evidence},
            )
        )
    return issues


def reconcile_finding(user: Any, finding: Finding) -> Reconciliation:
    """Every visible measure of a finding, with what close-out rests on and what is off."""
    live = _count(Evidence.objects.filter(measure_id=OuterRef("pk"), withdrawn_at__isnull=True))
    after_close = _count(
        ProgressReport.objects.filter(measure_id=OuterRef("pk"), filed_at__gt=OuterRef("closed_at"))
    )
    measures = list(
        ledger_measures(user)
        .filter(finding=finding)
        .annotate(live_evidence=live, reports_after=after_close)
        .order_by("sort_key", "id")
    )
    ids = [m.pk for m in measures]
    latest: dict[int, ProgressReport] = {}
    coop_latest: dict[tuple[int, int], int] = {}
    for r in (
        ProgressReport.objects.unscoped("reports of measures scoped above")
        .filter(measure_id__in=ids)
        .select_related("unit")
        .order_by("measure_id", "-filed_at", "-id")
    ):
        latest.setdefault(r.measure_id, r)
        coop_latest.setdefault((r.measure_id, r.unit_id), r.progress)
    coop_units: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for link in MeasureUnit.objects.filter(measure_id__in=ids, part=UnitPart.COOP).select_related(
        "unit"
    ):
        coop_units[link.measure_id].append((link.unit_id, link.unit.name))
    history: dict[int, list[AuditEvent]] = defaultdict(list)
    for e in (
        AuditEvent.objects.unscoped("events of measures scoped above")
        .filter(object_type="ledger.measure", object_id__in=ids, action__in=REVIEW_ACTIONS)
        .select_related("actor__person")
        .order_by("seq")
    ):
        history[e.object_id].append(e)
    rows = []
    for m in measures:
        open_coop = [
            name
            for unit_id, name in coop_units.get(m.pk, [])
            if (m.pk, unit_id) in coop_latest and coop_latest[(m.pk, unit_id)] < 100
        ]
        rows.append(
            ReconcileRow(
                measure=m,
                evidence_count=m.live_evidence,  # type: ignore[attr-defined]
                last_report=latest.get(m.pk),
                history=history.get(m.pk, []),
                issues=measure_issues(
                    m,
                    live_evidence=m.live_evidence,  # type: ignore[attr-defined]
                    reports_after_closure=m.reports_after,  # type: ignore[attr-defined]
                    open_coop_units=open_coop,
                ),
            )
        )
    closed = sum(1 for m in measures if m.state in DONE_STATES)
    return Reconciliation(finding=finding, rows=rows, total=len(measures), closed=closed)


def _count(qs: QuerySet[Any]) -> Coalesce:
    return Coalesce(
        Subquery(qs.order_by().values("measure_id").annotate(n=Count("id")).values("n")[:1]),
        Value(0),
    )


# --- relapse, extension statistics ---------------------------------------------------------


def relapse_counts(user: Any) -> dict[str, list[dict[str, Any]]]:
    """Relapses (反弹回潮: closed measures reopened) per lead unit and per theme, most first.

    Counts every reopening recorded on the ledger, whether found at a look-back or otherwise.
    """
    measures = Measure.objects.visible_to(user).filter(relapse_count__gt=0).order_by()
    by_unit = (
        measures.values("lead_unit_id", "lead_unit__name")
        .annotate(relapses=Sum("relapse_count"), measures=Count("id"))
        .order_by("-relapses", "lead_unit__name")
    )
    by_theme = (
        measures.values("finding__theme_id", "finding__theme__name")
        .annotate(relapses=Sum("relapse_count"), measures=Count("id"))
        .order_by("-relapses", "finding__theme__name")
    )
    return {
        "by_unit": [
            {
                "unit_id": r["lead_unit_id"],
                "name": r["lead_unit__name"],
                "relapses": r["relapses"],
                "measures": r["measures"],
            }
            for r in by_unit
        ],
        "by_theme": [
            {
                "theme_id": r["finding__theme_id"],
                "name": r["finding__theme__name"],
                "relapses": r["relapses"],
                "measures": r["measures"],
            }
            for r in by_theme
        ],
    }


def late_against_original_q(today: dt.date) -> Q:
    """Measures late when judged by their original due date, extensions notwithstanding."""
    return Q(original_due_date__isnull=False) & (
        Q(state__in=OPEN_STATES, original_due_date__lt=today)
        | Q(state=MeasureState.CLOSED, closed_at__date__gt=F("original_due_date"))
    )


def extension_stats(user: Any, *, today: dt.date) -> dict[str, int]:
    measures = Measure.objects.visible_to(user)
    return {
        "extended": measures.filter(extensions__status=ExtensionStatus.APPROVED).distinct().count(),
        "pending": ExtensionRequest.objects.visible_to(user)
        .filter(status=ExtensionStatus.PENDING)
        .count(),
        "late_against_original": measures.filter(late_against_original_q(today)).count(),
    }


# --- unit reports (单位汇报), for the page and the documents export ----------------------------


@dataclass
class MeasureLine:
    measure: Measure
    part: str  # "lead" or "coop"
    report: ProgressReport | None  # the unit's latest report on it in the period


@dataclass
class UnitReportView:
    unit: Unit
    inspection: Inspection
    period: Period
    report: UnitReport | None
    lines: list[MeasureLine]

    @property
    def prefill(self) -> dict[str, str]:
        """The three parts, gathered from the unit's measure reports of the period."""
        parts: dict[str, list[str]] = {"work_done": [], "problems": [], "next_steps": []}
        for line in self.lines:
            if line.report is None:
                continue
            head = f"{line.measure.finding.number}-{line.measure.number}".strip("-")
            for key in parts:
                text = getattr(line.report, key).strip()
                if text:
                    parts[key].append(f"{len(parts[key]) + 1}. [{head}] {text}")
        return {k: "\n".join(v) for k, v in parts.items()}


def unit_measures(user: Any, unit: Unit, inspection: Inspection) -> QuerySet[Measure]:
    links = MeasureUnit.objects.filter(measure_id=OuterRef("pk"), unit_id=unit.pk)
    return (
        ledger_measures(user)
        .filter(inspection=inspection)
        .filter(Q(lead_unit_id=unit.pk) | Q(Exists(links)))
        .annotate(unit_part=Subquery(links.values("part")[:1]))
        .order_by("finding__sort_key", "finding_id", "sort_key", "id")
    )


def unit_report_for(
    user: Any, *, unit: Unit, inspection: Inspection, day: dt.date | None = None
) -> UnitReportView | None:
    """The unit report of the cycle containing `day` (today by default), with every measure of
    the unit and its latest report in that cycle; None when the user may not see it or the
    inspection has no reporting cycle. The documents layer exports this to Word."""
    if not Unit.objects.visible_to(user).filter(pk=unit.pk).exists():
        return None
    if not policy.can_see_unit_report(user, unit):
        return None
    cycle = (
        ReportingCycle.objects.unscoped("cycle of an inspection already fetched through its scope")
        .filter(inspection=inspection)
        .first()
    )
    if cycle is None:
        return None
    period = period_of(cycle, day or timezone.localdate())
    report = (
        UnitReport.objects.visible_to(user)
        .filter(unit=unit, inspection=inspection, period_start=period.start)
        .select_related("updated_by__person")
        .first()
    )
    measures = list(unit_measures(user, unit, inspection))
    start, end = _bounds(period)
    latest: dict[int, ProgressReport] = {}
    for r in (
        ProgressReport.objects.unscoped("reports of measures scoped above")
        .filter(
            measure_id__in=[m.pk for m in measures],
            unit=unit,
            filed_at__gte=start,
            filed_at__lt=end,
        )
        .order_by("measure_id", "-filed_at", "-id")
    ):
        latest.setdefault(r.measure_id, r)
    lines = [
        MeasureLine(m, getattr(m, "unit_part", None) or UnitPart.LEAD, latest.get(m.pk))
        for m in measures
    ]
    return UnitReportView(
        unit=unit, inspection=inspection, period=period, report=report, lines=lines
    )


def unit_reports(user: Any, *, inspection: Inspection | None = None) -> QuerySet[UnitReport]:
    qs = UnitReport.objects.visible_to(user).select_related(
        "unit", "inspection", "updated_by__person"
    )
    if inspection is not None:
        qs = qs.filter(inspection=inspection)
    return qs.order_by("-period_start", "unit__sort_order")


def request_status_label(status: str) -> str:
    return str(RequestStatus(status).label)

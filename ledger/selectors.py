"""Reads from the ledger: scoped querysets, derived states, lights and timelines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import AuditEvent
from core.scoping import fetched_for
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
from organization.models import Organization, Person, Theme, Unit


def ledger_measures(user: Any, *, as_lists: bool = False) -> QuerySet[Measure]:
    """Measures the user may see, with everything a ledger row shows loaded in fixed queries.

    as_lists: the responsible persons and tags as plain lists (`person_list`, `tag_list`)
    rather than behind `.all()`, which builds a queryset per row and call (the ledger table).
    """
    persons: str | Prefetch = "responsible_persons"
    tags: str | Prefetch = "tags"
    if as_lists:
        persons = Prefetch("responsible_persons", to_attr="person_list")
        tags = Prefetch("tags", to_attr="tag_list")
    related = ["finding__theme__task_force"]
    prefetched: list[Any] = []
    if as_lists:
        # The ledger table: the themes and task forces of the page's findings are a few rows
        # read apart, by primary key; joined in, PostgreSQL spent longer planning the
        # seven-table join than running it (13 ms against 7 ms for a branch's page).
        related = ["finding"]
        themes = Theme.objects.unscoped("the themes of findings already read, by primary key")
        prefetched = [Prefetch("finding__theme", queryset=themes.select_related("task_force"))]
    return (
        Measure.objects.visible_to(user)
        .select_related(*related, "finding__inspection", "lead_unit", "responsible_leader")
        .prefetch_related(
            *prefetched,
            Prefetch(
                "unit_links",
                queryset=MeasureUnit.objects.filter(part=UnitPart.COOP).select_related("unit"),
                to_attr="coop_links",
            ),
            persons,
            tags,
        )
    )


def ledger_rows(measures: list[Measure], org: Organization | None) -> list[dict[str, Any]]:
    """Rows of the ledger table: each measure with its light and co-operating units, the
    finding cell spanning the finding's consecutive measures (span 0 on the rows it covers)."""
    policy = policy_for(org)
    today = timezone.localdate()
    rows: list[dict[str, Any]] = []
    first = 0
    for m in measures:
        row = {
            "m": m,
            "light": measure_light(m, today=today, policy=policy),
            "coop": [link.unit for link in getattr(m, "coop_links", [])],
            "span": 1,
        }
        if rows and rows[-1]["m"].finding_id == m.finding_id:
            rows[first]["span"] += 1
            row["span"] = 0
        else:
            first = len(rows)
        rows.append(row)
    return rows


# How many choices a searchable select is offered per search: a name or its first characters
# narrow thousands of people to a few; the list is for choosing, not for browsing.
OPTIONS_LIMIT = 50
# The choices found by typing rather than listed in the page (ledger:filter_options).
SEARCHED_CHOICES = ("person", "unit")


def filter_options(
    user: Any, kind: str, query: str, *, active_only: bool = False
) -> list[dict[str, str]]:
    """Choices of a searchable select, for what was typed: people the user may see whose name
    or unit contains the query (`name（unit）`, the unit telling apart two of the same name),
    or units whose name contains it (active_only: units still in use, for new work). At most
    OPTIONS_LIMIT, `{"value": pk, "text": label}`."""
    query = query.strip()
    if kind == "person":
        people = Person.objects.visible_to(user)
        if query:
            people = people.filter(Q(name__icontains=query) | Q(unit__name__icontains=query))
        rows = people.order_by("name", "pk").values_list("pk", "name", "unit__name")
        return [
            {"value": str(pk), "text": f"{name}（{unit}）" if unit else name}
            for pk, name, unit in rows[:OPTIONS_LIMIT]
        ]
    if kind == "unit":
        units = Unit.objects.visible_to(user)
        if active_only:
            units = units.filter(is_active=True)
        if query:
            units = units.filter(name__icontains=query)
        pairs = units.order_by("sort_order", "pk").values_list("pk", "name")
        return [{"value": str(pk), "text": name} for pk, name in pairs[:OPTIONS_LIMIT]]
    raise ValueError(kind)


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
    facts = measure_facts(
        state=measure.state,
        deadline_kind=measure.deadline_kind,
        due_date=measure.due_date,
        grace_due_date=measure.grace_due_date,
        review_requested_on=measure.review_requested_on,
        next_review_date=measure.next_review_date,
        progress=measure.progress,
        reopened_on=measure.reopened_on,
        feedback_date=measure.finding.inspection.feedback_date,
    )
    return compute_light(facts, today=today or timezone.localdate(), policy=policy or LightPolicy())


# --- the deadline clock -------------------------------------------------------------------
# One rule for "overdue" wherever it is asked (lights, lists, filters, dashboards, 催办, the
# escalation ladder, documents): the Python functions below for one measure, the Q objects for
# querysets; tests hold the two to the same answers.
#
# - An open measure is overdue once its due date has passed (a long-term one, its review date).
# - A close-out request filed on or before that date stops the clock while it waits for the
#   liaison group or the office (待审核 / 待销号): the unit can do nothing but wait.
# - If a reviewer returns it after the date, it is overdue from the return on: days overdue
#   count from the return (`grace_due_date` is the day before it), and a new request filed
#   after that is late and stops nothing.

AWAITING_REVIEW_STATES = (MeasureState.PENDING_REVIEW, MeasureState.PENDING_CLOSE)


def clock_deadline(measure: Any) -> dt.date | None:
    """The last day in time for this measure: its due date (or review date, long-term), moved
    to the day before a late return of a request that was filed in time."""
    if measure.deadline_kind == DeadlineKind.LONG_TERM:
        return measure.next_review_date  # type: ignore[no-any-return]
    due: dt.date | None = measure.due_date
    grace: dt.date | None = measure.grace_due_date
    if due is not None and grace is not None and grace > due:
        return grace
    return due


def clock_stopped(measure: Any) -> bool:
    """Whether a close-out request filed in time is waiting for reviewers."""
    requested: dt.date | None = measure.review_requested_on
    deadline = clock_deadline(measure)
    return (
        measure.state in AWAITING_REVIEW_STATES
        and requested is not None
        and deadline is not None
        and requested <= deadline
    )


def is_overdue(measure: Any, today: dt.date) -> bool:
    """The rule of `overdue_q` for one measure."""
    if measure.deadline_kind == DeadlineKind.LONG_TERM:
        late = measure.next_review_date is not None and measure.next_review_date < today
    else:
        late = (
            measure.state in OPEN_STATES
            and measure.due_date is not None
            and measure.due_date < today
        )
    return late and not clock_stopped(measure)


def clock_stopped_q(prefix: str = "") -> Q:
    """`clock_stopped` as a queryset filter; `prefix` reaches a measure through a relation
    ("measure__"). Every comparison is guarded against NULL so that its negation is exact."""

    def f(name: str) -> str:
        return prefix + name

    in_time = (
        Q(**{f("due_date__isnull"): False, f("review_requested_on__lte"): F(f("due_date"))})
        | Q(
            **{
                f("due_date__isnull"): False,
                f("grace_due_date__isnull"): False,
                f("review_requested_on__lte"): F(f("grace_due_date")),
            }
        )
        | Q(
            **{
                f("deadline_kind"): DeadlineKind.LONG_TERM,
                f("next_review_date__isnull"): False,
                f("review_requested_on__lte"): F(f("next_review_date")),
            }
        )
    )
    return (
        Q(**{f("state__in"): AWAITING_REVIEW_STATES, f("review_requested_on__isnull"): False})
        & in_time
    )


def overdue_q(today: dt.date, prefix: str = "") -> Q:
    """Open measures past their due date, and long-term ones past their review date, unless a
    request filed in time is waiting for reviewers (see `is_overdue`)."""
    late = Q(**{prefix + "state__in": OPEN_STATES, prefix + "due_date__lt": today}) | Q(
        **{
            prefix + "deadline_kind": DeadlineKind.LONG_TERM,
            prefix + "next_review_date__lt": today,
        }
    )
    return late & ~clock_stopped_q(prefix)


def due_within_q(today: dt.date, days: int) -> Q:
    """Due within `days` and still up to the unit (not waiting for reviewers)."""
    return (
        Q(state__in=OPEN_STATES, due_date__gte=today, due_date__lte=today + dt.timedelta(days=days))
        & ~clock_stopped_q()
    )


def measure_facts(
    *,
    state: str,
    deadline_kind: str,
    due_date: dt.date | None,
    grace_due_date: dt.date | None,
    review_requested_on: dt.date | None,
    next_review_date: dt.date | None,
    progress: int,
    reopened_on: dt.date | None,
    feedback_date: dt.date | None,
) -> MeasureFacts:
    """What the light needs, from a measure's columns (a model or a values() row alike)."""
    row = _Row(
        state, deadline_kind, due_date, grace_due_date, review_requested_on, next_review_date
    )
    long_term = deadline_kind == DeadlineKind.LONG_TERM
    return MeasureFacts(
        is_closed=state in DONE_STATES and not long_term,
        is_long_term=long_term,
        due_date=None if long_term else clock_deadline(row),
        # A reopened measure's schedule runs from the reopening.
        start_date=reopened_on or feedback_date,
        progress=progress,
        next_review_date=next_review_date,
        clock_stopped=clock_stopped(row),
    )


@dataclass(frozen=True)
class _Row:
    state: str
    deadline_kind: str
    due_date: dt.date | None
    grace_due_date: dt.date | None
    review_requested_on: dt.date | None
    next_review_date: dt.date | None


# Columns `measure_facts` reads, for values_list() callers.
FACT_FIELDS = (
    "state",
    "deadline_kind",
    "due_date",
    "grace_due_date",
    "review_requested_on",
    "next_review_date",
    "progress",
    "reopened_on",
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


def rollup_of_measures(measures: Iterable[Measure]) -> FindingRollup:
    """The roll-up of the measures given (those a page shows)."""
    return rollup_of_states(m.state for m in measures)


def rollup_of_states(states: Iterable[str]) -> FindingRollup:
    states = list(states)
    return FindingRollup(
        total=len(states),
        done=sum(1 for s in states if s in DONE_STATES),
        started=sum(1 for s in states if s != MeasureState.NOT_STARTED),
    )


def visible_rollups(
    user: Any, inspection: Inspection, *, finding_ids: list[int] | None = None
) -> dict[int, FindingRollup]:
    """Per finding, the roll-up of the measures this person may see: what a page may count.

    ``finding_ids`` limits it to the findings a page shows."""
    states: dict[int, list[str]] = {}
    rows = (
        Measure.objects.visible_to(user)
        .filter(inspection=inspection)
        .order_by()
        .values_list("finding_id", "state")
    )
    if finding_ids is not None:
        rows = rows.filter(finding_id__in=finding_ids)
    for finding_id, state in rows:
        states.setdefault(finding_id, []).append(state)
    return {pk: rollup_of_states(s) for pk, s in states.items()}


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
    per_finding = {row["finding_id"]: row for row in per_finding_counts(measures)}
    return completion_of(per_finding, findings.order_by().values_list("id", flat=True))


def per_finding_counts(measures: QuerySet[Measure], **more: Any) -> QuerySet[Any]:
    """Per finding: how many of the given measures, done and started (and `more` aggregates)."""
    return (
        measures.order_by()
        .values("finding_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(state__in=DONE_STATES)),
            started=Count("id", filter=~Q(state=MeasureState.NOT_STARTED)),
            **more,
        )
    )


def completion_totals(
    *, findings: QuerySet[Finding] | None, measures: QuerySet[Measure], counted: dict[str, Q]
) -> tuple[Completion, dict[str, int]]:
    """`completion` summed in the database, with how many of the measures match each filter
    of `counted`: one row back where the per-finding rows of a whole organization are 20,000
    (the office's home page spent more turning them into Python than the database grouping
    them). The findings done and started are counted among the measures' own findings, as
    `completion_of` counts them among the findings named: `findings` must hold every finding
    of `measures` (a visible measure's finding is always visible, the finding rule reaching
    the findings of the measures a person reaches), or a rate could pass 100 %. `findings`
    None: the findings are those of the measures (`ledger.scope.findings_are_those_of_measures`),
    counted among them."""
    # The caller's names kept apart from the per-finding columns and from these sums.
    more = {f"n_{i}": Count("id", filter=q) for i, q in enumerate(counted.values())}
    sums = per_finding_counts(measures, **more).aggregate(
        sum_total=Coalesce(Sum("total"), 0),
        sum_done=Coalesce(Sum("done"), 0),
        # Each group has a measure at least, so "all done" is done == total.
        findings_done=Count("finding_id", filter=Q(done=F("total"))),
        findings_started=Count("finding_id", filter=Q(started__gt=0)),
        findings_of_measures=Count("finding_id"),
        **{f"sum_{name}": Coalesce(Sum(name), 0) for name in more},
    )
    rates = Completion(
        findings=(
            sums["findings_of_measures"] if findings is None else findings.order_by().count()
        ),
        findings_done=sums["findings_done"],
        findings_started=sums["findings_started"],
        measures=sums["sum_total"],
        measures_done=sums["sum_done"],
    )
    return rates, {key: sums[f"sum_n_{i}"] for i, key in enumerate(counted)}


def completion_of(per_finding: dict[int, dict[str, Any]], finding_ids: Any) -> Completion:
    """The rates of the findings named, from `per_finding_counts` keyed by finding."""
    rows = [per_finding.get(pk) for pk in finding_ids]
    return Completion(
        findings=len(rows),
        findings_done=sum(1 for r in rows if r and r["total"] and r["done"] == r["total"]),
        findings_started=sum(1 for r in rows if r and r["started"]),
        measures=sum(r["total"] for r in per_finding.values()),
        measures_done=sum(r["done"] for r in per_finding.values()),
    )


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


# How many of a measure's events, reports and pieces of evidence its page shows, newest first:
# a measure followed for years gathers hundreds, and the page is read every day; the whole
# history is one link away (?history=all).
HISTORY_SHOWN = 20


def history_limit(query: Any) -> int | None:
    """How many of each history list a measure page shows, from its query string."""
    return None if query.get("history") == "all" else HISTORY_SHOWN


def _events_around(obj: Any, q: Q, *, user: Any, limit: int) -> list[AuditEvent]:
    """The events `q` names: those of `obj` and of objects `q` lists through their own scope.

    The trail's scope rule (`audit_event_rule`) gives an event to whoever may see its object, so
    when the person may see `obj` every event `q` names is theirs, and `q` is read as it is:
    one indexed lookup for `obj`, instead of the trail's general rule, which lists every object
    of every kind the person may see (an IN list of 100,000 measure ids in a large install).
    Whoever may not see `obj` gets what the general rule gives them (the audit administrator
    reads events of objects out of its reach; others, none). An `obj` the page fetched through
    this person's scope is not asked about again."""
    seen = fetched_for(obj, user) or type(obj).objects.visible_to(user).filter(pk=obj.pk).exists()
    if not seen:
        return _events(user, q, limit)
    return list(
        AuditEvent.objects.unscoped("events of an object the person may see (checked above)")
        .filter(q)
        .select_related("actor__person")
        .order_by("-seq")[:limit]
    )


def measure_timeline(measure: Measure, *, user: Any, limit: int = 300) -> list[AuditEvent]:
    """Everything that happened to a measure, newest first. Other layers write events on the
    measure itself (reports, evidence, reviews), so this one query shows them all."""
    q = Q(object_type="ledger.measure", object_id=measure.pk)
    return _events_around(measure, q, user=user, limit=limit)


def finding_timeline(finding: Finding, *, user: Any, limit: int = 300) -> list[AuditEvent]:
    # The ids as a list (a finding has a few dozen measures at most): with a subquery
    # PostgreSQL walked the whole trail backwards by seq, looking for a handful of events.
    measure_ids = list(
        Measure.objects.visible_to(user).filter(finding_id=finding.pk).values_list("id", flat=True)
    )
    q = Q(object_type="ledger.finding", object_id=finding.pk) | Q(
        object_type="ledger.measure", object_id__in=measure_ids
    )
    return _events_around(finding, q, user=user, limit=limit)


def inspection_timeline(inspection: Inspection, *, user: Any, limit: int = 300) -> list[AuditEvent]:
    finding_ids = Finding.objects.visible_to(user).filter(inspection_id=inspection.pk).values("id")
    q = Q(object_type="ledger.inspection", object_id=inspection.pk) | Q(
        object_type="ledger.finding", object_id__in=finding_ids
    )
    return _events_around(inspection, q, user=user, limit=limit)


def visible_findings(user: Any) -> QuerySet[Finding]:
    return Finding.objects.visible_to(user).select_related("theme__task_force", "inspection")


def measures_of_unit(unit_ids: Iterable[int]) -> Q:
    ids = sorted(unit_ids)
    return Q(lead_unit_id__in=ids) | Q(
        Exists(MeasureUnit.objects.filter(measure_id=OuterRef("pk"), unit_id__in=ids))
    )


# --- campaigns (专题活动) ------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignCounts:
    total: int = 0
    done: int = 0
    open: int = 0
    overdue: int = 0


def campaign_counts(
    measures: QuerySet[Measure], *, today: dt.date | None = None
) -> dict[int, CampaignCounts]:
    """Per tag id: how many of these measures carry it, how many are done (closed or stage
    completed), still open, and overdue — one grouped query, whatever the number of tags."""
    today = today or timezone.localdate()
    rows = (
        measures.filter(tags__isnull=False)
        .order_by()
        .values("tags")
        .annotate(
            total=Count("id", distinct=True),
            done=Count("id", filter=Q(state__in=DONE_STATES), distinct=True),
            overdue=Count("id", filter=overdue_q(today), distinct=True),
        )
    )
    return {
        r["tags"]: CampaignCounts(
            total=r["total"],
            done=r["done"],
            open=r["total"] - r["done"],
            overdue=r["overdue"],
        )
        for r in rows
    }

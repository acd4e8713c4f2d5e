"""What each person has to do, read for their home page. All reads go through visible_to."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import pickle
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

from core.models import AuditChainHead
from ledger.choices import DONE_STATES, OPEN_STATES, MeasureState
from ledger.models import Finding, Measure, Tag
from ledger.scope import findings_are_those_of_measures
from ledger.selectors import (
    CampaignCounts,
    Completion,
    campaign_counts,
    completion_percent,
    completion_totals,
    due_within_q,
    ledger_measures,
    measure_light,
    overdue_q,
    policy_for,
)
from organization import policy
from organization.models import Organization, Theme, Unit
from organization.scope import Actor, actor_for
from reporting.selectors import missing_report_measures

HOME_LIST_SIZE = 8

logger = logging.getLogger(__name__)


@dataclass
class Section:
    key: str
    title: Any
    hint: Any
    measures: list[Measure]
    count: int
    more_url: str
    tone: str = "secondary"
    extra: dict[str, Any] = field(default_factory=dict)
    # The one lead unit of every row, when they share it: shown once, not on each row.
    unit_name: str = ""

    @property
    def more(self) -> int:
        """How many items the list leaves out (it shows the first HOME_LIST_SIZE)."""
        return self.count - len(self.measures)


def _ledger_url(**params: Any) -> str:
    return reverse("ledger:ledger") + ("?" + urlencode(params, doseq=True) if params else "")


def _section(
    key: str,
    title: Any,
    hint: Any,
    qs: QuerySet[Measure],
    order: tuple[Any, ...],
    url: str,
    tone: str,
    count: int | None = None,
) -> Section:
    # A row shows the measure's own fields, its lead unit and its light (which reads the
    # round's feedback date): only those are joined (planning a seven-table join took
    # PostgreSQL longer than running it), and none of the ledger's prefetches.
    rows = (
        qs.select_related(None)
        .select_related("lead_unit", "finding__inspection")
        .prefetch_related(None)
        .order_by(*order)
    )
    return Section(
        key=key,
        title=title,
        hint=hint,
        measures=list(rows[:HOME_LIST_SIZE]),
        count=qs.count() if count is None else count,
        more_url=url,
        tone=tone,
    )


def home_sections(
    user: Any, *, today: dt.date | None = None, counts: ScopeCounts | None = None
) -> list[Section]:
    actor: Actor = actor_for(user)
    today = today or timezone.localdate()
    counts = counts or scope_counts(user, today=today)
    org, warn = counts.organization, counts.warn_days
    # Each list is the queryset its figure counts: the filters are written once, in scope_counts.
    n, where = counts.sections, counts.filters
    mine = ledger_measures(user)
    sections: list[Section] = []
    office = policy.in_office(actor)
    liaison = policy.in_liaison_group(actor)
    if office:
        sections.append(
            _section(
                "office_close",
                _("Awaiting your close-out"),
                _("Approved by the liaison group; oldest first."),
                mine.filter(where["office_close"]),
                ("state_changed_at", "id"),
                _ledger_url(state=MeasureState.PENDING_CLOSE),
                "warning",
                n["office_close"],
            )
        )
    if liaison:
        sections.append(
            _section(
                "liaison_review",
                _("Awaiting your review"),
                _("Close-out requests from the units of your grid; oldest first."),
                mine.filter(where["liaison_review"]),
                ("state_changed_at", "id"),
                _ledger_url(state=MeasureState.PENDING_REVIEW),
                "warning",
                n["liaison_review"],
            )
        )
    if actor.unit_ids:
        unit_ids = sorted(actor.unit_ids)
        sections.append(
            _section(
                "unit_open",
                _("Your unit's open measures"),
                _("Report progress and request close-out with evidence; earliest deadline first."),
                mine.filter(where["unit_open"]),
                # Returned ones first: 被退回 waits for the unit.
                (F("returned_at").desc(nulls_last=True), "due_date", "id"),
                _ledger_url(unit=unit_ids[0]),
                "primary",
                n["unit_open"],
            )
        )
    if actor.unit_ids or liaison or office:
        missing = missing_report_measures(user, today=today)
        if not (office or liaison):
            # A unit owes reports on the measures it leads; co-operating units do not.
            missing = missing.filter(lead_unit_id__in=sorted(actor.unit_ids))
        sections.append(
            _section(
                "missing_reports",
                _("No progress report this cycle"),
                _("Open measures without a report in the current reporting cycle."),
                missing,
                ("lead_unit__sort_order", "due_date", "id"),
                reverse("reporting:missing"),
                "danger",
            )
        )
    scope_title = _("Overdue in your scope") if not policy.sees_everything(actor) else _("Overdue")
    sections.append(
        _section(
            "overdue",
            scope_title,
            _("Past the due date, or a long-term review missed."),
            mine.filter(where["overdue"]),
            ("due_date", "id"),
            _ledger_url(overdue="1"),
            "danger",
            n["overdue"],
        )
    )
    sections.append(
        _section(
            "due_soon",
            _("Due soon"),
            _("Due within the warning window of %(days)d days.") % {"days": warn},
            mine.filter(where["due_soon"]),
            ("due_date", "id"),
            _ledger_url(due_within=warn),
            "warning",
            n["due_soon"],
        )
    )
    if policy.sees_everything(actor) or policy.in_task_force(actor):
        sections.append(
            _section(
                "flagged",
                _("Flagged for supervision (挂牌督办)"),
                _("Measures the leading group supervises directly."),
                mine.filter(where["flagged"]),
                ("due_date", "id"),
                _ledger_url(flagged="1"),
                "danger",
                n["flagged"],
            )
        )
    light_policy = policy_for(org)
    for section in sections:
        for m in section.measures:
            m.home_light = measure_light(m, today=today, policy=light_policy)  # type: ignore[attr-defined]
        units = {m.lead_unit_id for m in section.measures}
        if actor.unit_ids and len(units) == 1 and units <= actor.unit_ids:
            section.unit_name = section.measures[0].lead_unit.name
    return sections


@dataclass
class ScopeCounts:
    """Every figure of the home page over the person's scope, read in one pass of their
    measures grouped by finding (the completion rates need that grouping anyway): the headline
    figures and each home list's count, summed in the database. Read one by one they were
    eight more counts of the same measures (the overdue and flagged ones twice), a third of a
    branch secretary's home page."""

    organization: Organization | None
    warn_days: int
    completion: Completion
    # open, overdue and flagged (the headline), and each section's count by its key.
    sections: dict[str, int]
    # The filter behind each of those counts, by the same key: the home lists read them.
    filters: dict[str, Q]


def scope_counts(user: Any, *, today: dt.date | None = None) -> ScopeCounts:
    actor: Actor = actor_for(user)
    today = today or timezone.localdate()
    org = Organization.objects.visible_to(user).first()
    warn = org.warn_days if org else 10
    # The headline figures count what their links list (summary_links), and each home list
    # reads its own filter (home_sections); a test holds the figures to both.
    wanted = {
        "open": Q(state__in=OPEN_STATES),
        "overdue": overdue_q(today),
        "flagged": Q(is_flagged=True) & ~Q(state__in=DONE_STATES),
        "due_soon": due_within_q(today, warn),
        "office_close": Q(state=MeasureState.PENDING_CLOSE),
        "unit_open": Q(
            lead_unit_id__in=sorted(actor.unit_ids),
            state__in=[MeasureState.NOT_STARTED, MeasureState.IN_PROGRESS],
        ),
        "liaison_review": Q(state=MeasureState.PENDING_REVIEW)
        & (
            Q(lead_unit__liaison_group_id__in=sorted(actor.liaison_group_ids))
            if actor.grid_unit_ids is None
            else Q(lead_unit_id__in=sorted(actor.grid_unit_ids))
        ),
    }
    rates, sums = completion_totals(
        # A unit's or grid's findings are those of its measures: counted in the same pass.
        findings=None
        if findings_are_those_of_measures(actor)
        else Finding.objects.visible_to(user),
        measures=Measure.objects.visible_to(user),
        counted=wanted,
    )
    return ScopeCounts(
        organization=org, warn_days=warn, completion=rates, sections=sums, filters=wanted
    )


def scope_summary(
    user: Any, *, today: dt.date | None = None, counts: ScopeCounts | None = None
) -> dict[str, Any]:
    """Headline figures of everything in the user's scope."""
    counts = counts or scope_counts(user, today=today)
    rates = counts.completion
    return {
        "total": rates.measures,
        "done": rates.measures_done,
        "open": counts.sections["open"],
        "overdue": counts.sections["overdue"],
        "completion": rates,
        "flagged": counts.sections["flagged"],
        "links": summary_links(),
    }


def summary_links() -> dict[str, str]:
    """Where each headline figure is listed: the ledger over every inspection with the filter
    that counts it, so the number on the card is the number of rows the person lands on."""
    ledger = reverse("ledger:ledger")
    every = [("inspection", "")]
    open_states: list[tuple[str, str]] = [("state", str(s)) for s in OPEN_STATES]

    def link(pairs: list[tuple[str, str]]) -> str:
        return f"{ledger}?{urlencode(every + pairs)}"

    return {
        "total": link([]),
        "done": link([("state", str(s)) for s in DONE_STATES]),
        "open": link(open_states),
        "overdue": link([("overdue", "1")]),
        "flagged": link([("flagged", "1"), *open_states]),
    }


# --- the leaders' dashboard -----------------------------------------------------------------


@dataclass
class Overview:
    inspection: Any
    findings_total: int
    findings_done: int
    findings_in_progress: int
    findings_not_started: int
    measures_total: int
    state_counts: dict[str, int]
    light_counts: dict[str, int]
    by_unit: list[dict[str, Any]]
    by_theme: list[dict[str, Any]]
    overdue_total: int
    relapses: int
    completion: Completion


class _LightRules:
    """compute_light's rules as one SQL CASE, for counting lights in the database (see
    `dashboard_overview`). The branches are tried in order, each assuming the ones before
    did not match: closed (green), overdue by the ledger's own rule (red), long-term (blue),
    no due date (grey), a request filed in time waiting for reviewers (white), a schedule a
    reopening or a late return moved ("unusual": left to compute_light itself, they are few),
    due within the warning window (yellow), progress trailing the schedule (yellow), on
    track (white). Trailing depends on each due date (the share of time spent from the
    feedback date to it); the threshold falls as the due date moves out, in calendar and
    working days alike, so the dates fall into few runs of equal threshold (`_runs`), and
    `category` finds a date's run in a CASE that halves them at each level."""

    UNUSUAL = "unusual"

    def __init__(self, today: dt.date, policy: Any, *, feedback_date: dt.date | None) -> None:
        from ledger.choices import DeadlineKind
        from ledger.selectors import clock_stopped_q

        self.today, self.policy, self.feedback_date = today, policy, feedback_date
        self.long_term_q = Q(deadline_kind=DeadlineKind.LONG_TERM)
        self.late_q = overdue_q(today)
        self.green_q = Q(state__in=DONE_STATES) & ~self.long_term_q
        # The CASE's red branch as a filter of its own (the branch before it is green).
        self.red_q = self.late_q & ~self.green_q
        self.stopped_q = clock_stopped_q()
        self.moved_q = Q(reopened_on__isnull=False) | Q(grace_due_date__isnull=False)
        # The same measures as the CASE's "unusual" branch, as a filter of its own.
        self.unusual_q = (
            ~self.green_q
            & ~self.late_q
            & ~self.long_term_q
            & Q(due_date__isnull=False)
            & ~self.stopped_q
            & self.moved_q
        )
        self.cutoff = self._last_warning_day()

    def _last_warning_day(self) -> dt.date:
        """The last due date with at most `warn_days` (calendar or working) days left."""
        from core.workdays import days_between

        day = self.today
        for _step in range(10 * self.policy.warn_days + 60):
            following = day + dt.timedelta(days=1)
            if days_between(self.today, following, mode=self.policy.mode) > self.policy.warn_days:
                break
            day = following
        return day

    def _runs(self, last_due: dt.date | None) -> list[tuple[dt.date, dt.date, int]]:
        """(first, last, threshold): every due date after the warning window up to `last_due`
        whose threshold is above 0, in runs of equal threshold that follow one another
        without a gap (no progress is below 0, so the dates after the last run need no
        condition).

        The threshold is `expected_progress` less the points a measure may trail by, and the
        expected share of a date `due` after today is elapsed * 100 // total, where elapsed
        counts the days from the feedback date to today and total those to `due` (calendar
        or working days): it falls one step at a time as total grows, and the last total of
        each step is elapsed * 100 // share. So the runs come from arithmetic, at most a
        hundred of them, without reading which due dates occur (an index read of the whole
        organization's dates, 19.6 ms at 100,000 measures): only the last of them, which
        bounds the runs (a share may stay above 0 for decades when no points are allowed)."""
        from core.workdays import days_between

        if self.feedback_date is None or last_due is None:
            return []
        start, mode = self.feedback_date, self.policy.mode
        elapsed = days_between(start, self.today, mode=mode)
        day = self.cutoff + dt.timedelta(days=1)
        if day > last_due:
            return []
        total = days_between(start, day, mode=mode)
        if elapsed <= 0 or total <= 0:
            return []  # the schedule has not begun: the share expected is 0
        runs: list[tuple[dt.date, dt.date, int]] = []
        while True:
            share = min(100, elapsed * 100 // total)
            threshold = share - self.policy.behind_points
            if threshold <= 0:  # and so for every later date: the share only falls
                return runs
            most = elapsed * 100 // share  # the largest total with this share
            last = self._last_day_counting(most, day, last_due)
            runs.append((day, last, threshold))
            if last >= last_due:
                return runs
            day, total = last + dt.timedelta(days=1), most + 1

    def _last_day_counting(self, most: int, day: dt.date, last_due: dt.date) -> dt.date:
        """The last date from `day` to `last_due` at most `most` days after the feedback date
        (`day` is): by arithmetic in calendar days, by halving the range in working days
        (each count is a few additions, `core.workdays` counting a year at a time)."""
        from core.workdays import CalendarMode, days_between

        start, mode = self.feedback_date, self.policy.mode
        assert start is not None  # _runs returns before asking otherwise
        if CalendarMode.of(mode) is CalendarMode.CALENDAR_DAYS:
            return start + dt.timedelta(days=min(most, (last_due - start).days))
        low, high = day.toordinal(), last_due.toordinal()
        while low < high:
            middle = (low + high + 1) // 2
            if days_between(start, dt.date.fromordinal(middle), mode=mode) <= most:
                low = middle
            else:
                high = middle - 1
        return dt.date.fromordinal(low)

    def _threshold(self, runs: list[tuple[dt.date, dt.date, int]]) -> Any:
        """The progress a due date's measure must reach within the runs, which follow one
        another without a gap: a CASE that halves them at each level, about six comparisons
        a row for the fifty-odd runs of a year's due dates. Each level compares the due date
        with a plain lookup, not a filter: the CASE is built anew for every dashboard, and
        building it from filters took 30 ms."""
        if len(runs) == 1:
            return Value(runs[0][2])
        middle = len(runs) // 2
        return Case(
            When(
                LessThan(F("due_date"), Value(runs[middle][0])),
                then=self._threshold(runs[:middle]),
            ),
            default=self._threshold(runs[middle:]),
            output_field=IntegerField(),
        )

    def _trailing_q(self, last_due: dt.date | None) -> Q | None:
        """Progress below the schedule's threshold for its due date (dates after the warning
        window up to `last_due`); None when no progress can be."""
        runs = self._runs(last_due)
        if not runs:
            return None
        return Q(
            due_date__gte=runs[0][0],
            due_date__lte=runs[-1][1],
            progress__lt=self._threshold(runs),
        )

    def category(self, last_due: dt.date | None) -> Case:
        """The CASE naming each measure's light (or "unusual"), for due dates up to
        `last_due`."""
        from ledger.lights import Light

        def when(q: Q, value: str) -> When:
            return When(q, then=Value(value))

        branches = [
            when(self.green_q, Light.GREEN.value),
            when(self.late_q, Light.RED.value),
            when(self.long_term_q, Light.BLUE.value),
            when(Q(due_date__isnull=True), Light.GREY.value),
            when(self.stopped_q, Light.WHITE.value),
            when(self.moved_q, self.UNUSUAL),
            when(Q(due_date__lte=self.cutoff), Light.YELLOW.value),
        ]
        trailing = self._trailing_q(last_due)
        if trailing is not None:
            branches.append(when(trailing, Light.YELLOW.value))
        return Case(*branches, default=Value(Light.WHITE.value), output_field=CharField())


def dashboard_overview(user: Any, *, inspection: Any, today: dt.date | None = None) -> Overview:
    """Figures for one inspection within the user's scope, in a fixed number of queries."""
    from django.db.models import Count, Max, Sum

    from ledger.lights import LIGHT_ORDER, Light, compute_light
    from ledger.models import Finding
    from ledger.selectors import (
        FACT_FIELDS,
        completion_of,
        measure_facts,
        per_finding_counts,
        policy_for,
    )

    today = today or timezone.localdate()
    measures = Measure.objects.visible_to(user).filter(inspection=inspection).order_by()
    light_policy = policy_for(inspection.organization)
    rules = _LightRules(today, light_policy, feedback_date=inspection.feedback_date)
    # Per finding: the completion rates' counts, and what the theme table adds (overdue by the
    # ledger's own rule, the CASE's red branch; relapses), summed per theme below: grouping the
    # measures by theme joined every one of the round's measures to its finding (about 60 ms
    # of the dashboard's SQL on PostgreSQL at 45,000 measures).
    per_finding = {
        row["finding_id"]: row
        for row in per_finding_counts(
            measures, red=Count("id", filter=rules.red_q), rel=Sum("relapse_count")
        )
    }
    theme_of = dict(
        Finding.objects.visible_to(user)
        .filter(inspection=inspection)
        .order_by()
        .values_list("id", "theme_id")
    )
    rates = completion_of(per_finding, theme_of.keys())
    # The last due date the measures may have: it bounds the trailing thresholds' runs. Of the
    # person's measures, one end of the due-date index, where the round's own would scan them.
    last_due = Measure.objects.visible_to(user).order_by().aggregate(last=Max("due_date"))["last"]
    # One grouped read: per state, unit and light, how many and their relapses. State first:
    # SQLite then reads the round from its (organization, round, state) index instead of
    # walking every measure in unit order.
    groups = list(
        measures.annotate(light=rules.category(last_due))
        .values_list("state", "lead_unit_id", "light")
        .annotate(n=Count("id"), rel=Sum("relapse_count"))
    )
    # Names and order of the few units and themes, read apart (grouping by ids is cheaper).
    units = {
        pk: (name, order)
        for pk, name, order in Unit.objects.visible_to(user)
        .filter(pk__in={g[1] for g in groups})
        .values_list("pk", "name", "sort_order")
    }
    themes = dict(
        Theme.objects.visible_to(user)
        .filter(pk__in={theme_of[pk] for pk in per_finding})
        .values_list("pk", "name")
    )

    def row_of(rows: dict[int, dict[str, Any]], key_id: int, name: str, order: int) -> Any:
        # Looked up before it is made: it is asked for once per finding (9,000 of a round).
        row = rows.get(key_id)
        if row is None:
            row = rows[key_id] = {
                "id": key_id,
                "name": name,
                "order": order,
                "total": 0,
                "done": 0,
                "overdue": 0,
                "relapses": 0,
            }
        return row

    unit_rows: dict[int, dict[str, Any]] = {}
    theme_rows: dict[int, dict[str, Any]] = {}
    state_counts = {state: 0 for state in MeasureState.values}
    lights = {light.value: 0 for light in LIGHT_ORDER}
    for state, unit_id, light, n, rel in groups:
        state_counts[state] += n
        if light != rules.UNUSUAL:
            lights[light] += n
        row = row_of(unit_rows, unit_id, *units[unit_id])
        row["total"] += n
        row["done"] += n if state in DONE_STATES else 0
        # Overdue is the ledger's own rule (the red branch), so each unit's figure is the
        # number of rows its ledger filter lists.
        row["overdue"] += n if light == Light.RED.value else 0
        row["relapses"] += rel or 0
    for finding_id, counts in per_finding.items():
        theme_id = theme_of[finding_id]
        row = row_of(theme_rows, theme_id, themes[theme_id], 0)
        row["total"] += counts["total"]
        row["done"] += counts["done"]
        row["overdue"] += counts["red"]
        row["relapses"] += counts["rel"] or 0
    # The few whose schedule a reopening or a late return moved: judged by compute_light, one
    # group of equal facts at a time (it stays the one rule the others are held to).
    unusual = measures.filter(rules.unusual_q).values_list(*FACT_FIELDS).annotate(n=Count("id"))
    any_unusual = any(light == rules.UNUSUAL for _state, _unit, light, _n, _rel in groups)
    for *fact_values, n in unusual if any_unusual else ():
        facts = dict(zip(FACT_FIELDS, fact_values, strict=True))
        light = compute_light(
            measure_facts(**facts, feedback_date=inspection.feedback_date),
            today=today,
            policy=light_policy,
        ).light.value
        lights[light] += n
    by_unit = sorted(unit_rows.values(), key=lambda r: (r["order"], r["name"]))
    by_theme = sorted(theme_rows.values(), key=lambda r: r["name"])
    for row in (*by_unit, *by_theme):
        row["rate"] = completion_percent(row["done"], row["total"])  # 措施完成率
    relapses = sum(row["relapses"] for row in by_unit)
    return Overview(
        inspection=inspection,
        findings_total=rates.findings,
        findings_done=rates.findings_done,
        findings_in_progress=rates.findings_started - rates.findings_done,
        findings_not_started=rates.findings - rates.findings_started,
        measures_total=sum(state_counts.values()),
        state_counts=state_counts,
        light_counts=lights,
        by_unit=by_unit,
        by_theme=by_theme,
        overdue_total=lights["red"],
        relapses=relapses,
        completion=rates,
    )


def people_record(user: Any, *, young_only: bool = False) -> list[dict[str, Any]]:
    """Each person's track record on the measures they answer for (judging young cadres on
    their work, as the seed asks): responsible, closed, closed on time, overdue, relapses."""
    from django.db.models import Count, F

    from organization.models import Person

    today = timezone.localdate()
    measures = Measure.objects.visible_to(user)
    people = Person.objects.visible_to(user).filter(user__is_active=True)
    if young_only:
        people = people.filter(is_young_cadre=True)
    through = Measure.responsible_persons.through.objects.filter(
        measure__in=measures.values("id"), person__in=people.values("id")
    )
    stats = (
        through.values("person_id")
        .annotate(
            total=Count("measure_id"),
            closed=Count("measure_id", filter=Q(measure__state__in=DONE_STATES)),
            on_time=Count(
                "measure_id",
                filter=Q(measure__state=MeasureState.CLOSED)
                & (
                    Q(measure__original_due_date__isnull=True)
                    | Q(measure__closed_at__date__lte=F("measure__original_due_date"))
                ),
            ),
            overdue=Count(
                "measure_id",
                filter=overdue_q(today, prefix="measure__"),
            ),
            relapses=Count("measure_id", filter=Q(measure__relapse_count__gt=0)),
        )
        .order_by()
    )
    by_person = {row["person_id"]: row for row in stats}
    rows = []
    for p in people.select_related("unit").order_by("unit__sort_order", "name"):
        s = by_person.get(p.pk)
        if s is None:
            continue
        rows.append({"person": p, **s})
    return rows


def campaign_rows(
    user: Any, *, inspection: Any, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Per campaign (专题活动): the round's measures carrying it, open, closed and overdue, as
    this person may see them."""
    measures = Measure.objects.visible_to(user).filter(inspection=inspection)
    counts = campaign_counts(measures, today=today)
    empty = CampaignCounts()
    tags = Tag.objects.visible_to(user).annotate(
        n_meetings=_carried(user, "meetings", inspection),
        n_rules=_carried(user, "rules", inspection),
    )
    return [
        {
            "campaign": tag,
            "counts": counts.get(tag.pk, empty),
            "meetings": tag.n_meetings,
            "rules": tag.n_rules,
        }
        for tag in tags.order_by("-start_date", "name")
    ]


def _carried(user: Any, relation: str, inspection: Any) -> Any:
    """How many of the round's meetings or rules this person sees carry the campaign. The
    models are reached through the campaign's reverse relation: the dashboard does not import
    the apps above it, and counts nothing when one of them is not installed."""
    try:
        model: Any = Tag._meta.get_field(relation).related_model
    except FieldDoesNotExist:
        return Value(0)
    rows = (
        model.objects.visible_to(user)
        .filter(tags=OuterRef("pk"), inspection=inspection)
        .order_by()
        .values("tags")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)


# --- the dashboard's figures, kept until the next write -------------------------------------


@dataclass(frozen=True)
class CampaignRef:
    """What the dashboard shows of a campaign (专题活动) in its table: kept in the cache
    instead of the model instance, which would carry the reader's user object with it."""

    pk: int
    name: str


@dataclass(frozen=True)
class DashboardFigures:
    overview: Overview
    campaigns: list[dict[str, Any]]


def dashboard_figures(
    user: Any, *, inspection: Any, today: dt.date | None = None
) -> DashboardFigures:
    """The dashboard's overview and campaign table for one person and round.

    Computing them reads the round's measures three times (220–280 ms at 45,000 measures);
    they change only when something is written. Every write of the product appends to the
    audit chain in its own transaction, so the chain head's hash names the state of the data:
    the figures are kept in the cache under that hash, the day (lights and overdue counts
    move with it), the round, the language and everything that makes up the person's scope,
    and the next write makes a new key. The head is read first: figures read after a write
    that lands meanwhile are newer than their key, never older. DASHBOARD_CACHE_SECONDS bounds
    how long a key is kept (0: not kept), for a change made outside the product's services.
    Keys are per person, so no one is ever shown figures computed for another scope."""
    today = today or timezone.localdate()
    seconds = settings.DASHBOARD_CACHE_SECONDS
    key = _figures_key(user, inspection, today) if seconds > 0 else None
    kept = _cache_call(cache.get, key) if key else None
    if kept is _UNREACHABLE:
        # Not asked again for the write: a cache that failed the read fails it too.
        key = None
    elif isinstance(kept, DashboardFigures):
        # The request's own round object, not the copy unpickled from the cache.
        return dataclasses.replace(
            kept, overview=dataclasses.replace(kept.overview, inspection=inspection)
        )
    overview = dashboard_overview(user, inspection=inspection, today=today)
    campaigns = [
        {**row, "campaign": CampaignRef(pk=row["campaign"].pk, name=row["campaign"].name)}
        for row in campaign_rows(user, inspection=inspection, today=today)
    ]
    figures = DashboardFigures(overview=overview, campaigns=campaigns)
    if key:
        kept = DashboardFigures(
            overview=dataclasses.replace(overview, inspection=None), campaigns=campaigns
        )
        _cache_call(cache.set, key, kept, seconds)
    return figures


_UNREACHABLE = object()


def _cache_call(method: Any, *args: Any) -> Any:
    """A cache read or write that a shared cache out of reach (CACHE_URL's Redis down or not
    answering within its timeout) turns into a miss: the figures are then computed, as with
    no cache at all. A kept value that no longer unpickles (a class of the last release) is a
    miss too: the figures are computed and kept again."""
    try:
        return method(*args)
    except (RedisError, OSError) as error:
        logger.warning("dashboard figures not kept: the cache answered %r", error)
        return _UNREACHABLE
    except (pickle.PickleError, AttributeError, ImportError, TypeError, EOFError) as error:
        # Read: a value another release's classes made; written: one that does not pickle.
        logger.warning("dashboard figures not kept: the value could not be (un)pickled: %r", error)
        return None


def _figures_key(user: Any, inspection: Any, today: dt.date) -> str:
    actor = actor_for(user)
    # The chain head is one row, read by its key; it is not an owned record.
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "last_hash").first()
    raw = repr((head, today.isoformat(), inspection.pk, get_language(), actor.scope_key))
    # The number goes up whenever what is kept changes shape: a shared cache may still hold
    # the last release's objects.
    return "dashboard:1:" + hashlib.sha256(raw.encode()).hexdigest()

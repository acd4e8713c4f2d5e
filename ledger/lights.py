"""Warning lights (预警灯) on a rectification measure: computed from its facts, never stored.

The colours:
- green: closed out (已销号).
- blue: long-term measure (长期坚持) whose periodic review is not overdue.
- yellow: due within the warning window, or progress behind the share of time already spent.
- red: overdue, or a long-term measure whose review date has passed.
- white: open, dated and on track. The brief's four colours leave no colour for this most common
  case (green would read as "closed", blue as "long-term"), so it gets a neutral one of its own
  and the UI renders it without emphasis.
- grey: not applicable, i.e. an open measure with no due date that is not long-term either
  (usually a ledger row still being filled in).

A light is a function of the facts and `today`, so it can never go stale in the database; the
caller passes `today` explicitly so that tests and "as of" reports are deterministic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

from core.workdays import CalendarMode, days_between


class Light(StrEnum):
    """The colour of a measure's warning light."""

    GREEN = "green"
    BLUE = "blue"
    YELLOW = "yellow"
    RED = "red"
    WHITE = "white"
    GREY = "grey"

    @property
    def label(self) -> str:
        """Translated name of what the colour means, for legends and tooltips."""
        labels = {
            Light.GREEN: _("Closed"),
            Light.BLUE: _("Long-term, on schedule"),
            Light.YELLOW: _("Warning"),
            Light.RED: _("Overdue"),
            Light.WHITE: _("On track"),
            Light.GREY: _("Not applicable"),
        }
        return labels[self]


class Reason(StrEnum):
    """Machine code for why a measure got its light (a str, so it compares equal to the code)."""

    CLOSED = "closed"
    LONG_TERM_OK = "long_term_ok"
    REVIEW_OVERDUE = "review_overdue"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    BEHIND_SCHEDULE = "behind_schedule"
    ON_TRACK = "on_track"
    NO_DEADLINE = "no_deadline"
    AWAITING_REVIEW = "awaiting_review"


# Most urgent first: the order for sorting a ledger by light and for legends.
LIGHT_ORDER: tuple[Light, ...] = (
    Light.RED,
    Light.YELLOW,
    Light.BLUE,
    Light.WHITE,
    Light.GREEN,
    Light.GREY,
)

_LIGHT_RANK: dict[Light, int] = {light: rank for rank, light in enumerate(LIGHT_ORDER)}


def light_rank(light: Light) -> int:
    """Sort key: 0 for the most urgent light (red), following LIGHT_ORDER."""
    return _LIGHT_RANK[Light(light)]


@dataclass(frozen=True)
class LightPolicy:
    """The thresholds an organisation sets for its lights."""

    # Yellow when this many days or fewer remain before the due date.
    warn_days: int = 10
    # Yellow when progress trails the elapsed share of the time by more than this many points.
    behind_points: int = 30
    mode: CalendarMode = CalendarMode.CALENDAR_DAYS

    def __post_init__(self) -> None:
        # Programming/configuration errors, not user input: plain messages.
        if self.warn_days < 0:
            raise ValueError(f"warn_days must be >= 0, got {self.warn_days}")
        if not 0 <= self.behind_points <= 100:
            raise ValueError(f"behind_points must be within 0..100, got {self.behind_points}")


DEFAULT_POLICY = LightPolicy()


@dataclass(frozen=True)
class MeasureFacts:
    """What the light needs to know about a measure, detached from the model."""

    is_closed: bool
    is_long_term: bool
    due_date: dt.date | None
    # The feedback date or the measure's creation date: the schedule runs from here to due_date.
    start_date: dt.date | None
    progress: int
    next_review_date: dt.date | None = None
    # A close-out request filed in time waits for reviewers: the deadline clock is stopped.
    clock_stopped: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.progress <= 100:
            raise ValueError(f"progress must be within 0..100, got {self.progress}")


@dataclass(frozen=True)
class LightResult:
    """A measure's light, why, and the numbers behind it."""

    light: Light
    reason: Reason
    # Days until the due date (or next review for long-term measures); negative when overdue.
    days_left: int | None
    # Progress the schedule expects by today (0-100); None when there is no schedule to measure.
    expected_progress: int | None


def expected_progress(
    *, start: dt.date, due: dt.date, today: dt.date, mode: CalendarMode
) -> int | None:
    """Elapsed share of start..due at today, as whole percent (rounded down, clamped to 0..100).

    None when the span is empty (start on or after due) and today is still before due: there is no
    meaningful share of time to compare against.
    """
    total = days_between(start, due, mode=mode)
    if total <= 0:
        return 100 if today >= due else None
    elapsed = days_between(start, today, mode=mode)
    # Rounded down so that a unit is only called behind once it is clearly behind.
    return max(0, min(100, elapsed * 100 // total))


def compute_light(
    facts: MeasureFacts, *, today: dt.date, policy: LightPolicy = DEFAULT_POLICY
) -> LightResult:
    """The warning light of a measure as of today, under the policy's thresholds."""
    if facts.is_closed:
        return LightResult(Light.GREEN, Reason.CLOSED, days_left=None, expected_progress=None)

    if facts.is_long_term:
        # Long-term measures never fall due; only their periodic review (回头看) can lapse.
        review = facts.next_review_date
        if review is None:
            return LightResult(Light.BLUE, Reason.LONG_TERM_OK, None, None)
        review_left = days_between(today, review, mode=policy.mode)
        if review < today and not facts.clock_stopped:
            return LightResult(Light.RED, Reason.REVIEW_OVERDUE, min(review_left, -1), None)
        return LightResult(Light.BLUE, Reason.LONG_TERM_OK, review_left, None)

    due = facts.due_date
    if due is None:
        return LightResult(Light.GREY, Reason.NO_DEADLINE, None, None)

    days_left = days_between(today, due, mode=policy.mode)
    expected = (
        None
        if facts.start_date is None
        else expected_progress(start=facts.start_date, due=due, today=today, mode=policy.mode)
    )

    if facts.clock_stopped:
        # Nothing the unit can do but wait: neither overdue nor a warning.
        return LightResult(Light.WHITE, Reason.AWAITING_REVIEW, days_left, expected)
    if today > due:
        # In working-day mode a due date on a non-working day can count as 0 days overdue on the
        # following rest day; overdue must still read as negative.
        return LightResult(Light.RED, Reason.OVERDUE, min(days_left, -1), expected)
    if days_left <= policy.warn_days:
        return LightResult(Light.YELLOW, Reason.DUE_SOON, days_left, expected)
    if expected is not None and facts.progress < expected - policy.behind_points:
        return LightResult(Light.YELLOW, Reason.BEHIND_SCHEDULE, days_left, expected)
    return LightResult(Light.WHITE, Reason.ON_TRACK, days_left, expected)


def light_counts(results: Iterable[LightResult | Light]) -> dict[Light, int]:
    """How many results have each light; every light is present (0 if none), in LIGHT_ORDER."""
    counts = dict.fromkeys(LIGHT_ORDER, 0)
    for result in results:
        light = result.light if isinstance(result, LightResult) else Light(result)
        counts[light] += 1
    return counts

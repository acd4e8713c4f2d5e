"""The dashboard's trailing-progress thresholds, worked out by arithmetic, held to
`expected_progress` date by date (no database)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from core.workdays import CalendarMode
from dashboards.selectors import _LightRules
from ledger.lights import LightPolicy, expected_progress

# Feedback dates and days: across the National Day and Spring Festival holidays (with their
# adjusted weekend working days), a Friday before a weekend, a schedule just begun, one long
# under way, and one whose feedback date is still ahead.
CASES = [
    (dt.date(2026, 9, 20), dt.date(2026, 10, 9)),
    (dt.date(2026, 1, 5), dt.date(2026, 2, 13)),
    (dt.date(2025, 11, 28), dt.date(2025, 11, 28)),
    (dt.date(2026, 6, 5), dt.date(2026, 6, 8)),
    (dt.date(2025, 10, 9), dt.date(2026, 12, 7)),
    (dt.date(2026, 12, 20), dt.date(2026, 12, 7)),
]


def _threshold_of(runs: list[tuple[dt.date, dt.date, int]], due: dt.date) -> int:
    for first, last, threshold in runs:
        if first <= due <= last:
            return threshold
    return 0


@pytest.mark.parametrize("mode", [CalendarMode.CALENDAR_DAYS, CalendarMode.WORKING_DAYS])
@pytest.mark.parametrize(("behind", "warn_days"), [(0, 10), (30, 10), (99, 0), (100, 5)])
@pytest.mark.parametrize(("feedback", "today"), CASES)
def test_each_due_date_gets_the_threshold_its_own_schedule_gives(
    feedback: dt.date, today: dt.date, behind: int, warn_days: int, mode: CalendarMode
) -> None:
    policy = LightPolicy(warn_days=warn_days, behind_points=behind, mode=mode)
    rules = _LightRules(today, policy, feedback_date=feedback)
    last_due = rules.cutoff + dt.timedelta(days=1100)
    runs = rules._runs(last_due)
    # In order, one after the other without a gap, each above 0 and below the one before,
    # none past last_due.
    for (_f1, last1, t1), (first2, _l2, t2) in itertools.pairwise(runs):
        assert last1 + dt.timedelta(days=1) == first2 and t1 > t2 > 0
    assert all(first <= last <= last_due for first, last, _t in runs)
    # Every day of the first two months, then every eleventh, and each run's edges.
    first_day = rules.cutoff + dt.timedelta(days=1)
    days = {first_day + dt.timedelta(days=i) for i in range(60)}
    days |= {first_day + dt.timedelta(days=i) for i in range(60, 1101, 11)}
    for first, last, _t in runs:
        days |= {first - dt.timedelta(days=1), first, last, last + dt.timedelta(days=1)}
    for due in sorted(d for d in days if first_day <= d <= last_due):
        expected = expected_progress(start=feedback, due=due, today=today, mode=mode)
        wanted = 0 if expected is None else max(0, expected - behind)
        assert _threshold_of(runs, due) == wanted, due


def test_no_runs_without_a_feedback_date_or_a_due_date() -> None:
    today = dt.date(2026, 12, 7)
    assert _LightRules(today, LightPolicy(), feedback_date=None)._runs(today) == []
    rules = _LightRules(today, LightPolicy(), feedback_date=dt.date(2026, 6, 1))
    assert rules._runs(None) == []
    assert rules._runs(rules.cutoff) == []
    assert rules._runs(rules.cutoff + dt.timedelta(days=1))[0][1] == rules.cutoff + dt.timedelta(
        days=1
    )

"""The dashboard's trailing-progress thresholds, worked out by arithmetic, held to
`expected_progress` date by date, and the CASE that looks them up as the database runs it."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

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


@pytest.mark.parametrize("mode", [CalendarMode.CALENDAR_DAYS, CalendarMode.WORKING_DAYS])
@pytest.mark.parametrize("feedback", [dt.date(1, 1, 1), dt.date(1926, 6, 1), dt.date(2021, 3, 1)])
def test_a_due_date_at_the_end_of_the_calendar_ends_the_runs_without_overflowing(
    feedback: dt.date, mode: CalendarMode
) -> None:
    # No points allowed: the share stays above 0 for centuries, up to 9999-12-31.
    today = dt.date(2026, 12, 7)
    rules = _LightRules(today, LightPolicy(behind_points=0, mode=mode), feedback_date=feedback)
    runs = rules._runs(dt.date.max)
    assert runs and len(runs) <= 100
    for (_f1, last1, _t1), (first2, _l2, _t2) in itertools.pairwise(runs):
        assert last1 + dt.timedelta(days=1) == first2
    for first, last, threshold in runs[:3] + runs[-3:]:
        for due in (first, last):
            assert expected_progress(start=feedback, due=due, today=today, mode=mode) == threshold


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [CalendarMode.CALENDAR_DAYS, CalendarMode.WORKING_DAYS])
def test_the_database_finds_each_due_dates_threshold_and_none_after_the_last_due_date(
    world: Any, mode: CalendarMode
) -> None:
    """The CASE as the database runs it: each run's first and last day get its threshold (the
    levels compare with "before", so a run's first day belongs to it), the day before the
    first run and the days after `last_due` get none."""
    from django.db.models import BooleanField, Case, When

    from ledger.models import Measure

    today = dt.date(2026, 10, 9)
    rules = _LightRules(
        today, LightPolicy(behind_points=30, mode=mode), feedback_date=dt.date(2026, 9, 20)
    )
    last_due = rules.cutoff + dt.timedelta(days=200)
    runs = rules._runs(last_due)
    assert len(runs) > 3
    wanted: dict[dt.date, int] = {rules.cutoff: 0, last_due + dt.timedelta(days=1): 0}
    for first, last, threshold in runs[:5] + runs[-5:]:
        wanted[first] = wanted[last] = threshold
    measures = list(
        Measure.objects.unscoped("a test")
        .exclude(deadline_kind="long_term")
        .order_by("id")[: 2 * len(wanted)]
    )
    assert len(measures) == 2 * len(wanted)
    expected: dict[int, tuple[int, bool]] = {}
    for (due, threshold), pair in zip(
        sorted(wanted.items()), zip(measures[0::2], measures[1::2], strict=True), strict=True
    ):
        # One measure just below the threshold (trailing), one at it (not trailing).
        for measure, progress in zip(pair, (threshold - 1, threshold), strict=True):
            Measure.objects.unscoped("a test").filter(pk=measure.pk).update(
                due_date=due, progress=max(progress, 0)
            )
            expected[measure.pk] = (threshold, progress >= 0 and progress < threshold)
    trailing = rules._trailing_q(last_due)
    assert trailing is not None
    rows = (
        Measure.objects.unscoped("a test")
        .filter(pk__in=expected)
        .annotate(
            threshold=rules._threshold(runs),
            trailing=Case(When(trailing, then=True), default=False, output_field=BooleanField()),
        )
        .values_list("pk", "due_date", "threshold", "trailing")
    )
    for pk, due, threshold, is_trailing in rows:
        in_runs = runs[0][0] <= due <= runs[-1][1]
        assert (threshold if in_runs else 0, is_trailing) == expected[pk], due

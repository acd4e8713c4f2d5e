"""Warning lights on measures, at fixed dates."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.utils import translation

from core.workdays import CalendarMode
from ledger.lights import (
    DEFAULT_POLICY,
    LIGHT_ORDER,
    Light,
    LightPolicy,
    LightResult,
    MeasureFacts,
    Reason,
    compute_light,
    expected_progress,
    light_counts,
    light_rank,
)

CAL = CalendarMode.CALENDAR_DAYS
WORK = CalendarMode.WORKING_DAYS

# A 100-day schedule in calendar days: feedback on Jan 1 2021, due Apr 11 2021.
START = dt.date(2021, 1, 1)
DUE = dt.date(2021, 4, 11)
assert (DUE - START).days == 100


def facts(
    *,
    is_closed: bool = False,
    is_long_term: bool = False,
    due_date: dt.date | None = DUE,
    start_date: dt.date | None = START,
    progress: int = 0,
    next_review_date: dt.date | None = None,
) -> MeasureFacts:
    return MeasureFacts(
        is_closed=is_closed,
        is_long_term=is_long_term,
        due_date=due_date,
        start_date=start_date,
        progress=progress,
        next_review_date=next_review_date,
    )


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


class TestClosedMeasures:
    def test_a_closed_measure_is_green(self) -> None:
        result = compute_light(facts(is_closed=True, progress=100), today=START + days(5))
        assert result == LightResult(Light.GREEN, Reason.CLOSED, None, None)

    def test_closed_wins_over_overdue(self) -> None:
        result = compute_light(facts(is_closed=True, progress=40), today=DUE + days(30))
        assert result.light is Light.GREEN
        assert result.reason == "closed"

    def test_closed_wins_over_an_overdue_review(self) -> None:
        closed_long_term = facts(
            is_closed=True, is_long_term=True, next_review_date=DUE, due_date=None
        )
        assert compute_light(closed_long_term, today=DUE + days(1)).light is Light.GREEN


class TestLongTermMeasures:
    def test_it_is_blue_without_a_review_date(self) -> None:
        result = compute_light(facts(is_long_term=True, due_date=None), today=DUE)
        assert result == LightResult(Light.BLUE, Reason.LONG_TERM_OK, None, None)

    def test_it_is_blue_before_the_review(self) -> None:
        result = compute_light(
            facts(is_long_term=True, due_date=None, next_review_date=DUE), today=DUE - days(4)
        )
        assert (result.light, result.reason, result.days_left) == (
            Light.BLUE,
            Reason.LONG_TERM_OK,
            4,
        )

    def test_it_is_still_blue_on_the_review_day(self) -> None:
        result = compute_light(
            facts(is_long_term=True, due_date=None, next_review_date=DUE), today=DUE
        )
        assert (result.light, result.days_left) == (Light.BLUE, 0)

    def test_it_is_red_the_day_after_a_missed_review(self) -> None:
        result = compute_light(
            facts(is_long_term=True, due_date=None, next_review_date=DUE), today=DUE + days(1)
        )
        assert result == LightResult(Light.RED, Reason.REVIEW_OVERDUE, -1, None)

    def test_a_long_term_measure_never_falls_due_on_its_due_date(self) -> None:
        # Some ledgers fill a due date in for long-term rows too; the review decides.
        result = compute_light(
            facts(is_long_term=True, progress=0, next_review_date=DUE + days(60)),
            today=DUE + days(30),
        )
        assert (result.light, result.reason) == (Light.BLUE, Reason.LONG_TERM_OK)

    def test_a_review_on_a_rest_day_still_reads_as_overdue_in_working_mode(self) -> None:
        # Review set on Saturday Feb 6 2021; Sunday Feb 7 is a worked day, so no working day lies
        # in [Feb 6, Feb 7): the raw count is 0, but an overdue review must read negative.
        policy = LightPolicy(mode=WORK)
        result = compute_light(
            facts(is_long_term=True, due_date=None, next_review_date=dt.date(2021, 2, 6)),
            today=dt.date(2021, 2, 7),
            policy=policy,
        )
        assert (result.light, result.reason, result.days_left) == (
            Light.RED,
            Reason.REVIEW_OVERDUE,
            -1,
        )


class TestNoDeadline:
    def test_an_open_measure_without_due_date_is_grey(self) -> None:
        result = compute_light(facts(due_date=None, progress=50), today=DUE)
        assert result == LightResult(Light.GREY, Reason.NO_DEADLINE, None, None)


class TestDeadlineBoundaries:
    def test_one_day_overdue_is_red(self) -> None:
        result = compute_light(facts(progress=90), today=DUE + days(1))
        assert result == LightResult(Light.RED, Reason.OVERDUE, -1, 100)

    def test_long_overdue_counts_the_days(self) -> None:
        result = compute_light(facts(progress=90), today=DUE + days(25))
        assert (result.light, result.days_left) == (Light.RED, -25)

    def test_due_today_is_yellow_not_red(self) -> None:
        result = compute_light(facts(progress=90), today=DUE)
        assert result == LightResult(Light.YELLOW, Reason.DUE_SOON, 0, 100)

    def test_exactly_warn_days_left_is_yellow(self) -> None:
        result = compute_light(facts(progress=90), today=DUE - days(10))
        assert (result.light, result.reason, result.days_left) == (
            Light.YELLOW,
            Reason.DUE_SOON,
            10,
        )

    def test_one_day_more_than_warn_days_is_white_when_on_track(self) -> None:
        result = compute_light(facts(progress=90), today=DUE - days(11))
        assert result == LightResult(Light.WHITE, Reason.ON_TRACK, 11, 89)

    def test_due_soon_even_at_full_progress(self) -> None:
        # An open measure is still open: 100% progress has not been closed out yet.
        result = compute_light(facts(progress=100), today=DUE - days(3))
        assert result.reason == Reason.DUE_SOON

    def test_due_soon_is_reported_before_behind_schedule(self) -> None:
        result = compute_light(facts(progress=0), today=DUE - days(5))
        assert (result.light, result.reason) == (Light.YELLOW, Reason.DUE_SOON)

    def test_a_custom_warning_window(self) -> None:
        policy = LightPolicy(warn_days=3)
        assert compute_light(facts(progress=90), today=DUE - days(3), policy=policy).reason == (
            Reason.DUE_SOON
        )
        assert compute_light(facts(progress=90), today=DUE - days(4), policy=policy).reason == (
            Reason.ON_TRACK
        )

    def test_a_zero_warning_window_warns_only_on_the_due_day(self) -> None:
        policy = LightPolicy(warn_days=0)
        assert compute_light(facts(progress=90), today=DUE, policy=policy).reason == (
            Reason.DUE_SOON
        )
        assert compute_light(facts(progress=90), today=DUE - days(1), policy=policy).reason == (
            Reason.ON_TRACK
        )


class TestBehindSchedule:
    # Halfway through the 100 days the schedule expects 50%; with 30 points of slack, 20% is the
    # least that still counts as on track.
    HALFWAY = START + days(50)

    def test_it_is_yellow_below_the_slack(self) -> None:
        result = compute_light(facts(progress=19), today=self.HALFWAY)
        assert result == LightResult(Light.YELLOW, Reason.BEHIND_SCHEDULE, 50, 50)

    def test_exactly_at_the_slack_is_on_track(self) -> None:
        result = compute_light(facts(progress=20), today=self.HALFWAY)
        assert result == LightResult(Light.WHITE, Reason.ON_TRACK, 50, 50)

    def test_ahead_of_schedule_is_on_track(self) -> None:
        assert compute_light(facts(progress=80), today=self.HALFWAY).reason == Reason.ON_TRACK

    def test_a_custom_slack(self) -> None:
        strict = LightPolicy(behind_points=0)
        assert compute_light(facts(progress=49), today=self.HALFWAY, policy=strict).reason == (
            Reason.BEHIND_SCHEDULE
        )
        assert compute_light(facts(progress=50), today=self.HALFWAY, policy=strict).reason == (
            Reason.ON_TRACK
        )

    def test_nobody_is_behind_on_the_first_day(self) -> None:
        result = compute_light(facts(progress=0), today=START)
        assert result == LightResult(Light.WHITE, Reason.ON_TRACK, 100, 0)

    def test_without_a_start_date_there_is_no_schedule_to_trail(self) -> None:
        result = compute_light(facts(start_date=None, progress=0), today=START + days(80))
        assert result == LightResult(Light.WHITE, Reason.ON_TRACK, 20, None)

    def test_a_start_in_the_future_expects_nothing_yet(self) -> None:
        result = compute_light(facts(start_date=START + days(30), progress=0), today=START)
        assert (result.reason, result.expected_progress) == (Reason.ON_TRACK, 0)


class TestExpectedProgress:
    @pytest.mark.parametrize(
        ("today", "expected"),
        [
            (START - days(5), 0),
            (START, 0),
            (START + days(1), 1),
            (START + days(50), 50),
            (START + days(99), 99),
            (DUE, 100),
            (DUE + days(40), 100),
        ],
    )
    def test_it_is_the_elapsed_share_clamped(self, today: dt.date, expected: int) -> None:
        assert expected_progress(start=START, due=DUE, today=today, mode=CAL) == expected

    def test_it_rounds_down(self) -> None:
        start = dt.date(2021, 3, 1)
        due = dt.date(2021, 3, 4)
        assert expected_progress(start=start, due=due, today=start + days(1), mode=CAL) == 33
        assert expected_progress(start=start, due=due, today=start + days(2), mode=CAL) == 66

    def test_an_empty_span_has_no_share_before_the_due_date(self) -> None:
        assert expected_progress(start=DUE, due=DUE, today=DUE - days(20), mode=CAL) is None
        assert expected_progress(start=DUE, due=DUE, today=DUE, mode=CAL) == 100

    def test_working_mode_measures_time_in_working_days(self) -> None:
        # Feb 5 to Feb 22 2021 holds 8 working days (Feb 7, 8, 9, 10, 18, 19, 20, 22). On Feb 17,
        # the end of Spring Festival, 4 of them are spent: half, although 12 of the 17 calendar
        # days have gone.
        start, due, today = dt.date(2021, 2, 5), dt.date(2021, 2, 22), dt.date(2021, 2, 17)
        assert expected_progress(start=start, due=due, today=today, mode=WORK) == 50
        assert expected_progress(start=start, due=due, today=today, mode=CAL) == 70


class TestWorkingDayMode:
    POLICY = LightPolicy(mode=WORK)

    def test_the_holiday_shrinks_the_days_left(self) -> None:
        # Due Thu Feb 18 2021, today Fri Feb 5: 13 calendar days, but only 5 working days
        # (Feb 7, 8, 9, 10 and 18), inside the 10-day warning window.
        measure = facts(start_date=dt.date(2021, 1, 4), due_date=dt.date(2021, 2, 18), progress=90)
        today = dt.date(2021, 2, 5)
        in_calendar_days = compute_light(measure, today=today)
        in_working_days = compute_light(measure, today=today, policy=self.POLICY)
        assert (in_calendar_days.light, in_calendar_days.days_left) == (Light.WHITE, 13)
        assert (in_working_days.light, in_working_days.reason, in_working_days.days_left) == (
            Light.YELLOW,
            Reason.DUE_SOON,
            5,
        )

    def test_overdue_across_the_holiday_counts_working_days(self) -> None:
        # Due Wed Feb 10; on Sat Feb 20 (worked) the days walked back are Feb 10, 18 and 19.
        measure = facts(start_date=dt.date(2021, 1, 4), due_date=dt.date(2021, 2, 10))
        result = compute_light(measure, today=dt.date(2021, 2, 20), policy=self.POLICY)
        assert (result.light, result.reason, result.days_left) == (Light.RED, Reason.OVERDUE, -3)

    def test_a_due_date_on_a_rest_day_is_overdue_the_next_day(self) -> None:
        # Due on Saturday Feb 6 2021 (a rest day); Sunday Feb 7 is worked.
        measure = facts(start_date=dt.date(2021, 1, 4), due_date=dt.date(2021, 2, 6))
        result = compute_light(measure, today=dt.date(2021, 2, 7), policy=self.POLICY)
        assert (result.light, result.reason, result.days_left) == (Light.RED, Reason.OVERDUE, -1)

    def test_it_stays_yellow_through_national_day(self) -> None:
        # Due Fri Oct 15 2021; on Sep 30 the working days left are Oct 8, 9, 11-15: 7.
        measure = facts(start_date=dt.date(2021, 7, 1), due_date=dt.date(2021, 10, 15), progress=90)
        result = compute_light(measure, today=dt.date(2021, 9, 30), policy=self.POLICY)
        assert (result.light, result.days_left) == (Light.YELLOW, 7)


class TestValidation:
    def test_progress_must_be_a_percentage(self) -> None:
        with pytest.raises(ValueError, match="progress"):
            facts(progress=101)
        with pytest.raises(ValueError, match="progress"):
            facts(progress=-1)

    def test_policy_values_must_make_sense(self) -> None:
        with pytest.raises(ValueError, match="warn_days"):
            LightPolicy(warn_days=-1)
        with pytest.raises(ValueError, match="behind_points"):
            LightPolicy(behind_points=101)

    def test_the_default_policy(self) -> None:
        assert LightPolicy(warn_days=10, behind_points=30, mode=CAL) == DEFAULT_POLICY

    def test_results_are_immutable(self) -> None:
        result = compute_light(facts(), today=START)
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.light = Light.RED  # type: ignore[misc]


class TestOrderingAndCounts:
    def test_light_order_puts_the_most_urgent_first(self) -> None:
        assert LIGHT_ORDER == (
            Light.RED,
            Light.YELLOW,
            Light.BLUE,
            Light.WHITE,
            Light.GREEN,
            Light.GREY,
        )
        assert set(LIGHT_ORDER) == set(Light)

    def test_light_rank_sorts_by_urgency(self) -> None:
        lights = [Light.GREY, Light.GREEN, Light.RED, Light.WHITE, Light.YELLOW, Light.BLUE]
        assert sorted(lights, key=light_rank) == list(LIGHT_ORDER)
        assert light_rank(Light("red")) == 0

    def test_light_counts_tallies_every_light(self) -> None:
        today = START + days(50)
        results = [
            compute_light(facts(is_closed=True), today=today),
            compute_light(facts(progress=0), today=today),
            compute_light(facts(progress=60), today=today),
            compute_light(facts(progress=70), today=today),
            compute_light(facts(due_date=START + days(10)), today=today),
            compute_light(facts(due_date=None), today=today),
        ]
        counts = light_counts(results)
        assert counts == {
            Light.RED: 1,
            Light.YELLOW: 1,
            Light.BLUE: 0,
            Light.WHITE: 2,
            Light.GREEN: 1,
            Light.GREY: 1,
        }
        assert list(counts) == list(LIGHT_ORDER)

    def test_light_counts_of_nothing_is_all_zeros(self) -> None:
        assert light_counts([]) == dict.fromkeys(LIGHT_ORDER, 0)

    def test_light_counts_accepts_bare_lights(self) -> None:
        assert light_counts([Light.RED, Light.RED, Light.BLUE])[Light.RED] == 2

    def test_every_light_has_a_distinct_label(self) -> None:
        with translation.override("en"):
            labels = [light.label for light in Light]
        assert all(labels)
        assert len(set(labels)) == len(labels)

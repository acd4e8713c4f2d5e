"""Day counting on the official Chinese calendar, with fixed 2021 holidays.

2021 Spring Festival: Feb 11-17 off, Sunday Feb 7 and Saturday Feb 20 worked.
2021 National Day: Oct 1-7 off, Sunday Sep 26 and Saturday Oct 9 worked.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import chinese_calendar  # type: ignore[import-untyped]
import pytest
from django.utils import translation

from core import workdays
from core.workdays import (
    CalendarMode,
    add_days,
    days_between,
    has_official_calendar,
    holiday_name,
    is_working_day,
    non_working_reason,
    official_calendar_covers,
)

CAL = CalendarMode.CALENDAR_DAYS
WORK = CalendarMode.WORKING_DAYS

# Years far outside any data chinesecalendar will ship.
UNCOVERED_YEAR = 2150
UNCOVERED_MONDAY = dt.date(2150, 1, 5)
assert UNCOVERED_MONDAY.weekday() == 0


def d(month: int, day: int, year: int = 2021) -> dt.date:
    return dt.date(year, month, day)


@pytest.fixture
def fresh_coverage_cache() -> Iterator[None]:
    # Coverage is cached per year (and the fallback logged once), each date's answer and each
    # year's running totals too; start each such test clean.
    caches = (workdays._year_is_covered, workdays._is_working_date, workdays._year_totals)
    for kept in caches:
        kept.cache_clear()
    yield
    for kept in caches:
        kept.cache_clear()


class TestIsWorkingDay:
    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            (d(2, 5), True),  # Friday before the festival
            (d(2, 6), False),  # plain Saturday
            (d(2, 7), True),  # Sunday worked in exchange for the festival
            (d(2, 10), True),  # Wednesday, eve of the holiday
            (d(2, 11), False),  # Thursday, first day of Spring Festival
            (d(2, 15), False),  # Monday inside Spring Festival
            (d(2, 17), False),  # last day of Spring Festival
            (d(2, 18), True),
            (d(2, 20), True),  # Saturday worked
            (d(2, 21), False),  # plain Sunday
            (d(9, 26), True),  # Sunday worked for National Day
            (d(10, 1), False),
            (d(10, 4), False),  # Monday inside National Day
            (d(10, 7), False),
            (d(10, 8), True),
            (d(10, 9), True),  # Saturday worked
            (d(10, 10), False),
        ],
    )
    def test_it_follows_the_official_calendar(self, day: dt.date, expected: bool) -> None:
        assert is_working_day(day) is expected

    def test_it_accepts_a_datetime(self) -> None:
        assert is_working_day(dt.datetime(2021, 2, 7, 9, 30)) is True
        assert is_working_day(dt.datetime(2021, 2, 11, 9, 30)) is False

    def test_it_agrees_with_chinese_calendar_for_a_whole_year(self) -> None:
        day = d(1, 1)
        while day.year == 2021:
            assert is_working_day(day) is chinese_calendar.is_workday(day)
            day += dt.timedelta(days=1)


class TestHolidayName:
    def test_it_names_a_holiday_on_a_weekday(self) -> None:
        assert holiday_name(d(2, 11)) == "Spring Festival"
        assert holiday_name(d(10, 4)) == "National Day"

    def test_it_names_a_weekend_day_inside_the_holiday(self) -> None:
        assert holiday_name(d(2, 13)) == "Spring Festival"
        assert holiday_name(d(10, 3)) == "National Day"

    def test_it_is_none_on_an_adjusted_working_day(self) -> None:
        # chinese_calendar attaches the festival name to these, but people work.
        assert holiday_name(d(2, 7)) is None
        assert holiday_name(d(10, 9)) is None

    def test_it_is_none_on_a_plain_weekend_or_working_day(self) -> None:
        assert holiday_name(d(2, 6)) is None
        assert holiday_name(d(2, 10)) is None


class TestNonWorkingReason:
    def test_it_is_none_on_working_days_including_adjusted_ones(self) -> None:
        assert non_working_reason(d(2, 10)) is None
        assert non_working_reason(d(2, 7)) is None
        assert non_working_reason(d(10, 9)) is None

    def test_it_names_the_public_holiday(self) -> None:
        with translation.override("en"):
            assert non_working_reason(d(2, 12)) == "a public holiday (Spring Festival)"
            assert non_working_reason(d(10, 2)) == "a public holiday (National Day)"

    def test_it_says_weekend_for_a_plain_weekend(self) -> None:
        with translation.override("en"):
            assert non_working_reason(d(2, 6)) == "a weekend"
            assert non_working_reason(d(10, 10)) == "a weekend"

    def test_it_gives_some_text_in_chinese_too(self) -> None:
        with translation.override("zh-hans"):
            assert non_working_reason(d(2, 12))
            assert non_working_reason(d(2, 6))


class TestDaysBetweenInCalendarMode:
    def test_it_is_the_plain_difference(self) -> None:
        assert days_between(d(2, 10), d(2, 18), mode=CAL) == 8
        assert days_between(d(2, 18), d(2, 10), mode=CAL) == -8
        assert days_between(d(2, 10), d(2, 10), mode=CAL) == 0

    def test_it_crosses_years(self) -> None:
        assert days_between(dt.date(2020, 12, 31), d(1, 1), mode=CAL) == 1


class TestDaysBetweenInWorkingMode:
    def test_same_day_is_zero(self) -> None:
        assert days_between(d(2, 11), d(2, 11), mode=WORK) == 0
        assert days_between(d(2, 10), d(2, 10), mode=WORK) == 0

    def test_it_skips_the_whole_spring_festival(self) -> None:
        # (Wed Feb 10, Thu Feb 18]: only Feb 18 is worked.
        assert days_between(d(2, 10), d(2, 18), mode=WORK) == 1

    def test_it_counts_the_adjusted_sunday(self) -> None:
        # (Fri Feb 5, Mon Feb 8]: Sunday Feb 7 and Monday Feb 8.
        assert days_between(d(2, 5), d(2, 8), mode=WORK) == 2
        assert days_between(d(2, 6), d(2, 7), mode=WORK) == 1

    def test_it_counts_the_adjusted_saturday_after_national_day(self) -> None:
        # (Thu Sep 30, Sat Oct 9]: Oct 8 and Oct 9.
        assert days_between(d(9, 30), d(10, 9), mode=WORK) == 2
        assert days_between(d(10, 9), d(10, 11), mode=WORK) == 1

    def test_backwards_counts_the_days_walked_onto(self) -> None:
        # [Feb 10, Feb 18): only Feb 10 is worked.
        assert days_between(d(2, 18), d(2, 10), mode=WORK) == -1
        # From inside the holiday back to its eve: [Feb 10, Feb 13) holds Feb 10 only.
        assert days_between(d(2, 13), d(2, 10), mode=WORK) == -1
        # [Sep 30, Oct 11): Sep 30, Oct 8 and the worked Saturday Oct 9.
        assert days_between(d(10, 11), d(9, 30), mode=WORK) == -3

    def test_it_matches_chinese_calendar_workday_counts(self) -> None:
        start = dt.date(2020, 12, 15)
        for end in (d(1, 31), d(2, 28), d(6, 30), d(10, 31), d(12, 31)):
            expected = len(chinese_calendar.get_workdays(start + dt.timedelta(days=1), end))
            assert days_between(start, end, mode=WORK) == expected

    def test_it_accepts_the_mode_as_a_stored_string(self) -> None:
        assert days_between(d(2, 10), d(2, 18), mode=CalendarMode("working")) == 1
        assert days_between(d(2, 10), d(2, 18), mode="working") == 1  # type: ignore[arg-type]

    def test_it_rejects_an_unknown_mode(self) -> None:
        with pytest.raises(ValueError, match="fortnights"):
            days_between(d(2, 10), d(2, 18), mode="fortnights")  # type: ignore[arg-type]


class TestAddDays:
    def test_calendar_mode_is_plain_arithmetic(self) -> None:
        assert add_days(d(2, 10), 8, mode=CAL) == d(2, 18)
        assert add_days(d(2, 10), -10, mode=CAL) == d(1, 31)
        assert add_days(d(2, 10), 0, mode=CAL) == d(2, 10)

    @pytest.mark.parametrize(
        ("start", "n", "expected"),
        [
            (d(2, 10), 1, d(2, 18)),
            (d(2, 10), 2, d(2, 19)),
            (d(2, 10), 3, d(2, 20)),  # adjusted Saturday
            (d(2, 10), 4, d(2, 22)),
            (d(2, 5), 1, d(2, 7)),  # adjusted Sunday
            (d(2, 18), -1, d(2, 10)),
            (d(2, 8), -1, d(2, 7)),
            (d(2, 13), -1, d(2, 10)),  # from inside the holiday
            (d(2, 13), 1, d(2, 18)),
            (d(2, 13), 0, d(2, 13)),  # zero never moves, even off a working day
            (d(9, 30), 1, d(10, 8)),
            (d(9, 30), 2, d(10, 9)),
            (d(9, 30), 3, d(10, 11)),
            (d(10, 8), -5, d(9, 26)),  # back over the holiday onto the worked Sunday
        ],
    )
    def test_working_mode_walks_over_holidays(
        self, start: dt.date, n: int, expected: dt.date
    ) -> None:
        assert add_days(start, n, mode=WORK) == expected

    def test_it_round_trips_with_days_between(self) -> None:
        start = d(1, 25)
        while start <= d(3, 5):
            for n in range(-15, 16):
                end = add_days(start, n, mode=WORK)
                assert days_between(start, end, mode=WORK) == n, (start, n)
                if n:
                    assert is_working_day(end), (start, n)
            start += dt.timedelta(days=1)

    def test_days_between_round_trips_into_add_days_for_working_days(self) -> None:
        start = d(9, 20)
        for end in (d(9, 26), d(9, 30), d(10, 8), d(10, 9), d(10, 15)):
            assert add_days(start, days_between(start, end, mode=WORK), mode=WORK) == end


class TestFallbackOutsideTheOfficialCalendar:
    def test_coverage_flags(self) -> None:
        assert has_official_calendar(d(6, 1)) is True
        assert has_official_calendar(UNCOVERED_MONDAY) is False
        assert official_calendar_covers(d(1, 1), d(12, 31)) is True
        assert official_calendar_covers(d(1, 1), UNCOVERED_MONDAY) is False
        assert official_calendar_covers(UNCOVERED_MONDAY, d(1, 1)) is False

    def test_it_assumes_monday_to_friday(self) -> None:
        week = [UNCOVERED_MONDAY + dt.timedelta(days=i) for i in range(7)]
        assert [is_working_day(day) for day in week] == [True] * 5 + [False] * 2

    def test_it_knows_no_holiday_names_there(self) -> None:
        new_years_day = dt.date(UNCOVERED_YEAR, 1, 1)
        assert holiday_name(new_years_day) is None
        with translation.override("en"):
            assert non_working_reason(UNCOVERED_MONDAY + dt.timedelta(days=5)) == "a weekend"
            assert non_working_reason(UNCOVERED_MONDAY) is None

    def test_it_counts_and_adds_without_crashing(self) -> None:
        friday = UNCOVERED_MONDAY + dt.timedelta(days=4)
        next_monday = UNCOVERED_MONDAY + dt.timedelta(days=7)
        assert days_between(friday, next_monday, mode=WORK) == 1
        assert add_days(friday, 1, mode=WORK) == next_monday
        assert add_days(next_monday, -1, mode=WORK) == friday

    def test_it_counts_across_the_edge_of_the_data(self) -> None:
        # Dec 31 2021 (Fri) to a later uncovered year mixes both calendars without raising.
        assert days_between(d(12, 31), UNCOVERED_MONDAY, mode=WORK) > 0

    def test_it_logs_the_fallback_once_per_year(
        self, fresh_coverage_cache: None, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, logger="core.workdays"):
            is_working_day(UNCOVERED_MONDAY)
            is_working_day(UNCOVERED_MONDAY + dt.timedelta(days=1))
            is_working_day(d(3, 1))
        records = [r for r in caplog.records if r.name == "core.workdays"]
        assert len(records) == 1
        assert str(UNCOVERED_YEAR) in records[0].getMessage()


def _walked(first: dt.date, last: dt.date) -> int:
    """Working days in [first, last], one day at a time."""
    count, day = 0, first
    while day <= last:
        count += is_working_day(day)
        day += dt.timedelta(days=1)
    return count


def test_counting_by_years_gives_what_walking_the_days_gives() -> None:
    # Spans within a covered year, across years, across the edge of the data into uncovered
    # years, single days, empty ranges, and the first and last days of a year.
    days = [dt.date(2024, 1, 1), dt.date(2024, 2, 29), dt.date(2025, 1, 28), dt.date(2025, 10, 8)]
    days += [dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 12, 31)]
    days += [dt.date(2027, 1, 1), dt.date(2027, 3, 3), dt.date(2028, 12, 31), dt.date(2029, 7, 1)]
    days += [dt.date(2026, 9, 30) + dt.timedelta(days=k) for k in range(10)]
    for first in days:
        for last in days:
            assert workdays._count_working_days(first, last) == _walked(first, last), (first, last)
            expected = _walked(first + dt.timedelta(days=1), last) if last >= first else None
            if expected is not None:
                assert days_between(first, last, mode=WORK) == expected


def test_a_date_at_the_end_of_the_calendar_is_counted_without_walking_to_it(
    fresh_coverage_cache: None, caplog: pytest.LogCaptureFixture
) -> None:
    # 8,000 years of Mondays to Fridays, by arithmetic: 52 or 53 weeks a year, and the
    # fallback logged for the years asked about, not for each of the 7,970 between.
    with caplog.at_level(logging.WARNING, logger="core.workdays"):
        count = days_between(dt.date(2030, 1, 1), dt.date.max, mode=WORK)
    assert len([r for r in caplog.records if r.name == "core.workdays"]) <= 2
    assert 5 * 52 * 7970 < count < 5 * 53 * 7970
    # Backwards the range is [2030-01-01, 9999-12-31): the first day in, the last day out.
    first_in = is_working_day(dt.date(2030, 1, 1))
    last_out = is_working_day(dt.date.max)
    assert days_between(dt.date.max, dt.date(2030, 1, 1), mode=WORK) == -(
        count + first_in - last_out
    )


def test_the_organization_stores_the_one_calendar_mode() -> None:
    from organization.models import Organization

    field = Organization._meta.get_field("calendar_mode")
    assert field.choices == CalendarMode.choices
    assert CalendarMode.of(field.default) == CalendarMode.CALENDAR_DAYS
    assert CalendarMode.of("working") == CalendarMode.WORKING_DAYS
    assert CalendarMode.of("lunar") == CalendarMode.CALENDAR_DAYS


def test_the_covered_years_are_those_the_package_answers_for() -> None:
    first, last = workdays._covered_years()
    for year in (first, last):
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    for year in (first - 1, last + 1):
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(dt.date(year, 6, 1))

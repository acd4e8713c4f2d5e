"""Reporting cycles: which period a day falls in, and which measures miss their report."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from reporting.cycles import Period, period_containing, previous_period
from reporting.models import ReportingCycle
from reporting.selectors import missing_report_measures
from reporting.services import CycleData, ReportData, cycle_save, report_file

D = dt.date


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (D(2021, 3, 15), D(2021, 3, 13), D(2021, 3, 19)),  # Monday → that week's Friday
        (D(2021, 3, 19), D(2021, 3, 13), D(2021, 3, 19)),  # the Friday itself still counts
        (D(2021, 3, 20), D(2021, 3, 20), D(2021, 3, 26)),  # Saturday opens the next cycle
        (D(2021, 12, 31), D(2021, 12, 25), D(2021, 12, 31)),  # over the new year
    ],
)
def test_weekly_cycles_end_on_their_report_day(day: dt.date, start: dt.date, end: dt.date) -> None:
    assert period_containing(day, frequency="weekly", weekday=4) == Period(start, end)


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (D(2021, 3, 25), D(2021, 2, 26), D(2021, 3, 25)),
        (D(2021, 3, 26), D(2021, 3, 26), D(2021, 4, 25)),
        (D(2021, 1, 10), D(2020, 12, 26), D(2021, 1, 25)),  # across the year
        (D(2021, 12, 30), D(2021, 12, 26), D(2022, 1, 25)),
    ],
)
def test_monthly_cycles_run_to_the_day_of_the_month(
    day: dt.date, start: dt.date, end: dt.date
) -> None:
    assert period_containing(day, frequency="monthly", day_of_month=25) == Period(start, end)


def test_a_day_past_the_months_end_is_clamped_to_it() -> None:
    assert period_containing(D(2021, 2, 27), frequency="monthly", day_of_month=31) == Period(
        D(2021, 2, 1), D(2021, 2, 28)
    )
    assert period_containing(D(2024, 3, 1), frequency="monthly", day_of_month=30) == Period(
        D(2024, 3, 1), D(2024, 3, 30)
    )


def test_every_day_belongs_to_exactly_one_period() -> None:
    for frequency, kwargs in (("weekly", {"weekday": 2}), ("monthly", {"day_of_month": 31})):
        day = D(2020, 1, 1)
        period = period_containing(day, frequency=frequency, **kwargs)
        while day < D(2022, 1, 1):
            day += dt.timedelta(days=1)
            nxt = period_containing(day, frequency=frequency, **kwargs)
            if nxt != period:
                assert nxt.start == period.end + dt.timedelta(days=1)
                assert previous_period(nxt, frequency=frequency, **kwargs) == period
            period = nxt


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def test_missing_reports_follow_the_cycle_boundaries(world: Any) -> None:
    branch1, office = world.user("branch1"), world.user("office")
    measure = world.measure(state="in_progress")
    cycle_save(
        by=office,
        inspection=measure.finding.inspection,
        data=CycleData(frequency="weekly", weekday=4),
    )
    friday, saturday = D(2030, 3, 15), D(2030, 3, 16)
    assert friday.weekday() == 4

    def missing(day: dt.date) -> bool:
        return missing_report_measures(branch1, today=day).filter(pk=measure.pk).exists()

    assert missing(friday)
    report_file(
        by=branch1, measure=measure, data=ReportData("本周完成制度修订。", 60), at=_at(friday, 23)
    )
    assert not missing(friday)
    assert not missing(friday - dt.timedelta(days=6))  # Saturday of the same cycle
    assert missing(saturday)  # a new cycle: the report is due again
    assert missing(friday - dt.timedelta(days=7))  # the cycle before had none


def test_monthly_missing_reports_and_the_25th(world: Any) -> None:
    branch1, office = world.user("branch1"), world.user("office")
    measure = world.measure(state="in_progress")
    cycle_save(
        by=office,
        inspection=measure.finding.inspection,
        data=CycleData(frequency="monthly", day_of_month=25),
    )
    report_file(
        by=branch1, measure=measure, data=ReportData("完成。", 70), at=_at(D(2030, 4, 26), 0)
    )
    ids = lambda day: set(missing_report_measures(branch1, today=day).values_list("pk", flat=True))  # noqa: E731
    assert measure.pk in ids(D(2030, 4, 25))
    assert measure.pk not in ids(D(2030, 4, 26))
    assert measure.pk not in ids(D(2030, 5, 25))
    assert measure.pk in ids(D(2030, 5, 26))


def test_only_measures_that_owe_a_report_and_that_the_person_sees_are_listed(world: Any) -> None:
    office = world.user("office")
    measure = world.measure(state="in_progress")
    inspection = measure.finding.inspection
    day = D(2030, 3, 15)
    ReportingCycle.objects.all().delete()
    assert not missing_report_measures(office, today=day).exists()  # no cycle, no requirement
    cycle_save(by=office, inspection=inspection, data=CycleData(frequency="weekly"))
    listed = missing_report_measures(office, today=day)
    assert set(listed.values_list("state", flat=True)) <= {"not_started", "in_progress"}
    assert listed.filter(pk=measure.pk).exists()
    assert (
        not missing_report_measures(world.user("branch7"), today=day).filter(pk=measure.pk).exists()
    )
    assert missing_report_measures(world.user("liaison1"), today=day).filter(pk=measure.pk).exists()


def test_a_cycle_not_yet_started_asks_for_nothing(world: Any) -> None:
    office = world.user("office")
    measure = world.measure(state="in_progress")
    cycle_save(
        by=office,
        inspection=measure.finding.inspection,
        data=CycleData(frequency="weekly", starts_on=D(2030, 6, 1)),
    )
    assert not missing_report_measures(office, today=D(2030, 5, 31)).exists()
    assert missing_report_measures(office, today=D(2030, 6, 1)).filter(pk=measure.pk).exists()


def test_the_missing_list_is_one_query(world: Any, django_assert_max_num_queries: Any) -> None:
    office = world.user("office")
    measure = world.measure(state="in_progress")
    cycle_save(by=office, inspection=measure.finding.inspection, data=CycleData(frequency="weekly"))
    from organization.scope import actor_for

    actor_for(office)
    with django_assert_max_num_queries(6):
        rows = list(missing_report_measures(office, today=D(2030, 3, 15)))
    assert rows

"""Reporting-cycle arithmetic: which period a day falls in. Pure functions, no database.

A period ends on its report day and starts the day after the previous report day, so every day
belongs to exactly one period: weekly on Friday gives Saturday–Friday; monthly by the 25th gives
the 26th of one month to the 25th of the next (a day past the month's end is clamped to it).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

WEEKLY = "weekly"
MONTHLY = "monthly"


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # the report day, inclusive

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_due(year: int, month: int, day_of_month: int) -> dt.date:
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day_of_month, last))


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def period_containing(
    day: dt.date, *, frequency: str, weekday: int = 4, day_of_month: int = 25
) -> Period:
    """The reporting period that `day` belongs to."""
    if frequency == WEEKLY:
        if not 0 <= weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        end = day + dt.timedelta(days=(weekday - day.weekday()) % 7)
        return Period(end - dt.timedelta(days=6), end)
    if frequency == MONTHLY:
        if not 1 <= day_of_month <= 31:
            raise ValueError("day_of_month must be 1 to 31")
        due = _month_due(day.year, day.month, day_of_month)
        if day <= due:
            py, pm = _shift_month(day.year, day.month, -1)
            return Period(_month_due(py, pm, day_of_month) + dt.timedelta(days=1), due)
        ny, nm = _shift_month(day.year, day.month, 1)
        return Period(due + dt.timedelta(days=1), _month_due(ny, nm, day_of_month))
    raise ValueError(f"unknown frequency {frequency!r}")


def previous_period(
    period: Period, *, frequency: str, weekday: int = 4, day_of_month: int = 25
) -> Period:
    return period_containing(
        period.start - dt.timedelta(days=1),
        frequency=frequency,
        weekday=weekday,
        day_of_month=day_of_month,
    )

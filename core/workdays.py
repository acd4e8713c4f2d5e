"""Day counting for deadlines: calendar days, or working days on the official Chinese calendar.

Rectification deadlines (完成时限) and reminder dates are counted in one of two modes. In
working-day mode the official State Council holiday arrangement decides what a working day is,
including the adjusted weekend working days (调休上班) around Spring Festival and National Day;
the data comes from the `chinesecalendar` package.

That package only covers the years it ships data for. Outside them we fall back to Monday to
Friday rather than failing, because a deadline in a far-future year (a long-term measure, a typo)
must not break a page. Callers that need to tell the user the count is approximate ask
`has_official_calendar()` / `official_calendar_covers()`, and the first fallback for each year is
logged.

Counting convention in working-day mode: walking from `start` to `end`, count the working days you
land on, never the day you start from. Forward that is the working days in (start, end]; backward
it is the working days in [end, start), negated. `add_days()` is the same walk, so
`days_between(start, add_days(start, n)) == n` for every start and n.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache, lru_cache

import chinese_calendar  # type: ignore[import-untyped]  # ships no type information
from django.db import models
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)

_ONE_DAY = dt.timedelta(days=1)

# chinese_calendar names holidays in English (its `Holiday` enum values). They are data we match,
# and these labels let the UI show them in the active language.
_HOLIDAY_LABELS: dict[str, Promise] = {
    "New Year's Day": gettext_lazy("New Year's Day"),
    "Spring Festival": gettext_lazy("Spring Festival"),
    "Tomb-sweeping Day": gettext_lazy("Tomb-sweeping Day"),
    "Labour Day": gettext_lazy("Labour Day"),
    "Dragon Boat Festival": gettext_lazy("Dragon Boat Festival"),
    "National Day": gettext_lazy("National Day"),
    "Mid-autumn Festival": gettext_lazy("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": gettext_lazy("Anti-Fascist 70th Day"),
}


class CalendarMode(models.TextChoices):
    """How a deadline's days are counted: the one definition, stored per organization."""

    CALENDAR_DAYS = "calendar", gettext_lazy("Calendar days")
    WORKING_DAYS = "working", gettext_lazy("Working days (official holiday calendar)")

    @classmethod
    def of(cls, value: str) -> CalendarMode:
        """The mode a stored value names; calendar days for anything unknown."""
        return cls(value) if value in cls.values else cls.CALENDAR_DAYS


@cache
def _year_is_covered(year: int) -> bool:
    covered_from, covered_to = _covered_years()
    if covered_from <= year <= covered_to:
        return True
    logger.warning(
        "No official holiday calendar for %s: counting Monday to Friday as working days.", year
    )
    return False


def _as_date(d: dt.date) -> dt.date:
    # A datetime is a date subclass; comparing the two raises, so normalise once at the edge.
    return d.date() if isinstance(d, dt.datetime) else d


def has_official_calendar(d: dt.date) -> bool:
    """True if the official holiday calendar covers d's year (else Monday to Friday is assumed)."""
    return _year_is_covered(_as_date(d).year)


def official_calendar_covers(start: dt.date, end: dt.date) -> bool:
    """True if every year from start to end (either order) is covered by the official calendar."""
    first, last = sorted((_as_date(start).year, _as_date(end).year))
    return all(_year_is_covered(year) for year in range(first, last + 1))


def is_working_day(d: dt.date) -> bool:
    """Whether d is a working day on the official calendar (adjusted weekend working days count);
    Monday to Friday in years the calendar does not cover."""
    return _is_working_date(_as_date(d))


# The calendar is the package's fixed data, so each date's answer is kept: the package takes
# about 28 microseconds a date (it finds its first and last year anew each time), and the
# year totals, `add_days` and the reminder ladders ask for the same dates again and again.
# 40,000 dates are more than a century, under 7 MB (measured).
@lru_cache(maxsize=40_000)
def _is_working_date(d: dt.date) -> bool:
    if _year_is_covered(d.year):
        return bool(chinese_calendar.is_workday(d))
    return d.weekday() < 5


def holiday_name(d: dt.date) -> str | None:
    """The official holiday d belongs to (e.g. "Spring Festival"), None on a working day or plain
    weekend."""
    d = _as_date(d)
    if not _year_is_covered(d.year):
        return None
    on_holiday, name = chinese_calendar.get_holiday_detail(d)
    # Adjusted working days carry the holiday's name too, but they are working days.
    if not on_holiday or name is None:
        return None
    return str(name)


def non_working_reason(d: dt.date) -> str | None:
    """Why d is not a working day, as a short translated phrase; None if it is a working day.

    Used to flag a due date set on a holiday or weekend.
    """
    if is_working_day(d):
        return None
    name = holiday_name(d)
    if name is None:
        return _("a weekend")
    label = _HOLIDAY_LABELS.get(name, name)
    return _("a public holiday (%(holiday)s)") % {"holiday": label}


def due_date_warning(d: dt.date | None, *, mode: CalendarMode) -> str | None:
    """A translated warning when a due date falls where nobody works, else None.

    The one rule for every page that sets or shows a due date. Counting working days, weekends
    and public holidays are flagged; counting calendar days, only public holidays (a Saturday
    deadline is then the organization's own choice). Working-day counting in a year the official
    calendar does not cover yet is flagged as approximate.
    """
    if d is None:
        return None
    shown = date_format(d, "Y-m-d")
    if mode == CalendarMode.WORKING_DAYS:
        reason = non_working_reason(d)
        if reason is not None:
            return _(
                "The due date %(date)s falls on %(reason)s, which is not a working day. "
                "Reminders count working days; consider the working day before it."
            ) % {"date": shown, "reason": reason}
        if not has_official_calendar(d):
            return _(
                "The official holiday calendar for %(year)d is not published yet: working days "
                "are counted Monday to Friday until it is."
            ) % {"year": d.year}
        return None
    if holiday_name(d) is not None:
        return _("The due date %(date)s falls on %(reason)s.") % {
            "date": shown,
            "reason": non_working_reason(d),
        }
    return None


def days_between(start: dt.date, end: dt.date, *, mode: CalendarMode) -> int:
    """Signed day count from start to end: end - start in calendar mode; in working mode the working
    days in (start, end], or minus those in [end, start) when end is before start."""
    start, end = _as_date(start), _as_date(end)
    if CalendarMode(mode) is CalendarMode.CALENDAR_DAYS:
        return (end - start).days
    if end >= start:
        return _count_working_days(start + _ONE_DAY, end)
    return -_count_working_days(end, start - _ONE_DAY)


def _count_working_days(first: dt.date, last: dt.date) -> int:
    """Working days in the closed range [first, last]; 0 if the range is empty.

    Counted a year at a time from each covered year's running totals, and by arithmetic
    (Monday to Friday) over the years before and after those the calendar covers, where
    walking the range day by day cost a lookup per day (a page judging a few hundred
    deadlines in working days walked 34,000 days, about 20 ms). The fallback is logged for
    the years asked about, not for every year between (9999-12-31 is 7,973 years away)."""
    if last < first:
        return 0
    covered_from, covered_to = _covered_years()
    count = 0
    if first.year < covered_from:
        _year_is_covered(first.year)
        count += _weekdays(first, min(last, dt.date(covered_from - 1, 12, 31)))
    if last.year > covered_to:
        _year_is_covered(last.year)
        count += _weekdays(max(first, dt.date(covered_to + 1, 1, 1)), last)
    for year in range(max(first.year, covered_from), min(last.year, covered_to) + 1):
        lo = max(first, dt.date(year, 1, 1))
        hi = min(last, dt.date(year, 12, 31))
        totals = _year_totals(year)
        start, end = lo.timetuple().tm_yday - 1, hi.timetuple().tm_yday - 1
        count += totals[end] - (totals[start - 1] if start else 0)
    return count


@cache
def _covered_years() -> tuple[int, int]:
    """The first and last year of the package's calendar: the years it answers for (its own
    check, which raises NotImplementedError outside them), one run of years."""
    from chinese_calendar.constants import holidays  # type: ignore[import-untyped]

    return min(holidays).year, max(holidays).year


@cache
def _year_totals(year: int) -> tuple[int, ...]:
    """For each day of a covered year (index: day of the year - 1), the working days from
    1 January up to and including it."""
    totals = []
    running = 0
    day = dt.date(year, 1, 1)
    while day.year == year:
        running += _is_working_date(day)
        totals.append(running)
        day += _ONE_DAY
    return tuple(totals)


def _weekdays(first: dt.date, last: dt.date) -> int:
    """Monday to Friday in [first, last]; 0 if the range is empty."""
    days = (last - first).days + 1
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    start = first.weekday()
    return weeks * 5 + sum(1 for i in range(rest) if (start + i) % 7 < 5)


def add_days(start: dt.date, n: int, *, mode: CalendarMode) -> dt.date:
    """The date n days after start (before it if n < 0); in working mode, the n-th working day
    reached walking from start, which itself is never counted (n == 0 returns start)."""
    start = _as_date(start)
    try:
        if CalendarMode(mode) is CalendarMode.CALENDAR_DAYS:
            return start + dt.timedelta(days=n)
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        remaining = abs(n)
        d = start
        while remaining:
            d += step
            if is_working_day(d):
                remaining -= 1
        return d
    except OverflowError:
        # A stored date at the end of the calendar (9999-12-31, 0001-01-01) has no day beyond
        # it: stay at the edge rather than fail the page that asked.
        return dt.date.max if n > 0 else dt.date.min

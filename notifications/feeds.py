"""The private calendar feed (iCalendar): due dates and review dates of a person's measures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard
from urllib.parse import urlparse

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.text import DATE_MAX, DATE_MIN, xml_safe
from ledger.choices import DeadlineKind
from ledger.models import Measure

PRODID = "-//Rectify//Rectification deadlines//EN"


@dataclass(frozen=True)
class CalendarEntry:
    """A timed event another layer puts on a person's feed (a meeting they attend, the day
    their unit's part of it is due); `key` is unique within the product, e.g. "meeting-7"."""

    key: str
    start: dt.datetime
    end: dt.datetime
    summary: str
    description: str
    url: str
    location: str = ""


# Layers above notifications add entries for a user through one typed registry, filled from
# their AppConfig.ready(); the feed never imports them.
CalendarSource = Callable[[Any], Iterable[CalendarEntry]]
_calendar_sources: dict[str, CalendarSource] = {}


def register_calendar_source(app: str, source: CalendarSource) -> None:
    _calendar_sources[app] = source


def calendar_entries(user: Any) -> list[CalendarEntry]:
    return [e for app in sorted(_calendar_sources) for e in _calendar_sources[app](user)]


def _uid_host() -> str:
    return urlparse(settings.SITE_URL).hostname or "rectify.invalid"


def _summary(prefix: str, measure: Measure) -> str:
    content = measure.content if len(measure.content) <= 60 else measure.content[:60] + "…"
    return f"{prefix} {measure.lead_unit.name}: {content}"


def _plausible(day: dt.date | None) -> TypeGuard[dt.date]:
    """A date a calendar can show. A stored date outside the product's range (written before
    dates were bounded, or by a script) is left out rather than breaking everyone's feed."""
    return day is not None and DATE_MIN <= day <= DATE_MAX


def _event(
    *, uid: str, day: dt.date, summary: str, description: str, url: str, stamp: dt.datetime
) -> icalendar.Event:
    event = icalendar.Event()
    summary, description = xml_safe(summary), xml_safe(description)
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    # An all-day event: DTSTART is the date, DTEND the (exclusive) next day.
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    return event


def build_calendar(
    measures: Sequence[Measure],
    *,
    name: str,
    now: dt.datetime | None = None,
    entries: Sequence[CalendarEntry] = (),
) -> bytes:
    """An iCalendar document with one all-day event per due date and per review date, and
    the timed entries other layers add (meetings)."""
    stamp = (now or timezone.now()).astimezone(dt.UTC)
    host = _uid_host()
    base = settings.SITE_URL.rstrip("/")
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    # Calendar apps poll a subscription; ask for no more than every few hours.
    cal.add("refresh-interval", dt.timedelta(hours=4), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", dt.timedelta(hours=4))
    for m in measures:
        url = base + reverse("ledger:measure_detail", args=[m.pk])
        description = "\n".join(
            [
                m.content,
                _("Lead unit: %(unit)s") % {"unit": m.lead_unit.name},
                _("Finding %(number)s") % {"number": m.finding.number},
                _("State: %(state)s · progress %(progress)d%%")
                % {"state": m.get_state_display(), "progress": m.progress},
                url,
            ]
        )
        if m.deadline_kind == DeadlineKind.LONG_TERM:
            if not _plausible(m.next_review_date):
                continue
            cal.add_component(
                _event(
                    uid=f"measure-{m.pk}-review@{host}",
                    day=m.next_review_date,
                    summary=_summary(_("[Review]"), m),
                    description=description,
                    url=url,
                    stamp=stamp,
                )
            )
        elif _plausible(m.due_date):
            cal.add_component(
                _event(
                    uid=f"measure-{m.pk}-due@{host}",
                    day=m.due_date,
                    summary=_summary(_("[Due]"), m),
                    description=description,
                    url=url,
                    stamp=stamp,
                )
            )
    for entry in entries:
        if not _plausible(entry.start.date()):
            continue
        event = icalendar.Event()
        event.add("uid", f"{entry.key}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.start.astimezone(dt.UTC))
        event.add("dtend", entry.end.astimezone(dt.UTC))
        event.add("summary", xml_safe(entry.summary))
        event.add("description", xml_safe(entry.description + "\n" + base + entry.url))
        event.add("url", base + entry.url)
        if entry.location:
            event.add("location", xml_safe(entry.location))
        cal.add_component(event)
    return cal.to_ical()

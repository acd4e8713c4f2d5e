"""The private calendar feed: valid iCalendar, only the owner's scope, a token that can change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from ledger.choices import OPEN_STATES
from ledger.models import Measure
from notifications.models import Preference
from notifications.services import calendar_token_for, calendar_token_regenerate


def feed(token: str) -> Any:
    return Client(HTTP_HOST="127.0.0.1").get(reverse("notifications:calendar_feed", args=[token]))


def parse(response: Any) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def measure_events(cal: icalendar.Calendar) -> list[Any]:
    """The measures' own all-day events (other layers add timed ones, e.g. meetings)."""
    return [e for e in cal.walk("VEVENT") if str(e["UID"]).startswith("measure-")]


def measure_ids(cal: icalendar.Calendar) -> set[int]:
    return {int(str(e["UID"]).split("-")[1]) for e in measure_events(cal)}


@pytest.mark.parametrize("username", ["branch1", "liaison1", "taskforce1", "branch7", "office"])
def test_the_feed_holds_exactly_the_dated_open_measures_in_the_owners_scope(
    world: Any, username: str
) -> None:
    user = world.user(username)
    cal = parse(feed(calendar_token_for(user=user)))
    expected = {
        m.pk
        for m in Measure.objects.visible_to(user)
        if (m.is_long_term and m.next_review_date and m.state != "closed")
        or (not m.is_long_term and m.due_date and m.state in OPEN_STATES)
    }
    assert expected, "the demo gives everyone some dated work"
    assert measure_ids(cal) == expected
    everything = set(Measure.objects.values_list("pk", flat=True))
    assert measure_ids(cal) <= everything


def test_another_branchs_measures_never_appear(world: Any) -> None:
    outsider = world.user("branch7")
    scoped = world.scoped_measure()
    cal = parse(feed(calendar_token_for(user=outsider)))
    assert scoped.pk not in measure_ids(cal)
    mine = parse(feed(calendar_token_for(user=world.user("branch1"))))
    if scoped.due_date and scoped.state != "closed":
        assert scoped.pk in measure_ids(mine)


def test_it_is_valid_icalendar_with_all_day_events_and_links(world: Any) -> None:
    cal = parse(feed(calendar_token_for(user=world.user("office"))))
    assert str(cal["VERSION"]) == "2.0"
    assert cal["PRODID"]
    events = measure_events(cal)
    assert events
    for event in events:
        start = event.decoded("DTSTART")
        assert isinstance(start, dt.date) and not isinstance(start, dt.datetime)
        assert event.decoded("DTEND") == start + dt.timedelta(days=1)
        assert str(event["URL"]).startswith("http")
        assert str(event["SUMMARY"]).startswith(
            ("[Due]", "[Review]", "[到期]", "[复查]", "【到期】", "【复查】")
        )
        assert event["DTSTAMP"]
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert len(uids) == len(set(uids))
    # The other events are timed ones another layer adds (the meetings the person attends).
    for event in cal.walk("VEVENT"):
        if event not in events:
            assert isinstance(event.decoded("DTSTART"), dt.datetime)
            assert event.decoded("DTEND") > event.decoded("DTSTART")


def test_long_term_measures_appear_on_their_review_date(world: Any) -> None:
    measure = (
        Measure.objects.visible_to(world.user("office"))
        .filter(deadline_kind="long_term", next_review_date__isnull=False)
        .first()
    )
    assert measure is not None
    cal = parse(feed(calendar_token_for(user=world.user("office"))))
    (event,) = [e for e in cal.walk("VEVENT") if str(e["UID"]).startswith(f"measure-{measure.pk}-")]
    assert str(event["UID"]).startswith(f"measure-{measure.pk}-review@")
    assert event.decoded("DTSTART") == measure.next_review_date


def test_no_login_is_needed_but_a_wrong_token_finds_nothing(world: Any) -> None:
    token = calendar_token_for(user=world.user("branch1"))
    assert feed(token).status_code == 200
    assert feed(token[:-1] + ("A" if token[-1] != "A" else "B")).status_code == 404
    assert feed("short").status_code == 404


def test_a_regenerated_token_retires_the_old_address(world: Any) -> None:
    user = world.user("branch1")
    old = calendar_token_for(user=user)
    client = world.client("branch1")
    response = client.post(reverse("notifications:calendar_regenerate"))
    assert response.status_code == 302
    new = Preference.objects.get(user=user).calendar_token
    assert new != old
    assert feed(old).status_code == 404
    assert feed(new).status_code == 200
    assert calendar_token_regenerate(user=user).calendar_token not in (old, new)


def test_a_deactivated_account_has_no_feed(world: Any) -> None:
    user = world.user("branch1")
    token = calendar_token_for(user=user)
    user.is_active = False
    user.save()
    assert feed(token).status_code == 404


def test_the_preferences_page_shows_the_address(world: Any) -> None:
    page = world.client("branch1").get(reverse("notifications:preferences"))
    token = Preference.objects.get(user=world.user("branch1")).calendar_token
    assert token in page.content.decode()

"""The deadline clock while the unit waits for reviewers, as every reader of it sees it.

A request filed by the due date is not overdue while it waits (待审核 / 待销号): not red, not
on the overdue or 催办 lists, no overdue rung of the ladder. Returned after the due date, it is
overdue from the return on, and the ladder counts the days from there.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.choices import MeasureState
from ledger.lights import Light
from ledger.models import Measure
from ledger.selectors import measure_light, overdue_q
from ledger.services import measure_transition
from notifications.choices import Kind
from notifications.escalation import ladder_run
from notifications.models import Notification, ReminderLog
from notifications.selectors import reminder_status, urge_candidates
from notifications.tests.conftest import at, make_measure
from reporting.choices import ReviewStage
from reporting.services import closeout_decide, closeout_request, evidence_add_text

pytestmark = pytest.mark.usefixtures("quiet_history", "english")

DAY = dt.timedelta(days=1)


def _fresh(m: Measure) -> Measure:
    return Measure.objects.select_related("finding__inspection__organization").get(pk=m.pk)


def _overdue_count_on_home(world: Any) -> int:
    html = world.client("office").get(reverse("home")).content.decode()
    match = re.search(r'data-testid="count-overdue">(\d+)<', html)
    assert match
    return int(match.group(1))


def _requested_in_time_long_ago(world: Any, *, days_late: int) -> Measure:
    """Requested on time, and still waiting `days_late` days after the due date."""
    today = timezone.localdate()
    m = make_measure(world, due=today + 30 * DAY)
    branch1 = world.user("branch1")
    measure_transition(by=branch1, measure=m, name="start")
    evidence_add_text(by=branch1, measure=m, name="会议记录", content="支部会议记录")
    closeout_request(by=branch1, measure=m, summary="已完成。")
    # Time passes while the liaison group has not decided.
    Measure.objects.filter(pk=m.pk).update(
        due_date=today - days_late * DAY, review_requested_on=today - (days_late + 1) * DAY
    )
    return _fresh(m)


def test_every_reader_agrees_a_request_filed_in_time_is_not_overdue(world: Any) -> None:
    today = timezone.localdate()
    home_before = _overdue_count_on_home(world)
    m = _requested_in_time_long_ago(world, days_late=20)
    assert m.state == MeasureState.PENDING_REVIEW
    assert measure_light(m, today=today).light != Light.RED
    assert not Measure.objects.filter(overdue_q(today), pk=m.pk).exists()
    assert not urge_candidates(world.user("office"), today=today).filter(pk=m.pk).exists()
    assert _overdue_count_on_home(world) == home_before
    row = world.client("branch1").get(reverse("ledger:measure_detail", args=[m.pk]))
    assert 'data-light="red"' not in row.content.decode()
    ladder_run(now=at(today))
    assert not ReminderLog.objects.filter(measure=m).exists()
    assert not Notification.objects.filter(measure=m, kind=Kind.REMINDER).exists()
    assert reminder_status(m).next_code is None


def test_returned_after_the_due_date_it_is_overdue_from_the_return_on(world: Any) -> None:
    today = timezone.localdate()
    m = _requested_in_time_long_ago(world, days_late=20)
    home_before = _overdue_count_on_home(world)
    closeout_decide(
        by=world.user("liaison1"),
        measure=m,
        stage=ReviewStage.LIAISON,
        approve=False,
        reason="缺少会议记录",
    )
    m = _fresh(m)
    light = measure_light(m, today=today)
    assert (light.light, light.days_left) == (Light.RED, -1)
    assert Measure.objects.filter(overdue_q(today), pk=m.pk).exists()
    assert urge_candidates(world.user("office"), today=today).filter(pk=m.pk).exists()
    assert _overdue_count_on_home(world) == home_before + 1
    # The ladder counts from the return: the first overdue rung, not supervision at day 20.
    ladder_run(now=at(today))
    fired = set(ReminderLog.objects.filter(measure=m).values_list("step_code", flat=True))
    assert "overdue" in fired and "overdue_escalated" not in fired
    m = _fresh(m)
    assert not m.is_flagged
    heads = Notification.objects.filter(
        measure=m, kind=Kind.REMINDER, recipient=world.user("branch1")
    )
    (note,) = heads
    assert note.title.startswith("Overdue by 1 day:")
    assert "The measure is overdue." in note.body
    # Ten days on, supervision follows as it would for any measure late that long.
    ladder_run(now=at(today + 10 * DAY))
    assert _fresh(m).is_flagged


def test_a_request_filed_after_the_due_date_stops_nothing(world: Any) -> None:
    today = timezone.localdate()
    m = _requested_in_time_long_ago(world, days_late=5)
    Measure.objects.filter(pk=m.pk).update(review_requested_on=today - 2 * DAY)
    m = _fresh(m)
    assert measure_light(m, today=today).light == Light.RED
    assert urge_candidates(world.user("office"), today=today).filter(pk=m.pk).exists()
    ladder_run(now=at(today))
    assert ReminderLog.objects.filter(measure=m, step_code="overdue").exists()

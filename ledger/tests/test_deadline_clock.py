"""The deadline clock: one rule for "overdue", in Python and in SQL, giving the same answers.

A close-out request filed by the due date stops the clock while reviewers decide; a return
after the due date starts it again from the day of the return.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.utils import timezone

from ledger.choices import DeadlineKind, MeasureState
from ledger.lights import Light, Reason
from ledger.models import Measure
from ledger.selectors import (
    clock_stopped,
    clock_stopped_q,
    is_overdue,
    measure_light,
    overdue_q,
)

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def test_the_rule_and_its_queryset_agree_on_every_case(world: Any) -> None:
    """Every state x deadline x request date x return date: the Python rule, the queryset
    (also reached through a relation) and the light say the same."""
    today = timezone.localdate()
    m = world.new_measure()
    through = Measure.responsible_persons.through
    if not through.objects.filter(measure=m).exists():
        m.responsible_persons.add(m.lead_unit.party_secretary)
    disagreements: list[str] = []
    cases = itertools.product(
        MeasureState.values,
        (DeadlineKind.BY_DATE, DeadlineKind.LONG_TERM),
        (-5, 0, 5),  # due (or review) date, days from today
        (None, -8, -5, -1, 0),  # request filed, days from today
        (None, -1),  # in time until (after a late return), days from today
    )
    for state, kind, due, requested, grace in cases:
        long_term = kind == DeadlineKind.LONG_TERM
        Measure.objects.filter(pk=m.pk).update(
            state=state,
            deadline_kind=kind,
            due_date=None if long_term else today + due * DAY,
            next_review_date=today + due * DAY if long_term else None,
            review_interval_days=30 if long_term else None,
            review_requested_on=None if requested is None else today + requested * DAY,
            grace_due_date=None if grace is None else today + grace * DAY,
        )
        row = Measure.objects.select_related("finding__inspection").get(pk=m.pk)
        where = f"{state} {kind} due{due:+d} requested={requested} grace={grace}"
        overdue = is_overdue(row, today)
        if Measure.objects.filter(overdue_q(today), pk=m.pk).exists() != overdue:
            disagreements.append(f"overdue_q: {where}")
        if Measure.objects.filter(clock_stopped_q(), pk=m.pk).exists() != clock_stopped(row):
            disagreements.append(f"clock_stopped_q: {where}")
        related = through.objects.filter(overdue_q(today, prefix="measure__"), measure=m)
        if related.exists() != overdue:
            disagreements.append(f"overdue_q through a relation: {where}")
        light = measure_light(row, today=today).light
        if (light == Light.RED) != overdue:
            disagreements.append(f"light {light}: {where}")
    assert disagreements == []


def test_a_request_filed_in_time_keeps_the_light_out_of_red_while_it_waits(world: Any) -> None:
    today = timezone.localdate()
    m = world.new_measure()
    Measure.objects.filter(pk=m.pk).update(
        state=MeasureState.PENDING_CLOSE,
        due_date=today - 5 * DAY,
        review_requested_on=today - 6 * DAY,
    )
    m = Measure.objects.select_related("finding__inspection").get(pk=m.pk)
    result = measure_light(m, today=today)
    assert (result.light, result.reason) == (Light.WHITE, Reason.AWAITING_REVIEW)
    # Filed a day late: the request stops nothing.
    Measure.objects.filter(pk=m.pk).update(review_requested_on=today - 4 * DAY)
    m = Measure.objects.select_related("finding__inspection").get(pk=m.pk)
    assert measure_light(m, today=today).light == Light.RED


def test_after_a_late_return_the_days_overdue_count_from_the_return(world: Any) -> None:
    today = timezone.localdate()
    m = world.new_measure()
    Measure.objects.filter(pk=m.pk).update(
        state=MeasureState.IN_PROGRESS,
        due_date=today - 20 * DAY,
        grace_due_date=today - DAY,  # returned today
    )
    m = Measure.objects.select_related("finding__inspection").get(pk=m.pk)
    result = measure_light(m, today=today)
    assert (result.light, result.days_left) == (Light.RED, -1)


def test_a_late_return_records_when_the_clock_started_again(world: Any) -> None:
    from core.models import AuditEvent
    from ledger.tests.helpers import fire_as_owner

    today = timezone.localdate()
    m = world.new_measure()
    Measure.objects.filter(pk=m.pk).update(
        state=MeasureState.PENDING_REVIEW,
        due_date=today - 3 * DAY,
        review_requested_on=today - 4 * DAY,
    )
    fire_as_owner(
        by=world.user("liaison1"),
        measure=Measure.objects.get(pk=m.pk),
        name="liaison_return",
        reason="材料不全",
    )
    m = Measure.objects.get(pk=m.pk)
    assert (m.grace_due_date, m.review_requested_on) == (today - DAY, None)
    assert (m.returned_at is not None, m.return_reason) == (True, "材料不全")
    event = AuditEvent.objects.filter(
        object_type="ledger.measure", object_id=m.pk, action="transition:liaison_return"
    ).latest("seq")
    assert event.after["grace_due_date"] == (today - DAY).isoformat()

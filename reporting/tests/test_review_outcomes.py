"""Review outcomes reach the unit at once and stay in sight: 被退回 with the reason until the
unit acts; a relapse (重新整改) starts the row afresh and reads 反弹 until closed again."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ledger.choices import MeasureState
from ledger.lights import Light
from ledger.models import Measure
from ledger.selectors import measure_light
from ledger.services import measure_transition
from notifications.choices import Kind
from notifications.escalation import transitions_process
from notifications.models import Notification
from reporting.choices import LookBackRating, ReviewStage
from reporting.models import LookBack
from reporting.services import (
    closeout_decide,
    closeout_request,
    evidence_add_text,
    lookback_schedule,
)
from reporting.tests.rendered import submit

REASON = "缺少支部会议记录，请补充后再申请。"


def _fresh(m: Measure) -> Measure:
    return Measure.objects.select_related("finding__inspection").get(pk=m.pk)


def _awaiting_liaison(world: Any) -> Measure:
    m = world.new_measure(content="回访制度修订（退回测试）")
    branch1 = world.user("branch1")
    measure_transition(by=branch1, measure=m, name="start")
    evidence_add_text(by=branch1, measure=m, name="制度文本", content="修订后的制度")
    closeout_request(by=branch1, measure=m, summary="制度已修订印发。")
    return _fresh(m)


def _home_item(world: Any, m: Measure) -> str:
    """The home-page list item of the measure in the unit's open measures."""
    html = world.client("branch1").get(reverse("home")).content.decode()
    section = html.split('data-testid="section-unit_open"', 1)[1].split('data-testid="section-', 1)[
        0
    ]
    href = reverse("ledger:measure_detail", args=[m.pk])
    items = [li for li in section.split("<li") if f'href="{href}"' in li]
    return items[0] if items else ""


def _ledger_row(world: Any, m: Measure) -> str:
    html = world.client("branch1").get(reverse("ledger:ledger")).content.decode()
    match = re.search(rf'<tr data-measure="{m.pk}">(.*?)</tr>', html, re.S)
    assert match, "the measure is on the unit's ledger"
    return match.group(1)


def _return_from_the_page(world: Any, m: Measure, capture: Any) -> None:
    with capture(execute=True):
        response = submit(
            world.client("liaison1"),
            reverse("ledger:measure_detail", args=[m.pk]),
            "decision-form",
            press="return",
            reason=REASON,
        )
    assert response.status_code == 200
    assert _fresh(m).state == MeasureState.IN_PROGRESS


def test_a_return_is_told_to_the_unit_as_the_transaction_commits(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    m = _awaiting_liaison(world)
    mail.outbox.clear()
    _return_from_the_page(world, m, django_capture_on_commit_callbacks)
    # In the inbox at once, with the reason, and mailed on commit: no scheduler run needed.
    note = Notification.objects.get(
        measure=m, recipient=world.user("branch1"), kind=Kind.TRANSITION
    )
    assert REASON in note.body
    assert any(REASON in message.body for message in mail.outbox)
    assert any(world.user("branch1").email in message.to for message in mail.outbox)
    # The scheduler's later pass finds it told and tells nobody twice.
    transitions_process()
    assert (
        Notification.objects.filter(
            measure=m, recipient=world.user("branch1"), kind=Kind.TRANSITION
        ).count()
        == 1
    )


@pytest.mark.parametrize("outcome", ["approve", "close"])
def test_approval_and_close_out_are_told_at_once_too(
    world: Any, django_capture_on_commit_callbacks: Any, outcome: str
) -> None:
    m = _awaiting_liaison(world)
    with django_capture_on_commit_callbacks(execute=True):
        closeout_decide(
            by=world.user("liaison1"), measure=m, stage=ReviewStage.LIAISON, approve=True
        )
        if outcome == "close":
            closeout_decide(
                by=world.user("office"), measure=m, stage=ReviewStage.OFFICE, approve=True
            )
    titles = set(
        Notification.objects.filter(
            measure=m, recipient=world.user("branch1"), kind=Kind.TRANSITION
        ).values_list("title", flat=True)
    )
    assert len(titles) == (1 if outcome == "approve" else 2)


@pytest.mark.parametrize("act", ["reports", "asks again"])
def test_returned_shows_on_the_home_page_and_the_ledger_row_until_the_unit_acts(
    world: Any, django_capture_on_commit_callbacks: Any, act: str
) -> None:
    m = _awaiting_liaison(world)
    assert "mark-returned" not in _ledger_row(world, m)
    _return_from_the_page(world, m, django_capture_on_commit_callbacks)

    item = _home_item(world, m)
    assert 'data-testid="mark-returned"' in item and "被退回" in item
    assert REASON in item
    row = _ledger_row(world, m)
    assert 'data-testid="mark-returned"' in row and REASON in row

    page = reverse("ledger:measure_detail", args=[m.pk])
    if act == "reports":
        submit(
            world.client("branch1"),
            reverse("reporting:report_create", args=[m.pk]),
            "report-form",
            work_done="补充了支部会议记录。",
            progress="90",
        )
    else:
        submit(world.client("branch1"), page, "request-form", summary="已补充会议记录。")
    row = _ledger_row(world, m)
    assert "mark-returned" not in row and REASON not in row
    assert "mark-returned" not in _home_item(world, m)


def _closed(world: Any) -> Measure:
    m = _awaiting_liaison(world)
    closeout_decide(by=world.user("liaison1"), measure=m, stage=ReviewStage.LIAISON, approve=True)
    closeout_decide(by=world.user("office"), measure=m, stage=ReviewStage.OFFICE, approve=True)
    return _fresh(m)


def test_a_relapse_starts_the_row_afresh_and_reads_relapse_until_closed_again(
    world: Any,
) -> None:
    today = timezone.localdate()
    m = _closed(world)
    assert (m.progress, measure_light(m).light) == (100, Light.GREEN)
    lookback_schedule(
        by=world.user("office"),
        measures=Measure.objects.unscoped("test selection").filter(pk=m.pk),
        planned_date=today,
    )
    lookback = LookBack.objects.get(measure=m, planned_date=today)
    new_due = today + dt.timedelta(days=60)
    submit(
        world.client("office"),
        reverse("reporting:lookback_record", args=[lookback.pk]),
        "lookback-record-form",
        rating=LookBackRating.POOR,
        notes="制度执行不到位，问题反弹。",
        new_due_date=new_due.isoformat(),
    )
    m = _fresh(m)
    assert (m.state, m.relapse_count, m.progress) == (MeasureState.IN_PROGRESS, 1, 0)
    # The schedule runs from the reopening: two months ahead with no time spent is on track.
    assert measure_light(m).light == Light.WHITE
    row = _ledger_row(world, m)
    assert 'data-testid="mark-relapsed"' in row and "反弹" in row
    assert ">0%<" in row

    branch1 = world.user("branch1")
    closeout_request(by=branch1, measure=m, summary="已重新整改到位。")
    assert 'data-testid="mark-relapsed"' in _ledger_row(world, m)
    closeout_decide(by=world.user("liaison1"), measure=m, stage=ReviewStage.LIAISON, approve=True)
    closeout_decide(by=world.user("office"), measure=m, stage=ReviewStage.OFFICE, approve=True)
    m = _fresh(m)
    assert (m.state, m.relapse_count) == (MeasureState.CLOSED, 1)
    assert "mark-relapsed" not in _ledger_row(world, m)


def test_a_review_outcome_queues_its_sending_as_a_task_when_it_commits(
    world: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks import default_task_backend

    from notifications.models import Delivery

    m = _awaiting_liaison(world)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        closeout_decide(
            by=world.user("liaison1"), measure=m, stage=ReviewStage.LIAISON, approve=True
        )
    assert default_task_backend.results == []  # nothing queued before the commit
    for callback in callbacks:
        callback()
    queued = [r for r in default_task_backend.results if r.task.name == "send_deliveries"]
    assert len(queued) == 1
    ids = set(queued[0].args[0])
    assert ids and ids <= set(Delivery.objects.values_list("pk", flat=True))
    assert mail.outbox == []  # sent by the worker, not by the request

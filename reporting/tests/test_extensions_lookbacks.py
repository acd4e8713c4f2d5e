"""Extensions (延期), look-backs (回头看) and relapses (反弹回潮)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from ledger.choices import MeasureState
from ledger.models import Measure, add_months
from reporting.choices import ExtensionStatus, LookBackStatus
from reporting.models import LookBack
from reporting.selectors import extension_stats, lookbacks_due, relapse_counts
from reporting.services import (
    extension_decide,
    extension_request,
    lookback_record,
    lookback_schedule,
)


def _open_with_due(world: Any) -> Measure:
    m = world.measure(state="in_progress")
    if m.due_date is None or m.due_date < timezone.localdate():
        Measure.objects.filter(pk=m.pk).update(
            due_date=timezone.localdate() + dt.timedelta(days=10),
            original_due_date=timezone.localdate() + dt.timedelta(days=10),
        )
    return Measure.objects.get(pk=m.pk)


def test_an_approved_extension_moves_the_due_date_and_keeps_the_original(world: Any) -> None:
    m = _open_with_due(world)
    original = m.original_due_date
    new = m.due_date + dt.timedelta(days=30)
    ext = extension_request(
        by=world.user("branch1"), measure=m, new_due_date=new, reason="需协调财务处"
    )
    with pytest.raises(ValidationError, match="already waiting"):
        extension_request(by=world.user("branch1"), measure=m, new_due_date=new, reason="again")
    extension_decide(by=world.user("office"), extension=ext, approve=True)
    m = Measure.objects.get(pk=m.pk)
    assert m.due_date == new and m.original_due_date == original
    ext.refresh_from_db()
    assert ext.status == ExtensionStatus.APPROVED
    with pytest.raises(ValidationError, match="already been decided"):
        extension_decide(by=world.user("office"), extension=ext, approve=False, note="no")
    assert extension_stats(world.user("office"), today=timezone.localdate())["extended"] >= 1


def test_an_extension_must_be_asked_before_the_deadline(world: Any) -> None:
    m = _open_with_due(world)
    with pytest.raises(ValidationError, match="has passed"):
        extension_request(
            by=world.user("branch1"),
            measure=m,
            new_due_date=m.due_date + dt.timedelta(days=30),
            reason="晚了",
            today=m.due_date + dt.timedelta(days=1),
        )
    # On the due date itself it is still in time.
    extension_request(
        by=world.user("branch1"),
        measure=m,
        new_due_date=m.due_date + dt.timedelta(days=3),
        reason="x",
        today=m.due_date,
    )


def test_an_extension_must_move_the_date_later_and_be_asked_by_the_unit(world: Any) -> None:
    m = _open_with_due(world)
    with pytest.raises(ValidationError, match="after the current"):
        extension_request(by=world.user("branch1"), measure=m, new_due_date=m.due_date, reason="x")
    for name in ("staff1", "liaison1", "branch7"):
        with pytest.raises(PermissionDenied):
            extension_request(
                by=world.user(name),
                measure=m,
                new_due_date=m.due_date + dt.timedelta(days=5),
                reason="x",
            )


def test_a_refusal_needs_a_note_and_leaves_the_date(world: Any) -> None:
    m = _open_with_due(world)
    ext = extension_request(
        by=world.user("branch1"),
        measure=m,
        new_due_date=m.due_date + dt.timedelta(days=9),
        reason="x",
    )
    with pytest.raises(ValidationError):
        extension_decide(by=world.user("office"), extension=ext, approve=False, note="")
    with pytest.raises(PermissionDenied):
        extension_decide(by=world.user("liaison1"), extension=ext, approve=True)
    extension_decide(by=world.user("office"), extension=ext, approve=False, note="不符合延期条件")
    assert Measure.objects.get(pk=m.pk).due_date == m.due_date


def test_statistics_count_lateness_against_the_original_due_date(world: Any) -> None:
    m = _open_with_due(world)
    today = timezone.localdate()
    Measure.objects.filter(pk=m.pk).update(original_due_date=today - dt.timedelta(days=1))
    from reporting.selectors import late_against_original_q

    assert Measure.objects.filter(late_against_original_q(today)).filter(pk=m.pk).exists()


# --- look-backs ----------------------------------------------------------------------------


def test_look_backs_are_scheduled_on_closed_measures_months_after_closure(world: Any) -> None:
    office = world.user("office")
    inspection = world.inspection()
    measures = Measure.objects.filter(finding__inspection=inspection)
    result = lookback_schedule(
        by=office, measures=measures, months_after_closure=6, label="六个月回头看"
    )
    closed = measures.filter(state__in=("closed", "stage_done"))
    assert result.created == closed.count() and result.skipped == measures.count() - closed.count()
    m = closed.filter(state="closed").first()
    lb = LookBack.objects.get(measure=m, status=LookBackStatus.SCHEDULED)
    assert lb.planned_date == add_months(timezone.localtime(m.closed_at).date(), 6)
    again = lookback_schedule(by=office, measures=measures, planned_date=timezone.localdate())
    assert again.created == 0
    with pytest.raises(PermissionDenied):
        lookback_schedule(
            by=world.user("liaison1"), measures=measures, planned_date=timezone.localdate()
        )


def test_a_poor_look_back_reopens_the_measure_as_a_relapse(world: Any) -> None:
    office = world.user("office")
    m = world.measure(state="closed")
    relapses = m.relapse_count
    lookback_schedule(
        by=office,
        measures=Measure.objects.unscoped("test selection").filter(pk=m.pk),
        planned_date=timezone.localdate(),
    )
    lb = LookBack.objects.get(measure=m, status=LookBackStatus.SCHEDULED)
    assert lookbacks_due(office, today=timezone.localdate()).filter(pk=lb.pk).exists()
    with pytest.raises(ValidationError):
        lookback_record(by=office, lookback=lb, rating="poor", notes="问题反弹")  # no new due date
    new_due = timezone.localdate() + dt.timedelta(days=30)
    lookback_record(
        by=office, lookback=lb, rating="poor", notes="组织生活会又不规范", new_due_date=new_due
    )
    m = Measure.objects.get(pk=m.pk)
    assert (
        m.state == MeasureState.IN_PROGRESS
        and m.relapse_count == relapses + 1
        and m.due_date == new_due
    )
    lb.refresh_from_db()
    assert lb.relapsed and lb.status == LookBackStatus.DONE
    counts = relapse_counts(office)
    assert any(r["unit_id"] == m.lead_unit_id and r["relapses"] >= 1 for r in counts["by_unit"])
    assert any(r["theme_id"] == m.finding.theme_id for r in counts["by_theme"])
    assert relapse_counts(world.user("branch7"))["by_unit"] == [
        r
        for r in relapse_counts(world.user("branch7"))["by_unit"]
        if r["unit_id"] != m.lead_unit_id
    ]


def test_a_good_look_back_leaves_the_measure_closed(world: Any) -> None:
    office = world.user("office")
    m = world.measure(state="closed")
    lookback_schedule(
        by=office,
        measures=Measure.objects.unscoped("test selection").filter(pk=m.pk),
        planned_date=timezone.localdate(),
    )
    lb = LookBack.objects.get(measure=m, status=LookBackStatus.SCHEDULED)
    lookback_record(by=office, lookback=lb, rating="good", notes="")
    assert Measure.objects.get(pk=m.pk).state == MeasureState.CLOSED
    with pytest.raises(ValidationError, match="already"):
        lookback_record(
            by=office,
            lookback=lb,
            rating="poor",
            notes="x",
            new_due_date=timezone.localdate() + dt.timedelta(days=9),
        )


def test_the_look_back_pages_schedule_and_record(world: Any) -> None:
    m = world.measure(state="closed")
    client = world.client("office")
    url = reverse("reporting:lookback_schedule") + f"?measure={m.pk}"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "scope": "measure",
            "measure": m.pk,
            "when": "date",
            "planned_date": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    lb = LookBack.objects.get(measure=m, status=LookBackStatus.SCHEDULED)
    record = reverse("reporting:lookback_record", args=[lb.pk])
    assert client.get(record).status_code == 200
    bad = client.post(record, {"rating": "average", "notes": ""})
    assert bad.status_code == 400
    ok = client.post(
        record,
        {
            "rating": "average",
            "notes": "有所反弹",
            "new_due_date": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
        },
    )
    assert ok.status_code == 302
    assert Measure.objects.get(pk=m.pk).state == MeasureState.IN_PROGRESS
    assert (
        "有所反弹"
        in world.client("branch1")
        .get(reverse("ledger:measure_detail", args=[m.pk]))
        .content.decode()
    )

"""Reconciliation (对账): every measure of a finding, and the inconsistencies it flags."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from ledger.choices import UnitPart
from ledger.models import Measure, MeasureUnit
from reporting.models import Evidence, ProgressReport
from reporting.selectors import reconcile_finding


def _codes(world: Any, m: Measure) -> set[str]:
    result = reconcile_finding(world.user("office"), m.finding)
    (row,) = [r for r in result.rows if r.measure.pk == m.pk]
    return {i.code for i in row.issues}


def test_a_properly_closed_measure_is_consistent(world: Any) -> None:
    m = world.measure(state="closed")
    assert _codes(world, m) == set()


def test_closed_without_evidence_is_flagged(world: Any) -> None:
    m = world.measure(state="closed")
    Evidence.objects.filter(measure=m).update(withdrawn_at=timezone.now())
    assert {"no_evidence", "count_mismatch"} <= _codes(world, m)


def test_a_report_after_closure_is_flagged(world: Any) -> None:
    m = world.measure(state="closed")
    ProgressReport.objects.create(
        measure=m,
        unit=m.lead_unit,
        author=world.user("branch1"),
        filed_at=m.closed_at + dt.timedelta(hours=1),
        work_done="补报",
        progress=100,
    )
    assert "report_after_closure" in _codes(world, m)


def test_closed_while_a_co_operating_units_part_is_open_is_flagged(world: Any) -> None:
    m = world.measure(state="closed")
    coop = world.unit(world.BRANCH7)
    MeasureUnit.objects.get_or_create(measure=m, unit=coop, defaults={"part": UnitPart.COOP})
    ProgressReport.objects.create(
        measure=m,
        unit=coop,
        author=world.user("branch7"),
        filed_at=m.closed_at - dt.timedelta(days=1),
        work_done="配合推进中",
        progress=60,
    )
    assert "coop_open" in _codes(world, m)


def test_the_page_lists_state_evidence_reports_and_history(world: Any) -> None:
    m = world.measure(state="closed")
    response = world.client("liaison1").get(reverse("reporting:reconcile", args=[m.finding_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="reconcile-row"' in html and m.content[:10] in html
    hidden = world.scoped_measure().finding_id
    assert (
        world.client("branch7").get(reverse("reporting:reconcile", args=[hidden])).status_code
        == 404
    )


def test_reconciliation_reads_in_fixed_queries(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    m = world.measure(state="closed")
    office = world.user("office")
    reconcile_finding(office, m.finding)
    with django_assert_max_num_queries(12):
        reconcile_finding(office, m.finding)

"""The reporting pages render for the people who use them, in pinned numbers of queries."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from reporting.services import CycleData, cycle_save, evidence_add_text


def test_the_measure_page_shows_the_reporting_panel(world: Any) -> None:
    m = world.measure(state="in_progress")
    evidence_add_text(by=world.user("branch1"), measure=m, name="说明", content="x")
    html = (
        world.client("branch1").get(reverse("ledger:measure_detail", args=[m.pk])).content.decode()
    )
    for testid in (
        "closeout-panel",
        "evidence-panel",
        "reports-panel",
        "request-form",
        "upload-evidence",
        "file-report",
    ):
        assert f'data-testid="{testid}"' in html, testid
    assert "SHA-256" in html
    reader = (
        world.client("leader").get(reverse("ledger:measure_detail", args=[m.pk])).content.decode()
    )
    assert 'data-testid="request-form"' not in reader and 'data-testid="file-report"' not in reader


def test_the_liaison_sees_the_review_form_and_the_unit_does_not(world: Any) -> None:
    m = world.scoped_measure()
    url = reverse("ledger:measure_detail", args=[m.pk])
    assert 'data-testid="decision-form"' in world.client("liaison1").get(url).content.decode()
    assert 'data-testid="decision-form"' not in world.client("branch1").get(url).content.decode()
    assert 'data-testid="decision-form"' not in world.client("office").get(url).content.decode()


def test_the_office_queue_lists_every_kind_of_waiting_work(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    client = world.client("office")
    client.get(reverse("reporting:queue"))
    with django_assert_max_num_queries(30):
        response = client.get(reverse("reporting:queue"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="extensions"' in html and 'id="reviews-due"' in html and 'id="lookbacks-due"' in html


def test_the_liaison_queue_reads_in_fixed_queries(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    client = world.client("liaison1")
    client.get(reverse("reporting:liaison_queue"))
    with django_assert_max_num_queries(20):
        response = client.get(reverse("reporting:liaison_queue"))
    assert response.status_code == 200
    assert 'data-testid="queue-row"' in response.content.decode()


def test_the_missing_reports_page_reads_by_unit(world: Any) -> None:
    cycle_save(
        by=world.user("office"), inspection=world.inspection(), data=CycleData(frequency="weekly")
    )
    html = world.client("office").get(reverse("reporting:missing")).content.decode()
    assert 'data-testid="missing-unit"' in html
    mine = world.client("branch1").get(reverse("reporting:missing")).content.decode()
    assert 'data-testid="unit-report-link"' in mine


def test_the_office_sets_the_reporting_cycle(world: Any) -> None:
    inspection = world.inspection()
    client = world.client("office")
    url = reverse("reporting:cycle_edit", args=[inspection.pk])
    response = client.post(
        url, {"frequency": "monthly", "weekday": "4", "day_of_month": "25", "is_active": "on"}
    )
    assert response.status_code == 302
    assert inspection.reporting_cycle.day_of_month == 25
    bad = client.post(url, {"frequency": "daily", "weekday": "9", "day_of_month": "40"})
    assert bad.status_code == 400


def test_the_ledger_pages_link_to_reconciliation_and_missing_reports(world: Any) -> None:
    finding = world.measure(state="in_progress").finding
    html = (
        world.client("branch1")
        .get(reverse("ledger:finding_detail", args=[finding.pk]))
        .content.decode()
    )
    assert reverse("reporting:reconcile", args=[finding.pk]) in html
    ledger = world.client("office").get(reverse("ledger:ledger")).content.decode()
    assert reverse("reporting:missing") in ledger and reverse("reporting:lookback_list") in ledger

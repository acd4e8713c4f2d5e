"""The data generator behind `make bench`: a valid ledger and audit chain, the same for a seed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import Client

from core.audit import record_event, verify_chain
from core.models import AuditChainHead, AuditEvent
from demo.generate import LONG_TIMELINE_MEASURE_ID, generate
from ledger.choices import DeadlineKind, MeasureState
from ledger.models import Finding, Measure, MeasureUnit
from organization.models import Organization, Unit

# The generator fills an empty database: these tests empty the test database first, and the
# `world` fixture of later tests loads the demo college again when it finds no organization.
pytestmark = pytest.mark.django_db(transaction=True)

TODAY = dt.date(2026, 3, 2)
SIZE = 300


@pytest.fixture
def empty_db() -> None:
    call_command("flush", interactive=False, verbosity=0)


def test_it_fills_an_empty_database_with_a_ledger_in_every_state_and_kind(empty_db: None) -> None:
    summary = generate(measures=SIZE, seed=7, today=TODAY)

    assert Measure.objects.count() == SIZE == summary.measures
    assert Finding.objects.count() == summary.findings == SIZE // 5
    assert Unit.objects.count() >= 200
    assert get_user_model().objects.count() >= 2000
    states = set(Measure.objects.values_list("state", flat=True))
    assert states == set(MeasureState.values)
    kinds = set(Measure.objects.values_list("deadline_kind", flat=True))
    assert kinds == set(DeadlineKind.values)
    assert not Measure.objects.filter(
        deadline_kind=DeadlineKind.LONG_TERM, due_date__isnull=False
    ).exists()
    assert Measure.objects.filter(state=MeasureState.CLOSED, closed_at__isnull=True).count() == 0
    # Every measure has exactly one lead link, naming its lead unit.
    leads = MeasureUnit.objects.filter(part="lead")
    assert leads.count() == SIZE
    assert not Measure.objects.exclude(unit_links__part="lead").exists()


def test_its_audit_trail_is_a_valid_chain_of_about_ten_events_a_measure(empty_db: None) -> None:
    summary = generate(measures=SIZE, seed=7, today=TODAY)

    result = verify_chain()
    assert result.ok, result.first_break
    assert result.checked == summary.events == AuditEvent.objects.count()
    head = AuditChainHead.objects.get(pk=1)
    assert head.seq == summary.events
    per_measure = AuditEvent.objects.filter(object_type="ledger.measure").exclude(
        object_id=LONG_TIMELINE_MEASURE_ID
    )
    average = per_measure.count() / (SIZE - 1)
    assert 6 <= average <= 14
    long_timeline = AuditEvent.objects.filter(
        object_type="ledger.measure", object_id=LONG_TIMELINE_MEASURE_ID
    ).count()
    assert long_timeline >= 180
    # Events are chained in time order.
    times = list(AuditEvent.objects.order_by("seq").values_list("created_at", flat=True))
    assert times == sorted(times)
    assert max(times).date() < TODAY


def test_the_product_keeps_working_on_generated_data(empty_db: None) -> None:
    generate(measures=SIZE, seed=7, today=TODAY)
    office = get_user_model().objects.get(username="office")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(office)

    assert client.get("/ledger/").status_code == 200
    assert client.get(f"/ledger/measures/{LONG_TIMELINE_MEASURE_ID}/").status_code == 200
    branch = Client(HTTP_HOST="127.0.0.1")
    branch.force_login(get_user_model().objects.get(username="branch1"))
    assert branch.get("/ledger/").status_code == 200

    # New rows take fresh ids after the generated ones, and the chain goes on from its head.
    org = Organization.objects.get()
    with transaction.atomic():
        unit = Unit.objects.create(organization=org, name="新设单位", kind="department")
        record_event(actor=office, obj=unit, action="create", after={"name": unit.name})
    assert unit.pk > 220
    assert verify_chain().ok


def test_it_gives_the_same_data_for_the_same_seed(empty_db: None) -> None:
    generate(measures=120, seed=11, today=TODAY)
    first = AuditChainHead.objects.get(pk=1).last_hash
    first_states = list(Measure.objects.order_by("id").values_list("state", "lead_unit_id"))
    call_command("flush", interactive=False, verbosity=0)

    generate(measures=120, seed=11, today=TODAY)

    assert AuditChainHead.objects.get(pk=1).last_hash == first
    assert list(Measure.objects.order_by("id").values_list("state", "lead_unit_id")) == first_states


def test_it_refuses_a_database_that_already_holds_data(empty_db: None) -> None:
    generate(measures=50, seed=1, today=TODAY)

    with pytest.raises(RuntimeError, match="empty database"):
        generate(measures=50, seed=1, today=TODAY)


@pytest.mark.skipif(not apps.is_installed("reporting"), reason="no reporting app")
def test_reports_evidence_and_reviews_match_the_ledger_columns(empty_db: None) -> None:
    summary = generate(measures=SIZE, seed=7, today=TODAY)
    if summary.reports == 0:
        pytest.skip("the reporting tables are not there")
    Evidence = apps.get_model("reporting", "Evidence")
    ProgressReport = apps.get_model("reporting", "ProgressReport")
    CloseRequest = apps.get_model("reporting", "CloseRequest")

    evidence = dict(
        Evidence.objects.values("measure_id").annotate(n=Count("id")).values_list("measure_id", "n")
    )
    for measure_id, count in Measure.objects.values_list("id", "evidence_count"):
        assert evidence.get(measure_id, 0) == count
    # Every measure that asked for close-out had evidence first (the close-out guard's rule).
    asked = Measure.objects.filter(
        state__in=[MeasureState.PENDING_REVIEW, MeasureState.PENDING_CLOSE]
    )
    assert not asked.filter(evidence_count=0).exists()
    assert ProgressReport.objects.count() == summary.reports
    with_reports = Measure.objects.filter(last_report_at__isnull=False).count()
    assert ProgressReport.objects.values("measure_id").distinct().count() == with_reports
    # At most one open close-out request per measure, and one for each measure awaiting review.
    open_requests = CloseRequest.objects.filter(status__in=["pending_liaison", "pending_office"])
    assert open_requests.values("measure_id").distinct().count() == open_requests.count()
    assert (
        open_requests.filter(status="pending_liaison").count()
        == Measure.objects.filter(state=MeasureState.PENDING_REVIEW).count()
    )

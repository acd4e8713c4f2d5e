"""Work filed around a measure (a progress report, evidence, an urge) makes an edit form
opened before it stale: saving that form is refused instead of overwriting the fresh work."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from ledger.models import Measure
from notifications.services import urge_create
from reporting.services import ReportData, Upload, evidence_add, report_file
from reporting.tests.conftest import PDF, upload
from tests.rendered_forms import form_values, rendered_form

pytestmark = pytest.mark.django_db


def signed_in(world: Any, username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.user(username))
    return client


def open_edit_form(client: Client, measure: Measure) -> list[tuple[str, str]]:
    page = client.get(reverse("ledger:measure_edit", args=[measure.pk]))
    assert page.status_code == 200
    return form_values(rendered_form(page.content, "measure-form"))


def save(client: Client, measure: Measure, pairs: list[tuple[str, str]]) -> Any:
    return client.post(
        reverse("ledger:measure_edit", args=[measure.pk]),
        urlencode(pairs),
        content_type="application/x-www-form-urlencoded",
    )


def test_an_edit_opened_before_a_progress_report_is_refused_and_keeps_the_report(
    world: Any,
) -> None:
    measure = world.new_measure()
    office = signed_in(world, "office")
    stale = open_edit_form(office, measure)
    assert dict(stale)["progress"] == "0"

    report_file(
        by=world.user("branch1"),
        measure=measure,
        data=ReportData(work_done="已召开专题会议，制定整改方案。", progress=60),
    )

    response = save(office, measure, stale)
    assert response.status_code == 400
    assert "was changed by" in response.content.decode()
    measure.refresh_from_db()
    assert measure.progress == 60

    fresh = open_edit_form(office, measure)  # reloaded, the edit goes through
    assert dict(fresh)["progress"] == "60"
    assert save(office, measure, fresh).status_code == 302


def test_evidence_and_urges_move_the_measure_to_a_new_version(world: Any) -> None:
    measure = world.new_measure()
    start = measure.version
    evidence_add(
        by=world.user("branch1"),
        measure=measure,
        uploads=[Upload(upload("整改方案.pdf", PDF), "整改方案")],
    )
    after_evidence = Measure.objects.get(pk=measure.pk)
    assert after_evidence.version == start + 1 and after_evidence.evidence_count == 1
    assert after_evidence.updated_by == world.user("branch1")

    urge_create(by=world.user("office"), measure_ids=[measure.pk], message="请尽快报送进展。")
    assert Measure.objects.get(pk=measure.pk).version == start + 2

"""Every link shown leads somewhere the person may go: unit reports on the missing-reports page,
the track-records button, the unit report of an inspection without a reporting cycle."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from reporting.models import ReportingCycle

pytestmark = pytest.mark.django_db

ROLES = ["admin", "office", "leader", "taskforce1", "liaison1", "branch1", "staff1", "dept1"]


def client_for(world: Any, username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.user(username))
    return client


@pytest.mark.parametrize("username", ROLES)
def test_every_unit_report_link_on_the_missing_page_opens(world: Any, username: str) -> None:
    client = client_for(world, username)
    html = client.get(reverse("reporting:missing")).content.decode()
    links = {
        href
        for href in re.findall(r'href="([^"]+)"', html)
        if href.startswith("/reporting/") and "/units/" in href
    }
    assert links
    for href in links:
        assert client.get(href).status_code == 200, href


def test_a_branch_is_not_offered_other_units_reports_on_the_missing_page(world: Any) -> None:
    html = client_for(world, "branch1").get(reverse("reporting:missing")).content.decode()
    own = world.unit(world.BRANCH1)
    listed = re.findall(r'data-testid="missing-unit"', html)
    assert len(listed) > 1  # the branch's co-operating work lists other units too
    group_links = re.findall(
        r'href="/reporting/inspections/\d+/units/(\d+)/[^"]*" data-testid="group-unit-report"',
        html,
    )
    assert group_links and {int(pk) for pk in group_links} == {own.pk}


def test_the_liaison_is_offered_the_reports_of_its_grid(world: Any) -> None:
    html = client_for(world, "liaison1").get(reverse("reporting:missing")).content.decode()
    assert html.count('data-testid="group-unit-report"') > 1


@pytest.mark.parametrize("username", ROLES)
def test_the_track_records_button_is_shown_only_to_those_it_opens_for(
    world: Any, username: str
) -> None:
    client = client_for(world, username)
    html = client.get(reverse("dashboards:overview")).content.decode()
    shown = 'data-testid="track-records"' in html
    opens = client.get(reverse("dashboards:people")).status_code == 200
    assert shown == opens
    assert shown == (username in ("admin", "office", "leader"))


def test_the_unit_report_without_a_cycle_tells_the_office_how_to_set_one(world: Any) -> None:
    inspection = world.inspection()
    ReportingCycle.objects.filter(inspection=inspection).delete()
    unit = world.unit(world.BRANCH1)
    client = client_for(world, "office")
    response = client.get(reverse("documents:unit_report", args=[inspection.pk, unit.pk]))
    assert response.status_code == 200
    cycle_url = reverse("reporting:cycle_edit", args=[inspection.pk])
    assert cycle_url in response.content.decode()
    assert client.get(cycle_url).status_code == 200
    response = client_for(world, "branch1").get(
        reverse("documents:unit_report", args=[inspection.pk, unit.pk])
    )
    assert response.status_code == 200
    assert cycle_url not in response.content.decode()

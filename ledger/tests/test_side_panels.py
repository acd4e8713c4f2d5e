"""Side panels count and link only what the person may see: the other units' copies of a task
assigned to many, and the measures of a finding."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ledger.choices import DONE_STATES
from ledger.models import Measure

pytestmark = pytest.mark.django_db


def client_for(world: Any, username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.user(username))
    return client


def grouped_measure(world: Any) -> Measure:
    measure = Measure.objects.filter(group__isnull=False, lead_unit__name=world.BRANCH1).first()
    assert measure is not None and measure.group.measures.count() > 1  # type: ignore[union-attr]
    return measure


def measure_links(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/ledger/measures/(\d+)/"', html)}


@pytest.mark.parametrize("username", ["branch1", "staff1", "liaison1", "office", "taskforce1"])
def test_the_measure_page_links_only_sibling_measures_the_person_may_open(
    world: Any, username: str
) -> None:
    measure = grouped_measure(world)
    client = client_for(world, username)
    user = world.user(username)
    if not Measure.objects.visible_to(user).filter(pk=measure.pk).exists():
        pytest.skip("this person does not see the measure")
    html = client.get(reverse("ledger:measure_detail", args=[measure.pk])).content.decode()
    siblings = set(measure.group.measures.values_list("id", flat=True))  # type: ignore[union-attr]
    linked = measure_links(html) & siblings
    visible = set(
        Measure.objects.visible_to(user).filter(pk__in=siblings).values_list("id", flat=True)
    )
    assert linked <= visible
    for pk in linked:
        assert client.get(reverse("ledger:measure_detail", args=[pk])).status_code == 200
    hidden_units = Measure.objects.filter(pk__in=siblings - visible).values_list(
        "lead_unit__name", flat=True
    )
    side = html.split("Same task, other units")[-1].split("</div>")[0] if linked else ""
    for name in hidden_units:
        assert name not in side


def test_a_branch_sees_no_sibling_of_another_unit(world: Any) -> None:
    measure = grouped_measure(world)
    html = client_for(world, "branch1").get(reverse("ledger:measure_detail", args=[measure.pk]))
    body = html.content.decode()
    assert "Same task, other units" not in body
    assert world.BRANCH7 not in body


def test_the_office_sees_every_sibling(world: Any) -> None:
    measure = grouped_measure(world)
    html = client_for(world, "office").get(reverse("ledger:measure_detail", args=[measure.pk]))
    siblings = set(measure.group.measures.values_list("id", flat=True))  # type: ignore[union-attr]
    assert siblings - {measure.pk} <= measure_links(html.content.decode())


def counts_on_finding_page(html: str) -> tuple[int, int]:
    bar = html.split('data-testid="finding-rollup"')[1]
    done, total = re.search(r">(\d+) / (\d+)<", bar).groups()  # type: ignore[union-attr]
    return int(done), int(total)


@pytest.mark.parametrize("username", ["branch1", "staff1", "liaison1", "taskforce1", "office"])
def test_a_finding_page_counts_only_the_measures_the_person_may_see(
    world: Any, username: str
) -> None:
    user = world.user(username)
    visible = Measure.objects.visible_to(user)
    finding = visible.filter(lead_unit__name=world.BRANCH1).first() or visible.first()
    assert finding is not None
    finding = finding.finding
    html = client_for(world, username).get(reverse("ledger:finding_detail", args=[finding.pk]))
    mine = visible.filter(finding=finding)
    expected = (mine.filter(state__in=DONE_STATES).count(), mine.count())
    assert counts_on_finding_page(html.content.decode()) == expected


def test_a_branch_does_not_read_how_many_measures_other_units_have(world: Any) -> None:
    measure = world.measure()
    finding = measure.finding
    assert finding.measures.count() > 1
    html = client_for(world, "branch1").get(reverse("ledger:finding_detail", args=[finding.pk]))
    mine = Measure.objects.visible_to(world.user("branch1")).filter(finding=finding).count()
    assert counts_on_finding_page(html.content.decode())[1] == mine < finding.measures.count()


def test_the_inspection_page_counts_only_visible_measures_per_finding(world: Any) -> None:
    inspection = world.inspection()
    user = world.user("branch1")
    html = client_for(world, "branch1").get(
        reverse("ledger:inspection_detail", args=[inspection.pk])
    )
    cells = re.findall(r'data-testid="finding-counts">(\d+) / (\d+)<', html.content.decode())
    seen = Measure.objects.visible_to(user).filter(finding__inspection=inspection)
    assert sum(int(total) for _, total in cells) == seen.count()
    assert sum(int(done) for done, _ in cells) == seen.filter(state__in=DONE_STATES).count()

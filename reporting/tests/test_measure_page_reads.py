"""A measure's page reads each thing once: what its panels take from the page (the co-operating
units, the decisions, the reminder ladder, whether the person sees the measure) gives what they
read for themselves, and the number of queries does not grow with the measure's history."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger import selectors as ledger_selectors
from ledger.choices import UnitPart
from ledger.models import Measure, MeasureUnit
from notifications import selectors as notification_selectors
from organization.models import Person
from organization.scope import actor_for
from reporting import selectors
from reporting.models import ReviewDecision
from reporting.services import ReportData, report_file
from reporting.services.common import reporting_unit_for

pytestmark = pytest.mark.django_db


def test_the_reporting_unit_from_the_pages_co_operating_units_is_the_one_read_apart(
    world: Any,
) -> None:
    links = MeasureUnit.objects.filter(part=UnitPart.COOP)
    measure_ids = sorted(set(links.values_list("measure_id", flat=True)))[:40]
    assert measure_ids, "the demo has measures with co-operating units"
    coop_units = set(links.filter(measure_id__in=measure_ids).values_list("unit_id", flat=True))
    people = Person.objects.unscoped("test").filter(unit_id__in=coop_units, user__is_active=True)
    as_coop = 0
    for person in people.select_related("user"):
        user = person.user
        actor = actor_for(user)
        for page_measure in ledger_selectors.ledger_measures(user).filter(pk__in=measure_ids):
            plain = Measure.objects.unscoped("test: the measure without its page's reads").get(
                pk=page_measure.pk
            )
            unit = reporting_unit_for(actor, page_measure)
            assert unit == reporting_unit_for(actor, plain)
            as_coop += unit is not None and unit != plain.lead_unit
    assert as_coop, "some member reports for a co-operating unit, found among the page's links"


@pytest.mark.parametrize("username", ["office", "liaison1", "branch1"])
def test_the_last_return_from_the_pages_decisions_is_the_one_read_apart(
    world: Any, username: str
) -> None:
    """The panel lists the decisions the person may see; on a measure they see, those are all
    of the measure's, so the latest of the list is the latest of all."""
    user = world.user(username)
    every = ReviewDecision.objects.unscoped("test: every decision")
    decided = sorted(set(every.values_list("measure_id", flat=True)))
    assert decided, "the demo has review decisions"
    seen = 0
    for measure in Measure.objects.visible_to(user).filter(pk__in=decided):
        shown = [d.decision for d in selectors.measure_decisions(user, measure)]
        assert shown == list(every.filter(measure=measure).order_by("-decided_at", "-id"))
        assert selectors.last_return(measure, decisions=shown) == selectors.last_return(measure)
        seen += 1
    assert seen, "the person sees measures with decisions"
    office = world.user("office")
    returned = [
        m for m in decided if selectors.last_return(Measure.objects.visible_to(office).get(pk=m))
    ]
    assert returned, "some of them wait on a return"
    measure = Measure.objects.visible_to(office).exclude(pk__in=decided).first()
    assert selectors.last_return(measure, decisions=[]) is None is selectors.last_return(measure)


def test_the_reminder_status_with_the_ladder_read_once_is_the_same(world: Any) -> None:
    measure = world.measure(state="in_progress")
    ladder = notification_selectors.ladder_for(measure.finding.inspection.organization)
    assert notification_selectors.reminder_status(
        measure, ladder=ladder
    ) == notification_selectors.reminder_status(measure)


def _queries(world: Any, username: str, measure: Measure) -> list[str]:
    client = world.client(username)
    url = reverse("ledger:measure_detail", args=[measure.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


# Pinned: 35, 36 and 35 before the panels took what the page had read.
PINNED = {"office": 30, "branch1": 32, "liaison1": 30}


@pytest.mark.parametrize("username", sorted(PINNED))
def test_the_measure_page_reads_in_fixed_queries(world: Any, username: str) -> None:
    measure = world.measure(state="in_progress")
    before = _queries(world, username, measure)
    branch1 = world.user("branch1")
    for i in range(30):
        report_file(by=branch1, measure=measure, data=ReportData(f"第{i + 1}次进展", i))
    after = _queries(world, username, measure)
    # The timeline names the objects its shown events refer to, one read per kind of object
    # (this measure's first events name five kinds; thirty progress reports name none).
    assert len(after) <= len(before) <= PINNED[username], before
    # Whether the person sees the measure is known from reading it: not asked again.
    assert not [q for q in after if q.startswith('SELECT 1 AS "a" FROM "ledger_measure"')]
    # The organization's reminder settings and the decisions are each read once.
    assert sum('FROM "notifications_notificationsettings"' in q for q in after) <= 1
    assert sum('FROM "reporting_reviewdecision"' in q for q in after) <= 1

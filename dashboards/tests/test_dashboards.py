"""The leaders' dashboard and the track records read only what each person may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards.selectors import dashboard_overview, people_record
from ledger.choices import DONE_STATES
from ledger.models import Finding, Measure


def test_the_overview_counts_every_measure_of_the_inspection_for_the_office(world: Any) -> None:
    office = world.user("office")
    inspection = world.inspection()
    data = dashboard_overview(office, inspection=inspection)
    measures = Measure.objects.filter(finding__inspection=inspection)
    assert data.measures_total == measures.count()
    assert sum(data.light_counts.values()) == measures.count()
    assert (
        data.light_counts["green"]
        == measures.filter(state="closed").exclude(deadline_kind="long_term").count()
    )
    assert data.findings_total == Finding.objects.filter(inspection=inspection).count()
    assert sum(r["total"] for r in data.by_unit) == measures.count()
    assert sum(r["done"] for r in data.by_unit) == measures.filter(state__in=DONE_STATES).count()


@pytest.mark.parametrize("mode", ["calendar", "working"])
@pytest.mark.parametrize("days_ahead", [0, 20, 75, 400])
def test_the_overview_agrees_with_each_measure_judged_on_its_own(
    world: Any, days_ahead: int, mode: str
) -> None:
    """The overview counts most lights in the database (dashboards.selectors._LightRules) and
    judges the rest with compute_light: every light and every unit's and theme's figures must
    be what judging each measure on its own gives, on the day and as the deadlines come and
    pass, in calendar and in working days, with a reopened measure and one returned late."""
    from collections import Counter

    from ledger.selectors import is_overdue, measure_light, policy_for
    from organization.models import Organization

    office = world.user("office")
    inspection = world.inspection()
    Organization.objects.filter(pk=inspection.organization_id).update(calendar_mode=mode)
    inspection.organization.refresh_from_db()
    today = timezone.localdate() + dt.timedelta(days=days_ahead)
    open_dated = Measure.objects.filter(
        finding__inspection=inspection,
        state__in=["not_started", "in_progress"],
        due_date__isnull=False,
        reopened_on__isnull=True,
        grace_due_date__isnull=True,
    ).exclude(deadline_kind="long_term")
    first, second, edge, past_edge = open_dated.order_by("id")[:4]
    Measure.objects.filter(pk=first.pk).update(
        reopened_on=timezone.localdate() - dt.timedelta(days=3), progress=5
    )
    Measure.objects.filter(pk=second.pk).update(
        grace_due_date=timezone.localdate() - dt.timedelta(days=1)
    )
    # Due on the last day of the warning window and on the day after it (calendar days).
    warn = inspection.organization.warn_days
    Measure.objects.filter(pk=edge.pk).update(due_date=today + dt.timedelta(days=warn))
    Measure.objects.filter(pk=past_edge.pk).update(
        due_date=today + dt.timedelta(days=warn + 1), progress=100
    )
    data = dashboard_overview(office, inspection=inspection, today=today)
    measures = list(
        Measure.objects.filter(finding__inspection=inspection).select_related(
            "lead_unit", "finding__theme", "finding__inspection"
        )
    )
    policy = policy_for(inspection.organization)
    lights = Counter(measure_light(m, today=today, policy=policy).light.value for m in measures)
    assert data.light_counts == {light: lights.get(light, 0) for light in data.light_counts}
    assert lights["red"] == sum(is_overdue(m, today) for m in measures) == data.overdue_total
    for rows, key in ((data.by_unit, "lead_unit_id"), (data.by_theme, "finding__theme_id")):
        for row in rows:
            mine = [m for m in measures if _key(m, key) == row["id"]]
            assert row["total"] == len(mine)
            assert row["done"] == sum(m.state in DONE_STATES for m in mine)
            assert row["overdue"] == sum(is_overdue(m, today) for m in mine)
            assert row["relapses"] == sum(m.relapse_count for m in mine)
    assert sum(row["total"] for row in data.by_theme) == len(measures)


def _key(measure: Measure, key: str) -> int:
    return measure.lead_unit_id if key == "lead_unit_id" else measure.finding.theme_id


def test_a_branch_secretary_sees_only_the_figures_of_its_scope(world: Any) -> None:
    branch = world.user("branch1")
    data = dashboard_overview(branch, inspection=world.inspection())
    visible = Measure.objects.visible_to(branch).filter(finding__inspection=world.inspection())
    assert data.measures_total == visible.count() < Measure.objects.count()
    unit_names = {r["name"] for r in data.by_unit}
    assert unit_names <= {m.lead_unit.name for m in visible.select_related("lead_unit")}


def test_the_dashboard_page_renders_its_headline_and_chart_data(world: Any) -> None:
    response = world.client("leader").get(reverse("dashboards:overview"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="headline"' in body
    assert 'id="dashboard-data"' in body
    assert "echarts.min.js" in body


def test_track_records_count_the_measures_each_person_answers_for(world: Any) -> None:
    office = world.user("office")
    rows = people_record(office)
    assert rows, "the demo has responsible persons"
    for row in rows[:5]:
        person = row["person"]
        assert row["total"] == Measure.objects.filter(responsible_persons=person).count()
    young = people_record(office, young_only=True)
    assert all(r["person"].is_young_cadre for r in young)


def test_the_campaign_table_counts_the_meetings_and_rules_each_person_sees(world: Any) -> None:
    from dashboards.selectors import campaign_rows
    from demo.ledger_demo import TAG_PARTY_HISTORY
    from meetings.models import Meeting
    from regulations.models import Rule

    def row(username: str, inspection: Any) -> dict[str, Any]:
        rows = campaign_rows(world.user(username), inspection=inspection)
        return next(r for r in rows if r["campaign"].name == TAG_PARTY_HISTORY)

    meeting = Meeting.objects.filter(tags__name=TAG_PARTY_HISTORY).get()
    office = row("office", meeting.inspection)
    assert office["meetings"] == 1
    rules = Rule.objects.unscoped("test counts the demo").filter(tags__name=TAG_PARTY_HISTORY)
    assert row("office", rules.first().inspection)["rules"] == rules.count() == 2
    # Branch 7 reports at the joint meeting but neither leads nor is consulted on those rules.
    outsider = row("branch7", meeting.inspection)
    assert outsider["meetings"] == 1 and outsider["rules"] == 0
    page = world.client("office").get(reverse("dashboards:overview"))
    assert page.status_code == 200

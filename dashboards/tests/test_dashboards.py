"""The leaders' dashboard and the track records read only what each person may see."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

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

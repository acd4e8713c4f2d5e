"""Recurring work: applying a template assigns one grouped measure per unit of its kinds, once
a year, by hand or by the scheduler on its day; the roll-up counts which units are done."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from demo.organization_demo import BRANCHES
from demo.recurring_demo import LIFE_MEETING, STANDARDIZATION
from ledger.models import Measure, MeasureGroup
from recurring.models import RecurringTemplate, TemplateRun
from recurring.selectors import run_rollup
from recurring.services import AlreadyApplied, template_apply


def life(world: Any) -> RecurringTemplate:
    return RecurringTemplate.objects.get(organization=world.org, title=LIFE_MEETING)


def check(world: Any) -> RecurringTemplate:
    return RecurringTemplate.objects.get(organization=world.org, title=STANDARDIZATION)


def test_the_demo_applied_the_life_meeting_template_to_the_seven_branches(world: Any) -> None:
    [run] = life(world).runs.all()
    measures = list(run.group.measures.select_related("lead_unit"))
    assert sorted(m.lead_unit.name for m in measures) == sorted(BRANCHES)
    assert all(m.due_date == run.due_date for m in measures)
    rollup = run_rollup(run, user=world.user("office"))
    done = sum(m.state in ("closed", "stage_done") for m in measures)
    assert (rollup.total, rollup.done, rollup.open) == (7, done, 7 - done)
    assert done == 2  # the demo plays two branches through to close-out
    assert check(world).runs.count() == 0  # the standardization check is not applied yet


def test_applying_for_the_next_year_creates_seven_grouped_measures_linked_to_last_year(
    world: Any,
) -> None:
    template = life(world)
    last = template.runs.get()
    run = template_apply(by=world.user("office"), template=template, year=last.year + 1)
    measures = list(Measure.objects.filter(group=run.group).select_related("lead_unit"))
    assert sorted(m.lead_unit.name for m in measures) == sorted(BRANCHES)
    assert len({m.number for m in measures}) == 7
    assert all(m.due_date == dt.date(last.year + 2, 3, 31) for m in measures)
    assert all(m.state == "not_started" for m in measures)
    assert all([t.name for t in m.tags.all()] == ["党史学习教育"] for m in measures)
    assert run.previous == last and last.next_run == run
    assert run.checklist_items == ["会议记录", "对照检查材料", "民主评议结果", "会后整改清单"]
    rollup = run_rollup(run, user=world.user("office"))
    assert (rollup.total, rollup.done, rollup.open, rollup.overdue) == (7, 0, 7, 0)


def test_applying_twice_for_the_same_year_creates_nothing_new(world: Any) -> None:
    template = life(world)
    year = template.runs.get().year
    measures, groups = Measure.objects.count(), MeasureGroup.objects.count()
    with pytest.raises(AlreadyApplied, match="already applied"):
        template_apply(by=world.user("office"), template=template, year=year)
    assert (Measure.objects.count(), MeasureGroup.objects.count()) == (measures, groups)
    assert template.runs.count() == 1


def test_applying_twice_through_the_page_says_so_and_creates_nothing(world: Any) -> None:
    template = check(world)
    client = world.client("office")
    year = template.year_due_after(world.inspection().feedback_date)
    url = reverse("recurring:template_apply", args=[template.pk])
    first = client.post(url, {"year": str(year)})
    assert first.status_code == 302
    run = template.runs.get()
    assert first["Location"] == reverse("recurring:run_detail", args=[run.pk])
    measures = Measure.objects.count()
    again = client.post(url, {"year": str(year)}, follow=True)
    [refusal] = [m for m in again.context["messages"] if m.level_tag == "error"]
    assert str(year) in str(refusal) and template.title in str(refusal)
    assert str(refusal) in again.content.decode()
    assert Measure.objects.count() == measures and template.runs.count() == 1


def test_only_the_office_applies_templates(world: Any) -> None:
    template = check(world)
    for username in ("leader", "taskforce1", "branch1"):
        with pytest.raises(PermissionDenied):
            template_apply(by=world.user(username), template=template, year=2030)
    assert template.runs.count() == 0


def test_a_due_before_the_feedback_is_refused_and_nothing_is_kept(world: Any) -> None:
    from django.core.exceptions import ValidationError

    template = check(world)
    measures = Measure.objects.count()
    with pytest.raises(ValidationError, match="before the feedback date"):
        template_apply(by=world.user("office"), template=template, year=2001)
    assert Measure.objects.count() == measures and template.runs.count() == 0


def test_run_reminders_applies_a_due_template_once_and_moves_its_day_on(world: Any) -> None:
    template = check(world)
    today = dt.date.today()
    template.apply_on = today
    template.save()
    call_command("run_reminders", "--no-send", verbosity=0)
    call_command("run_reminders", "--no-send", verbosity=0)
    [run] = TemplateRun.objects.filter(template=template)
    assert run.automatic and run.applied_by is None
    assert run.year == template.year_due_after(today)
    assert run.group.measures.count() == 7
    template.refresh_from_db()
    assert template.apply_on is not None and template.apply_on > today
    assert template.apply_on.year == today.year + 1


def test_the_branch_sees_its_measure_with_the_checklist_and_not_the_templates(
    world: Any,
) -> None:
    run = life(world).runs.get()
    mine = run.group.measures.get(lead_unit__name=world.BRANCH1)
    client = world.client("branch1")
    page = client.get(reverse("ledger:measure_detail", args=[mine.pk])).content.decode()
    assert 'data-testid="recurring-checklist"' in page and "对照检查材料" in page
    assert (
        client.get(reverse("recurring:template_detail", args=[run.template.pk])).status_code == 404
    )
    other = run.group.measures.get(lead_unit__name=world.BRANCH7)
    assert client.get(reverse("ledger:measure_detail", args=[other.pk])).status_code == 404


def test_the_roll_up_page_counts_done_and_open_units(world: Any) -> None:
    run = life(world).runs.get()
    page = world.client("office").get(reverse("recurring:run_detail", args=[run.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="count-total">7<' in html
    assert 'data-testid="count-done">2<' in html
    assert 'data-testid="count-open">5<' in html
    assert all(name in html for name in BRANCHES)


def test_a_year_applied_after_the_next_one_still_links_to_it(world: Any) -> None:
    template = life(world)
    last = template.runs.get()
    office = world.user("office")
    later = template_apply(by=office, template=template, year=last.year + 2)
    assert later.previous is None
    between = template_apply(by=office, template=template, year=last.year + 1)
    later.refresh_from_db()
    assert between.previous == last and later.previous == between

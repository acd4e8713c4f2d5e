"""The home page's figures are read in one grouped pass (`scope_counts`): each must be the
count of the very queryset its card lists or its headline counts, for every role and day."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any

import pytest
from django.db.models import Q
from django.utils import timezone

from dashboards.selectors import home_sections, scope_counts, scope_summary
from ledger.choices import DONE_STATES, OPEN_STATES, MeasureState
from ledger.models import Finding, Measure
from ledger.selectors import completion, due_within_q, overdue_q
from organization.scope import actor_for

pytestmark = pytest.mark.django_db

USERS = ["office", "office2", "leader", "taskforce1", "liaison1", "branch1", "dept1", "staff1"]


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("days", [0, 45, 400])
def test_each_figure_is_the_count_of_what_it_lists(world: Any, username: str, days: int) -> None:
    user = world.user(username)
    today = timezone.localdate() + dt.timedelta(days=days)
    counts = scope_counts(user, today=today)
    # Every section counted by its own queryset, as it would be without the grouped pass.
    unknown = dataclasses.replace(counts, sections=defaultdict(lambda: None))
    grouped = home_sections(user, today=today, counts=counts)
    apart = home_sections(user, today=today, counts=unknown)
    assert [(s.key, s.count) for s in grouped] == [(s.key, s.count) for s in apart]
    assert [s.key for s in grouped]
    mine = Measure.objects.visible_to(user)
    # And each list's figure is what the list means, written here on its own.
    actor = actor_for(user)
    open_ = [MeasureState.NOT_STARTED, MeasureState.IN_PROGRESS]
    meant = {
        "office_close": mine.filter(state=MeasureState.PENDING_CLOSE),
        "liaison_review": mine.filter(
            state=MeasureState.PENDING_REVIEW,
            lead_unit__liaison_group_id__in=actor.liaison_group_ids,
        ),
        "unit_open": mine.filter(lead_unit_id__in=actor.unit_ids, state__in=open_),
        "overdue": mine.filter(overdue_q(today)),
        "due_soon": mine.filter(due_within_q(today, counts.warn_days)),
        "flagged": mine.filter(is_flagged=True).exclude(state__in=DONE_STATES),
    }
    for section in grouped:
        if section.key in meant:
            assert section.count == meant[section.key].count(), (username, section.key)
            shown = {m.pk for m in section.measures}
            assert shown <= set(meant[section.key].values_list("id", flat=True))
    summary = scope_summary(user, today=today, counts=counts)
    assert summary["total"] == mine.count()
    assert summary["done"] == mine.filter(state__in=DONE_STATES).count()
    assert summary["open"] == mine.filter(state__in=OPEN_STATES).count()
    assert summary["overdue"] == mine.filter(overdue_q(today)).count()
    assert summary["flagged"] == mine.filter(Q(is_flagged=True) & ~Q(state__in=DONE_STATES)).count()
    # The rates summed in the database are those of the per-finding rows read into Python.
    assert summary["completion"] == completion(
        findings=Finding.objects.visible_to(user), measures=mine
    )


def test_the_figures_are_not_all_zero(world: Any) -> None:
    """The comparison above means something only where the demo has rows of each kind."""
    later = timezone.localdate() + dt.timedelta(days=400)
    office = scope_counts(world.user("office"), today=later).sections
    assert office["open"] and office["overdue"]
    soon = scope_counts(world.user("office")).sections
    assert soon["unit_open"] or soon["due_soon"] or soon["flagged"]


def test_whose_findings_are_those_of_their_measures_is_said_by_the_finding_rule(
    world: Any,
) -> None:
    """The home page counts a unit's or a grid's findings among its measures, without reading
    the findings: for every active person of whom that is said, the two are the same set."""
    from django.contrib.auth import get_user_model

    from ledger.scope import findings_are_those_of_measures

    said = 0
    for user in get_user_model().objects.filter(is_active=True, person__isnull=False):
        if not findings_are_those_of_measures(actor_for(user)):
            continue
        said += 1
        of_measures = set(
            Measure.objects.visible_to(user).values_list("finding_id", flat=True).distinct()
        )
        assert set(Finding.objects.visible_to(user).values_list("id", flat=True)) == of_measures
    assert said > 10
    for username in ("office", "leader", "taskforce1"):
        assert not findings_are_those_of_measures(actor_for(world.user(username)))
    assert findings_are_those_of_measures(actor_for(world.user("branch1")))

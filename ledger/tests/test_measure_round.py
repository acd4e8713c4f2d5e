"""The round kept on the measure (`Measure.inspection`) is always its finding's round: every
way a measure comes into being sets it, the migration fills it, and a round's list through it
is the list through the finding."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.db.models import F

from ledger.choices import InspectionStatus
from ledger.models import Finding, Measure
from ledger.services import (
    MeasureData,
    finding_save,
    measure_assign_to_units,
    measure_create,
    measures_create,
)
from ledger.tests.helpers import earlier_inspection
from ledger.tests.test_services import new_finding

pytestmark = pytest.mark.django_db

REASON = "tests read every measure to compare two columns"


def _astray() -> list[int]:
    return list(
        Measure.objects.unscoped(REASON)
        .exclude(inspection_id=F("finding__inspection_id"))
        .values_list("id", flat=True)
    )


def _second_round(world: Any) -> Finding:
    office = world.user("office")
    inspection = earlier_inspection(world, days=400, status=InspectionStatus.ONGOING)
    theme = world.measure().finding.theme
    return finding_save(
        by=office,
        finding=Finding(inspection=inspection, theme=theme, number="一、1.", text="另一轮的问题"),
    )


def test_every_way_in_sets_the_findings_round(world: Any) -> None:
    office = world.user("office")
    current, earlier = new_finding(world, "九、1."), _second_round(world)
    assert current.inspection_id != earlier.inspection_id
    unit = world.unit(world.BRANCH1)
    made = []
    for finding in (current, earlier):
        due = finding.inspection.feedback_date + dt.timedelta(days=60)
        data = MeasureData(content="建立制度", lead_unit=unit, number="1", due_date=due)
        made.append(measure_create(by=office, finding=finding, data=data))
        made += measures_create(by=office, items=[(finding, data), (finding, data)])
        group = measure_assign_to_units(by=office, finding=finding, data=data, units=[unit])
        made += list(group.measures.unscoped(REASON).all())
    for measure in made:
        measure.refresh_from_db()
        assert measure.inspection_id == measure.finding.inspection_id
    assert {m.inspection_id for m in made} == {current.inspection_id, earlier.inspection_id}
    # And the demo organization every test starts from.
    assert Measure.objects.unscoped(REASON).exists()
    assert _astray() == []


def test_the_migration_fills_each_measure_from_its_finding(world: Any) -> None:
    earlier = _second_round(world)
    wrong = world.measure()
    right_round = wrong.inspection_id
    Measure.objects.unscoped(REASON).filter(pk=wrong.pk).update(inspection_id=earlier.inspection_id)
    assert _astray() == [wrong.pk]
    migration = importlib.import_module("ledger.migrations.0008_measure_inspection")
    migration.fill(apps, None)
    assert _astray() == []
    wrong.refresh_from_db()
    assert wrong.inspection_id == right_round


@pytest.mark.parametrize("username", ["office", "branch1", "liaison1", "leader"])
@pytest.mark.parametrize("query", ["", "state=in_progress", "q=制度", "overdue=1", "all"])
def test_the_ledger_counts_the_rows_it_lists(world: Any, username: str, query: str) -> None:
    """The page counts one queryset and reads its rows from another (`MeasureFilter.rows_qs`,
    which names the round on the finding too): both must hold the same measures."""
    from django.http import QueryDict

    from ledger.filters import MeasureFilter
    from ledger.selectors import inspection_ids_current_first, ledger_measures

    _second_round(world)  # a second round whose measures must stay out of the first's count
    user = world.user(username)
    data = QueryDict(mutable=True)
    if query != "all":
        data = QueryDict(query, mutable=True)
        data["inspection"] = str(inspection_ids_current_first(user)[0])
    filterset = MeasureFilter(data, queryset=ledger_measures(user), user=user)
    assert filterset.is_valid()
    counted = set(filterset.qs.values_list("id", flat=True))
    listed = set(filterset.rows_qs().values_list("id", flat=True))
    assert counted == listed
    assert filterset.qs.count() == len(listed)
    if query in ("", "all"):
        assert listed

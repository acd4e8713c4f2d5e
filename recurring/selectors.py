"""Reads of recurring work: templates and runs as a person may see them, and each run's roll-up
(which units are done, which are open or overdue)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from ledger.models import Measure
from ledger.selectors import is_overdue
from recurring.models import RecurringTemplate, TemplateRun


def visible_templates(user: Any) -> QuerySet[RecurringTemplate]:
    return RecurringTemplate.objects.visible_to(user).select_related("finding__inspection")


def visible_runs(user: Any) -> QuerySet[TemplateRun]:
    return TemplateRun.objects.visible_to(user).select_related("template", "previous")


@dataclass
class RollupRow:
    measure: Measure
    done: bool
    overdue: bool


@dataclass
class Rollup:
    rows: list[RollupRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def done(self) -> int:
        return sum(r.done for r in self.rows)

    @property
    def open(self) -> int:
        return self.total - self.done

    @property
    def overdue(self) -> int:
        return sum(r.overdue for r in self.rows)


def run_rollup(run: TemplateRun, *, user: Any, today: dt.date | None = None) -> Rollup:
    """One row per unit's measure of the run, as the person may see them: done means closed
    out (or the stage completed), overdue as the ledger's deadline clock says."""
    today = today or timezone.localdate()
    measures = (
        Measure.objects.visible_to(user)
        .filter(group_id=run.group_id)
        .select_related("lead_unit")
        .order_by("lead_unit__sort_order", "lead_unit_id", "id")
    )
    return Rollup(
        rows=[RollupRow(measure=m, done=m.is_done, overdue=is_overdue(m, today)) for m in measures]
    )


def run_of_measure(measure: Measure) -> TemplateRun | None:
    """The run a measure was created by, if any (its group is the run's)."""
    if measure.group_id is None:
        return None
    return (
        TemplateRun.objects.unscoped("read through a measure the person may already see")
        .select_related("template")
        .filter(group_id=measure.group_id)
        .first()
    )

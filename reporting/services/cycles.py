"""Reporting cycles (汇报周期) and unit reports (单位汇报)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_event
from ledger.models import Inspection
from organization import policy
from organization.models import Unit
from reporting.choices import CycleFrequency
from reporting.cycles import Period, period_containing
from reporting.models import ReportingCycle, UnitReport
from reporting.services.common import clean_text, require_office


@dataclass
class CycleData:
    frequency: str
    weekday: int = 4
    day_of_month: int = 25
    starts_on: dt.date | None = None
    is_active: bool = True


def cycle_save(*, by: Any, inspection: Inspection, data: CycleData) -> ReportingCycle:
    """The office sets how often the units of an inspection report."""
    require_office(by)
    if data.frequency not in CycleFrequency.values:
        raise ValidationError({"frequency": _("Choose weekly or monthly.")})
    if not 0 <= data.weekday <= 6:
        raise ValidationError({"weekday": _("Choose a day of the week.")})
    if not 1 <= data.day_of_month <= 31:
        raise ValidationError({"day_of_month": _("The day of the month is from 1 to 31.")})
    with transaction.atomic():
        if not Inspection.objects.editable_by(by).filter(pk=inspection.pk).exists():
            raise PermissionDenied
        cycle = (
            ReportingCycle.objects.unscoped("row lock after the policy check")
            .select_for_update()
            .filter(inspection=inspection)
            .first()
        )
        before: dict[str, Any] = {}
        if cycle is None:
            cycle = ReportingCycle(inspection=inspection)
        else:
            before = _cycle_fields(cycle)
            cycle.version += 1
        cycle.frequency = data.frequency
        cycle.weekday = data.weekday
        cycle.day_of_month = data.day_of_month
        cycle.starts_on = data.starts_on
        cycle.is_active = data.is_active
        cycle.save()
        record_event(
            actor=by,
            obj=inspection,
            action="reporting_cycle:set",
            before={"snapshot_cycle": before} if before else None,
            after={"snapshot_cycle": _cycle_fields(cycle)},
            message=str(cycle_description(cycle)),
        )
        return cycle


def _cycle_fields(cycle: ReportingCycle) -> dict[str, Any]:
    return {
        "frequency": cycle.frequency,
        "weekday": cycle.weekday,
        "day_of_month": cycle.day_of_month,
        "starts_on": cycle.starts_on,
        "is_active": cycle.is_active,
    }


def cycle_description(cycle: ReportingCycle) -> str:
    from reporting.choices import Weekday

    if cycle.frequency == CycleFrequency.WEEKLY:
        return _("Weekly, every %(day)s") % {"day": Weekday(cycle.weekday).label}
    return _("Monthly, by day %(day)d") % {"day": cycle.day_of_month}


def cycle_period(cycle: ReportingCycle, day: dt.date) -> Period:
    return period_containing(
        day, frequency=cycle.frequency, weekday=cycle.weekday, day_of_month=cycle.day_of_month
    )


@dataclass
class UnitReportData:
    work_done: str
    problems: str = ""
    next_steps: str = ""


def unit_report_save(
    *,
    by: Any,
    unit: Unit,
    inspection: Inspection,
    data: UnitReportData,
    expected_version: int | None,
    today: dt.date | None = None,
) -> UnitReport:
    """Create or edit the unit's report (单位汇报) for the current cycle of an inspection."""
    actor = policy.require(by, "edit_unit_report", unit)
    if not (actor.organization_id == unit.organization_id == inspection.organization_id):
        raise PermissionDenied
    work = clean_text(
        data.work_done, field="work_done", label=_("Work done"), required=True, limit=20000
    )
    problems = clean_text(
        data.problems, field="problems", label=_("Problems"), required=False, limit=20000
    )
    steps = clean_text(
        data.next_steps, field="next_steps", label=_("Next steps"), required=False, limit=20000
    )
    today = today or timezone.localdate()
    with transaction.atomic():
        cycle = (
            ReportingCycle.objects.unscoped("service check after the policy check")
            .filter(inspection=inspection, is_active=True)
            .first()
        )
        if cycle is None:
            raise ValidationError(
                _("The office has not set a reporting cycle for this inspection.")
            )
        period = cycle_period(cycle, today)
        report = (
            UnitReport.objects.unscoped("row lock after the policy check")
            .select_for_update()
            .filter(unit=unit, inspection=inspection, period_start=period.start)
            .first()
        )
        if report is None:
            if expected_version not in (None, 0):
                raise ValidationError(
                    _("The report was removed or moved to another cycle; reload the page.")
                )
            report = UnitReport(
                unit=unit,
                inspection=inspection,
                period_start=period.start,
                period_end=period.end,
                created_by=by,
                updated_by=by,
                work_done=work,
                problems=problems,
                next_steps=steps,
            )
            try:
                with transaction.atomic():
                    report.save()
            except IntegrityError as exc:
                raise ValidationError(
                    _("Someone else has just filed this cycle's report; reload the page.")
                ) from exc
            record_event(
                actor=by,
                obj=report,
                action="create",
                after={"work_done": work, "problems": problems, "next_steps": steps},
            )
            return report
        if expected_version != report.version:
            raise ValidationError(
                _("This report was changed by someone else after you opened it; reload the page.")
            )
        before = {
            "work_done": report.work_done,
            "problems": report.problems,
            "next_steps": report.next_steps,
        }
        report.work_done, report.problems, report.next_steps = work, problems, steps
        report.updated_by = by
        report.version += 1
        report.save()
        after = {"work_done": work, "problems": problems, "next_steps": steps}
        changed = {k for k in after if after[k] != before[k]}
        if changed:
            record_event(
                actor=by,
                obj=report,
                action="update",
                before={k: before[k] for k in changed},
                after={k: after[k] for k in changed},
            )
        return report

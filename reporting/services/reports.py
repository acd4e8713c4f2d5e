"""Progress reports (整改进展): append-only, a correction supersedes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_event
from ledger.choices import MeasureState
from ledger.models import Measure
from ledger.services import measure_record_report, measure_transition
from ledger.workflow import available_transitions
from organization import policy
from organization.scope import actor_for
from reporting.models import ProgressReport
from reporting.services.common import (
    clean_text,
    lock_measure,
    reporting_unit_or_deny,
    require_visible,
)
from reporting.services.evidence import Upload, evidence_create_rows, evidence_prepare


@dataclass
class ReportData:
    work_done: str
    progress: int
    problems: str = ""
    next_steps: str = ""


def _validate_report(data: ReportData) -> ReportData:
    work = clean_text(data.work_done, field="work_done", label=_("Work done"), required=True)
    problems = clean_text(data.problems, field="problems", label=_("Problems"), required=False)
    steps = clean_text(data.next_steps, field="next_steps", label=_("Next steps"), required=False)
    if data.progress is None or not 0 <= int(data.progress) <= 100:
        raise ValidationError({"progress": _("Progress is a percentage from 0 to 100.")})
    return ReportData(
        work_done=work, problems=problems, next_steps=steps, progress=int(data.progress)
    )


def report_file(
    *,
    by: Any,
    measure: Measure,
    data: ReportData,
    supersedes: ProgressReport | None = None,
    correction_reason: str = "",
    uploads: Sequence[Upload] = (),
    at: dt.datetime | None = None,
) -> ProgressReport:
    """File a progress report (or a correction of an earlier one), with optional evidence.

    Reports are append-only: a correction is a new report that supersedes the old one.
    """
    data = _validate_report(data)
    require_visible(by, measure)
    reporting_unit_or_deny(by, measure)
    if supersedes is not None:
        correction_reason = clean_text(
            correction_reason,
            field="correction_reason",
            label=_("The reason for the correction"),
            required=True,
            limit=500,
        )
    prepared = evidence_prepare(uploads) if uploads else []
    with transaction.atomic():
        current = lock_measure(measure.pk)
        actor = actor_for(by)
        unit = reporting_unit_or_deny(by, current)
        if current.state == MeasureState.CLOSED:
            raise ValidationError(
                _("The measure is closed out; progress is no longer reported on it.")
            )
        if supersedes is not None:
            old = (
                ProgressReport.objects.unscoped("row lock after the policy check")
                .select_for_update()
                .get(pk=supersedes.pk)
            )
            if old.measure_id != current.pk:
                raise ValidationError(_("That report belongs to another measure."))
            if (
                ProgressReport.objects.unscoped("service check after the policy check")
                .filter(supersedes=old)
                .exists()
            ):
                raise ValidationError(_("That report has already been corrected."))
            if not (policy.acts_for_unit(actor, old.unit_id) or policy.in_office(actor)):
                raise PermissionDenied
            unit = old.unit
        if current.state == MeasureState.NOT_STARTED and any(
            t.name == "start" for t in available_transitions(actor, current)
        ):
            # The first report is the start of the work.
            measure_transition(by=by, measure=current, name="start")
        when = at or timezone.now()
        report = ProgressReport.objects.create(
            measure=current,
            unit=unit,
            author=by,
            filed_at=when,
            work_done=data.work_done,
            problems=data.problems,
            next_steps=data.next_steps,
            progress=data.progress,
            supersedes=supersedes,
            correction_reason=correction_reason if supersedes is not None else "",
        )
        is_lead = unit.pk == current.lead_unit_id
        before_progress = current.progress
        measure_record_report(
            measure_id=current.pk, progress=data.progress if is_lead else None, at=when, by=by
        )
        record_event(
            actor=by,
            obj=current,
            action="report:corrected" if supersedes is not None else "report:filed",
            before={"progress": before_progress} if is_lead else None,
            after={"progress": data.progress, "snapshot_report": report.pk}
            if is_lead
            else {"snapshot_report": report.pk},
            message=(f"[{unit.name}] " if not is_lead else "") + data.work_done[:500],
        )
        # Files whose content the measure already holds are kept once; the view says which.
        report.evidence_duplicates = []  # type: ignore[attr-defined]
        if prepared:
            rows = evidence_create_rows(
                by=by, measure=current, unit=unit, prepared=prepared, report=report
            )
            report.evidence_duplicates = rows.duplicates  # type: ignore[attr-defined]
        return report

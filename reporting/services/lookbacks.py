"""Look-backs (回头看) of closed measures, and relapses (反弹回潮) found by them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import record_event
from ledger.choices import DONE_STATES
from ledger.models import Measure, add_months
from ledger.services import measure_transition
from ledger.workflow import LOOK_BACK, claim_transitions
from reporting.choices import RELAPSE_RATINGS, LookBackRating, LookBackStatus
from reporting.models import LookBack
from reporting.services.common import clean_text, lock_measure, require_office, require_visible
from reporting.services.evidence import Upload, evidence_create_rows, evidence_prepare

# Only a recorded look-back reopens a measure (重新整改): the look-back is the relapse's record.
CLAIM = claim_transitions(LOOK_BACK, where=gettext_lazy("recording a look-back (回头看)"))


def _closed_on(measure: Measure) -> dt.date:
    stamp = measure.closed_at or measure.state_changed_at or timezone.now()
    return timezone.localtime(stamp).date()


@dataclass(frozen=True)
class ScheduleResult:
    created: int
    skipped: int


def lookback_schedule(
    *,
    by: Any,
    measures: QuerySet[Measure],
    planned_date: dt.date | None = None,
    months_after_closure: int | None = None,
    label: str = "",
) -> ScheduleResult:
    """Schedule look-back checks on the closed measures among `measures`.

    Either on a fixed date, or a number of months after each measure's closure. Measures that
    are not closed, or already have a check waiting, are skipped.
    """
    require_office(by)
    if (planned_date is None) == (months_after_closure is None):
        raise ValidationError(_("Give either a date or a number of months after closure."))
    if months_after_closure is not None and not 1 <= months_after_closure <= 60:
        raise ValidationError(_("The number of months is from 1 to 60."))
    label = (label or "").strip()[:200]
    with transaction.atomic():
        candidates = list(
            Measure.objects.editable_by(by)
            .filter(pk__in=measures.values("pk"))
            .select_for_update(of=("self",))
            .order_by("id")
        )
        waiting = set(
            LookBack.objects.unscoped("service check after the policy check")
            .filter(measure_id__in=[m.pk for m in candidates], status=LookBackStatus.SCHEDULED)
            .values_list("measure_id", flat=True)
        )
        created = skipped = 0
        now = timezone.now()
        for m in candidates:
            if m.state not in DONE_STATES or m.pk in waiting:
                skipped += 1
                continue
            day = planned_date or add_months(_closed_on(m), months_after_closure or 0)
            LookBack.objects.create(
                measure=m,
                planned_date=day,
                batch_label=label,
                scheduled_by=by,
                scheduled_at=now,
            )
            record_event(
                actor=by,
                obj=m,
                action="lookback:scheduled",
                message=_("Look-back planned for %(day)s.") % {"day": date_format(day, "Y-m-d")}
                + (f" {label}" if label else ""),
            )
            created += 1
        return ScheduleResult(created=created, skipped=skipped)


def lookback_record(
    *,
    by: Any,
    lookback: LookBack,
    rating: str,
    notes: str,
    new_due_date: dt.date | None = None,
    uploads: Sequence[Upload] = (),
) -> LookBack:
    """Record a look-back's rating. 一般 or 差 reopens the measure (重新整改) as a relapse."""
    require_office(by)
    if rating not in LookBackRating.values:
        raise ValidationError({"rating": _("Choose a rating.")})
    relapse = rating in RELAPSE_RATINGS
    notes = clean_text(notes, field="notes", label=_("The notes"), required=relapse)
    prepared = evidence_prepare(uploads) if uploads else []
    with transaction.atomic():
        lb = (
            LookBack.objects.unscoped("row lock after the policy check")
            .select_for_update()
            .get(pk=lookback.pk)
        )
        current = lock_measure(lb.measure_id)
        require_visible(by, current)
        if lb.status != LookBackStatus.SCHEDULED:
            raise ValidationError(_("This look-back has already been recorded."))
        if current.state not in DONE_STATES:
            raise ValidationError(
                _("The measure is no longer closed (now “%(state)s”).")
                % {"state": current.get_state_display()}
            )
        if relapse and not current.is_long_term:
            if new_due_date is None:
                raise ValidationError(
                    {"new_due_date": _("Give the new due date for the renewed rectification.")}
                )
            if new_due_date <= timezone.localdate():
                raise ValidationError(
                    {"new_due_date": _("The new due date must be in the future.")}
                )
        lb.status = LookBackStatus.DONE
        lb.rating = rating
        lb.notes = notes
        lb.checked_by = by
        lb.checked_at = timezone.now()
        lb.relapsed = relapse
        lb.new_due_date = new_due_date if relapse else None
        lb.save()
        if prepared:
            evidence_create_rows(by=by, measure=current, unit=None, prepared=prepared, lookback=lb)
        label = LookBackRating(rating).label
        record_event(
            actor=by,
            obj=current,
            action="lookback:recorded",
            after={"snapshot_lookback": lb.pk, "snapshot_rating": rating},
            message=f"{label}" + (f": {notes}" if notes else ""),
        )
        if relapse:
            measure_transition(
                by=by,
                measure=current,
                name="reopen",
                reason=_("Relapse found at the look-back (回头看, rated %(rating)s): %(notes)s")
                % {"rating": label, "notes": notes},
                new_due_date=new_due_date if not current.is_long_term else None,
                payload={"snapshot_lookback": lb.pk},
                owner=CLAIM,
            )
        return lb

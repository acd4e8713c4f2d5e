"""Extensions (延期): asked before the deadline, decided by the office."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.audit import record_event
from ledger.choices import DONE_STATES
from ledger.models import Measure
from ledger.services import measure_set_due_date
from organization.scope import actor_for
from reporting.choices import ExtensionStatus
from reporting.models import ExtensionRequest
from reporting.policy import extension_refusal
from reporting.services.common import clean_text, lock_measure, require_office, require_visible


def extension_request(
    *, by: Any, measure: Measure, new_due_date: dt.date, reason: str, today: dt.date | None = None
) -> ExtensionRequest:
    """The lead unit asks for a later due date, before the current one has passed."""
    reason = clean_text(reason, field="reason", label=_("The reason"), required=True, limit=2000)
    today = today or timezone.localdate()
    require_visible(by, measure)
    with transaction.atomic():
        current = lock_measure(measure.pk)
        refusal = extension_refusal(actor_for(by), current, today=today)
        if refusal is not None:
            code, message = refusal
            if code == "permission":
                raise PermissionDenied(message)
            raise ValidationError({"new_due_date": message} if code == "passed" else message)
        assert current.due_date is not None
        if new_due_date <= current.due_date:
            raise ValidationError(
                {
                    "new_due_date": _("The new due date must be after the current one (%(due)s).")
                    % {"due": date_format(current.due_date, "Y-m-d")}
                }
            )
        ext = ExtensionRequest.objects.create(
            measure=current,
            requested_by=by,
            requested_at=timezone.now(),
            current_due_date=current.due_date,
            requested_due_date=new_due_date,
            reason=reason,
        )
        record_event(
            actor=by,
            obj=current,
            action="extension:requested",
            before={"due_date": current.due_date},
            after={"due_date": new_due_date},
            message=reason,
        )
        return ext


def extension_decide(
    *, by: Any, extension: ExtensionRequest, approve: bool, note: str = ""
) -> ExtensionRequest:
    """The office approves (the due date moves; the original is kept) or refuses an extension."""
    require_office(by)
    note = clean_text(note, field="note", label=_("The note"), required=not approve, limit=2000)
    with transaction.atomic():
        ext = (
            ExtensionRequest.objects.unscoped("row lock after the policy check")
            .select_for_update()
            .get(pk=extension.pk)
        )
        current = lock_measure(ext.measure_id)
        require_visible(by, current)
        if ext.status != ExtensionStatus.PENDING:
            raise ValidationError(
                _("This extension request has already been decided (%(status)s).")
                % {"status": ext.get_status_display()}
            )
        if approve and current.state in DONE_STATES:
            raise ValidationError(_("The measure is already done; refuse the request instead."))
        ext.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
        ext.decided_by = by
        ext.decided_at = timezone.now()
        ext.decision_note = note
        ext.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if approve:
            message = _("Extension (延期) approved: %(reason)s") % {"reason": ext.reason}
            if note:
                message += "\n" + note
            measure_set_due_date(
                by=by, measure=current, due_date=ext.requested_due_date, reason=message
            )
        else:
            record_event(
                actor=by,
                obj=current,
                action="extension:refused",
                after={"snapshot_extension": ext.pk},
                message=note,
            )
        return ext

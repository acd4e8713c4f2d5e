"""The reporting layer's rules in the one policy (`organization.policy`): when a unit may ask
for an extension (申请延期), written once for the page's button and the service's check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ledger.choices import DONE_STATES
from ledger.workflow import LEAD_HEAD, relations
from organization.policy import register_rule
from organization.scope import Actor
from reporting.choices import ExtensionStatus


def extension_refusal(
    actor: Actor, measure: Any, *, today: dt.date | None = None
) -> tuple[str, str] | None:
    """Why this person may not ask to extend this measure now, as (code, message); None if they
    may. Only the lead unit's heads ask, before the due date, once at a time."""
    if measure is None or measure.organization_id != actor.organization_id:
        return "permission", _("You are not allowed to do this.")
    if LEAD_HEAD not in relations(actor, measure):
        return "permission", _("Only the heads of the lead unit ask for an extension.")
    if measure.due_date is None or measure.is_long_term:
        return "no_due_date", _("This measure has no due date to extend.")
    if measure.state in DONE_STATES:
        return "done", _("The measure is already done; there is nothing to extend.")
    if (today or timezone.localdate()) > measure.due_date:
        return "passed", _(
            "The due date %(due)s has passed; an extension must be asked before it."
        ) % {"due": date_format(measure.due_date, "Y-m-d")}
    if (
        measure.extensions.unscoped("the policy asks about a measure in hand")
        .filter(status=ExtensionStatus.PENDING)
        .exists()
    ):
        return "pending", _("An extension request for this measure is already waiting.")
    return None


def register_reporting_policy() -> None:
    register_rule(
        "request_extension", lambda actor, measure: extension_refusal(actor, measure) is None
    )

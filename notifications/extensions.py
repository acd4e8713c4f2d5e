"""What notifications add to the ledger's pages (see `ledger.extensions`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ledger.extensions import Extension, Link, Panel, TransitionObserver, timeline_labels
from notifications.escalation import transition_announce
from notifications.views import ledger_links, measure_panel

APP = "notifications"

LABELS = {
    "urge": _("Urged (催办)"),
    "urge:answered": _("Urge answered"),
    "reminder:sent": _("Deadline reminder sent"),
    "notice:issued": _("Supervision notice issued (督办通知)"),
    "notice:replied": _("Supervision notice answered"),
    "delivery:retry": _("Delivery queued again"),
    "delivery:test": _("Group robot test message"),
    "calendar_token_regenerated": _("Calendar address regenerated"),
}

EXTENSIONS: list[Extension] = [
    # Review outcomes reach the people concerned when the transaction commits.
    TransitionObserver(app=APP, key="announce", observe=transition_announce),
    # Reminders and urges follow the reporting panel on the measure page.
    Panel(app=APP, key="reminders", page="measure", render=measure_panel, order=20),
    Link(app=APP, key="urge", page="ledger", links=ledger_links, order=20),
    *timeline_labels(APP, LABELS),
]

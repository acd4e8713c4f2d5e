"""What reporting adds to the ledger's pages and workflow (see `ledger.extensions`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ledger.extensions import Extension, Guard, HandledTransitions, Link, Panel, timeline_labels
from ledger.workflow import CLOSE_OUT, LOOK_BACK
from reporting.services import evidence_guard
from reporting.views import finding_links, ledger_links, measure_panel

APP = "reporting"

LABELS = {
    "report:filed": _("Progress reported"),
    "report:corrected": _("Progress report corrected"),
    "evidence:added": _("Evidence added"),
    "evidence:withdrawn": _("Evidence withdrawn"),
    "extension:requested": _("Extension (延期) requested"),
    "extension:refused": _("Extension (延期) refused"),
    "lookback:scheduled": _("Look-back (回头看) scheduled"),
    "lookback:recorded": _("Look-back (回头看) recorded"),
    "reporting_cycle:set": _("Reporting cycle set"),
}

EXTENSIONS: list[Extension] = [
    # Reports, evidence and close-out come first under the measure's actions.
    Panel(app=APP, key="measure", page="measure", render=measure_panel, order=10),
    Link(app=APP, key="reconcile", page="finding", links=finding_links, order=10),
    Link(app=APP, key="reports", page="ledger", links=ledger_links, order=10),
    # Close-out rests on evidence, whoever asks and from wherever (guards bind every caller).
    *(
        Guard(app=APP, key="evidence", transition=name, check=evidence_guard)
        for name in ("request_close", "direct_close", "office_close")
    ),
    # Close-out and reopening have their own forms and records (summary, reasons, snapshots,
    # look-backs); their services hold the claims (reporting.services.closeout / lookbacks).
    HandledTransitions(app=APP, owner=CLOSE_OUT),
    HandledTransitions(app=APP, owner=LOOK_BACK),
    *timeline_labels(APP, LABELS),
]

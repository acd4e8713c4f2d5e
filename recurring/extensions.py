"""What recurring work adds to the ledger's pages (see `ledger.extensions`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ledger.extensions import Extension, Panel, timeline_labels
from ledger.models import Measure
from recurring.selectors import run_of_measure

APP = "recurring"


def measure_checklist(request: HttpRequest, measure: Measure) -> dict[str, Any]:
    """The evidence checklist of the recurring work the measure was created for."""
    run = run_of_measure(measure)
    return {
        "template": "recurring/_measure_checklist.html",
        "run": run,
        "items": run.checklist_items if run else [],
    }


EXTENSIONS: list[Extension] = [
    # Read before the reports: it says what evidence the unit is to hand in.
    Panel(app=APP, key="checklist", page="measure", render=measure_checklist, order=5),
    *timeline_labels(APP, {"recurring:applied": _("Recurring work applied")}),
]

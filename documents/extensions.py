"""What documents add to the ledger's pages (see `ledger.extensions`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from documents.views import ledger_links, measure_links, similar_panel
from ledger.extensions import Extension, Link, Panel, TimelineLabel

APP = "documents"

EXTENSIONS: list[Extension] = [
    Link(app=APP, key="export", page="ledger", links=ledger_links, order=30),
    Link(app=APP, key="supervision_notice", page="measure", links=measure_links, order=30),
    Panel(app=APP, key="similar", page="finding", render=similar_panel, order=30),
    TimelineLabel(app=APP, action="ledger:imported", label=_("Ledger imported from a file")),
]

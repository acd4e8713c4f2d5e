"""The self-check as a Word document in the official layout, for the assessor's file."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from core.selfcheck import CheckItem
from documents.docx_official import OfficialDocument


def selfcheck_document(org: Any, items: Sequence[CheckItem], day: datetime.date) -> bytes:
    doc = OfficialDocument()
    doc.title(_("%(org)s security self-check") % {"org": org.name})
    held = sum(1 for i in items if i.holds)
    doc.paragraph(
        _(
            "This self-check lists each requirement with the installation's current setting, "
            "read from the system on the date below: %(held)d of %(total)d requirements hold."
        )
        % {"held": held, "total": len(items)}
    )
    rows = [
        [
            str(n),
            item.requirement,
            item.setting,
            _("Holds") if item.holds else _("Does not hold"),
            item.detail,
        ]
        for n, item in enumerate(items, 1)
    ]
    doc.table(
        [_("No."), _("Requirement"), _("Current setting"), _("Result"), _("Detail")],
        rows,
        widths_mm=[10, 48, 38, 18, 42],
        center_columns=[0, 3],
    )
    doc.signature(org.name, day)
    return doc.to_bytes()

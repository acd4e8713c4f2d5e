"""制度汇编: every issued rule of an inspection in one Word document, with a table of contents."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from documents.docx_official import OfficialDocument, chinese_date, chinese_numeral
from ledger.models import Inspection
from regulations.files import docx_text
from regulations.models import Rule
from reporting import storage


def _body_of(rule: Rule) -> list[str]:
    """The issued text of the rule, paragraph by paragraph, when its file is a Word document."""
    if not rule.issued_name.lower().endswith(".docx"):
        return []
    try:
        with storage.open_blob(rule.issued_sha256) as handle:
            return docx_text(handle.read()).splitlines()
    except (OSError, ValueError):
        return []


def build_compendium(inspection: Inspection, rules: Sequence[Rule]) -> bytes:
    doc = OfficialDocument()
    doc.title(_("Compendium of rules"))
    doc.subtitle(f"（{inspection.label}）")
    doc.heading(_("Contents"), level=1, numbered=False)
    if not rules:
        doc.paragraph(_("No rule of this inspection has been issued yet."))
    for index, rule in enumerate(rules, start=1):
        doc.paragraph(
            f"{chinese_numeral(index)}、{rule.title}（{rule.issue_number}）", indent=False
        )
    for index, rule in enumerate(rules, start=1):
        doc.page_break()
        doc.heading(f"{chinese_numeral(index)}、{rule.title}", level=1, numbered=False)
        issued = chinese_date(rule.issued_on) if rule.issued_on else ""
        doc.paragraph(
            _("Document number %(number)s, issued %(date)s, lead department %(unit)s.")
            % {"number": rule.issue_number, "date": issued, "unit": rule.lead_unit.name}
        )
        body = _body_of(rule)
        if body:
            for line in body:
                doc.paragraph(line)
        else:
            doc.paragraph(
                _("The issued document (%(name)s) is not a Word file; it is kept in the register.")
                % {"name": rule.issued_name}
            )
    return doc.to_bytes()

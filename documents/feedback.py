"""From a parsed feedback document (反馈意见) or rectification notice (整改情况通报) to findings.

The parser (``documents.feedback_parser``) gives a tree by numbering. Which level holds the
findings differs between documents (some number them （一）, some 1. under （一）), so the
office picks the level; the default is the level under the themes (一、). Each item of that
level becomes a finding candidate carrying its full original text, its composite number
("一、（一）1", as the ledger writes them, unique within the inspection) and the theme its
top-level heading names. In a rectification notice the items one level further down are the
measures taken, offered as measure candidates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.numbering import number_sort_key
from documents.feedback_parser import FeedbackNode
from documents.imports import clean_number
from documents.matching import Directory
from documents.similarity import SimilarFinding, index_for
from ledger.models import Finding, Inspection
from ledger.services import MeasureData, finding_save, measure_create
from organization.models import Theme

_ENUMERATION = "cn_shi"


@dataclass
class MeasureCandidate:
    number: str
    text: str


@dataclass
class FindingCandidate:
    number: str
    text: str
    source: str
    theme_title: str
    theme: Theme | None = None
    measures: list[MeasureCandidate] = field(default_factory=list)
    similar: list[SimilarFinding] = field(default_factory=list)
    exists: bool = False


def _walk(
    nodes: list[FeedbackNode], path: tuple[FeedbackNode, ...] = ()
) -> Iterator[tuple[FeedbackNode, tuple[FeedbackNode, ...]]]:
    for node in nodes:
        yield node, path
        yield from _walk(node.children, (*path, node))


def levels(roots: list[FeedbackNode]) -> list[tuple[str, str]]:
    """The numbering levels of the document, outermost first: (style, an example number)."""
    seen: dict[str, str] = {}
    order: dict[str, int] = {}
    for node, path in _walk(roots):
        if not node.number or node.style == _ENUMERATION:
            continue
        seen.setdefault(node.style, node.number)
        depth = len([p for p in path if p.number])
        order[node.style] = min(order.get(node.style, depth), depth)
    return sorted(seen.items(), key=lambda item: order[item[0]])


def default_level(roots: list[FeedbackNode]) -> str:
    found = levels(roots)
    if not found:
        return ""
    top = found[0][0]
    tops = [n for n in roots if n.style == top]
    themed = top == "cn_dun" and any(any(c.style != _ENUMERATION for c in n.children) for n in tops)
    if themed and len(found) > 1:
        return found[1][0]
    return top


def _flatten(node: FeedbackNode) -> str:
    text = node.text.strip()
    for child in node.children:
        joiner = "" if child.style == _ENUMERATION else "\n"
        text += joiner + _flatten(child)
    return text


def _body(node: FeedbackNode, *, children: bool) -> str:
    own = node.text.strip()
    if node.number and own.startswith(node.number):
        own = own[len(node.number) :].strip()
    for child in node.children:
        if not children and child.style != _ENUMERATION:
            continue
        joiner = "" if child.style == _ENUMERATION else "\n"
        own += joiner + _flatten(child)
    return own.strip()


def candidates(
    roots: list[FeedbackNode],
    *,
    level: str,
    notice: bool,
    inspection: Inspection,
    user: Any,
    similar: bool = True,
) -> list[FindingCandidate]:
    """Finding candidates at the chosen numbering level, with theme and similar past findings."""
    directory = Directory(inspection.organization)
    existing = {
        number_sort_key(n)
        for n in Finding.objects.unscoped("import into an inspection the importer may edit")
        .filter(inspection=inspection)
        .exclude(number="")
        .values_list("number", flat=True)
    }
    result: list[FindingCandidate] = []
    for node, path in _walk(roots):
        if node.style != level or not node.number:
            continue
        numbered = [p for p in path if p.number and p.style != _ENUMERATION]
        number = clean_number("".join(p.number for p in numbered) + node.number)
        theme_title = numbered[0].title if numbered else ""
        candidate = FindingCandidate(
            number=number,
            text=_body(node, children=not notice),
            source=_flatten(node),
            theme_title=theme_title,
        )
        if theme_title:
            candidate.theme = directory.theme(theme_title).obj
        if notice:
            candidate.measures = [
                MeasureCandidate(number=clean_number(c.number), text=_body(c, children=True))
                for c in node.children
                if c.style != _ENUMERATION
            ]
        candidate.exists = number_sort_key(number) in existing
        result.append(candidate)
    if similar and result:
        index = index_for(user, inspection)
        for candidate in result:
            candidate.similar = index.top(candidate.text)
    return result


@dataclass
class FindingInput:
    number: str
    text: str
    source: str
    theme: Theme
    measures: list[MeasureData] = field(default_factory=list)


def findings_create(*, by: Any, inspection: Inspection, items: list[FindingInput]) -> list[Finding]:
    """Create the confirmed findings (and their measures) in one transaction, all or nothing."""
    taken = {
        number_sort_key(n)
        for n in Finding.objects.unscoped("import into an inspection the importer may edit")
        .filter(inspection=inspection)
        .exclude(number="")
        .values_list("number", flat=True)
    }
    errors = []
    for item in items:
        key = number_sort_key(item.number) if item.number else None
        if key and key in taken:
            errors.append(
                _("Finding %(number)s already exists in this inspection.") % {"number": item.number}
            )
        if key:
            taken.add(key)
    if errors:
        raise ValidationError(errors)
    created: list[Finding] = []
    with transaction.atomic():
        for item in items:
            finding = finding_save(
                by=by,
                finding=Finding(
                    inspection=inspection,
                    theme=item.theme,
                    number=item.number,
                    text=item.text.strip(),
                    source_excerpt=item.source.strip(),
                ),
            )
            for data in item.measures:
                measure_create(by=by, finding=finding, data=data)
            created.append(finding)
    return created

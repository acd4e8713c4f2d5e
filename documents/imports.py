"""Import an Excel ledger (整改台账) into an inspection: a preview first, then all or nothing.

:func:`preview_import` reads the file (``documents.ledger_reader``), matches every unit, person
and theme to the organization, reads every deadline with the deadline parser, validates every
measure with the same ``validate_measure_data`` the forms use, and compares each row with the
ledger: what will be created, what will change (field by field) and what is already so. It
writes nothing. :func:`apply_import` computes the same plan again and, when it has no errors
and still matches the preview the office confirmed (``expected_digest``), writes it in one
transaction through the ledger services, so every finding and measure is audited as if typed
in a form. Re-importing the same file therefore changes nothing.

Rows are matched to the ledger by number within the inspection: the finding's number, then
the measure's number within its finding. A finding's number is the one written before its
text ("（一）…"), prefixed with its theme's number when the file numbers themes ("一、（一）"),
or, when the 序号 column numbers findings (merged over, or repeated on, a finding's rows), that
column. A measure's number is the one written before its text, else its position under the
finding. A finding without any number is matched by its text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import batched_events, record_event
from core.numbering import int_to_chinese, normalize_width, number_sort_key
from documents import wording
from documents.ledger_reader import LedgerRow, LedgerSheet, Problem, read_ledger
from documents.matching import Directory, Found, is_collective, normalize_name, split_names
from documents.similarity import SimilarFinding, index_for
from ledger.choices import DeadlineKind, UnitPart
from ledger.deadline_parser import DeadlineParseError, parse_deadline
from ledger.models import Finding, Inspection, Measure
from ledger.services import (
    NAME_TEXT_SEPARATOR,
    MeasureData,
    MeasureRefused,
    finding_save,
    measure_assign_to_units,
    measure_create,
    measure_update,
    measures_create,
    validate_measure_data,
)
from organization.models import Person, Theme, Unit

__all__ = [
    "DEFAULT_REVIEW_DAYS",
    "FieldChange",
    "FindingPlan",
    "ImportChoices",
    "ImportPreview",
    "ImportRefused",
    "ImportResult",
    "MeasurePlan",
    "apply_import",
    "preview_import",
]

# Long-term measures need a review interval; a ledger never gives one.
DEFAULT_REVIEW_DAYS = 90
# Similar past findings are looked up for at most this many new findings of one file.
MAX_SIMILAR_LOOKUPS = 2000

Progress = Callable[[int, str], None]

_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?: \d{2}:\d{2})?$")
_PERCENT_RE = re.compile(r"^(\d{1,3}(?:\.\d+)?)\s*%?$")
_ADDRESS_RE = re.compile(r"^[A-Z]{1,3}(\d+)$")


class ImportRefused(ValidationError):
    """The import cannot be applied: the plan has errors, or changed since the preview."""


def _field_labels() -> dict[str, str]:
    return {
        "finding_text": _("Problem"),
        "theme": _("Theme"),
        "content": _("Measure"),
        "lead_unit": _("Lead unit"),
        "co_units": _("Co-operating units"),
        "responsible_leader": _("Responsible leader"),
        "responsible_persons": _("Responsible persons"),
        "deadline": _("Deadline"),
        "progress": _("Progress %"),
    }


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str

    def to_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "label": self.label,
            "before": self.before,
            "after": self.after,
        }


@dataclass
class FindingPlan:
    """One finding of the file and what the import does with it."""

    number: str
    text: str
    theme_text: str
    address: str
    first_row: int
    theme: Theme | None = None
    existing: Finding | None = None
    action: str = "create"  # create | update | unchanged | error
    changes: list[FieldChange] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    similar: list[SimilarFinding] = field(default_factory=list)
    saved: Finding | None = None
    choices: list[dict[str, Any]] = field(default_factory=list)  # an ambiguous theme

    @property
    def key(self) -> str:
        return number_sort_key(self.number) if self.number else "text:" + _norm_text(self.text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "text": self.text,
            "theme": self.theme.name if self.theme else self.theme_text,
            "address": self.address,
            "row": self.first_row,
            "action": self.action,
            "finding_id": self.existing.pk if self.existing else None,
            "changes": [c.to_dict() for c in self.changes],
            "problems": [_problem_dict(p) for p in self.problems],
            "similar": [s.to_dict() for s in self.similar],
            "choices": self.choices,
        }


@dataclass
class ImportChoices:
    """What the person chose in the preview: narrowed groups, picked matches, partial import.

    ``narrow`` maps a cell address and group phrase ("F5|各党支部") to the unit ids kept;
    ``units``, ``people`` and ``themes`` map a name as written to the id chosen for it;
    ``skip_errors`` imports the rows without errors and leaves the others out.
    """

    narrow: dict[str, list[int]] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    themes: dict[str, int] = field(default_factory=dict)
    skip_errors: bool = False

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> ImportChoices:
        raw = raw or {}

        def ids(value: Any) -> dict[str, int]:
            return {str(k): int(v) for k, v in (value or {}).items() if str(v).isdigit()}

        return cls(
            narrow={
                str(k): [int(i) for i in v if str(i).isdigit()]
                for k, v in (raw.get("narrow") or {}).items()
            },
            units=ids(raw.get("units")),
            people=ids(raw.get("people")),
            themes=ids(raw.get("themes")),
            skip_errors=bool(raw.get("skip_errors")),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "narrow": self.narrow,
            "units": self.units,
            "people": self.people,
            "themes": self.themes,
            "skip_errors": self.skip_errors,
        }


@dataclass
class Expansion:
    """A group phrase of one cell and the units it stands for (after any narrowing)."""

    key: str  # "F5|各党支部": the cell and the phrase, what a narrowing is keyed by
    address: str
    text: str
    role: str  # lead | coop
    units: list[Unit]
    offered: list[Unit]  # every unit the phrase covers, to narrow from

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "address": self.address,
            "text": self.text,
            "role": self.role,
            "units": [u.name for u in self.units],
            "unit_ids": [u.pk for u in self.units],
            "offered": [{"id": u.pk, "name": u.name} for u in self.offered],
            "count": len(self.units),
        }


@dataclass
class Unmatched:
    """A person's name not (or not surely) in the directory: kept as text, matchable."""

    name: str
    address: str
    role: str  # leader | person
    candidates: list[Person]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": self.address,
            "role": self.role,
            "candidates": [{"id": p.pk, "label": _person_label(p)} for p in self.candidates],
        }


@dataclass
class MeasurePlan:
    """One measure row of the file and what the import does with it."""

    row: int
    finding: FindingPlan
    number: str
    content: str
    address: str
    data: MeasureData | None = None
    existing: Measure | None = None
    action: str = "create"  # create | update | unchanged | error
    changes: list[FieldChange] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    read: dict[str, Any] = field(default_factory=dict)  # what the row says, errors or not
    group_units: list[Unit] = field(default_factory=list)  # one measure for each of these
    expansions: list[Expansion] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    choices: list[dict[str, Any]] = field(default_factory=list)  # ambiguous units, to choose

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        data = self.data
        return {
            "row": self.row,
            "action": self.action,
            "finding_number": self.finding.number,
            "finding_text": self.finding.text,
            "number": self.number,
            "content": self.content,
            "address": self.address,
            "measure_id": self.existing.pk if self.existing else None,
            "lead_unit": data.lead_unit.name if data else self.read.get("lead_unit", ""),
            "deadline": _deadline_label(data) if data else self.read.get("deadline", ""),
            "read": self.read,
            "creates": len(self.group_units) or (1 if self.action == "create" else 0),
            "group_units": [u.name for u in self.group_units],
            "expansions": [e.to_dict() for e in self.expansions],
            "unmatched": [u.to_dict() for u in self.unmatched],
            "choices": self.choices,
            "changes": [c.to_dict() for c in self.changes],
            "problems": [_problem_dict(p) for p in self.problems],
        }


@dataclass
class ImportPreview:
    """Everything an import would do, and every problem that stops it, by cell address."""

    inspection: Inspection
    filename: str
    sheet: LedgerSheet
    findings: list[FindingPlan]
    measures: list[MeasurePlan]
    problems: list[Problem]
    untouched: list[Measure]
    digest: str = ""
    choices: ImportChoices = field(default_factory=ImportChoices)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    def counts(self) -> dict[str, int]:
        measures = Counter(m.action for m in self.measures)
        findings = Counter(f.action for f in self.findings)
        created = sum(len(m.group_units) or 1 for m in self.measures if m.action == "create")
        return {
            "rows": len(self.measures),
            "findings_create": findings["create"],
            "findings_update": findings["update"],
            "findings_unchanged": findings["unchanged"],
            "rows_create": measures["create"],
            "measures_create": created,
            "measures_update": measures["update"],
            "measures_unchanged": measures["unchanged"],
            "rows_with_errors": measures["error"],
            "errors": len(self.errors),
            "warnings": len(self.problems) - len(self.errors),
            "untouched": len(self.untouched),
        }

    @property
    def has_changes(self) -> bool:
        counts = self.counts()
        return any(
            counts[k]
            for k in ("findings_create", "findings_update", "measures_create", "measures_update")
        )

    @property
    def can_apply(self) -> bool:
        return not self.has_errors and self.has_changes

    @property
    def can_apply_partly(self) -> bool:
        """Some rows have errors, others could be imported on their own."""
        return self.has_errors and any(
            m.action in ("create", "update") and m.finding.action != "error" for m in self.measures
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "inspection": {"id": self.inspection.pk, "name": self.inspection.name},
            "filename": self.filename,
            "sheet": self.sheet.sheet_name,
            "title": self.sheet.title,
            "format": self.sheet.file_format,
            "header_rows": self.sheet.header_rows,
            "columns": sorted(self.sheet.columns, key=lambda name: self.sheet.columns[name]),
            "counts": self.counts(),
            "can_apply": self.can_apply,
            "can_apply_partly": self.can_apply_partly,
            "choices": self.choices.to_dict(),
            "digest": self.digest,
            "findings": [f.to_dict() for f in self.findings],
            "rows": [m.to_dict() for m in self.measures],
            "problems": [_problem_dict(p) for p in self.problems],
            "untouched": [
                {
                    "id": m.pk,
                    "finding_number": m.finding.number,
                    "number": m.number,
                    "content": m.content,
                }
                for m in self.untouched
            ],
        }


@dataclass
class ImportResult:
    preview: ImportPreview
    created_findings: int = 0
    updated_findings: int = 0
    created_measures: int = 0
    updated_measures: int = 0
    skipped_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "skipped_rows": self.skipped_rows,
            "created_findings": self.created_findings,
            "updated_findings": self.updated_findings,
            "created_measures": self.created_measures,
            "updated_measures": self.updated_measures,
            "changes": [
                m.to_dict() for m in self.preview.measures if m.action in ("create", "update")
            ],
            "finding_changes": [
                f.to_dict() for f in self.preview.findings if f.action in ("create", "update")
            ],
        }


def _problem_dict(problem: Problem) -> dict[str, str]:
    return {"address": problem.address, "message": problem.message, "severity": problem.severity}


def _norm_text(text: str) -> str:
    return re.sub(r"\s+", "", normalize_width(text or ""))


def clean_number(printed: str) -> str:
    """A printed number without its trailing separator: "1." -> "1", "一、（一）" stays."""
    return (printed or "").strip().rstrip(wording.NUMBER_TRAILING).strip()


def _row_of(address: str) -> int | None:
    m = _ADDRESS_RE.match(address or "")
    if m:
        return int(m.group(1))
    return int(address) if (address or "").isdigit() else None


_TITLE_RE = re.compile(r"[(（][^()（）]*[)）]")


def _without_title(name: str) -> str:
    """ "王建国（副校长）" -> "王建国": the name a person will be added under."""
    return _TITLE_RE.sub("", normalize_width(name or "")).strip() or (name or "").strip()


def ledger_names_text(names: list[str]) -> str:
    return NAME_TEXT_SEPARATOR.join(dict.fromkeys(n for n in names if n))


def ledger_names_split(text: str) -> list[str]:
    return [n for n in (text or "").split(NAME_TEXT_SEPARATOR) if n]


# Spaces people type into cells: no-break, full-width, ideographic, zero-width.
_ODD_SPACES = str.maketrans(
    {"\u00a0": " ", "\u3000": " ", "\u2002": " ", "\u2003": " ", "\u200b": ""}
)
# A note after the deadline: "2021年6月底（已完成）", "2021.6.30 备注：…", a second line.
_BRACKETED_RE = re.compile(r"[(（【\[][^)）】\]]*[)）】\]]")
_NOTE_RE = re.compile(r"\s*(?:[(（【\[][^)）】\]]*[)）】\]]|(?:备注|注|说明)[:：].*)\s*$")


def _deadline_candidates(text: str) -> list[str]:
    """The deadline as written, then without trailing notes, then its first line."""
    clean = text.translate(_ODD_SPACES).strip()
    out = [clean]
    stripped = clean
    while True:
        shorter = _NOTE_RE.sub("", stripped).strip()
        if shorter == stripped or not shorter:
            break
        stripped = shorter
        out.append(stripped)
    # A note in brackets inside the text: "2021年6月底前（阶段性），长期坚持".
    out.append(_BRACKETED_RE.sub("", clean).strip())
    lines = [line.strip() for line in clean.splitlines() if line.strip()]
    if len(lines) > 1:
        out.append(lines[0])
        out.append(_NOTE_RE.sub("", lines[0]).strip())
    return [c for c in dict.fromkeys(out) if c]


def _deadline_label(data: MeasureData) -> str:
    if data.deadline_text:
        return data.deadline_text
    if data.due_date:
        return data.due_date.isoformat()
    return str(DeadlineKind(data.deadline_kind).label)


# ---------------------------------------------------------------------------------------------
# The plan


class _Planner:
    def __init__(
        self,
        *,
        sheet: LedgerSheet,
        inspection: Inspection,
        by: Any,
        default_theme: Theme | None,
        filename: str,
        progress: Progress | None,
        choices: ImportChoices | None = None,
    ) -> None:
        self.choices = choices or ImportChoices()
        self.sheet = sheet
        self.inspection = inspection
        self.by = by
        self.default_theme = default_theme
        self.filename = filename
        self.progress = progress
        self.directory = Directory(inspection.organization)
        self.columns = set(sheet.columns)
        self.problems: list[Problem] = list(sheet.problems)
        self.labels = _field_labels()
        self._reported: set[tuple[str, str]] = set()
        self._narrative_progress = 0
        # Each finding's first row by its number: looked up per finding, where walking the
        # rows for it was quadratic (2,000 findings of 10,000 rows: a second).
        self._row_at: dict[int, LedgerRow] = {}
        for row in sheet.rows:
            self._row_at.setdefault(row.row_number, row)

    def problem(self, address: str, message: str, severity: str = "error") -> Problem:
        problem = Problem(address=address, message=message, severity=severity)  # type: ignore[arg-type]
        if (address, message) not in self._reported:
            self._reported.add((address, message))
            self.problems.append(problem)
        return problem

    def _tick(self, done: int, total: int) -> None:
        if self.progress is not None and total and done % 200 == 0:
            self.progress(
                10 + int(80 * done / total),
                _("Checking row %(n)d of %(total)d") % {"n": done, "total": total},
            )

    # -- the findings ---------------------------------------------------------------------

    def _seq_numbers_findings(self, groups: dict[str, list[LedgerRow]]) -> bool:
        """Whether the 序号 column numbers findings rather than measures."""
        if "seq" not in self.columns:
            return False
        multi = [rows for rows in groups.values() if len(rows) > 1]
        for rows in multi:
            cells = [r.cells.get("seq") for r in rows]
            values = {c.value for c in cells if c is not None}
            addresses = {c.address for c in cells if c is not None}
            if len(addresses) > 1 and len(values) > 1:
                return False
        return True

    def findings(self) -> tuple[list[FindingPlan], dict[int, FindingPlan], list[LedgerRow]]:
        groups: dict[str, list[LedgerRow]] = {}
        for row in self.sheet.rows:
            finding = row.cells.get("finding")
            if finding is None or not finding.value:
                continue  # the reader has reported the missing finding
            groups.setdefault(finding.address + "\x00" + finding.value, []).append(row)
        by_seq = self._seq_numbers_findings(groups)
        plans: list[FindingPlan] = []
        of_row: dict[int, FindingPlan] = {}
        theme_order: dict[str, int] = {}
        themed: list[tuple[FindingPlan, str, bool]] = []
        for rows in groups.values():
            first = rows[0]
            cell = first.cells["finding"]
            theme_cell = first.cells.get("theme")
            theme_text = theme_cell.value if theme_cell else ""
            theme_key = first.theme_number or theme_text
            theme_order.setdefault(theme_key, len(theme_order) + 1)
            number = clean_number(first.finding_number)
            relative = bool(number)
            if not number and by_seq and first.cells.get("seq") is not None:
                number = clean_number(first.cells["seq"].value)
            if relative and first.theme_number:
                number = _compose(first.theme_number, number)
                relative = False
            plan = FindingPlan(
                number=number,
                text=cell.value,
                theme_text=theme_text,
                address=cell.address,
                first_row=first.row_number,
            )
            plans.append(plan)
            themed.append((plan, theme_key, relative))
            for row in rows:
                of_row[row.row_number] = plan
        self._number_within_themes(themed, theme_order)
        self._check_duplicates(plans)
        for plan in plans:
            self._resolve_theme(plan)
        return plans, of_row, [r for r in self.sheet.rows if r.row_number in of_row]

    def _number_within_themes(
        self, themed: list[tuple[FindingPlan, str, bool]], theme_order: dict[str, int]
    ) -> None:
        # Findings numbered （一）（二）… anew under each theme need the theme's place as prefix.
        keys = Counter(plan.key for plan, _theme, relative in themed if relative and plan.number)
        if not any(count > 1 for count in keys.values()) or len(theme_order) < 2:
            return
        for plan, theme_key, relative in themed:
            if relative and plan.number:
                plan.number = _compose(int_to_chinese(theme_order[theme_key]), plan.number)

    def _check_duplicates(self, plans: list[FindingPlan]) -> None:
        # Two findings with one number are imported as two (told apart by their text, as a
        # ledger of several rounds has them), but a person should look: it is often a typo.
        seen: dict[str, FindingPlan] = {}
        for plan in plans:
            other = seen.get(plan.key)
            if other is None:
                seen[plan.key] = plan
                continue
            plan.problems.append(
                self.problem(
                    plan.address,
                    _(
                        "The finding number %(number)s is also used in row %(first)d for "
                        "another finding; both are imported, told apart by their text."
                    )
                    % {"number": plan.number or "—", "first": other.first_row},
                    "warning",
                )
            )

    def _resolve_theme(self, plan: FindingPlan) -> None:
        if not plan.theme_text:
            if self.default_theme is None:
                plan.problems.append(
                    self.problem(
                        plan.address,
                        _(
                            "No theme is given for this finding; add a 问题类别 column or "
                            "choose a default theme. Known themes: %(themes)s."
                        )
                        % {"themes": self._theme_names()},
                    )
                )
            plan.theme = self.default_theme
            return
        address = self._theme_address(plan)
        chosen = self.choices.themes.get(normalize_name(plan.theme_text))
        picked = [t for t in self.directory.themes if t.pk == chosen]
        if picked:
            plan.theme = picked[0]
            return
        found = self.directory.theme(plan.theme_text)
        if found.candidates:
            plan.choices.append(
                {
                    "kind": "theme",
                    "name": plan.theme_text,
                    "key": normalize_name(plan.theme_text),
                    "address": address,
                    "candidates": [{"id": t.pk, "label": t.name} for t in found.candidates],
                }
            )
            plan.problems.append(
                self.problem(
                    address,
                    _("The theme “%(theme)s” fits several themes: %(names)s; choose one.")
                    % {
                        "theme": plan.theme_text,
                        "names": wording.LIST_SEPARATOR.join(t.name for t in found.candidates),
                    },
                )
            )
            return
        if found.obj is None:
            plan.problems.append(
                self.problem(
                    address,
                    _(
                        "The theme “%(theme)s” is not one of the organization's themes "
                        "(%(themes)s); rename it in the file or create the theme on the "
                        "organization screens."
                    )
                    % {"theme": plan.theme_text, "themes": self._theme_names()},
                )
            )
            return
        plan.theme = found.obj
        if found.approximate:
            self.problem(
                address,
                _("The theme “%(text)s” was read as “%(theme)s”.")
                % {"text": plan.theme_text, "theme": found.obj.name},
                "warning",
            )

    def _theme_address(self, plan: FindingPlan) -> str:
        row = self._row_at.get(plan.first_row)
        if row is not None and "theme" in row.cells:
            return row.cells["theme"].address
        return plan.address

    def _theme_names(self) -> str:
        return wording.LIST_SEPARATOR.join(t.name for t in self.directory.themes) or "—"

    def match_findings(self, plans: list[FindingPlan]) -> dict[int, list[Measure]]:
        existing = list(
            Finding.objects.editable_by(self.by)
            .filter(inspection=self.inspection)
            .select_related("theme")
            .order_by("id")
        )
        by_number: dict[str, list[Finding]] = defaultdict(list)
        by_text: dict[str, Finding] = {}
        for finding in existing:
            if finding.number:
                by_number[number_sort_key(finding.number)].append(finding)
            by_text.setdefault(_norm_text(finding.text), finding)
        for plan in plans:
            if plan.number:
                candidates = by_number.get(number_sort_key(plan.number), [])
                same_text = [f for f in candidates if _norm_text(f.text) == _norm_text(plan.text)]
                matches = same_text or candidates
                plan.existing = matches[0] if matches else None
            else:
                plan.existing = by_text.get(_norm_text(plan.text))
            self._finding_changes(plan)
        measures: dict[int, list[Measure]] = defaultdict(list)
        ids = [p.existing.pk for p in plans if p.existing is not None]
        for start in range(0, len(ids), 500):
            for measure in (
                Measure.objects.unscoped("import into an inspection the importer may edit")
                .filter(finding_id__in=ids[start : start + 500])
                .select_related("lead_unit", "responsible_leader", "finding")
                .prefetch_related("unit_links__unit", "responsible_persons", "tags")
                .order_by("sort_key", "id")
            ):
                measures[measure.finding_id].append(measure)
        return measures

    def _finding_changes(self, plan: FindingPlan) -> None:
        if any(p.severity == "error" for p in plan.problems):
            plan.action = "error"
            return
        found = plan.existing
        if found is None:
            plan.action = "create"
            return
        if found.text.strip() != plan.text.strip():
            plan.changes.append(
                FieldChange("finding_text", self.labels["finding_text"], found.text, plan.text)
            )
        if plan.theme is not None and found.theme_id != plan.theme.pk:
            plan.changes.append(
                FieldChange("theme", self.labels["theme"], found.theme.name, plan.theme.name)
            )
        plan.action = "update" if plan.changes else "unchanged"

    # -- the measures ---------------------------------------------------------------------

    def measures(
        self,
        rows: list[LedgerRow],
        of_row: dict[int, FindingPlan],
        existing: dict[int, list[Measure]],
    ) -> list[MeasurePlan]:
        if "measure" not in self.columns:
            return []
        plans: list[MeasurePlan] = []
        ordinal: Counter[int] = Counter()
        seen: dict[tuple[int, str], MeasurePlan] = {}
        by_finding: dict[int, dict[str, Measure]] = {}
        for finding_id, items in existing.items():
            index: dict[str, Measure] = {}
            for m in items:
                index.setdefault(number_sort_key(m.number) if m.number else "", m)
            by_finding[finding_id] = index
        for done, row in enumerate(rows, start=1):
            self._tick(done, len(rows))
            finding = of_row[row.row_number]
            cell = row.cells.get("measure")
            if cell is None or not cell.value:
                continue  # a finding without measure: the reader has reported it
            ordinal[id(finding)] += 1
            number = clean_number(row.measure_number) or str(ordinal[id(finding)])
            plan = MeasurePlan(
                row=row.row_number,
                finding=finding,
                number=number,
                content=cell.value,
                address=cell.address,
            )
            plans.append(plan)
            key = (id(finding), number_sort_key(number))
            if key in seen:
                plan.problems.append(
                    self.problem(
                        cell.address,
                        _(
                            "The measure number %(number)s appears twice under finding "
                            "%(finding)s (rows %(first)d and %(row)d)."
                        )
                        % {
                            "number": number,
                            "finding": finding.number or finding.text[:20],
                            "first": seen[key].row,
                            "row": row.row_number,
                        },
                    )
                )
            else:
                seen[key] = plan
            if finding.existing is not None:
                plan.existing = by_finding.get(finding.existing.pk, {}).get(number_sort_key(number))
            self._measure_data(plan, row)
        return plans

    def _measure_data(self, plan: MeasurePlan, row: LedgerRow) -> None:
        """Read every cell of the row on its own: every problem is found in one pass, and
        what was read is kept beside the errors so the person sees what to fix."""
        existing = plan.existing
        problems = plan.problems
        address = plan.address
        read = plan.read

        def add(cell_address: str, message: str, severity: str = "error") -> None:
            problem = self.problem(cell_address, message, severity)
            if problem not in problems:
                problems.append(problem)

        lead_cell = row.cells.get("lead_unit")
        persons_cell = row.cells.get("persons")
        leader_cell = row.cells.get("leader")
        # A combined 责任单位/责任人 column: the names that are units lead, the rest are people.
        combined = (
            lead_cell is not None
            and persons_cell is not None
            and lead_cell.address == persons_cell.address
            and lead_cell.value == persons_cell.value  # the reader could not split it
        )
        people_in_unit_cell: list[str] = []

        # Lead unit, and further units written in the same cell.
        lead: Unit | None = existing.lead_unit if existing else None
        extra_units: list[Unit] = []
        if "lead_unit" in self.columns:
            lead = None
            names = split_names(lead_cell.value) if lead_cell else []
            lead_address = lead_cell.address if lead_cell else address
            read["lead_unit"] = lead_cell.value if lead_cell else ""
            if combined:
                names, people_in_unit_cell = self._units_and_people(names)
            if not names:
                add(lead_address, _("No lead unit (牵头单位) is given."))
            group_units: list[Unit] = []
            for name in names:
                group = self._group(plan, name, lead_address, "lead", add)
                if group is not None:
                    group_units.extend(u for u in group if u not in group_units)
                    continue
                unit = self._unit(plan, name, lead_address, add)
                if unit is None:
                    continue
                if lead is None:
                    lead = unit
                elif unit not in extra_units and unit != lead:
                    extra_units.append(unit)
            if group_units:
                # "各党支部" as lead unit: the measure is assigned to each of them.
                for unit in [u for u in [lead, *extra_units] if u is not None]:
                    if unit not in group_units:
                        group_units.append(unit)
                plan.group_units = group_units
                lead, extra_units = group_units[0], []
            elif extra_units:
                add(
                    lead_address,
                    _("Several lead units are given; %(lead)s leads and %(others)s co-operate.")
                    % {
                        "lead": lead.name if lead else "—",
                        "others": wording.LIST_SEPARATOR.join(u.name for u in extra_units),
                    },
                    "warning",
                )
        elif existing is None:
            add(address, _("The ledger has no lead-unit (牵头单位) column."))

        co_units: list[Unit] = []
        if existing is not None and "co_units" not in self.columns:
            co_units = [
                link.unit for link in existing.unit_links.all() if link.part == UnitPart.COOP
            ]
        co_cell = row.cells.get("co_units")
        if co_cell is not None:
            read["co_units"] = co_cell.value
            for name in split_names(co_cell.value):
                group = self._group(plan, name, co_cell.address, "coop", add)
                found: list[Unit | None] = (
                    list(group)
                    if group is not None
                    else [self._unit(plan, name, co_cell.address, add)]
                )
                co_units.extend(u for u in found if u is not None and u not in co_units)
        for unit in extra_units:
            if unit not in co_units:
                co_units.append(unit)
        if lead is not None:
            co_units = [u for u in co_units if u.pk != lead.pk]
        if plan.group_units:
            co_units = [u for u in co_units if u not in plan.group_units]

        # People are optional: a name not in the directory is kept as text, with a warning.
        leader: Person | None = existing.responsible_leader if existing else None
        leader_text: str | None = None
        if leader_cell is not None:
            leader, leader_text = None, ""
            read["leader"] = leader_cell.value
            names = split_names(leader_cell.value)
            if len(names) > 1:
                add(
                    leader_cell.address,
                    _("Only one responsible leader is kept per measure: %(name)s.")
                    % {"name": names[0]},
                    "warning",
                )
            if names:
                leader = self._person(plan, names[0], leader_cell.address, "leader", add)
                if leader is None:
                    leader_text = _without_title(names[0])

        persons: list[Person] | None = None
        persons_text: str | None = None
        person_names: list[str] = []
        if persons_cell is not None and persons_cell.value:
            person_names = people_in_unit_cell if combined else split_names(persons_cell.value)
            read["persons"] = wording.LIST_SEPARATOR.join(person_names)
        if person_names or (persons_cell is not None and persons_cell.value and not combined):
            persons, kept = [], []
            for name in person_names:
                person = self._person(plan, name, persons_cell.address, "person", add)  # type: ignore[union-attr]
                if person is None:
                    kept.append(_without_title(name))
                elif person not in persons:
                    persons.append(person)
            persons_text = ledger_names_text(kept)
        elif persons_cell is not None:
            persons_text = ""

        kind, due, deadline_text = self._deadline(plan, row, add)
        progress = self._progress(row)
        read["deadline"] = deadline_text
        read["deadline_kind"] = str(kind or "")
        read["due_date"] = due.isoformat() if due else ""
        read["lead_unit_matched"] = lead.name if lead else ""
        read["co_units_matched"] = [u.name for u in co_units]
        read["leader_matched"] = leader.name if leader else ""
        read["persons_matched"] = [p.name for p in persons or []]
        read["names_kept_as_text"] = [
            n for n in [leader_text or "", *ledger_names_split(persons_text or "")] if n
        ]
        if plan.group_units:
            read["assigned_to"] = [u.name for u in plan.group_units]

        # A due date before the feedback is checked on its own, whatever else the row lacks.
        if due is not None and due < self.inspection.feedback_date:
            add(
                self._field_address(row, "due_date", address),
                _("The due date %(due)s is before the feedback date %(feedback)s.")
                % {"due": due.isoformat(), "feedback": self.inspection.feedback_date.isoformat()},
            )
        if not plan.content.strip():
            add(address, _("The measure text is required."))

        if any(p.severity == "error" for p in problems) or lead is None or kind is None:
            plan.action = "error"
            return
        review = None
        if kind == DeadlineKind.LONG_TERM:
            review = (existing.review_interval_days if existing else None) or DEFAULT_REVIEW_DAYS
        data = MeasureData(
            content=plan.content,
            lead_unit=lead,
            number=plan.number,
            co_units=co_units,
            responsible_leader=leader,
            responsible_persons=persons,
            deadline_kind=kind,
            deadline_text=deadline_text[:100],
            due_date=due,
            review_interval_days=review,
            tags=list(existing.tags.all()) if existing else [],
            is_flagged=existing.is_flagged if existing else False,
            progress=progress,
            responsible_leader_text=leader_text,
            responsible_persons_text=persons_text,
        )
        finding = plan.finding.existing or Finding(
            inspection=self.inspection, theme=plan.finding.theme
        )
        try:
            validate_measure_data(data, finding=finding)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                target = self._field_address(row, name, address)
                for message in messages:
                    add(target, message)
            plan.action = "error"
            return
        plan.data = data
        if plan.group_units:
            plan.action = self._group_action(plan)
        elif existing is None:
            plan.action = "create"
        else:
            plan.changes = self._measure_changes(existing, data)
            plan.action = "update" if plan.changes else "unchanged"

    def _group_action(self, plan: MeasurePlan) -> str:
        # A measure assigned to several units is numbered "5.1", "5.2", ...: once imported,
        # the same row finds its copies and changes nothing.
        finding = plan.finding.existing
        if finding is None:
            return "create"
        base = plan.number.strip().rstrip(".")
        copies = (
            Measure.objects.unscoped("import into an inspection the importer may edit")
            .filter(finding=finding, number__startswith=f"{base}.", group__isnull=False)
            .exists()
        )
        return "unchanged" if copies else "create"

    def _units_and_people(self, names: list[str]) -> tuple[list[str], list[str]]:
        units: list[str] = []
        people: list[str] = []
        for name in names:
            if self.directory.group(name) is not None or self.directory.unit(name).obj:
                units.append(name)
            elif self.directory.person(name).obj is not None or len(normalize_name(name)) <= 4:
                people.append(name)
            else:
                units.append(name)
        return units, people

    def _group(
        self, plan: MeasurePlan, name: str, address: str, role: str, add: Callable[..., None]
    ) -> list[Unit] | None:
        group = self.directory.group(name)
        if group is None:
            if is_collective(name):
                add(
                    address,
                    _(
                        "“%(name)s” names several units, but no group phrase of the "
                        "organization says which; list the units or add the phrase to the "
                        "organization's settings."
                    )
                    % {"name": name},
                    "error" if role == "lead" else "warning",
                )
                return []
            return None
        key = f"{address}|{normalize_name(name)}"
        kept = self.choices.narrow.get(key)
        units = [u for u in group.units if u.pk in kept] if kept is not None else group.units
        plan.expansions.append(
            Expansion(
                key=key, address=address, text=name, role=role, units=units, offered=group.units
            )
        )
        if not units:
            add(address, _("“%(name)s” covers no unit.") % {"name": name})
            return []
        return units

    def _unit(
        self, plan: MeasurePlan, name: str, address: str, add: Callable[..., None]
    ) -> Unit | None:
        chosen = self.choices.units.get(normalize_name(name))
        if chosen is not None:
            for unit in self.directory.units:
                if unit.pk == chosen:
                    return unit
        found = self.directory.unit(name)
        if found.obj is not None:
            return found.obj
        # Units that fit equally, or merely resemble the name, are offered to choose from.
        offered = list(found.candidates) or [
            u for u in self.directory.units if u.name in set(found.suggestions)
        ]
        if offered:
            plan.choices.append(
                {
                    "kind": "unit",
                    "name": name,
                    "key": normalize_name(name),
                    "address": address,
                    "candidates": [{"id": u.pk, "label": u.name} for u in offered],
                }
            )
        add(address, self._not_found(found, _("unit")))
        return None

    def _person(
        self, plan: MeasurePlan, name: str, address: str, role: str, add: Callable[..., None]
    ) -> Person | None:
        """The person named, or None with a warning: the name is then kept as text."""
        chosen = self.choices.people.get(normalize_name(_without_title(name)))
        if chosen is not None:
            for person in self.directory.people:
                if person.pk == chosen:
                    return person
        found = self.directory.person(name)
        if found.obj is not None:
            return found.obj
        candidates = list(found.candidates)
        if not candidates and found.suggestions:
            wanted = set(found.suggestions)
            candidates = [p for p in self.directory.people if p.name in wanted]
        plan.unmatched.append(
            Unmatched(name=_without_title(name), address=address, role=role, candidates=candidates)
        )
        if found.candidates:
            message = _(
                "“%(name)s” fits several people: %(names)s; kept as text until you choose."
            ) % {
                "name": found.text,
                "names": wording.LIST_SEPARATOR.join(_person_label(c) for c in candidates),
            }
        else:
            message = _("%(name)s is not in the people directory; the name is kept as text.") % {
                "name": found.text
            }
            if found.suggestions:
                message += _(" (close: %(names)s)") % {
                    "names": wording.LIST_SEPARATOR.join(found.suggestions)
                }
        add(address, message, "warning")
        return None

    @staticmethod
    def _not_found(found: Found[Any], what: str) -> str:
        if found.candidates:
            return _("“%(name)s” fits several: %(names)s; write the full name.") % {
                "name": found.text,
                "names": wording.LIST_SEPARATOR.join(
                    _person_label(c) if isinstance(c, Person) else str(c) for c in found.candidates
                ),
            }
        if found.suggestions:
            return _(
                "No %(what)s named “%(name)s” in the organization. Did you mean %(names)s?"
            ) % {
                "what": what,
                "name": found.text,
                "names": wording.LIST_SEPARATOR.join(found.suggestions),
            }
        return _("No %(what)s named “%(name)s” in the organization.") % {
            "what": what,
            "name": found.text,
        }

    def _deadline(
        self, plan: MeasurePlan, row: LedgerRow, add: Callable[..., None]
    ) -> tuple[str | None, dt.date | None, str]:
        existing = plan.existing
        cell = row.cells.get("deadline")
        if cell is None:
            if existing is not None:
                return existing.deadline_kind, existing.due_date, existing.deadline_text
            add(plan.address, _("The ledger has no deadline (完成时限) column."))
            return None, None, ""
        text = cell.value.translate(_ODD_SPACES).strip()
        if not text:
            add(cell.address, _("No deadline (完成时限) is given."))
            return None, None, ""
        iso = _ISO_DATE_RE.match(text)
        if iso:
            try:
                return DeadlineKind.BY_DATE, dt.date(*(int(g) for g in iso.groups())), text
            except ValueError:
                add(cell.address, _("“%(text)s” is not a valid date.") % {"text": text})
                return None, None, ""
        first_error: DeadlineParseError | None = None
        for candidate in _deadline_candidates(text):
            try:
                parsed = parse_deadline(candidate, reference_date=self.inspection.feedback_date)
            except DeadlineParseError as exc:
                first_error = first_error or exc
                continue
            if candidate != text:
                add(
                    cell.address,
                    _("The deadline was read from “%(read)s”; the rest of the cell is a note.")
                    % {"read": candidate},
                    "warning",
                )
            plan.read["long_term_after"] = parsed.also_long_term
            return parsed.kind, parsed.due_date, " ".join(text.split())
        assert first_error is not None
        add(cell.address, first_error.message)
        return None, None, ""

    def _progress(self, row: LedgerRow) -> int | None:
        cell = row.cells.get("progress")
        if cell is None or not cell.value:
            return None
        m = _PERCENT_RE.match(normalize_width(cell.value).strip())
        if m is None:
            self._narrative_progress += 1
            return None
        value = float(m.group(1))
        if "%" not in cell.value and "." in m.group(1) and value <= 1:
            value *= 100  # a percentage cell: Excel stores 40% as 0.4
        if value > 100:
            self.problem(
                cell.address,
                _("Progress %(value)s is more than 100%%; it was not imported.")
                % {"value": cell.value},
                "warning",
            )
            return None
        return round(value)

    def _field_address(self, row: LedgerRow, name: str, default: str) -> str:
        column = {
            "content": "measure",
            "lead_unit": "lead_unit",
            "co_units": "co_units",
            "responsible_persons": "persons",
            "due_date": "deadline",
            "deadline_kind": "deadline",
            "review_interval_days": "deadline",
            "progress": "progress",
        }.get(name)
        cell = row.cells.get(column) if column else None
        return cell.address if cell is not None else default

    def _measure_changes(self, m: Measure, data: MeasureData) -> list[FieldChange]:
        labels = self.labels
        changes: list[FieldChange] = []

        def differ(name: str, before: str, after: str) -> None:
            if before != after:
                changes.append(FieldChange(name, labels[name], before, after))

        differ("content", m.content, data.content.strip())
        differ("lead_unit", m.lead_unit.name, data.lead_unit.name)
        before_co = sorted(
            link.unit.name for link in m.unit_links.all() if link.part == UnitPart.COOP
        )
        differ(
            "co_units",
            wording.LIST_SEPARATOR.join(before_co),
            wording.LIST_SEPARATOR.join(sorted(u.name for u in data.co_units)),
        )
        differ(
            "responsible_leader",
            m.responsible_leader.name if m.responsible_leader else "",
            data.responsible_leader.name if data.responsible_leader else "",
        )
        if data.responsible_persons is not None:
            differ(
                "responsible_persons",
                wording.LIST_SEPARATOR.join(sorted(p.name for p in m.responsible_persons.all())),
                wording.LIST_SEPARATOR.join(sorted(p.name for p in data.responsible_persons)),
            )
        before_deadline = (m.deadline_kind, m.due_date, m.deadline_text)
        after_deadline = (data.deadline_kind, data.due_date, data.deadline_text)
        if before_deadline != after_deadline:
            changes.append(
                FieldChange(
                    "deadline",
                    labels["deadline"],
                    _deadline_text_of(m.deadline_kind, m.due_date, m.deadline_text),
                    _deadline_text_of(data.deadline_kind, data.due_date, data.deadline_text),
                )
            )
        if data.progress is not None:
            differ("progress", str(m.progress), str(data.progress))
        return changes


def _deadline_text_of(kind: str, due: dt.date | None, text: str) -> str:
    parts = [text] if text else []
    if due is not None and due.isoformat() != text:
        parts.append(due.isoformat())
    return " / ".join(parts) or str(DeadlineKind(kind).label)


def _person_label(person: Person) -> str:
    unit = person.unit.name if person.unit_id and person.unit else ""
    return f"{person.name} ({unit})" if unit else person.name


def _compose(theme_number: str, finding_number: str) -> str:
    """ "一、" + "（一）" -> "一、（一）": a finding numbered anew under each theme."""
    prefix = theme_number.strip()
    if prefix and not prefix.endswith(wording.NUMBER_ENDINGS):
        prefix += wording.DUN_MARK
    return prefix + finding_number


def _digest(preview: ImportPreview) -> str:
    plan = {
        "inspection": preview.inspection.pk,
        "findings": [
            [
                f.action,
                f.number,
                f.text,
                f.theme.pk if f.theme else None,
                f.existing.pk if f.existing else None,
                f.existing.version if f.existing else None,
            ]
            for f in preview.findings
        ],
        "measures": [
            [
                m.row,
                m.action,
                m.number,
                m.existing.pk if m.existing else None,
                m.existing.version if m.existing else None,
                [c.to_dict() for c in m.changes],
                _data_key(m.data),
                [u.pk for u in m.group_units],
            ]
            for m in preview.measures
        ],
        "errors": len(preview.errors),
    }
    raw = json.dumps(plan, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _data_key(data: MeasureData | None) -> list[Any] | None:
    if data is None:
        return None
    return [
        data.content,
        data.lead_unit.pk,
        sorted(u.pk for u in data.co_units),
        data.responsible_leader.pk if data.responsible_leader else None,
        sorted(p.pk for p in data.responsible_persons) if data.responsible_persons else None,
        data.deadline_kind,
        data.due_date,
        data.deadline_text,
        data.progress,
        data.responsible_leader_text,
        data.responsible_persons_text,
    ]


# ---------------------------------------------------------------------------------------------
# Entry points


def preview_import(
    fileobj: IO[bytes],
    *,
    filename: str,
    inspection: Inspection,
    by: Any,
    default_theme: Theme | None = None,
    max_rows: int = 20000,
    progress: Progress | None = None,
    similar: bool = True,
    choices: ImportChoices | None = None,
) -> ImportPreview:
    """What importing this ledger into the inspection would do; writes nothing.

    Raises ``documents.ledger_reader.LedgerReadError`` for a file that cannot be read at all
    (not a spreadsheet, encrypted, macro-enabled, too large, no header).
    """
    if progress is not None:
        progress(2, _("Reading the file"))
    sheet = read_ledger(fileobj, filename=filename, max_rows=max_rows)
    if progress is not None:
        progress(10, _("Matching rows to the ledger"))
    planner = _Planner(
        sheet=sheet,
        inspection=inspection,
        by=by,
        default_theme=default_theme,
        filename=filename,
        progress=progress,
        choices=choices,
    )
    if "finding" not in sheet.columns and not any("finding" in r.cells for r in sheet.rows):
        planner.problem(
            "",
            _(
                "The ledger has no problem (具体问题) column, so its rows cannot be matched to "
                "findings."
            ),
        )
    finding_plans, of_row, rows = planner.findings()
    existing = planner.match_findings(finding_plans)
    measure_plans = planner.measures(rows, of_row, existing)
    if planner._narrative_progress:
        planner.problem(
            "",
            _(
                "%(n)d rows describe their progress in words; only percentages are imported "
                "(progress is reported on each measure's page)."
            )
            % {"n": planner._narrative_progress},
            "warning",
        )
    matched = {m.existing.pk for m in measure_plans if m.existing is not None}
    untouched = [m for items in existing.values() for m in items if m.pk not in matched]
    if "measure" in sheet.columns:
        seen_findings = {p.existing.pk for p in finding_plans if p.existing is not None}
        untouched += list(
            Measure.objects.editable_by(by)
            .filter(inspection=inspection)
            .exclude(finding_id__in=seen_findings)
            .select_related("finding")
            .order_by("finding__sort_key", "sort_key", "id")
        )
    else:
        untouched = []
    if similar:
        new = [p for p in finding_plans if p.action == "create"][:MAX_SIMILAR_LOOKUPS]
        if new:
            index = index_for(by, inspection)
            for plan in new:
                plan.similar = index.top(plan.text)
    problems = sorted(planner.problems, key=_problem_key)
    preview = ImportPreview(
        inspection=inspection,
        filename=filename,
        sheet=sheet,
        findings=finding_plans,
        measures=measure_plans,
        problems=problems,
        untouched=untouched,
        choices=planner.choices,
    )
    for mplan in measure_plans:
        if mplan.finding.action == "error":
            # The row may be fine, but its finding cannot be imported: neither can it, and the
            # row says why.
            mplan.action = "error"
            for problem in mplan.finding.problems:
                if problem.severity == "error" and problem not in mplan.problems:
                    mplan.problems.append(problem)
    rows_by_number = {m.row: m for m in measure_plans}
    for problem in sheet.problems:
        row = _row_of(problem.address)
        target = rows_by_number.get(row) if row is not None else None
        if target is not None and problem not in target.problems:
            target.problems.append(problem)
            if problem.severity == "error":
                target.action = "error"
    preview.digest = _digest(preview)
    if progress is not None:
        progress(95, _("Preview ready"))
    return preview


def _problem_key(problem: Problem) -> tuple[int, int, str]:
    m = re.match(r"^([A-Z]{1,3})(\d+)$", problem.address or "")
    if m:
        col = 0
        for ch in m.group(1):
            col = col * 26 + ord(ch) - 64
        return int(m.group(2)), col, problem.message
    if (problem.address or "").isdigit():
        return int(problem.address), 0, problem.message
    return 0, 0, problem.message


def apply_import(
    fileobj: IO[bytes],
    *,
    filename: str,
    inspection: Inspection,
    by: Any,
    default_theme: Theme | None = None,
    expected_digest: str | None = None,
    max_rows: int = 20000,
    progress: Progress | None = None,
    choices: ImportChoices | None = None,
) -> ImportResult:
    """Import the ledger: the plan of :func:`preview_import`, in one transaction.

    Raises :class:`ImportRefused` when the plan has errors or no longer matches the preview
    the office confirmed (``expected_digest``), and ``LedgerReadError`` for an unreadable file.
    """
    preview = preview_import(
        fileobj,
        filename=filename,
        inspection=inspection,
        by=by,
        default_theme=default_theme,
        max_rows=max_rows,
        progress=(lambda pct, msg: progress(pct // 2, msg)) if progress else None,
        similar=False,
        choices=choices,
    )
    partly = bool(choices and choices.skip_errors)
    if preview.has_errors and not (partly and preview.can_apply_partly):
        first = preview.errors[0]
        raise ImportRefused(
            _("The file has %(n)d errors; nothing was imported. First: %(address)s %(message)s")
            % {"n": len(preview.errors), "address": first.address, "message": first.message},
            code="errors",
        )
    if expected_digest and preview.digest != expected_digest:
        raise ImportRefused(
            _(
                "The ledger or the file changed since the preview; nothing was imported. "
                "Preview the import again."
            ),
            code="changed",
        )
    result = ImportResult(preview=preview)
    result.skipped_rows = sum(1 for m in preview.measures if m.action == "error")
    total = len(preview.findings) + len(preview.measures)
    done = 0
    # One transaction, the chain head locked once: any refusal below ends the whole import.
    with transaction.atomic(), batched_events():
        Inspection.objects.unscoped("row lock after the policy check").select_for_update().filter(
            pk=inspection.pk
        ).first()
        for plan in preview.findings:
            done += 1
            if plan.action == "error":
                continue  # left out of a partial import with its rows
            plan.saved = _save_finding(plan, inspection=inspection, by=by, result=result)
        # New measures are written a batch at a time, in file order with the rest: the
        # batch is written before any other row that writes and at every hundredth new
        # measure, so the job's progress moves while the ledger is written.
        pending: list[MeasurePlan] = []

        def report(row: int) -> None:
            if progress is not None:
                progress(50 + int(45 * done / max(total, 1)), _("Writing row %(n)d") % {"n": row})

        for mplan in preview.measures:
            done += 1
            if mplan.action == "create" and not mplan.group_units and mplan.data is not None:
                pending.append(mplan)
                if len(pending) >= CREATE_BATCH:
                    _create_measures(pending, by=by, result=result)
                    pending = []
                    report(mplan.row)
                continue
            if mplan.action in ("create", "update"):
                # A row that writes: the new measures before it go first, in file order.
                _create_measures(pending, by=by, result=result)
                pending = []
            if done % 100 == 0:
                report(mplan.row)
            _save_measure(mplan, by=by, result=result)
        _create_measures(pending, by=by, result=result)
        record_event(
            actor=by,
            obj=inspection,
            action="ledger:imported",
            after={
                "file": filename,
                "findings_created": result.created_findings,
                "findings_updated": result.updated_findings,
                "measures_created": result.created_measures,
                "measures_updated": result.updated_measures,
                "rows_left_out": result.skipped_rows,
            },
            message=filename,
        )
    return result


def _refused_at(address: str, exc: ValidationError) -> ImportRefused:
    return ImportRefused(
        _("%(address)s: %(message)s; nothing was imported.")
        % {"address": address, "message": " ".join(exc.messages)},
        code="row",
    )


def _save_finding(
    plan: FindingPlan, *, inspection: Inspection, by: Any, result: ImportResult
) -> Finding:
    assert plan.theme is not None or plan.existing is not None
    try:
        if plan.action == "create":
            result.created_findings += 1
            return finding_save(
                by=by,
                finding=Finding(
                    inspection=inspection,
                    theme=plan.theme,
                    number=plan.number,
                    text=plan.text.strip(),
                ),
            )
        assert plan.existing is not None
        if plan.action == "update":
            result.updated_findings += 1
            finding = (
                Finding.objects.unscoped("row lock after the policy check")
                .select_for_update()
                .get(pk=plan.existing.pk)
            )
            finding.text = plan.text.strip()
            if plan.theme is not None:
                finding.theme = plan.theme
            return finding_save(by=by, finding=finding)
        return plan.existing
    except ValidationError as exc:
        raise _refused_at(plan.address, exc) from exc


CREATE_BATCH = 100


def _create_measures(plans: list[MeasurePlan], *, by: Any, result: ImportResult) -> None:
    if not plans:
        return
    items = []
    for plan in plans:
        assert plan.finding.saved is not None and plan.data is not None
        items.append((plan.finding.saved, plan.data))
    try:
        measures_create(by=by, items=items)
    except MeasureRefused as exc:
        raise _refused_at(plans[exc.index].address, exc) from exc
    result.created_measures += len(plans)


def _save_measure(plan: MeasurePlan, *, by: Any, result: ImportResult) -> None:
    if plan.action not in ("create", "update") or plan.data is None:
        return
    finding = plan.finding.saved
    assert finding is not None
    try:
        if plan.action == "create" and plan.group_units:
            measure_assign_to_units(by=by, finding=finding, data=plan.data, units=plan.group_units)
            result.created_measures += len(plan.group_units)
        elif plan.action == "create":
            measure_create(by=by, finding=finding, data=plan.data)
            result.created_measures += 1
        else:
            assert plan.existing is not None
            measure_update(
                by=by, measure=plan.existing, data=plan.data, expected_version=plan.existing.version
            )
            result.updated_measures += 1
    except ValidationError as exc:
        raise _refused_at(plan.address, exc) from exc

"""The ledger as an Excel workbook an office prints: streamed, so size does not cost memory.

The sheet follows the ledger page: a title row, a frozen header row repeated on every printed
page, one row per measure with the finding's cells merged over its measures, wrapped text in
columns sized for A4 landscape, and light fills for the state and overdue deadlines. It opens
cleanly in Excel, WPS and LibreOffice.

Written with XlsxWriter in its constant-memory mode, which streams each row to a temporary
file once the next one starts: of the Python writers it is the fastest (a 100,000-row ledger's
cells in about two thirds of openpyxl's write-only time), and its formats are shared objects,
so a styled cell costs no more than a plain one. Three things would still grow with the sheet
and are kept out of memory: the row heights and row sizes XlsxWriter keeps per row (dropped
once the row is on disk) and the merged ranges, which it collects for the end of the sheet;
they go to a temporary file and are streamed into the sheet's <mergeCells> element.

A queryset is read as plain values, 2,000 measures at a time, with the co-operating unit and
responsible person links of each chunk in one query each and the names behind them read once
for the whole export: building model instances and prefetching their relations was most of
the time of a large export.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import math
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

import xlsxwriter  # type: ignore[import-untyped,unused-ignore]
from django.db.models import QuerySet
from django.utils import timezone
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped,unused-ignore]

from documents import wording
from documents.docx_official import chinese_date
from ledger.choices import DeadlineKind, UnitPart
from ledger.deadline_parser import DeadlineParseError, parse_deadline
from ledger.models import Measure, MeasureUnit
from ledger.selectors import is_overdue
from organization.models import Person, Unit

__all__ = ["COLUMN_WIDTHS", "LedgerRecord", "deadline_display", "export_ledger_xlsx"]

Progress = Callable[[int, str], None]

# Widths in Excel's character units, summing to about one A4 landscape page at 9 pt.
COLUMN_WIDTHS = (9, 10, 34, 40, 9, 13, 13, 12, 13, 8, 10, 7)
FINDING_COLUMNS = 3  # 序号, 问题类别, 具体问题 merge over the finding's measures
CHUNK = 2000
MAX_CELL_TEXT = 32000  # Excel refuses more than 32,767 characters in a cell
_LINE_PT = 13.0
_ROW_PADDING_PT = 5.0
_TITLE_HEIGHT_PT = 32.0
_HEADER_HEIGHT_PT = 30.0
_FONT_SIZE = 9

_STATE_FILLS = {
    "not_started": "F2F2F2",
    "pending_review": "FFF2CC",
    "pending_close": "FFF2CC",
    "closed": "E2EFDA",
    "stage_done": "DDEBF7",
}
_HEADER_FILL = "D9E1F2"
_OVERDUE_FILL = "FCE4D6"
_BORDER_COLOUR = "808080"
_ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?: \d{2}:\d{2})?$")


# --- deadlines --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def _read_deadline(text: str, reference: dt.date) -> tuple[str, dt.date | None] | None:
    iso = _ISO_RE.match(text)
    if iso:
        try:
            return DeadlineKind.BY_DATE, dt.date(*(int(g) for g in iso.groups()))
        except ValueError:
            return None
    try:
        parsed = parse_deadline(text, reference_date=reference)
    except DeadlineParseError:
        return None
    return parsed.kind, parsed.due_date


def deadline_display(measure: Measure) -> str:
    """The deadline as typed, while it still says what the measure's dates say; else written
    out from the dates (an extension moves the due date, not the text)."""
    return _deadline_label(
        measure.deadline_text,
        measure.finding.inspection.feedback_date,
        measure.deadline_kind,
        measure.due_date,
    )


def _deadline_label(
    deadline_text: str | None, feedback_date: dt.date, kind: str, due_date: dt.date | None
) -> str:
    text = (deadline_text or "").strip()
    if text:
        read = _read_deadline(text, feedback_date)
        if read == (kind, due_date):
            return text
    if kind == DeadlineKind.LONG_TERM:
        return wording.DEADLINE_LONG_TERM
    if kind == DeadlineKind.IMMEDIATE:
        if due_date is None:
            return wording.DEADLINE_IMMEDIATE
        return wording.DEADLINE_IMMEDIATE_BY.format(date=chinese_date(due_date))
    if due_date is not None:
        return wording.DEADLINE_BY.format(date=chinese_date(due_date))
    return text


def measure_label(measure: Measure) -> str:
    """The measure cell: its number, then its text ("1. 制定…")."""
    return _label(measure.number, measure.content)


def _label(number: str | None, content: str) -> str:
    number = (number or "").strip()
    if not number:
        return content
    separator = ". " if number[-1].isdigit() else ""
    return f"{number}{separator}{content}"


# --- what a row holds -------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class LedgerRecord:
    """One measure (整改措施) as the exported ledger prints it, with what its fills ask.

    Built from a measure object (`record_of`) or read from a queryset as plain values
    (`_records_of_queryset`); the row's cells come from it alone (`ledger_values`)."""

    finding_id: Any
    finding_number: str
    theme_name: str
    finding_text: str
    feedback_date: dt.date
    number: str
    content: str
    leader_name: str | None
    leader_text: str
    lead_unit_name: str
    coop_names: list[str]
    person_names: list[str]
    persons_text: str
    deadline_text: str
    deadline_kind: str
    due_date: dt.date | None
    next_review_date: dt.date | None
    review_requested_on: dt.date | None
    grace_due_date: dt.date | None
    progress: int
    state: str
    evidence_count: int


def _coop_names(measure: Measure) -> list[str]:
    links = getattr(measure, "coop_links", None)
    if links is None:
        links = [link for link in measure.unit_links.all() if link.part == UnitPart.COOP]
    return [link.unit.name for link in links]


def record_of(measure: Measure) -> LedgerRecord:
    finding = measure.finding
    leader = measure.responsible_leader
    return LedgerRecord(
        finding_id=measure.finding_id,
        finding_number=finding.number,
        theme_name=finding.theme.name,
        finding_text=finding.text,
        feedback_date=finding.inspection.feedback_date,
        number=measure.number,
        content=measure.content,
        leader_name=leader.name if leader is not None else None,
        leader_text=measure.responsible_leader_text,
        lead_unit_name=measure.lead_unit.name,
        coop_names=_coop_names(measure),
        person_names=[p.name for p in measure.responsible_persons.all()],
        persons_text=measure.responsible_persons_text,
        deadline_text=measure.deadline_text,
        deadline_kind=measure.deadline_kind,
        due_date=measure.due_date,
        next_review_date=measure.next_review_date,
        review_requested_on=measure.review_requested_on,
        grace_due_date=measure.grace_due_date,
        progress=measure.progress,
        state=measure.state,
        evidence_count=measure.evidence_count,
    )


_FIELDS = (
    "id",
    "finding_id",
    "finding__number",
    "finding__theme__name",
    "finding__text",
    "finding__inspection__feedback_date",
    "number",
    "content",
    "responsible_leader__name",
    "responsible_leader_text",
    "lead_unit__name",
    "responsible_persons_text",
    "deadline_text",
    "deadline_kind",
    "due_date",
    "next_review_date",
    "review_requested_on",
    "grace_due_date",
    "progress",
    "state",
    "evidence_count",
)


def _names_by_measure(rows: Iterable[tuple[int, str]]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    for measure_id, name in rows:
        names.setdefault(measure_id, []).append(name)
    return names


def _read_names(model: Any, ids: set[int], into: dict[int, str]) -> None:
    if ids:
        into.update(
            model.objects.unscoped("names linked to measures the caller's scoped queryset gave")
            .filter(pk__in=sorted(ids))
            .values_list("pk", "name")
        )


def _records_of_queryset(measures: QuerySet[Measure]) -> Iterator[LedgerRecord]:
    """The measures, in the queryset's order, read as values 2,000 at a time."""
    rows = (
        measures.select_related(None)
        .prefetch_related(None)
        .values_list(*_FIELDS)
        .iterator(chunk_size=CHUNK)
    )
    persons_through = Measure.responsible_persons.through
    # Names of units and people, read once each for the whole export.
    unit_names: dict[int, str] = {}
    person_names: dict[int, str] = {}
    while chunk := list(itertools.islice(rows, CHUNK)):
        ids = [row[0] for row in chunk]
        # The links of measures the caller's (scoped) queryset has just given, in the order
        # of the ledger's own prefetch; the names behind them by primary key.
        coop_links = list(
            MeasureUnit.objects.filter(measure_id__in=ids, part=UnitPart.COOP)
            .order_by("id")
            .values_list("measure_id", "unit_id")
        )
        person_links = list(
            persons_through.objects.filter(measure_id__in=ids)
            .order_by("person_id")
            .values_list("measure_id", "person_id")
        )
        _read_names(Unit, {u for _m, u in coop_links} - unit_names.keys(), unit_names)
        _read_names(Person, {p for _m, p in person_links} - person_names.keys(), person_names)
        coops = _names_by_measure((m, unit_names[u]) for m, u in coop_links)
        persons = _names_by_measure((m, person_names[p]) for m, p in person_links)
        for (
            pk,
            finding_id,
            finding_number,
            theme_name,
            finding_text,
            feedback_date,
            number,
            content,
            leader_name,
            leader_text,
            lead_unit_name,
            persons_text,
            deadline_text,
            deadline_kind,
            due_date,
            next_review_date,
            review_requested_on,
            grace_due_date,
            progress,
            state,
            evidence_count,
        ) in chunk:
            yield LedgerRecord(
                finding_id=finding_id,
                finding_number=finding_number,
                theme_name=theme_name,
                finding_text=finding_text,
                feedback_date=feedback_date,
                number=number,
                content=content,
                leader_name=leader_name,
                leader_text=leader_text,
                lead_unit_name=lead_unit_name,
                coop_names=coops.get(pk, []),
                person_names=persons.get(pk, []),
                persons_text=persons_text,
                deadline_text=deadline_text,
                deadline_kind=deadline_kind,
                due_date=due_date,
                next_review_date=next_review_date,
                review_requested_on=review_requested_on,
                grace_due_date=grace_due_date,
                progress=progress,
                state=state,
                evidence_count=evidence_count,
            )


def _records(measures: QuerySet[Measure] | Iterable[Measure]) -> Iterator[LedgerRecord]:
    if isinstance(measures, QuerySet):
        return _records_of_queryset(measures)
    return (record_of(measure) for measure in measures)


def ledger_values(measure: Measure | LedgerRecord) -> list[Any]:
    """One row of the exported ledger, in the order of wording.LEDGER_COLUMNS."""
    r = measure if isinstance(measure, LedgerRecord) else record_of(measure)
    return [
        r.finding_number,
        r.theme_name,
        r.finding_text,
        _label(r.number, r.content),
        r.leader_name if r.leader_name is not None else r.leader_text,
        r.lead_unit_name,
        wording.LIST_SEPARATOR.join(r.coop_names),
        # Names the directory does not hold yet are kept as written, after the people it does.
        wording.LIST_SEPARATOR.join(r.person_names + [n for n in r.persons_text.split("、") if n]),
        _deadline_label(r.deadline_text, r.feedback_date, r.deadline_kind, r.due_date),
        wording.PERCENT.format(value=r.progress),
        wording.STATE_LABELS.get(r.state, r.state),
        r.evidence_count,
    ]


# --- layout -----------------------------------------------------------------------------------


@functools.cache
def _wide_characters() -> re.Pattern[str]:
    """A character class of what East Asian Width calls wide, full-width or ambiguous: such a
    character takes two columns. Built once (a tenth of a second) so that a text's width is
    one regex count in C instead of a lookup per character."""
    # Every character's width class as one letter ("Na" as "N"), then the runs of W, F and A
    # found by a regex: a loop in C, where testing the 1,114,112 characters one by one in
    # Python took most of a second in each process that exports.
    every = map(chr, range(0x110000))
    classes = "".join([width[0] for width in map(unicodedata.east_asian_width, every)])
    ranges = [(m.start(), m.end() - 1) for m in re.finditer("[WFA]+", classes)]
    return re.compile(
        "["
        + "".join(f"\\U{a:08x}-\\U{b:08x}" if a != b else f"\\U{a:08x}" for a, b in ranges)
        + "]"
    )


def _display_width(text: str) -> float:
    if text.isascii():
        return 1.1 * len(text)
    wide = _wide_characters().subn("", text)[1]
    return 2.0 * wide + 1.1 * (len(text) - wide)


def _lines(value: Any, width: float) -> int:
    if value is None or value == "":
        return 1
    usable = max(width - 1.5, 2.0)
    text = str(value)
    # No character is wider than two columns: a short text fits on one line unmeasured (units,
    # names, dates, states: 95,000 of every 240,000 cells, 0.4 us each instead of 1.3-3.5).
    if 2.0 * len(text) <= usable and "\n" not in text:
        return 1
    return sum(max(1, math.ceil(_display_width(part) / usable)) for part in text.split("\n"))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]
    return value


class _Merges:
    """Merged ranges, kept in a temporary file until the sheet is closed.

    Stands in for the list XlsxWriter's worksheet keeps them in (`Worksheet.merge`), which it
    only appends to, counts and iterates when it writes <mergeCells>."""

    def __init__(self) -> None:
        # Closed by close(), once the workbook has been written.
        self.file = tempfile.TemporaryFile(mode="w+", encoding="ascii")  # noqa: SIM115
        self.count = 0

    def append(self, merged: list[int]) -> None:
        self.file.write(",".join(map(str, merged)) + "\n")
        self.count += 1

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[list[int]]:
        self.file.seek(0)
        for line in self.file:
            yield [int(part) for part in line.split(",")]

    def close(self) -> None:
        self.file.close()


class _Formats:
    """The cell formats of the sheet, each created once and shared by every cell using it."""

    def __init__(self, workbook: Any) -> None:
        base = {
            "font_name": wording.EXCEL_FONT,
            "font_size": _FONT_SIZE,
            "text_wrap": True,
            "valign": "vcenter",
            "border": 1,
            "border_color": f"#{_BORDER_COLOUR}",
        }
        centred = {**base, "align": "center"}

        def fill(colour: str) -> dict[str, Any]:
            return {**centred, "pattern": 1, "bg_color": f"#{colour}"}

        self.title = workbook.add_format(
            {
                "font_name": wording.EXCEL_FONT,
                "font_size": 16,
                "bold": True,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
            }
        )
        self.header = workbook.add_format({**fill(_HEADER_FILL), "font_size": 10, "bold": True})
        self.text = workbook.add_format({**base, "align": "left"})
        self.centre = workbook.add_format(centred)
        self.overdue = workbook.add_format(fill(_OVERDUE_FILL))
        self.states = {state: workbook.add_format(fill(c)) for state, c in _STATE_FILLS.items()}
        # Column index (0-based) -> format of the data cells.
        self.columns = [self.text if i in (2, 3) else self.centre for i in range(12)]
        # The font of a cell's text, for a text written as two runs (see _LedgerSheet._write).
        self.font = workbook.add_format({"font_name": wording.EXCEL_FONT, "font_size": _FONT_SIZE})


_DEADLINE_COLUMN = 8
_STATE_COLUMN = 10


class _LedgerSheet:
    def __init__(self, workbook: Any, title: str) -> None:
        self.ws = ws = workbook.add_worksheet(wording.LEDGER_SHEET)
        self.formats = _Formats(workbook)
        self.merges = _Merges()
        ws.merge = self.merges
        self.row = -1
        self.today = timezone.localdate()
        for index, width in enumerate(COLUMN_WIDTHS):
            ws.set_column(index, index, width)
        ws.freeze_panes(2, 0)
        ws.repeat_rows(0, 1)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        ws.center_horizontally()
        ws.set_footer(f"&C&9{wording.LEDGER_FOOTER}", {"margin": 0.3})
        last = len(wording.LEDGER_COLUMNS) - 1
        self._start_row(_TITLE_HEIGHT_PT)
        # merge_range writes through XlsxWriter's guessing write(): the title goes in after
        # it, as text, whatever it starts with.
        ws.merge_range(0, 0, 0, last, "", self.formats.title)
        self._write(0, title, self.formats.title)
        self._start_row(_HEADER_HEIGHT_PT)
        for column, text in enumerate(wording.LEDGER_COLUMNS):
            ws.write_string(self.row, column, text, self.formats.header)

    def _start_row(self, height: float) -> None:
        self.row += 1
        self.ws.set_row(self.row, round(height, 1))
        # XlsxWriter keeps each row's height until the end; the row before the last one
        # written is on disk by now, so its entries can go.
        self.ws.row_info.pop(self.row - 2, None)
        self.ws.row_sizes.pop(self.row - 2, None)

    def _write(self, column: int, value: Any, cell_format: Any) -> None:
        if value is None or value == "":
            self.ws.write_blank(self.row, column, None, cell_format)
        elif isinstance(value, str):
            # Text, never a formula or a link, whatever it starts with.
            text = _clean(value)
            if text.startswith("<r>") and text.endswith("</r>"):
                # In constant-memory mode XlsxWriter takes such a string for rich-text XML of
                # its own and writes it unescaped: written as two runs, it is escaped.
                font = self.formats.font
                self.ws.write_rich_string(
                    self.row, column, font, text[:1], font, text[1:], cell_format
                )
            else:
                self.ws.write_string(self.row, column, text, cell_format)
        else:
            self.ws.write_number(self.row, column, value, cell_format)

    def write_group(self, records: list[LedgerRecord]) -> None:
        """One finding's consecutive measures, its cells merged over them."""
        rows = [ledger_values(r) for r in records]
        heights = [
            max(_lines(v, COLUMN_WIDTHS[i]) for i, v in enumerate(values) if i >= FINDING_COLUMNS)
            * _LINE_PT
            + _ROW_PADDING_PT
            for values in rows
        ]
        needed = (
            max(_lines(rows[0][i], COLUMN_WIDTHS[i]) for i in range(FINDING_COLUMNS)) * _LINE_PT
            + _ROW_PADDING_PT
        )
        short = needed - sum(heights)
        if short > 0:
            heights = [h + short / len(heights) for h in heights]
        first = self.row + 1
        columns = self.formats.columns
        for index, (record, values) in enumerate(zip(records, rows, strict=True)):
            self._start_row(heights[index])
            for column, value in enumerate(values):
                if index > 0 and column < FINDING_COLUMNS:
                    self.ws.write_blank(self.row, column, None, columns[column])
                else:
                    self._write(column, value, self._format(record, column))
        if len(records) > 1:
            for column in range(FINDING_COLUMNS):
                self.merges.append([first, column, self.row, column])

    def _format(self, record: LedgerRecord, column: int) -> Any:
        if column == _STATE_COLUMN:
            return self.formats.states.get(record.state, self.formats.centre)
        if (
            column == _DEADLINE_COLUMN
            and record.due_date is not None
            and is_overdue(record, self.today)
        ):
            return self.formats.overdue
        return self.formats.columns[column]


def export_ledger_xlsx(
    measures: QuerySet[Measure] | Iterable[Measure],
    fileobj: IO[bytes],
    *,
    title: str,
    progress: Progress | None = None,
    total: int | None = None,
) -> int:
    """Write the measures, in the order given, as the printed ledger; return the row count.

    Pass a queryset from ``ledger.selectors.ledger_measures(user)`` (filtered as on screen):
    it is read in chunks of 2,000, as values. ``progress`` (percent, message) is called every
    chunk when ``total`` is known.
    """
    # Every cell is written by type (write_string, write_number), never guessed; the options
    # say so too, for anything written through write().
    workbook = xlsxwriter.Workbook(
        fileobj,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    sheet: _LedgerSheet | None = None
    group: list[LedgerRecord] = []
    written = 0
    try:
        sheet = _LedgerSheet(workbook, title)
        for record in _records(measures):
            if group and group[-1].finding_id != record.finding_id:
                sheet.write_group(group)
                group = []
            group.append(record)
            written += 1
            if progress is not None and total and written % CHUNK == 0:
                progress(min(95, int(95 * written / total)), "")
        if group:
            sheet.write_group(group)
        workbook.close()
    finally:
        if sheet is not None:
            sheet.merges.close()
    return written

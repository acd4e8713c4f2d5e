"""The ledger as an Excel workbook an office prints: streamed, so size does not cost memory.

The sheet follows the ledger page: a title row, a frozen header row repeated on every printed
page, one row per measure with the finding's cells merged over its measures, wrapped text in
columns sized for A4 landscape, and light fills for the state and overdue deadlines. It opens
cleanly in Excel, WPS and LibreOffice.

openpyxl's write-only mode streams rows to a temporary file as they are appended, so a
100,000-row export holds one finding's rows at a time. Two things would still grow with the
sheet and are kept out of memory: row heights (each row's entry is dropped once the row is
written) and merged ranges, which openpyxl collects for the end of the sheet; they go to a
temporary file and are streamed into the sheet's <mergeCells> element when it is closed.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import math
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped,unused-ignore]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped,unused-ignore]
from openpyxl.styles import (  # type: ignore[import-untyped,unused-ignore]
    Alignment,
    Border,
    Font,
    NamedStyle,
    PatternFill,
    Side,
)
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped,unused-ignore]
from openpyxl.worksheet.page import PageMargins  # type: ignore[import-untyped,unused-ignore]
from openpyxl.xml.functions import Element  # type: ignore[import-untyped,unused-ignore]

from documents import wording
from documents.docx_official import chinese_date
from ledger.choices import DeadlineKind, UnitPart
from ledger.deadline_parser import DeadlineParseError, parse_deadline
from ledger.models import Measure
from ledger.selectors import is_overdue

__all__ = ["COLUMN_WIDTHS", "deadline_display", "export_ledger_xlsx"]

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
    text = (measure.deadline_text or "").strip()
    if text:
        read = _read_deadline(text, measure.finding.inspection.feedback_date)
        if read == (measure.deadline_kind, measure.due_date):
            return text
    if measure.deadline_kind == DeadlineKind.LONG_TERM:
        return wording.DEADLINE_LONG_TERM
    if measure.deadline_kind == DeadlineKind.IMMEDIATE:
        if measure.due_date is None:
            return wording.DEADLINE_IMMEDIATE
        return wording.DEADLINE_IMMEDIATE_BY.format(date=chinese_date(measure.due_date))
    if measure.due_date is not None:
        return wording.DEADLINE_BY.format(date=chinese_date(measure.due_date))
    return text


def measure_label(measure: Measure) -> str:
    """The measure cell: its number, then its text ("1. 制定…")."""
    number = (measure.number or "").strip()
    if not number:
        return measure.content
    separator = ". " if number[-1].isdigit() else ""
    return f"{number}{separator}{measure.content}"


def _coop_names(measure: Measure) -> list[str]:
    links = getattr(measure, "coop_links", None)
    if links is None:
        links = [link for link in measure.unit_links.all() if link.part == UnitPart.COOP]
    return [link.unit.name for link in links]


def ledger_values(measure: Measure) -> list[Any]:
    """One row of the exported ledger, in the order of wording.LEDGER_COLUMNS."""
    finding = measure.finding
    return [
        finding.number,
        finding.theme.name,
        finding.text,
        measure_label(measure),
        measure.responsible_leader.name
        if measure.responsible_leader is not None
        else measure.responsible_leader_text,
        measure.lead_unit.name,
        wording.LIST_SEPARATOR.join(_coop_names(measure)),
        # Names the directory does not hold yet are kept as written, after the people it does.
        wording.LIST_SEPARATOR.join(
            [p.name for p in measure.responsible_persons.all()]
            + [n for n in measure.responsible_persons_text.split("、") if n]
        ),
        deadline_display(measure),
        wording.PERCENT.format(value=measure.progress),
        wording.STATE_LABELS.get(measure.state, measure.state),
        measure.evidence_count,
    ]


# --- layout -----------------------------------------------------------------------------------


def _display_width(text: str) -> float:
    return sum(2.0 if unicodedata.east_asian_width(c) in "WFA" else 1.1 for c in text)


def _lines(value: Any, width: float) -> int:
    if value is None or value == "":
        return 1
    usable = max(width - 1.5, 2.0)
    return sum(max(1, math.ceil(_display_width(part) / usable)) for part in str(value).split("\n"))


def _styles() -> list[NamedStyle]:
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = Font(name=wording.EXCEL_FONT, size=_FONT_SIZE)
    wrap = Alignment(wrap_text=True, vertical="center", horizontal="left")
    centred = Alignment(wrap_text=True, vertical="center", horizontal="center")
    styles = [
        NamedStyle(
            name="ledger_title",
            font=Font(name=wording.EXCEL_FONT, size=16, bold=True),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        ),
        NamedStyle(
            name="ledger_header",
            font=Font(name=wording.EXCEL_FONT, size=10, bold=True),
            alignment=centred,
            border=border,
            fill=PatternFill("solid", fgColor=_HEADER_FILL),
        ),
        NamedStyle(name="ledger_text", font=font, alignment=wrap, border=border),
        NamedStyle(name="ledger_centre", font=font, alignment=centred, border=border),
        NamedStyle(
            name="ledger_overdue",
            font=font,
            alignment=centred,
            border=border,
            fill=PatternFill("solid", fgColor=_OVERDUE_FILL),
        ),
        NamedStyle(name="ledger_state", font=font, alignment=centred, border=border),
    ]
    for state, colour in _STATE_FILLS.items():
        styles.append(
            NamedStyle(
                name=f"ledger_state_{state}",
                font=font,
                alignment=centred,
                border=border,
                fill=PatternFill("solid", fgColor=colour),
            )
        )
    return styles


# Column index (0-based) -> named style of the data cells.
_COLUMN_STYLES = (
    "ledger_centre",
    "ledger_centre",
    "ledger_text",
    "ledger_text",
    "ledger_centre",
    "ledger_centre",
    "ledger_centre",
    "ledger_centre",
    "ledger_centre",
    "ledger_centre",
    "ledger_state",
    "ledger_centre",
)
_DEADLINE_COLUMN = 8
_STATE_COLUMN = 10


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]
    return value


class _Merges:
    """Merged ranges, kept in a temporary file until the sheet is closed."""

    def __init__(self) -> None:
        # Closed by close(), once the sheet has been written.
        self.file = tempfile.TemporaryFile(mode="w+", encoding="ascii")  # noqa: SIM115
        self.count = 0

    def add(self, ref: str) -> None:
        self.file.write(ref + "\n")
        self.count += 1

    def refs(self) -> Iterator[str]:
        self.file.seek(0)
        for line in self.file:
            yield line.strip()

    def close(self) -> None:
        self.file.close()


class _LedgerSheet:
    def __init__(self, workbook: Any, title: str) -> None:
        self.ws = workbook.create_sheet(title=wording.LEDGER_SHEET)
        self.merges = _Merges()
        self._style_arrays: dict[str, Any] = {}
        self.row = 0
        self.today = timezone.localdate()
        ws = self.ws
        for index, width in enumerate(COLUMN_WIDTHS, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = "A3"
        ws.print_title_rows = "1:2"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = "9"  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, footer=0.3)
        ws.print_options.horizontalCentered = True
        ws.oddFooter.center.text = wording.LEDGER_FOOTER
        ws.oddFooter.center.size = 9
        last = get_column_letter(len(wording.LEDGER_COLUMNS))
        self._append([self._cell(title, "ledger_title")], height=_TITLE_HEIGHT_PT)
        self.merges.add(f"A1:{last}1")
        self._append(
            [self._cell(text, "ledger_header") for text in wording.LEDGER_COLUMNS],
            height=_HEADER_HEIGHT_PT,
        )
        self._hook_merges()

    def _hook_merges(self) -> None:
        # The writer exists once a row has been appended; its merged-cells step is replaced
        # by one that streams the ranges from the temporary file.
        writer = getattr(self.ws, "_writer", None)
        if writer is None or not hasattr(writer, "write_merged_cells"):
            self._fallback = True
            return
        self._fallback = False
        merges = self.merges

        def write_merged_cells() -> None:
            if not merges.count:
                return
            xf = writer.xf.send(True)
            with xf.element("mergeCells", {"count": str(merges.count)}):
                for ref in merges.refs():
                    xf.write(Element("mergeCell", {"ref": ref}))
            writer.xf.send(None)

        writer.write_merged_cells = write_merged_cells

    def _cell(self, value: Any, style: str) -> Any:
        cell = WriteOnlyCell(self.ws, value=_clean(value))
        if isinstance(value, str):
            cell.data_type = "s"  # text, never a formula, whatever it starts with
        # Looking a named style up for every cell is most of the cost of a large export:
        # the style's array is computed once and copied.
        template = self._style_arrays.get(style)
        if template is None:
            probe = WriteOnlyCell(self.ws)
            probe.style = style
            template = self._style_arrays[style] = probe._style
        cell._style = copy.copy(template)
        return cell

    def _append(self, cells: list[Any], *, height: float) -> None:
        self.row += 1
        dims = self.ws.row_dimensions
        dims[self.row].height = round(height, 1)
        self.ws.append(cells)
        del dims[self.row]

    def write_group(self, measures: list[Measure]) -> None:
        """One finding's consecutive measures, its cells merged over them."""
        rows = [ledger_values(m) for m in measures]
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
        for index, (measure, values) in enumerate(zip(measures, rows, strict=True)):
            cells = []
            for column, value in enumerate(values):
                if index > 0 and column < FINDING_COLUMNS:
                    cells.append(self._cell(None, _COLUMN_STYLES[column]))
                    continue
                cells.append(self._cell(value, self._style(measure, column)))
            self._append(cells, height=heights[index])
        if len(measures) > 1:
            for column in range(FINDING_COLUMNS):
                letter = get_column_letter(column + 1)
                self.merges.add(f"{letter}{first}:{letter}{self.row}")

    def _style(self, measure: Measure, column: int) -> str:
        if column == _STATE_COLUMN:
            return (
                f"ledger_state_{measure.state}" if measure.state in _STATE_FILLS else "ledger_state"
            )
        if (
            column == _DEADLINE_COLUMN
            and measure.due_date is not None
            and is_overdue(measure, self.today)
        ):
            return "ledger_overdue"
        return _COLUMN_STYLES[column]

    def finish(self) -> None:
        if self._fallback:
            for ref in self.merges.refs():
                self.ws.merged_cells.add(ref)
        self.ws.close()
        self.merges.close()


def _iterate(measures: QuerySet[Measure] | Iterable[Measure]) -> Iterator[Measure]:
    if isinstance(measures, QuerySet):
        return measures.iterator(chunk_size=CHUNK)
    return iter(measures)


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
    it is read in chunks of 2,000 with its related rows prefetched per chunk. ``progress``
    (percent, message) is called every chunk when ``total`` is known.
    """
    workbook = Workbook(write_only=True)
    for style in _styles():
        workbook.add_named_style(style)
    sheet = _LedgerSheet(workbook, title)
    group: list[Measure] = []
    written = 0
    try:
        for measure in _iterate(measures):
            if group and group[-1].finding_id != measure.finding_id:
                sheet.write_group(group)
                group = []
            group.append(measure)
            written += 1
            if progress is not None and total and written % CHUNK == 0:
                progress(min(95, int(95 * written / total)), "")
        if group:
            sheet.write_group(group)
        sheet.finish()
        workbook.save(fileobj)
    finally:
        sheet.merges.close()
    return written

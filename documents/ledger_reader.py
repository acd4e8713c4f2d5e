"""Read an uploaded rectification ledger (整改台账) into normalised rows.

Offices keep their ledgers in spreadsheets of every shape: a title row above the header,
headers split over two rows under a merged group ("责任主体" over "牵头单位 | 配合单位 |
责任人"), findings merged down over their measures or written only in their first row,
section rows merged across the sheet ("一、党的政治建设方面"), numbering in every style,
one column holding both the unit and the person. This module turns any of them into
:class:`LedgerRow` objects whose every value remembers the cell it came from, plus a list of
:class:`Problem` objects for what a person has to fix. It only reads: matching units and
people and writing measures is the import service's job.

Uploads are untrusted. Before any parser builds a workbook in memory the file is checked by
content (never by its name): size, zip bombs, macros, encryption, and the number of rows,
cells and merged cells, counted by a streaming pass that stops as soon as a limit is passed.
A file that cannot be read safely raises :class:`LedgerReadError` with a machine code.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import datetime
import functools
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, Final, Literal, NamedTuple
from xml.parsers import expat

import xlrd  # type: ignore[import-untyped,unused-ignore]
from django.utils.translation import gettext as _
from openpyxl.cell.cell import MergedCell  # type: ignore[import-untyped,unused-ignore]
from openpyxl.reader.excel import ExcelReader  # type: ignore[import-untyped,unused-ignore]
from openpyxl.worksheet._reader import (  # type: ignore[import-untyped,unused-ignore]
    WorksheetReader,
)
from openpyxl.worksheet.cell_range import (  # type: ignore[import-untyped,unused-ignore]
    MultiCellRange,
)
from openpyxl.worksheet.merge import MergedCellRange  # type: ignore[import-untyped,unused-ignore]

from core.filetypes import ZipBomb, check_zip, container_of
from core.numbering import NumberStyle, match_number, normalize_width

__all__ = [
    "FIELDS",
    "FIELD_SYNONYMS",
    "HEADER_SEARCH_ROWS",
    "MAX_TEXT_LENGTH",
    "Cell",
    "LedgerErrorCode",
    "LedgerReadError",
    "LedgerRow",
    "LedgerSheet",
    "Problem",
    "read_ledger",
]

FIELDS: Final = (
    "seq",
    "theme",
    "finding",
    "measure",
    "leader",
    "lead_unit",
    "co_units",
    "persons",
    "deadline",
    "progress",
    "remarks",
)

# Header texts as they appear in real ledgers, compared after normalisation (half-width,
# no whitespace, no "*" marks). The first entry of each field names it in messages.
FIELD_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "seq": ("序号", "编号", "问题序号", "问题编号", "序列号"),
    "theme": (
        "问题类别",
        "问题类型",
        "问题分类",
        "类别",
        "方面",
        "问题方面",
        "问题领域",
        "所属方面",
        "所属类别",
        "反馈问题类别",
    ),
    "finding": (
        "具体问题",
        "问题内容",
        "反馈问题",
        "存在问题",
        "问题表现",
        "巡视反馈问题",
        "问题",
        "存在的问题",
        "问题描述",
        "主要问题",
        "问题清单",
        "问题具体表现",
        "反馈意见",
        "巡视反馈意见",
        "巡视发现问题",
        "巡察反馈问题",
        "巡察发现问题",
    ),
    "measure": (
        "整改措施",
        "整改任务",
        "整改举措",
        "具体措施",
        "措施",
        "具体整改措施",
        "整改目标及措施",
        "整改措施及目标",
        "整改方案",
    ),
    "leader": (
        "责任领导",
        "牵头校领导",
        "分管领导",
        "牵头领导",
        "责任校领导",
        "分管校领导",
        "校领导",
        "牵头院领导",
        "责任院领导",
        "联系校领导",
    ),
    "lead_unit": (
        "牵头单位",
        "责任部门",
        "责任单位",
        "牵头部门",
        "整改责任单位",
        "主责单位",
        "主责部门",
        "责任主体",
        "牵头处室",
        "责任处室",
        "整改单位",
    ),
    "co_units": (
        "配合单位",
        "协办单位",
        "配合部门",
        "协同单位",
        "协同部门",
        "参与单位",
        "协办部门",
    ),
    "persons": ("责任人", "具体经办人", "经办人", "具体责任人", "直接责任人", "整改责任人"),
    "deadline": (
        "完成时限",
        "整改时限",
        "整改期限",
        "完成时间",
        "时限",
        "时限要求",
        "完成期限",
        "整改时间",
        "时间节点",
        "完成时间节点",
        "办结时限",
    ),
    "progress": (
        "整改进展",
        "完成情况",
        "整改情况",
        "进展情况",
        "整改落实情况",
        "落实情况",
        "整改完成情况",
        "推进情况",
        "整改进度",
        "目前进展",
        "工作进展",
    ),
    "remarks": ("备注", "备注说明"),
}

HEADER_SEARCH_ROWS: Final = 15
MAX_TEXT_LENGTH: Final = 5000
# Columns past this are ignored: no real ledger is wider, and a hostile file could be.
MAX_COLUMNS: Final = 256
# Memory budget per permitted row: cells, merged cells and shared strings are counted against
# max_rows * this before openpyxl builds a workbook, because it allocates one object for each.
_CELLS_PER_ROW: Final = 30
# Rows that exist in the XML without any value (styled empty rows) still cost memory.
_EMPTY_ROWS_PER_ROW: Final = 10
_SCAN_CHUNK: Final = 64 * 1024


_PEOPLE_FIELDS: Final = frozenset({"leader", "lead_unit", "co_units", "persons"})
# Texts that open the notes under a ledger ("注：…", "填表人：…"), not data rows.
_FOOTER_PREFIXES: Final = (
    "注:",
    "注：",
    "说明:",
    "说明：",
    "填表说明",
    "填报说明",
    "填表人",
    "填报人",
    "审核人",
    "制表人",
    "制表:",
    "制表：",
    "联系人:",
    "联系人：",
    "联系电话",
)
# Endings of unit names (处, 办公室, 系, 党支部 ...), used to tell a unit from a person's name.
_UNIT_SUFFIXES: Final = (
    "处",
    "办",
    "部",
    "室",
    "中心",
    "系",
    "院",
    "委",
    "会",
    "组",
    "馆",
    "科",
    "所",
    "队",
    "站",
    "局",
    "厅",
    "司",
    "校",
    "园",
    "支部",
    "单位",
    "部门",
    "公司",
)
# Generic words that may follow a header keyword without changing its meaning ("责任单位名称").
_HEADER_TAILS: Final = ("名称", "要求", "内容", "情况", "说明", "描述", "及目标")


class LedgerErrorCode:
    """Machine codes of :class:`LedgerReadError`."""

    NOT_SPREADSHEET: Final = "not_spreadsheet"
    ENCRYPTED: Final = "encrypted"
    MACRO: Final = "macro"
    ZIP_BOMB: Final = "zip_bomb"
    TOO_MANY_ROWS: Final = "too_many_rows"
    TOO_LARGE: Final = "too_large"
    NO_HEADER: Final = "no_header"


class LedgerReadError(ValueError):
    """The whole file is refused; ``code`` is one of :class:`LedgerErrorCode`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Cell:
    """A value read from the sheet, with the address of the cell it came from.

    For merged cells and filled-down findings the address is the top-left cell that holds the
    text, so that a person who reads a problem knows which cell to edit.
    """

    value: str
    address: str


@dataclass(frozen=True)
class Problem:
    """Something a person must look at. ``address`` is a cell ("C7"), a row ("7") or ""."""

    address: str
    message: str
    severity: Literal["error", "warning"]


@dataclass
class LedgerRow:
    """One measure (or one finding, in a ledger without measures) as read from the sheet.

    ``cells`` holds the fields whose column was found (see :attr:`LedgerSheet.columns`), plus
    "theme" / "finding" when a section row merged across the sheet supplied them. Finding,
    measure and theme texts have their numbering ("（三）", "1.", "一、") split off into the
    ``*_number`` attributes; the seq column is kept as written.
    """

    row_number: int
    cells: dict[str, Cell]
    finding_number: str = ""
    measure_number: str = ""
    theme_number: str = ""

    def text(self, name: str) -> str:
        """The value of a field, or "" when the ledger has no such column."""
        found = self.cells.get(name)
        return found.value if found is not None else ""


@dataclass
class LedgerSheet:
    """The result of reading a ledger: the sheet used, how its header was read, the rows."""

    sheet_name: str
    header_rows: list[int]
    columns: dict[str, int]
    rows: list[LedgerRow]
    problems: list[Problem]
    title: str = ""
    file_format: Literal["xlsx", "xls", "csv"] = "xlsx"

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


# --------------------------------------------------------------------------------------------
# The format-independent grid every reader produces.


@dataclass(frozen=True)
class _Raw:
    text: str
    formula: bool = False


@dataclass
class _Grid:
    name: str
    cells: dict[tuple[int, int], _Raw]
    merges: list[tuple[int, int, int, int]]  # min_row, min_col, max_row, max_col (1-based)
    hidden: bool = False


@dataclass(frozen=True)
class _Limits:
    max_rows: int
    max_bytes: int

    @property
    def max_cells(self) -> int:
        return max(self.max_rows, 1000) * _CELLS_PER_ROW

    @property
    def max_row_elements(self) -> int:
        return max(self.max_rows, 1000) * _EMPTY_ROWS_PER_ROW

    @property
    def max_value_rows(self) -> int:
        # The header and title rows above the data are not data rows.
        return self.max_rows + HEADER_SEARCH_ROWS + 1


def read_ledger(
    fileobj: IO[bytes],
    *,
    filename: str,
    max_rows: int = 20000,
    max_uncompressed_bytes: int = 200 * 1024 * 1024,
) -> LedgerSheet:
    """Read an uploaded ledger (.xlsx, .xls or .csv, told apart by content) into rows.

    ``filename`` is only used in messages: a file named .xls that holds an xlsx is read as
    xlsx. Raises :class:`LedgerReadError` when the file as a whole cannot be used.
    """
    limits = _Limits(max_rows=max_rows, max_bytes=max_uncompressed_bytes)
    data = fileobj.read(max_uncompressed_bytes + 1)
    if len(data) > max_uncompressed_bytes:
        raise LedgerReadError(
            LedgerErrorCode.TOO_LARGE,
            _("The file is larger than %(limit)s MB.")
            % {"limit": _megabytes(max_uncompressed_bytes)},
        )
    if not data or data.isspace():
        raise LedgerReadError(
            LedgerErrorCode.NOT_SPREADSHEET,
            _("The file %(name)s is empty.") % {"name": filename},
        )

    file_format: Literal["xlsx", "xls", "csv"]
    container = container_of(data[:8192])
    if container == "zip":
        file_format, grids = "xlsx", _read_xlsx(data, limits=limits, filename=filename)
    elif container == "ole":
        file_format, grids = "xls", _read_xls(data, limits=limits, filename=filename)
    elif container is not None:
        raise _not_spreadsheet(filename)
    else:
        file_format, grids = "csv", _read_csv(data, limits=limits, filename=filename)

    # Visible sheets first: a hidden sheet is usually a template or a lookup list.
    for grid in sorted(grids, key=lambda g: g.hidden):
        sheet = _read_grid(grid, limits=limits)
        if sheet is not None:
            sheet.file_format = file_format
            return sheet
    raise LedgerReadError(
        LedgerErrorCode.NO_HEADER,
        _(
            "No header row was found in the first %(rows)s rows. The ledger needs a header "
            "row with columns such as %(names)s."
        )
        % {
            "rows": HEADER_SEARCH_ROWS,
            "names": "、".join(
                FIELD_SYNONYMS[name][0]
                for name in ("theme", "finding", "measure", "lead_unit", "persons", "deadline")
            ),
        },
    )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def _not_spreadsheet(filename: str) -> LedgerReadError:
    return LedgerReadError(
        LedgerErrorCode.NOT_SPREADSHEET,
        _("%(name)s is not an Excel workbook (.xlsx, .xls) or a CSV file.") % {"name": filename},
    )


# --------------------------------------------------------------------------------------------
# Rendering cell values as text.


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip().strip("\u200b\ufeff").strip()


def _render(value: object) -> str:
    """Render a cell value the way the rest of the import reads it (dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return _clean_text(str(value))


@functools.lru_cache(maxsize=MAX_COLUMNS + 1)
def _column_letter(col: int) -> str:
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def _address(row: int, col: int) -> str:
    return f"{_column_letter(col)}{row}"


# --------------------------------------------------------------------------------------------
# xlsx: checks on the zip container and a streaming count, then openpyxl.


def _read_xlsx(data: bytes, *, limits: _Limits, filename: str) -> list[_Grid]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _not_spreadsheet(filename) from exc
    with archive:
        _check_zip(archive, limits=limits, filename=filename)
        _scan_xlsx_parts(archive, limits=limits, filename=filename)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about every extension it drops (data validation, slicers...).
            warnings.simplefilter("ignore")
            reader = _LedgerExcelReader(
                io.BytesIO(data), read_only=False, data_only=False, keep_links=False
            )
            reader.read()
            workbook = reader.wb
    except Exception as exc:  # openpyxl raises many kinds of errors on a malformed file
        raise _not_spreadsheet(filename) from exc
    try:
        return [_grid_from_openpyxl(sheet) for sheet in workbook.worksheets]
    finally:
        workbook.close()


class _ValueRange(MergedCellRange):  # type: ignore[misc]
    """A merged range as a reader of values needs it: openpyxl's own also adds the
    bottom-right cell's borders to the top-left one as it is made (2 of the 7 seconds of
    reading a 10,000-row ledger with 5,947 merged finding cells)."""

    def _get_borders(self) -> None:
        self.start_cell = self.ws._cells.get((self.min_row, self.min_col))
        if self.start_cell is None:
            self.start_cell = self.ws.cell(row=self.min_row, column=self.min_col)


class _LedgerSheetReader(WorksheetReader):  # type: ignore[misc]
    """openpyxl's sheet reader, keeping merged ranges as ranges: openpyxl also restyles the
    borders of every merged cell while loading, which a reader of values never needs and which
    took most of the time of a ledger with thousands of merged finding cells (6,000 ranges:
    seconds). The cells a range covers become MergedCell placeholders as in openpyxl."""

    def bind_merged_cells(self) -> None:
        if not self.parser.merged_cells:
            return
        ranges = []
        for ref in self.parser.merged_cells.mergeCell:
            merged = _ValueRange(self.ws, ref.ref)
            cells = merged.cells
            next(cells)  # the top-left cell keeps its value
            for row, col in cells:
                self.ws._cells[row, col] = MergedCell(self.ws, row, col)
            ranges.append(merged)
        self.ws.merged_cells = MultiCellRange(ranges)


class _LedgerExcelReader(ExcelReader):  # type: ignore[misc]
    """openpyxl's workbook reader for values only: worksheets read by _LedgerSheetReader, and
    what a ledger never holds (chart sheets, comments, drawings, tables, pivot tables) left
    unread."""

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            with self.archive.open(rel.target) as fh:
                ws = self.wb.create_sheet(sheet.name)
                _LedgerSheetReader(
                    ws, fh, self.shared_strings, self.data_only, self.rich_text
                ).bind_all()
            ws.sheet_state = sheet.state


def _check_zip(archive: zipfile.ZipFile, *, limits: _Limits, filename: str) -> None:
    infos = archive.infolist()
    names = {info.filename.lower(): info for info in infos}
    mimetype = names.get("mimetype")
    # An .ods is a zip too; its "mimetype" member says so in a few bytes.
    is_ods = (
        mimetype is not None
        and mimetype.file_size < 200
        and b"opendocument" in archive.read(mimetype)
    )
    if is_ods:
        raise LedgerReadError(
            LedgerErrorCode.NOT_SPREADSHEET,
            _("OpenDocument spreadsheets (.ods) are not supported; save the file as .xlsx."),
        )
    if "xl/workbook.bin" in names:
        raise LedgerReadError(
            LedgerErrorCode.NOT_SPREADSHEET,
            _("Binary workbooks (.xlsb) are not supported; save the file as .xlsx."),
        )
    content_types = names.get("[content_types].xml")
    if content_types is None or "xl/workbook.xml" not in names:
        raise _not_spreadsheet(filename)
    # zipfile stops every member at its declared size and checks the CRC, so the declared
    # sizes can be trusted here: the parts are streamed under a cap in _scan_xlsx_parts.
    try:
        check_zip(archive, max_unzipped=limits.max_bytes, inflate=False)
    except ZipBomb as exc:
        raise _zip_bomb() from exc
    if content_types.file_size > 1024 * 1024:
        raise _zip_bomb()
    types_xml = archive.read(content_types).lower()
    if any(name.endswith("vbaproject.bin") for name in names) or b"macroenabled" in types_xml:
        raise LedgerReadError(
            LedgerErrorCode.MACRO,
            _(
                "The workbook contains macros. Save it as a plain Excel workbook (.xlsx) and "
                "upload it again."
            ),
        )


def _zip_bomb() -> LedgerReadError:
    return LedgerReadError(
        LedgerErrorCode.ZIP_BOMB,
        _(
            "The workbook unpacks to far more data than a ledger holds (a possible zip bomb) "
            "and was refused."
        ),
    )


class _PartCounter:
    """Counts rows, cells, merged cells and shared strings in the parts of an xlsx.

    Driven by expat directly, without building a tree, so that memory stays flat however
    large the part is; raises as soon as a limit is passed.
    """

    def __init__(self, *, limits: _Limits) -> None:
        self.limits = limits
        self.cells = 0
        self.merged_area = 0
        self.strings = 0
        self.rows = 0
        self.value_rows = 0
        self.row_has_value = False

    def start_part(self) -> None:
        self.rows = 0
        self.value_rows = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = tag.rpartition(":")[2]
        if local == "c":
            self.cells += 1
            if self.cells > self.limits.max_cells:
                raise _too_many_cells(self.limits)
        elif local == "row":
            self.rows += 1
            self.row_has_value = False
            if self.rows > self.limits.max_row_elements:
                raise _too_many_rows(self.limits)
        elif local in ("v", "is", "f"):
            self.row_has_value = True
        elif local == "si":
            self.strings += 1
            if self.strings > self.limits.max_cells:
                raise _too_many_cells(self.limits)
        elif local == "mergeCell":
            self.merged_area += _range_area(attrs.get("ref", ""))
            if self.merged_area > self.limits.max_cells:
                raise _too_many_cells(self.limits)

    def end(self, tag: str) -> None:
        if tag.rpartition(":")[2] == "row" and self.row_has_value:
            self.value_rows += 1
            if self.value_rows > self.limits.max_value_rows:
                raise _too_many_rows(self.limits)


def _too_many_rows(limits: _Limits) -> LedgerReadError:
    return LedgerReadError(
        LedgerErrorCode.TOO_MANY_ROWS,
        _("The file has more than %(max)s rows; split the ledger into smaller files.")
        % {"max": limits.max_rows},
    )


def _too_many_cells(limits: _Limits) -> LedgerReadError:
    return LedgerReadError(
        LedgerErrorCode.TOO_LARGE,
        _("The file has more than %(max)s cells; a ledger this large cannot be read.")
        % {"max": limits.max_cells},
    )


_CELL_REF_RE: Final = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")


def _parse_ref(ref: str) -> tuple[int, int] | None:
    m = _CELL_REF_RE.fullmatch(ref.strip())
    if m is None:
        return None
    col = 0
    for letter in m.group(1).upper():
        col = col * 26 + ord(letter) - ord("A") + 1
    return int(m.group(2)), col


def _range_area(ref: str) -> int:
    first, _sep, last = ref.partition(":")
    start = _parse_ref(first)
    end = _parse_ref(last or first)
    if start is None or end is None:
        return 1
    return (abs(end[0] - start[0]) + 1) * (abs(end[1] - start[1]) + 1)


def _scan_xlsx_parts(archive: zipfile.ZipFile, *, limits: _Limits, filename: str) -> None:
    counter = _PartCounter(limits=limits)
    for info in archive.infolist():
        name = info.filename.lower()
        if not (
            (name.startswith("xl/worksheets/") and name.endswith(".xml"))
            or name == "xl/sharedstrings.xml"
        ):
            continue
        parser = expat.ParserCreate()
        parser.StartElementHandler = counter.start
        parser.EndElementHandler = counter.end
        counter.start_part()
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(_SCAN_CHUNK):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except (expat.ExpatError, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise _not_spreadsheet(filename) from exc


def _grid_from_openpyxl(sheet: Any) -> _Grid:
    cells: dict[tuple[int, int], _Raw] = {}
    # Iterate the cells that exist: iter_rows() would create every cell of the used range,
    # which for a sheet with one cell in A1 and one in XFD1048576 is seventeen billion.
    stored: dict[tuple[int, int], object] = sheet._cells
    for (row, col), cell in stored.items():
        if col > MAX_COLUMNS or isinstance(cell, MergedCell):
            continue
        value = getattr(cell, "value", None)
        if value is None:
            continue
        if getattr(cell, "data_type", "") == "f":
            cells[(row, col)] = _Raw("", formula=True)
            continue
        text = _render(value)
        if text:
            cells[(row, col)] = _Raw(text)
    merges = [
        (rng.min_row, rng.min_col, rng.max_row, rng.max_col) for rng in sheet.merged_cells.ranges
    ]
    return _Grid(
        name=str(sheet.title),
        cells=cells,
        merges=merges,
        hidden=sheet.sheet_state != "visible",
    )


# --------------------------------------------------------------------------------------------
# xls (BIFF, in an OLE compound file).


def _read_xls(data: bytes, *, limits: _Limits, filename: str) -> list[_Grid]:
    # An encrypted xlsx is an OLE file holding the encrypted zip as "EncryptedPackage".
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise _encrypted()
    book: Any = None
    # Merged ranges need formatting_info, which fails on some files written by other tools;
    # such a file is still read, without its merges.
    for formatting_info in (True, False):
        try:
            book = xlrd.open_workbook(
                file_contents=data,
                formatting_info=formatting_info,
                on_demand=True,
                logfile=io.StringIO(),
            )
            break
        except Exception as exc:  # xlrd raises assorted errors on malformed input
            if "encrypted" in str(exc).lower():
                raise _encrypted() from exc
            if not formatting_info:
                raise _not_spreadsheet(filename) from exc
    grids: list[_Grid] = []
    try:
        cells_total = 0
        for index in range(book.nsheets):
            try:
                sheet = book.sheet_by_index(index)
            except Exception as exc:
                raise _not_spreadsheet(filename) from exc
            grid, count = _grid_from_xlrd(book, sheet, limits=limits)
            cells_total += count
            if cells_total > limits.max_cells:
                raise _too_many_cells(limits)
            grids.append(grid)
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return grids


def _encrypted() -> LedgerReadError:
    return LedgerReadError(
        LedgerErrorCode.ENCRYPTED,
        _(
            "The workbook is password-protected. Open it in Excel, remove the password "
            "(File > Info > Protect Workbook) and upload it again."
        ),
    )


def _grid_from_xlrd(book: Any, sheet: Any, *, limits: _Limits) -> tuple[_Grid, int]:
    cells: dict[tuple[int, int], _Raw] = {}
    value_rows = 0
    nrows: int = sheet.nrows
    datemode: int = book.datemode
    for row_index in range(nrows):
        row_cells = sheet.row(row_index)
        has_value = False
        for col_index, xl_cell in enumerate(row_cells[:MAX_COLUMNS]):
            text = _render_xlrd(xl_cell.ctype, xl_cell.value, datemode)
            if text:
                cells[(row_index + 1, col_index + 1)] = _Raw(text)
                has_value = True
        if has_value:
            value_rows += 1
            if value_rows > limits.max_value_rows:
                raise _too_many_rows(limits)
            if len(cells) > limits.max_cells:
                raise _too_many_cells(limits)
    merges: list[tuple[int, int, int, int]] = []
    area = 0
    for rlo, rhi, clo, chi in sheet.merged_cells:
        area += max(rhi - rlo, 0) * max(chi - clo, 0)
        if area > limits.max_cells:
            raise _too_many_cells(limits)
        if rhi > rlo and chi > clo:
            merges.append((rlo + 1, clo + 1, rhi, chi))
    grid = _Grid(
        name=str(sheet.name),
        cells=cells,
        merges=merges,
        hidden=bool(sheet.visibility),
    )
    return grid, len(cells)


def _render_xlrd(ctype: int, value: object, datemode: int) -> str:
    if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if ctype == xlrd.XL_CELL_DATE and isinstance(value, float):
        try:
            return _render(xlrd.xldate.xldate_as_datetime(value, datemode))
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return _render(value)
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return _render(bool(value))
    if ctype == xlrd.XL_CELL_ERROR and isinstance(value, int):
        return str(xlrd.biffh.error_text_from_code.get(value, "#ERR"))
    return _render(value)


# --------------------------------------------------------------------------------------------
# csv (and any other plain text).


def _read_csv(data: bytes, *, limits: _Limits, filename: str) -> list[_Grid]:
    text = _decode_text(data, filename=filename)
    head = text[:2048].lstrip().lower()
    if head.startswith("<"):
        # Many systems export an HTML table or an XML Spreadsheet 2003 file named ".xls".
        raise LedgerReadError(
            LedgerErrorCode.NOT_SPREADSHEET,
            _(
                "%(name)s is a web page or XML file, not a workbook. Open it in Excel and "
                "save it as .xlsx."
            )
            % {"name": filename},
        )
    delimiter = _guess_delimiter(text[:65536])
    cells: dict[tuple[int, int], _Raw] = {}
    value_rows = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row_number, record in enumerate(reader, start=1):
            has_value = False
            for col, value in enumerate(record[:MAX_COLUMNS], start=1):
                cleaned = _clean_text(value)
                if cleaned:
                    cells[(row_number, col)] = _Raw(cleaned)
                    has_value = True
            if has_value:
                value_rows += 1
                if value_rows > limits.max_value_rows:
                    raise _too_many_rows(limits)
                if len(cells) > limits.max_cells:
                    raise _too_many_cells(limits)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise LedgerReadError(
                LedgerErrorCode.TOO_LARGE,
                _("A cell of the file holds more than %(limit)s characters.")
                % {"limit": csv.field_size_limit()},
            ) from exc
        raise _not_spreadsheet(filename) from exc
    return [_Grid(name=filename.rsplit("/", 1)[-1], cells=cells, merges=[])]


def _decode_text(data: bytes, *, filename: str) -> str:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise _not_spreadsheet(filename) from exc
    if b"\x00" in data[:65536]:
        raise _not_spreadsheet(filename)
    # Excel on Chinese Windows saves CSV in GBK (a subset of GB18030); everything else is
    # UTF-8. UTF-8 is tried first: GB18030 would decode almost any byte string.
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:65536]
        controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n")
        if controls > len(sample) // 100:
            break
        return text
    raise _not_spreadsheet(filename)


def _guess_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines() if line.strip()][:20]
    if not lines:
        return ","
    best, best_score = ",", 0
    for candidate in (",", "\t", ";"):
        counts = sorted(line.count(candidate) for line in lines)
        median = counts[len(counts) // 2]
        if median > best_score:
            best, best_score = candidate, median
    return best


# --------------------------------------------------------------------------------------------
# Merged ranges and cell lookup.


class _Source(NamedTuple):
    """What a cell shows: its own value, or that of the merged range it belongs to."""

    text: str
    formula: bool
    row: int  # the cell holding the value (top-left of a merge)
    col: int
    last_row: int
    last_col: int

    @property
    def address(self) -> str:
        return _address(self.row, self.col)

    @property
    def span_cols(self) -> int:
        return self.last_col - self.col + 1

    @property
    def is_empty(self) -> bool:
        return not self.text and not self.formula


class _Lookup:
    def __init__(self, grid: _Grid) -> None:
        self.grid = grid
        # Per column, merges sorted by first row; merges do not overlap in a valid file.
        self._by_col: dict[int, list[tuple[int, int, int, int]]] = {}
        for merge in grid.merges:
            _min_row, min_col, _max_row, max_col = merge
            for col in range(max(min_col, 1), min(max_col, MAX_COLUMNS) + 1):
                self._by_col.setdefault(col, []).append(merge)
        self._starts: dict[int, list[int]] = {}
        for col, merges in self._by_col.items():
            merges.sort()
            self._starts[col] = [m[0] for m in merges]

    def merge_at(self, row: int, col: int) -> tuple[int, int, int, int] | None:
        starts = self._starts.get(col)
        if not starts:
            return None
        index = bisect.bisect_right(starts, row) - 1
        if index < 0:
            return None
        merge = self._by_col[col][index]
        return merge if merge[2] >= row else None

    def source(self, row: int, col: int) -> _Source:
        merge = self.merge_at(row, col)
        if merge is None:
            raw = self.grid.cells.get((row, col), _Raw(""))
            return _Source(raw.text, raw.formula, row, col, row, col)
        min_row, min_col, max_row, max_col = merge
        raw = self.grid.cells.get((min_row, min_col), _Raw(""))
        return _Source(raw.text, raw.formula, min_row, min_col, max_row, max_col)


# --------------------------------------------------------------------------------------------
# Header detection.


def _normalize_header(text: str) -> str:
    text = normalize_width(text)
    text = re.sub(r"\s+", "", text)
    return text.replace("*", "").replace("※", "").rstrip(":")


_SYNONYM_INDEX: Final[dict[str, str]] = {
    _normalize_header(synonym): name
    for name, synonyms in FIELD_SYNONYMS.items()
    for synonym in synonyms
}
_BRACKETED_RE: Final = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕|<[^<>]*>")
_COMBINED_SPLIT_RE: Final = re.compile(r"以及|[/\\、,;()及和与]")

# Rank of a header match: an exact header beats a combined one beats a partial one.
_EXACT, _COMBINED, _PARTIAL = 0, 1, 2


def _match_header(text: str) -> tuple[tuple[str, ...], int] | None:
    """The field(s) a header cell names, and how sure the match is."""
    norm = _normalize_header(text)
    if not norm:
        return None
    if norm in _SYNONYM_INDEX:
        return (_SYNONYM_INDEX[norm],), _EXACT
    parts = [part for part in _COMBINED_SPLIT_RE.split(norm) if part]
    if len(parts) >= 2:
        named = [_SYNONYM_INDEX[part] for part in parts if part in _SYNONYM_INDEX]
        distinct = tuple(dict.fromkeys(named))
        if len(distinct) >= 2 and set(distinct) <= _PEOPLE_FIELDS:
            return distinct, _COMBINED
    stripped = _BRACKETED_RE.sub("", norm)
    if stripped in _SYNONYM_INDEX:
        return (_SYNONYM_INDEX[stripped],), _EXACT
    if not stripped or len(stripped) > 12:
        return None
    # "具体整改措施", "整改措施完成情况", "责任单位名称": the head noun of a Chinese phrase is at
    # its end, so a keyword counts when it ends the header or is followed by a generic word.
    best: list[tuple[int, str]] = []
    for synonym, name in _SYNONYM_INDEX.items():
        if len(synonym) < 3 or synonym not in stripped:
            continue
        tail = stripped[stripped.index(synonym) + len(synonym) :]
        if stripped.endswith(synonym) or tail in _HEADER_TAILS:
            best.append((len(synonym), name))
    if not best:
        return None
    longest = max(length for length, _name in best)
    names = {name for length, name in best if length == longest}
    if len(names) != 1:
        return None
    return (names.pop(),), _PARTIAL


@dataclass
class _Header:
    rows: list[int]
    columns: dict[str, int]
    column_fields: dict[int, tuple[str, ...]]
    labels: dict[int, str]  # column -> header text, for messages
    problems: list[Problem]

    @property
    def score(self) -> int:
        return len(self.columns)

    @property
    def usable(self) -> bool:
        return "finding" in self.columns or "measure" in self.columns


def _label_candidates(lookup: _Lookup, rows: list[int], col: int) -> list[tuple[str, str]]:
    """Texts to try as the header of a column, best first, with the cell each came from."""
    upper = lookup.source(rows[0], col)
    if len(rows) == 1:
        return [(upper.text, upper.address)] if upper.text else []
    lower = lookup.source(rows[1], col)
    if (lower.row, lower.col) == (upper.row, upper.col) or not lower.text:
        # One cell merged down over both rows, or a top header with nothing under it.
        return [(upper.text, upper.address)] if upper.text else []
    if not upper.text:
        return [(lower.text, lower.address)]
    if upper.span_cols >= 2:
        # A group header ("责任主体") over the real ones; "整改责任" + "单位" also reads.
        return [(lower.text, lower.address), (upper.text + lower.text, lower.address)]
    return [
        (upper.text + lower.text, upper.address),
        (lower.text, lower.address),
        (upper.text, upper.address),
    ]


def _detect_header(lookup: _Lookup, rows: list[int], max_col: int) -> _Header:
    candidates: list[tuple[int, int, str, tuple[str, ...], str, str]] = []
    for col in range(1, max_col + 1):
        found: tuple[tuple[str, ...], int, str, str] | None = None
        for text, address in _label_candidates(lookup, rows, col):
            match = _match_header(text)
            if match is not None and (found is None or match[1] < found[1]):
                found = (match[0], match[1], text, address)
                if match[1] == _EXACT:
                    break
        if found is not None:
            names, rank, text, address = found
            candidates.append((rank, col, text, names, address, text))

    columns: dict[str, int] = {}
    column_fields: dict[int, tuple[str, ...]] = {}
    labels: dict[int, str] = {}
    problems: list[Problem] = []
    for _rank, col, text, names, address, _label in sorted(candidates):
        for name in names:
            if name in columns:
                problems.append(
                    Problem(
                        address=address,
                        message=_(
                            "The column %(header)s also looks like %(field)s; only column "
                            "%(used)s is read."
                        )
                        % {
                            "header": " ".join(text.split()),
                            "field": FIELD_SYNONYMS[name][0],
                            "used": _column_letter(columns[name]),
                        },
                        severity="warning",
                    )
                )
                continue
            columns[name] = col
            column_fields[col] = (*column_fields.get(col, ()), name)
            labels[col] = " ".join(text.split())
    return _Header(
        rows=rows,
        columns=dict(sorted(columns.items(), key=lambda item: FIELDS.index(item[0]))),
        column_fields=column_fields,
        labels=labels,
        problems=problems,
    )


def _find_header(lookup: _Lookup, max_col: int) -> _Header | None:
    last_row = max((row for row, _col in lookup.grid.cells), default=0)
    search = range(1, min(HEADER_SEARCH_ROWS, last_row) + 1)
    singles = {row: _detect_header(lookup, [row], max_col) for row in search}
    best: _Header | None = None
    for row in search:
        single = singles[row]
        if single.usable and (best is None or single.score > best.score):
            best = single
        if row + 1 > last_row:
            continue
        pair = _detect_header(lookup, [row, row + 1], max_col)
        below = singles.get(row + 1)
        # Two rows make the header only when both are needed: a title row over a one-row
        # header, or a header over the first data row, adds nothing to the better single row.
        if (
            pair.usable
            and pair.score > single.score
            and (below is None or pair.score > below.score)
            and (best is None or pair.score > best.score)
        ):
            best = pair
    if best is not None and len(best.rows) == 1 and best.rows[0] > 1:
        # Header cells merged down from the row above ("序号" over two rows while that row
        # also holds a group header): that row belongs to the header as well.
        top = best.rows[0]
        for col in best.column_fields:
            merge = lookup.merge_at(top, col)
            if merge is not None and merge[0] < top:
                best.rows = [top - 1, top]
                break
    return best


def _find_title(lookup: _Lookup, header_top: int, max_col: int) -> str:
    """The title above the header: a row with a single text, preferably merged across."""
    singles: list[_Source] = []
    for row in range(1, header_top):
        sources = {
            (s.row, s.col): s
            for s in (lookup.source(row, col) for col in range(1, max_col + 1))
            if s.text
        }
        if len(sources) == 1:
            singles.append(next(iter(sources.values())))
    for source in singles:
        if source.span_cols >= 2:
            return source.text
    for source in singles:
        if not re.fullmatch(r"附件\s*\d*", normalize_width(source.text)):
            return source.text
    return ""


# --------------------------------------------------------------------------------------------
# Data rows.


def _split_number(text: str) -> tuple[str, str]:
    """Split a leading item number ("（三）", "1.", "3.2", "①") off a text."""
    found = match_number(text)
    # "一是…二是…" enumerates inside one text; it is not the number of the item.
    if found is None or found.style is NumberStyle.CN_SHI or not found.rest:
        return "", text
    return found.printed, found.rest


def _several_items(text: str) -> bool:
    """Whether a cell lists several items numbered alike ("1.…\\n2.…")."""
    if "\n" not in text:
        return False
    numbers = [match_number(line) for line in text.split("\n") if line.strip()]
    first = numbers[0] if numbers else None
    if first is None or first.style is NumberStyle.CN_SHI:
        return False
    return sum(1 for n in numbers if n is not None and n.style is first.style) >= 2


def _looks_like_unit(text: str) -> bool:
    return text.endswith(_UNIT_SUFFIXES)


_NAME_RE: Final = re.compile(r"[\u3400-\u9fff]{2,4}|[\u3400-\u9fff]{1,6}·[\u3400-\u9fff]{1,8}")


def _looks_like_persons(text: str) -> bool:
    names = [name for name in re.split(r"[、,，;；\s]+", text) if name]
    return bool(names) and all(
        _NAME_RE.fullmatch(name) and not _looks_like_unit(name) for name in names
    )


def _split_unit_person(text: str) -> tuple[str, str] | None:
    """Split "党委办公室/张三", "党委办公室（张三）", "党委办公室 张三、李四" into unit, persons.

    Slices the original text (normalize_width keeps offsets), so names keep their own
    characters. Returns None when the text cannot be split with confidence.
    """
    norm = normalize_width(text)
    pieces = [(m.start(), m.end()) for m in re.finditer(r"[^/\\\n:|]+", norm) if m.group().strip()]
    if len(pieces) >= 2:
        parts = [text[start:end].strip() for start, end in pieces]
        if _looks_like_persons(parts[0]) and not _looks_like_persons(parts[-1]):
            parts.reverse()
        units = [p for p in parts if not _looks_like_persons(p)]
        persons = [p for p in parts if _looks_like_persons(p)]
        if units and persons and parts == units + persons:
            return "、".join(units), "、".join(persons)
        return None
    paren = re.fullmatch(r"(.+?)\s*\(([^()]+)\)\s*", norm)
    if paren is not None:
        outer = text[paren.start(1) : paren.end(1)].strip()
        inner = text[paren.start(2) : paren.end(2)].strip()
        if _looks_like_persons(inner) and not _looks_like_persons(outer):
            return outer, inner
        if _looks_like_persons(outer) and _looks_like_unit(inner):
            return inner, outer
        return None
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", norm)]
    if len(tokens) >= 2:
        first_person = next(
            (i for i, (s, e) in enumerate(tokens) if _looks_like_persons(norm[s:e])), None
        )
        if first_person and all(_looks_like_persons(norm[s:e]) for s, e in tokens[first_person:]):
            return (
                text[tokens[0][0] : tokens[first_person - 1][1]].strip(),
                text[tokens[first_person][0] :].strip(),
            )
    return None


def _same_item(a: _Source | None, b: _Source | None) -> bool:
    """Whether two cells give the same theme or finding: one merged cell, or the same text
    copied into every row instead of merging."""
    if a is None or b is None:
        return False
    return (a.row, a.col) == (b.row, b.col) or (bool(a.text) and a.text == b.text)


@dataclass
class _Pending:
    """A finding given in a row without a measure, waiting for the measures below it."""

    row: int
    sources: dict[str, _Source]
    theme: _Source | None
    finding: _Source


class _RowReader:
    """Walks the data rows once, carrying the current theme and finding down the sheet."""

    def __init__(self, lookup: _Lookup, header: _Header) -> None:
        self.lookup = lookup
        self.header = header
        self.columns = header.columns
        self.rows: list[LedgerRow] = []
        self.problems: list[Problem] = []
        self._reported: set[tuple[str, str]] = set()
        # A theme or finding is read for each of its measure rows; split its number once.
        self._numbered: dict[tuple[int, int], tuple[str, str]] = {}
        self.theme: _Source | None = None
        self.finding: _Source | None = None
        self.pending: _Pending | None = None
        # Section rows are told from data by which columns a merged cell covers.
        item_columns = [self.columns[n] for n in ("theme", "finding") if n in self.columns]
        self._item_columns = item_columns

    def read(self) -> None:
        header_end = self.header.rows[-1]
        for row in sorted({row for row, _col in self.lookup.grid.cells if row > header_end}):
            self._read_row(row)
        self._flush_pending()
        self.rows.sort(key=lambda r: r.row_number)

    def _problem(
        self, address: str, kind: str, message: str, severity: Literal["error", "warning"]
    ) -> None:
        # A merged or filled-down cell is read for several rows but reported once.
        if (address, kind) in self._reported:
            return
        self._reported.add((address, kind))
        self.problems.append(Problem(address=address, message=message, severity=severity))

    # -- classifying rows ------------------------------------------------------------------

    def _read_row(self, row: int) -> None:
        sources = {name: self.lookup.source(row, col) for name, col in self.columns.items()}
        own = {
            name: source
            for name, source in sources.items()
            if source.row == row and not source.is_empty
        }
        if not own:
            return  # empty, or only cells merged down from above
        texts = {s.text for s in own.values() if s.text}
        if texts and all(normalize_width(t).startswith(_FOOTER_PREFIXES) for t in texts):
            return

        # A section row may keep its running number in the seq column ("一" | "党的建设…").
        distinct = {(s.row, s.col): s for name, s in own.items() if name != "seq"}
        if len(distinct) == 1:
            only = next(iter(distinct.values()))
            if only.text and self._is_section(only):
                self._heading(only)
                return

        core = set(own) - {"seq"}
        if not core:
            seq = own["seq"]
            numbered = match_number(seq.text)
            if numbered is not None and numbered.rest:
                self._heading(seq)  # a section title typed into the first column
            return  # otherwise a bare number on an unused template row

        if "measure" in self.columns and core <= {"theme", "finding"}:
            # A theme and/or finding on a row of its own; its measures follow below.
            if "theme" in core:
                self._set_theme(own["theme"], keeps_finding="finding" in core)
            if "finding" in core:
                self._set_finding(own["finding"], row=row, sources=sources)
            return

        theme = sources.get("theme")
        if theme is not None and not theme.is_empty:
            self._set_theme(theme, keeps_finding="finding" in own)
        finding = sources.get("finding")
        if finding is not None and not finding.is_empty and not _same_item(finding, self.finding):
            self._flush_pending()
            self.finding = finding
        # This row is a measure of the current finding: that finding is no longer waiting.
        self.pending = None
        self._emit(row, sources, theme=self.theme, finding=self.finding)

    def _is_section(self, source: _Source) -> bool:
        """A single text merged across several columns, over the theme or finding column."""
        covered = [c for c in self.header.column_fields if source.col <= c <= source.last_col]
        if len(covered) < 2:
            return False
        return not self._item_columns or any(c in covered for c in self._item_columns)

    def _heading(self, source: _Source) -> None:
        numbered = match_number(source.text)
        # "一、" numbers themes; "（一）" and "1." under it number findings.
        if numbered is None or numbered.style is NumberStyle.CN_DUN:
            self._set_theme(source)
            return
        # The heading's text is the finding; the columns it spans hold no values.
        blank = {
            name: _Source("", False, source.row, col, source.row, col)
            for name, col in self.columns.items()
        }
        self._set_finding(source, row=source.row, sources=blank)

    def _set_theme(self, theme: _Source, *, keeps_finding: bool = False) -> None:
        if _same_item(theme, self.theme):
            return
        self._flush_pending()
        self.theme = theme
        if not keeps_finding:
            self.finding = None

    def _set_finding(self, finding: _Source, *, row: int, sources: dict[str, _Source]) -> None:
        if _same_item(finding, self.finding):
            return
        self._flush_pending()
        self.finding = finding
        self.pending = _Pending(row=row, sources=sources, theme=self.theme, finding=finding)

    def _flush_pending(self) -> None:
        """Emit a finding that got no measure row, so that the gap is reported."""
        pending, self.pending = self.pending, None
        if pending is not None:
            self._emit(
                pending.row,
                pending.sources,
                theme=pending.theme,
                finding=pending.finding,
                finding_only=True,
            )

    # -- output ----------------------------------------------------------------------------

    def _emit(
        self,
        row: int,
        sources: dict[str, _Source],
        *,
        theme: _Source | None,
        finding: _Source | None,
        finding_only: bool = False,
    ) -> None:
        result = LedgerRow(row_number=row, cells={})
        cells = result.cells
        for name in FIELDS:
            if name in cells:
                continue  # filled with its partner from a combined column
            if name == "theme" and theme is not None:
                result.theme_number, text = self._item_number(theme, name)
                cells[name] = Cell(text, theme.address)
                continue
            if name == "finding" and finding is not None:
                result.finding_number, text = self._item_number(finding, name)
                cells[name] = Cell(text, finding.address)
                continue
            if name not in self.columns:
                continue
            source = sources[name]
            value = self._checked(source, name)
            fields = self.header.column_fields[self.columns[name]]
            if len(fields) > 1:
                cells.update(self._split_combined(source, value, fields))
            elif name == "measure":
                cells[name] = Cell(self._measure(row, source, value, result), source.address)
            else:
                cells[name] = Cell(value, source.address)
        self._row_checks(row, cells, finding_only=finding_only)
        self.rows.append(result)

    def _item_number(self, source: _Source, name: str) -> tuple[str, str]:
        key = (source.row, source.col)
        if key not in self._numbered:
            self._numbered[key] = _split_number(self._checked(source, name))
        return self._numbered[key]

    def _checked(self, source: _Source, name: str) -> str:
        if source.formula:
            self._problem(
                source.address,
                "formula",
                _("The cell contains a formula; paste values instead."),
                # A running number computed by =ROW() is common and carries no data.
                "warning" if name == "seq" else "error",
            )
            return ""
        if len(source.text) > MAX_TEXT_LENGTH:
            self._problem(
                source.address,
                "too_long",
                _("The text is longer than %(limit)s characters.") % {"limit": MAX_TEXT_LENGTH},
                "error",
            )
        return source.text

    def _measure(self, row: int, source: _Source, value: str, result: LedgerRow) -> str:
        if source.row != row and value:
            self._problem(
                _address(row, self.columns["measure"]),
                "merged_measure",
                _("The measure is merged over several rows; each row was read as a measure."),
                "warning",
            )
        if value and _several_items(value):
            self._problem(
                source.address,
                "several_items",
                _("The cell lists several numbered items; put each measure in its own row."),
                "warning",
            )
            return value
        result.measure_number, text = _split_number(value)
        return text

    def _split_combined(
        self, source: _Source, value: str, fields: tuple[str, ...]
    ) -> dict[str, Cell]:
        values = dict.fromkeys(fields, "")
        if value:
            split: tuple[str, ...] | None = None
            if set(fields) == {"lead_unit", "persons"}:
                pair = _split_unit_person(value)
                if pair is not None:
                    split = pair if fields[0] == "lead_unit" else (pair[1], pair[0])
            else:
                parts = [p.strip() for p in re.split(r"[/\\\n／]", value) if p.strip()]
                if len(parts) == len(fields):
                    split = tuple(parts)
            if split is not None:
                values.update(zip(fields, split, strict=True))
            else:
                target = "lead_unit" if "lead_unit" in fields else fields[0]
                values[target] = value
                self._problem(
                    source.address,
                    "combined",
                    _(
                        'Could not tell apart %(parts)s in "%(value)s"; the whole text was '
                        "read as %(field)s."
                    )
                    % {
                        "parts": "/".join(FIELD_SYNONYMS[f][0] for f in fields),
                        "value": value,
                        "field": FIELD_SYNONYMS[target][0],
                    },
                    "warning",
                )
        return {name: Cell(text, source.address) for name, text in values.items()}

    def _row_checks(self, row: int, cells: dict[str, Cell], *, finding_only: bool) -> None:
        measure = cells.get("measure")
        if measure is not None and not measure.value:
            column = self.header.labels[self.columns["measure"]]
            if finding_only:
                message = _("This finding has no measure: no %(column)s is given below it.")
            else:
                message = _("The %(column)s cell is empty.")
            if (measure.address, "formula") not in self._reported:
                self._problem(
                    measure.address, "empty_measure", message % {"column": column}, "error"
                )
        finding = cells.get("finding")
        if "finding" in self.columns and (finding is None or not finding.value):
            address = (
                finding.address if finding is not None else _address(row, self.columns["finding"])
            )
            if (address, "formula") not in self._reported:
                self._problem(
                    address,
                    "no_finding",
                    _("No %(column)s is given for this row, neither in it nor above it.")
                    % {"column": self.header.labels[self.columns["finding"]]},
                    "error",
                )


def _problem_sort_key(problem: Problem) -> tuple[int, int]:
    ref = _parse_ref(problem.address) if problem.address else None
    if ref is not None:
        return ref
    if problem.address.isdigit():
        return int(problem.address), 0
    return 0, 0


def _read_grid(grid: _Grid, *, limits: _Limits) -> LedgerSheet | None:
    if not grid.cells:
        return None
    lookup = _Lookup(grid)
    max_col = min(max(col for _row, col in grid.cells), MAX_COLUMNS)
    header = _find_header(lookup, max_col)
    if header is None:
        return None
    # The streaming count before loading allowed for title and header rows; now that the
    # header is known, the limit applies to the data rows exactly.
    data_rows = {row for row, _col in grid.cells if row > header.rows[-1]}
    if len(data_rows) > limits.max_rows:
        raise _too_many_rows(limits)
    reader = _RowReader(lookup, header)
    reader.read()
    problems = [*header.problems, *sorted(reader.problems, key=_problem_sort_key)]
    if not reader.rows:
        problems.append(
            Problem(
                address="",
                message=_("The sheet has no data rows below its header."),
                severity="warning",
            )
        )
    return LedgerSheet(
        sheet_name=grid.name,
        header_rows=header.rows,
        columns=header.columns,
        rows=reader.rows,
        problems=problems,
        title=_find_title(lookup, header.rows[0], max_col),
    )

"""Word documents in the national layout for official documents (GB/T 9704-2012, 党政机关公文格式).

The office issues its progress reports, notices, responsibility lists, task division tables,
meeting reports and supervision notices as Word files that units print, seal and file. Readers
judge them against the national layout at a glance (fonts, margins, 22 lines of 28 characters,
page numbers in "— 1 —" form), so this builder encodes that layout once. It knows nothing of
the domain: callers pass plain strings and table rows.

Fonts are written with their exact Chinese names (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312, 黑体,
宋体) in both the ASCII and the East Asian slots, so Word and WPS use them where installed; the
font table carries the usual fallback names (小标宋, 仿宋, 楷体...) and the GB2312 charset so a
machine without them substitutes a Chinese face of the same kind rather than a Latin one.
"""

from __future__ import annotations

import datetime
import io
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Final

from django.utils.translation import gettext as _
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_BREAK, WD_LINE_SPACING, WD_PARAGRAPH_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Emu, Length, Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from core.numbering import int_to_chinese
from core.text import xml_safe

__all__ = [
    "BODY_FONT",
    "CHAR_SPACING_TWENTIETHS",
    "HEADING1_FONT",
    "HEADING2_FONT",
    "PAGE_NUMBER_FONT",
    "SIZE_ER_HAO",
    "SIZE_SAN_HAO",
    "SIZE_SI_HAO",
    "SIZE_XIAO_SI",
    "TITLE_FONT",
    "OfficialDocument",
    "chinese_date",
    "chinese_numeral",
    "heading_prefix",
    "vertical_merge_plan",
]

# --- Type sizes (字号) in points --------------------------------------------------------------
SIZE_ER_HAO: Final = 22.0  # 二号: title
SIZE_SAN_HAO: Final = 16.0  # 三号: body and headings
SIZE_SI_HAO: Final = 14.0  # 四号: page numbers, roomy tables
SIZE_XIAO_SI: Final = 12.0  # 小四: dense tables

# --- Fonts: exact names as installed on Chinese Windows / WPS, with their usual fallbacks -----
TITLE_FONT: Final = "方正小标宋简体"
BODY_FONT: Final = "仿宋_GB2312"
HEADING1_FONT: Final = "黑体"
HEADING2_FONT: Final = "楷体_GB2312"
PAGE_NUMBER_FONT: Final = "宋体"

# Alternate names go into the font table (w:altName): Word and LibreOffice try them when the
# primary face is missing. Windows ships 仿宋/楷体 (not the *_GB2312 faces of old Founder sets).
_FONT_ALT_NAMES: Final[dict[str, str]] = {
    TITLE_FONT: "小标宋",
    BODY_FONT: "仿宋",
    HEADING1_FONT: "SimHei",
    HEADING2_FONT: "楷体",
    PAGE_NUMBER_FONT: "SimSun",
}

# --- Page geometry ---------------------------------------------------------------------------
PAPER_WIDTH_MM: Final = 210.0
PAPER_HEIGHT_MM: Final = 297.0
MARGIN_TOP_MM: Final = 37.0  # 天头
MARGIN_BOTTOM_MM: Final = 35.0
MARGIN_LEFT_MM: Final = 28.0  # 订口: the binding edge
MARGIN_RIGHT_MM: Final = 26.0
LINE_PITCH_PT: Final = 28.0
CHARS_PER_LINE: Final = 28
# The standard's page number sits with its dashes 7 mm below the text block. Word measures the
# footer distance from the paper's bottom edge to the bottom of the footer line, so the footer
# sits one 四号 line plus 7 mm above the bottom margin's edge of the text block.
_PAGE_NUMBER_GAP_MM: Final = 7.0 + SIZE_SI_HAO * 25.4 / 72
_TEXT_WIDTH_MM: Final = PAPER_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM  # 156 mm 版心
# 28 characters of 三号 (16 pt) need 158 mm but the text block is 156 mm. Word's own templates
# squeeze them with a character grid (docGrid charSpace < 0), which LibreOffice 7.4 renders with
# characters spread to half the count per line; so the body type is condensed instead, by the
# whole twentieth of a point that first lets 28 characters fit (-0.25 pt, 1.5 %), which every
# renderer honours the same way.
CHAR_SPACING_TWENTIETHS: Final = math.floor(
    (_TEXT_WIDTH_MM / 25.4 * 72 / CHARS_PER_LINE - SIZE_SAN_HAO) * 20
)
# The advance of one condensed body character.
_BODY_PITCH_PT: Final = SIZE_SAN_HAO + CHAR_SPACING_TWENTIETHS / 20

# A landscape page is the same sheet turned so that the table's top lies on the binding edge;
# the margins turn with it, keeping the binding and the text block where the reader expects.
_LANDSCAPE_MARGINS_MM: Final = {
    "top": MARGIN_LEFT_MM,
    "bottom": MARGIN_RIGHT_MM,
    "left": MARGIN_BOTTOM_MM,
    "right": MARGIN_TOP_MM,
}
_PORTRAIT_MARGINS_MM: Final = {
    "top": MARGIN_TOP_MM,
    "bottom": MARGIN_BOTTOM_MM,
    "left": MARGIN_LEFT_MM,
    "right": MARGIN_RIGHT_MM,
}

# --- Style names (English: they are identifiers inside the file, not user-facing text) -------
STYLE_TITLE: Final = "Official Title"
STYLE_SUBTITLE: Final = "Official Subtitle"
STYLE_ADDRESSEE: Final = "Official Addressee"
STYLE_BODY: Final = "Official Body"
STYLE_HEADINGS: Final = (
    "Official Heading 1",
    "Official Heading 2",
    "Official Heading 3",
    "Official Heading 4",
)
STYLE_SIGNATURE: Final = "Official Signature"
STYLE_TABLE_TEXT: Final = "Official Table Text"
STYLE_TABLE_HEADER: Final = "Official Table Header"
STYLE_PAGE_NUMBER: Final = "Official Page Number"

# Schema order of the children we add by hand (python-docx only knows some of them). An element
# put out of order makes Word refuse the file, so every insertion goes through _set_child().
_PPR_ORDER: Final = (
    "w:pStyle",
    "w:keepNext",
    "w:keepLines",
    "w:pageBreakBefore",
    "w:framePr",
    "w:widowControl",
    "w:numPr",
    "w:suppressLineNumbers",
    "w:pBdr",
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
_RPR_ORDER: Final = (
    "w:rStyle",
    "w:rFonts",
    "w:b",
    "w:bCs",
    "w:i",
    "w:iCs",
    "w:caps",
    "w:smallCaps",
    "w:strike",
    "w:dstrike",
    "w:outline",
    "w:shadow",
    "w:emboss",
    "w:imprint",
    "w:noProof",
    "w:snapToGrid",
    "w:vanish",
    "w:webHidden",
    "w:color",
    "w:spacing",
    "w:w",
    "w:kern",
    "w:position",
    "w:sz",
    "w:szCs",
    "w:highlight",
    "w:u",
    "w:effect",
    "w:bdr",
    "w:shd",
    "w:fitText",
    "w:vertAlign",
    "w:rtl",
    "w:cs",
    "w:em",
    "w:lang",
    "w:eastAsianLayout",
    "w:specVanish",
    "w:oMath",
)
_TBLPR_ORDER: Final = (
    "w:tblStyle",
    "w:tblpPr",
    "w:tblOverlap",
    "w:bidiVisual",
    "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize",
    "w:tblW",
    "w:jc",
    "w:tblCellSpacing",
    "w:tblInd",
    "w:tblBorders",
    "w:shd",
    "w:tblLayout",
    "w:tblCellMar",
    "w:tblLook",
    "w:tblCaption",
    "w:tblDescription",
)
_TRPR_ORDER: Final = (
    "w:cnfStyle",
    "w:divId",
    "w:gridBefore",
    "w:gridAfter",
    "w:wBefore",
    "w:wAfter",
    "w:cantSplit",
    "w:trHeight",
    "w:tblHeader",
    "w:tblCellSpacing",
    "w:jc",
    "w:hidden",
    "w:ins",
    "w:del",
    "w:trPrChange",
)
_SECTPR_ORDER: Final = (
    "w:headerReference",
    "w:footerReference",
    "w:footnotePr",
    "w:endnotePr",
    "w:type",
    "w:pgSz",
    "w:pgMar",
    "w:paperSrc",
    "w:pgBorders",
    "w:lnNumType",
    "w:pgNumType",
    "w:cols",
    "w:formProt",
    "w:vAlign",
    "w:noEndnote",
    "w:titlePg",
    "w:textDirection",
    "w:bidi",
    "w:rtlGutter",
    "w:docGrid",
    "w:printerSettings",
    "w:sectPrChange",
)

_BORDER_ORDER: Final = (
    "w:top",
    "w:left",
    "w:bottom",
    "w:right",
    "w:insideH",
    "w:insideV",
)

# Ambiguous-width signs (— “ ”) are full width in Chinese text.
_FULL_WIDTH: Final = frozenset({"F", "W", "A"})
_EM_DASH: Final = "\u2014"  # 一字线, drawn either side of the page number


def chinese_date(d: datetime.date) -> str:
    """Write a date as 成文日期 are written: Arabic numerals, no leading zeros ("2021年3月22日")."""
    return f"{d.year}年{d.month}月{d.day}日"


def chinese_numeral(n: int) -> str:
    """Write 1..9999 in Chinese numerals as headings count them (一, 十, 十一, 二十, 一百零五)."""
    if not 1 <= n <= 9999:
        raise ValueError(_("Cannot write %(number)d in Chinese numerals.") % {"number": n})
    return int_to_chinese(n)


def heading_prefix(level: int, number: int) -> str:
    """The numbering GB/T 9704 gives each heading level: 一、 （一） 1. （1）."""
    if level == 1:
        return chinese_numeral(number) + "、"
    if level == 2:
        return f"（{chinese_numeral(number)}）"
    if level == 3:
        return f"{number}."
    if level == 4:
        return f"（{number}）"
    raise ValueError(_("Heading level %(level)d is not between 1 and 4.") % {"level": level})


def _text_width_chars(text: str) -> float:
    """Width in body characters: CJK and full-width signs take one, ASCII digits half."""
    return sum(1.0 if unicodedata.east_asian_width(c) in _FULL_WIDTH else 0.5 for c in text)


def _row_height_pt(values: Sequence[str], widths: Sequence[Length], size_pt: float) -> float:
    """A generous estimate of a table row's height: its tallest cell's wrapped lines."""
    tallest = 1
    for text, width in zip(values, widths, strict=True):
        # Word's default cell margins are 0.19 cm a side.
        line_pt = max(Emu(width).pt - 2 * 5.4, size_pt)
        lines = sum(
            max(1, math.ceil(_text_width_chars(part) * size_pt / line_pt))
            for part in text.split("\n")
        )
        tallest = max(tallest, lines)
    return tallest * size_pt * 1.5


def vertical_merge_plan(rows: Sequence[Sequence[str]], columns: Sequence[int]) -> list[list[bool]]:
    """For each cell, whether it continues a vertical merge with the cell above.

    Columns merge in the order given, each within the groups of the ones before it, so that
    a measure column merged after a finding column never runs across two findings. Empty
    cells never merge: a blank is missing data, not "the same as above".
    """
    width = max((len(r) for r in rows), default=0)
    plan = [[False] * width for _row in rows]
    # A group boundary starts at row 0 and wherever an earlier merge column changes value.
    boundary = [index == 0 for index in range(len(rows))]
    for column in columns:
        for index in range(1, len(rows)):
            value = rows[index][column]
            plan[index][column] = (
                not boundary[index] and value.strip() != "" and value == rows[index - 1][column]
            )
        boundary = [boundary[i] or not plan[i][column] for i in range(len(rows))]
    return plan


def _set_child(
    parent: BaseOxmlElement, tag: str, order: Sequence[str], **attrs: str
) -> BaseOxmlElement:
    """Get or create `tag` under `parent` at its schema position, then set its w: attributes."""
    child: BaseOxmlElement | None = parent.find(qn(tag))
    if child is None:
        # OxmlElement, not etree.Element: python-docx must find its own element classes here.
        child = OxmlElement(tag)
        later = {qn(t) for t in order[order.index(tag) + 1 :]}
        successor = next((c for c in parent if c.tag in later), None)
        if successor is None:
            parent.append(child)
        else:
            successor.addprevious(child)
    for name, value in attrs.items():
        child.set(qn(f"w:{name}"), value)
    return child


def _set_fonts(rpr: BaseOxmlElement, font: str) -> None:
    """Name `font` for ASCII, high-ANSI, East Asian and complex script text, dropping theme fonts.

    Theme font attributes win over explicit names at the same level, and python-docx's template
    sets them (Japanese theme fonts) in the document defaults, so they must go.
    """
    rfonts = _set_child(rpr, "w:rFonts", _RPR_ORDER)
    for theme_attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rfonts.attrib.pop(qn(f"w:{theme_attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        rfonts.set(qn(f"w:{attr}"), font)


def _set_size(rpr: BaseOxmlElement, size_pt: float) -> None:
    half_points = str(round(size_pt * 2))
    _set_child(rpr, "w:sz", _RPR_ORDER, val=half_points)
    _set_child(rpr, "w:szCs", _RPR_ORDER, val=half_points)


def _set_char_indents(
    ppr: BaseOxmlElement,
    *,
    first_line: float | None = None,
    left: float | None = None,
    right: float | None = None,
) -> None:
    """Indent in characters (1/100 char units, what Word writes for "2 字符").

    Word and WPS show these as characters in their paragraph dialog; the twips values beside
    them (one character = one 三号 em) are for readers that ignore the *Chars attributes.
    """
    attrs: dict[str, str] = {}
    for name, value in (("firstLine", first_line), ("left", left), ("right", right)):
        if value is None:
            continue
        attrs[f"{name}Chars"] = str(round(value * 100))
        attrs[name] = str(round(value * SIZE_SAN_HAO * 20))
    _set_child(ppr, "w:ind", _PPR_ORDER, **attrs)


@dataclass(frozen=True)
class _StyleSpec:
    name: str
    font: str | None = None
    size_pt: float | None = None
    bold: bool = False
    alignment: WD_PARAGRAPH_ALIGNMENT | None = None
    first_line_chars: float | None = None
    # None leaves the inherited exact 28 pt line; 0 means single spacing (tables, footers).
    line_pt: float | None = None
    space_before_pt: float = 0.0
    space_after_pt: float = 0.0
    keep_with_next: bool = False
    outline_level: int | None = None
    snap_to_grid: bool = True
    # Body type is condensed to 28 characters a line (Normal); titles, tables, page numbers not.
    uncondensed: bool = False
    base: str = "Normal"


_STYLES: Final = (
    # The body grid is 28 pt; a 22 pt title needs more room than that (its glyphs would be cut
    # by an exact 28 pt line) and it stands outside the grid anyway.
    _StyleSpec(
        STYLE_TITLE,
        font=TITLE_FONT,
        size_pt=SIZE_ER_HAO,
        alignment=WD_PARAGRAPH_ALIGNMENT.CENTER,
        line_pt=36.0,
        space_after_pt=LINE_PITCH_PT,
        keep_with_next=True,
        snap_to_grid=False,
        uncondensed=True,
    ),
    _StyleSpec(
        STYLE_SUBTITLE,
        font=HEADING2_FONT,
        alignment=WD_PARAGRAPH_ALIGNMENT.CENTER,
        space_after_pt=LINE_PITCH_PT,
        keep_with_next=True,
    ),
    _StyleSpec(STYLE_ADDRESSEE, first_line_chars=0, keep_with_next=True),
    _StyleSpec(STYLE_BODY, first_line_chars=2),
    _StyleSpec(
        STYLE_HEADINGS[0],
        font=HEADING1_FONT,
        keep_with_next=True,
        outline_level=0,
        base=STYLE_BODY,
    ),
    _StyleSpec(
        STYLE_HEADINGS[1],
        font=HEADING2_FONT,
        keep_with_next=True,
        outline_level=1,
        base=STYLE_BODY,
    ),
    _StyleSpec(STYLE_HEADINGS[2], keep_with_next=True, outline_level=2, base=STYLE_BODY),
    _StyleSpec(STYLE_HEADINGS[3], keep_with_next=True, outline_level=3, base=STYLE_BODY),
    _StyleSpec(STYLE_SIGNATURE, alignment=WD_PARAGRAPH_ALIGNMENT.RIGHT, first_line_chars=0),
    # Table text keeps off the page grid: snapped lines would make every row 28 pt tall.
    _StyleSpec(
        STYLE_TABLE_TEXT,
        size_pt=SIZE_XIAO_SI,
        alignment=WD_PARAGRAPH_ALIGNMENT.LEFT,
        first_line_chars=0,
        line_pt=0,
        snap_to_grid=False,
        uncondensed=True,
    ),
    _StyleSpec(
        STYLE_TABLE_HEADER,
        bold=True,
        alignment=WD_PARAGRAPH_ALIGNMENT.CENTER,
        base=STYLE_TABLE_TEXT,
    ),
    _StyleSpec(
        STYLE_PAGE_NUMBER,
        font=PAGE_NUMBER_FONT,
        size_pt=SIZE_SI_HAO,
        first_line_chars=0,
        line_pt=0,
        snap_to_grid=False,
        uncondensed=True,
    ),
)


class OfficialDocument:
    """A document being built in the GB/T 9704 layout; blocks are appended in reading order."""

    def __init__(self, *, landscape: bool = False) -> None:
        self._doc: DocxDocument = Document()
        self._styles: dict[str, ParagraphStyle] = {}
        self._heading_counters = [0, 0, 0, 0]
        self._last_title: Paragraph | None = None
        self._last_block_is_title = False
        self._page_break_pending = False
        self._drop_template_thumbnail()
        self._reset_core_properties()
        self._set_document_defaults()
        self._register_fonts()
        for spec in _STYLES:
            self._styles[spec.name] = self._add_style(spec)
        # Odd pages carry the page number on the right, even pages on the left (书页外侧).
        self._doc.settings.odd_and_even_pages_header_footer = True
        section = self._doc.sections[0]
        self._lay_out_section(section, landscape=landscape)
        self._add_page_number_footers(section)

    # --- Content ------------------------------------------------------------------------------

    def title(self, text: str) -> None:
        """The document title (标题): 方正小标宋简体 二号, centred; "\\n" breaks long titles."""
        paragraph = self._add_paragraph(text, STYLE_TITLE)
        if not self._doc.core_properties.title:
            self._doc.core_properties.title = xml_safe(text).replace("\n", "")
        self._last_title = paragraph
        self._last_block_is_title = True

    def subtitle(self, text: str) -> None:
        """A line under the title, e.g. "（2021年3月22日）": 楷体 三号, centred."""
        follows_title = self._last_block_is_title
        title = self._last_title
        self._add_paragraph(text, STYLE_SUBTITLE)
        if follows_title and title is not None:
            # The blank line belongs after the whole title block, not between its two parts.
            title.paragraph_format.space_after = Pt(0)

    def addressee(self, text: str) -> None:
        """The addressee (主送机关), flush left; a full-width colon is added when missing."""
        if not text.endswith(("：", ":")):
            text += "："
        self._add_paragraph(text, STYLE_ADDRESSEE)

    def heading(
        self, text: str, *, level: int, numbered: bool = True, run_in: str | None = None
    ) -> None:
        """A heading of level 1..4 (黑体 / 楷体 / 仿宋 / 仿宋), indented two characters.

        With `numbered` the builder writes the prefix (一、 （一） 1. （1）), counting per level
        and restarting lower levels; pass numbered=False when `text` carries its own. `run_in`
        continues the same paragraph in body type, as in "（一）加强领导。全院……".
        """
        heading_prefix(level, 1)  # refuses a level outside 1..4 before anything is counted
        if numbered:
            self._heading_counters[level - 1] += 1
            for lower in range(level, len(self._heading_counters)):
                self._heading_counters[lower] = 0
            text = heading_prefix(level, self._heading_counters[level - 1]) + text
        paragraph = self._add_paragraph(text, STYLE_HEADINGS[level - 1])
        if run_in:
            paragraph.paragraph_format.keep_with_next = False
            self._add_text(paragraph, run_in, font=BODY_FONT)

    def paragraph(self, text: str, *, indent: bool = True, bold_lead: str | None = None) -> None:
        """A body paragraph: 仿宋_GB2312 三号, first line indented two characters.

        `bold_lead` starts the paragraph with a bold run, e.g. "一是" or "工作开展情况。".
        """
        paragraph = self._new_paragraph(STYLE_BODY)
        if not indent:
            _set_char_indents(paragraph._p.get_or_add_pPr(), first_line=0)
        if bold_lead:
            self._add_text(paragraph, bold_lead, bold=True)
        self._add_text(paragraph, text)
        self._last_block_is_title = False

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        widths_mm: Sequence[float] | None = None,
        merge_down: Sequence[int] = (),
        center_columns: Sequence[int] = (),
        font_size_pt: float = SIZE_XIAO_SI,
    ) -> None:
        """A bordered table whose bold header row repeats on every page.

        Columns share the text width evenly unless `widths_mm` are given. Equal consecutive
        values in the `merge_down` columns merge vertically (a finding spanning its measures),
        see vertical_merge_plan(). `center_columns` centre short values (序号, 完成时限).
        Text wraps inside cells; "\\n" breaks lines. Type is 仿宋 小四 (12 pt) by default; pass
        SIZE_SI_HAO (14 pt) for short tables.
        """
        columns = len(header)
        if columns == 0:
            raise ValueError(_("A table needs at least one column."))
        if font_size_pt <= 0:
            raise ValueError(_("The table type size must be positive."))
        for index, row in enumerate(rows, start=1):
            if len(row) != columns:
                raise ValueError(
                    _("Row %(row)d has %(count)d cells but the header has %(expected)d.")
                    % {"row": index, "count": len(row), "expected": columns}
                )
        for column in (*merge_down, *center_columns):
            if not 0 <= column < columns:
                raise ValueError(
                    _("Column %(column)d does not exist in a table of %(count)d columns.")
                    % {"column": column, "count": columns}
                )
        section = self._doc.sections[-1]
        available = self._text_width(section)
        if widths_mm is None:
            widths: list[Length] = [Emu(int(available / columns))] * columns
        else:
            if len(widths_mm) != columns:
                raise ValueError(
                    _("%(widths)d column widths were given for %(count)d columns.")
                    % {"widths": len(widths_mm), "count": columns}
                )
            if any(w <= 0 for w in widths_mm):
                raise ValueError(_("Column widths must be positive."))
            widths = [Mm(w) for w in widths_mm]

        self._flush_page_break_before_table()
        table = self._doc.add_table(rows=1, cols=columns)
        self._format_table(table, widths)
        header_row = table.rows[0]
        tr_pr = header_row._tr.get_or_add_trPr()
        # The header row repeats at the top of each page and is never split itself.
        _set_child(tr_pr, "w:cantSplit", _TRPR_ORDER)
        _set_child(tr_pr, "w:tblHeader", _TRPR_ORDER)
        for cell, text in zip(header_row.cells, header, strict=True):
            self._fill_cell(cell, text, STYLE_TABLE_HEADER, font_size_pt, centred=True)

        plan = vertical_merge_plan(rows, merge_down)
        centred = set(center_columns)
        for row_values, continues in zip(rows, plan, strict=True):
            row = table.add_row()
            # Short rows stay whole on one page. A row taller than a third of the page may
            # break: Word cuts off, rather than moves, an unbreakable row taller than a page.
            shown = [
                "" if merged else text for text, merged in zip(row_values, continues, strict=True)
            ]
            if _row_height_pt(shown, widths, font_size_pt) < self._text_height_pt(section) / 3:
                _set_child(row._tr.get_or_add_trPr(), "w:cantSplit", _TRPR_ORDER)
            for column, (cell, text) in enumerate(zip(row.cells, row_values, strict=True)):
                cell.width = widths[column]
                if continues[column]:
                    cell._tc.vMerge = "continue"
                    self._style_cell_paragraph(cell.paragraphs[0], STYLE_TABLE_TEXT, font_size_pt)
                    continue
                if column in merge_down:
                    cell._tc.vMerge = "restart"
                self._fill_cell(
                    cell,
                    text,
                    STYLE_TABLE_TEXT,
                    font_size_pt,
                    centred=column in centred,
                )
        self._last_block_is_title = False

    def signature(self, org: str, date: datetime.date, *, sealed: bool = False) -> None:
        """The issuing body (发文机关署名) and date (成文日期), to the right below the text.

        Unsealed (GB/T 9704 7.3.5.2): one blank line below the text, the body's name two
        characters from the right, the date on the next line starting two characters right of
        the name's start (the name moves left if the date is longer). Sealed (7.3.5.1): the date
        four characters from the right and the name centred over it, with room for the seal.
        """
        date_text = chinese_date(date)
        org_width = _text_width_chars(org)
        date_width = _text_width_chars(date_text)
        # Where the date hangs off the name's first character, it is placed from the left:
        # the name's start is known exactly (Chinese characters all take one body pitch), while
        # the date's own width depends on the face's digits, so right-aligning it would let the
        # two-character offset drift on machines that substitute another font.
        date_left_pt: float | None = None
        if sealed:
            date_right = 4.0
            org_right = max(0.0, date_right + (date_width - org_width) / 2)
            blank_lines = 2
        else:
            org_right = 2.0
            date_right = org_right + org_width - 2 - date_width
            if date_right < 2.0:
                date_right = 2.0
                org_right = date_right + date_width + 2 - org_width
            else:
                line_pt = Emu(self._text_width(self._doc.sections[-1])).pt
                org_start_pt = line_pt - org_right * SIZE_SAN_HAO - org_width * _BODY_PITCH_PT
                date_left_pt = org_start_pt + 2 * _BODY_PITCH_PT
            blank_lines = 1
        org_paragraph = self._add_paragraph(org, STYLE_SIGNATURE)
        org_paragraph.paragraph_format.space_before = Pt(LINE_PITCH_PT * blank_lines)
        org_paragraph.paragraph_format.keep_with_next = True
        _set_char_indents(org_paragraph._p.get_or_add_pPr(), right=org_right)
        date_paragraph = self._add_paragraph(date_text, STYLE_SIGNATURE)
        if date_left_pt is None:
            _set_char_indents(date_paragraph._p.get_or_add_pPr(), right=date_right)
        else:
            date_paragraph.alignment = WD_PARAGRAPH_ALIGNMENT.LEFT
            date_paragraph.paragraph_format.left_indent = Pt(date_left_pt)

    def page_break(self) -> None:
        """Start the next block on a new page."""
        self._page_break_pending = True

    def landscape_section(self) -> None:
        """Continue on landscape pages (for wide tables such as 任务分工表)."""
        self._new_section(landscape=True)

    def portrait_section(self) -> None:
        """Continue on portrait pages."""
        self._new_section(landscape=False)

    def save(self, fileobj: IO[bytes]) -> None:
        """Write the .docx to a binary file object."""
        if self._page_break_pending:
            # A trailing break was asked for (e.g. to leave a blank last page): honour it.
            self._add_break_paragraph()
        self._doc.save(fileobj)

    def to_bytes(self) -> bytes:
        """The .docx file as bytes."""
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()

    # --- Blocks -------------------------------------------------------------------------------

    def _new_paragraph(self, style: str) -> Paragraph:
        paragraph = self._doc.add_paragraph(style=self._styles[style])
        if self._page_break_pending:
            # Page-break-before avoids the empty line a break run leaves at the next page's top.
            paragraph.paragraph_format.page_break_before = True
            self._page_break_pending = False
        return paragraph

    def _add_paragraph(self, text: str, style: str) -> Paragraph:
        paragraph = self._new_paragraph(style)
        self._add_text(paragraph, text)
        self._last_block_is_title = False
        return paragraph

    @staticmethod
    def _add_text(
        paragraph: Paragraph, text: str, *, bold: bool = False, font: str | None = None
    ) -> list[Run]:
        """Append `text` as runs, turning "\\n" into line breaks."""
        runs: list[Run] = []
        # Stored text may hold characters XML cannot (a control character typed before input
        # was cleaned): drop them rather than fail the whole document.
        for index, line in enumerate(xml_safe(text).split("\n")):
            run = paragraph.add_run()
            if index:
                run.add_break(WD_BREAK.LINE)
            run.add_text(line)
            if bold:
                run.bold = True
            if font is not None:
                rpr = run._r.get_or_add_rPr()
                _set_fonts(rpr, font)
            runs.append(run)
        return runs

    def _flush_page_break_before_table(self) -> None:
        # Word ignores page-break-before inside table cells, so a table gets an explicit break.
        if self._page_break_pending:
            self._add_break_paragraph()
            self._page_break_pending = False

    def _add_break_paragraph(self) -> None:
        paragraph = self._doc.add_paragraph(style=self._styles[STYLE_BODY])
        paragraph.add_run().add_break(WD_BREAK.PAGE)
        self._make_hairline(paragraph)
        self._page_break_pending = False

    @staticmethod
    def _make_hairline(paragraph: Paragraph) -> None:
        """Shrink a structural paragraph (page or section break) to 1 pt, so it cannot push an
        empty line onto a page of its own."""
        paragraph_format = paragraph.paragraph_format
        paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        paragraph_format.line_spacing = Pt(1)
        paragraph_format.space_before = Pt(0)
        paragraph_format.space_after = Pt(0)
        _set_child(paragraph._p.get_or_add_pPr(), "w:snapToGrid", _PPR_ORDER, val="0")

    def _new_section(self, *, landscape: bool) -> None:
        self._page_break_pending = False  # a section break starts a new page anyway
        section = self._doc.add_section(WD_SECTION.NEW_PAGE)
        break_sect_pr = section._sectPr.getprevious()
        if break_sect_pr is not None:
            self._make_hairline(Paragraph(break_sect_pr, self._doc._body))
        # Footers are inherited from the previous section (python-docx links them).
        self._lay_out_section(section, landscape=landscape)
        self._last_block_is_title = False

    # --- Tables -------------------------------------------------------------------------------

    @staticmethod
    def _format_table(table: Table, widths: Sequence[Length]) -> None:
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False  # fixed layout: the widths hold and long text wraps
        tbl = table._tbl
        tbl_pr = tbl.tblPr
        _set_child(tbl_pr, "w:tblW", _TBLPR_ORDER, w=str(Emu(sum(widths)).twips), type="dxa")
        borders = _set_child(tbl_pr, "w:tblBorders", _TBLPR_ORDER)
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            _set_child(borders, f"w:{edge}", _BORDER_ORDER, val="single", sz="4", space="0")
        # 1 mm above and below cell text, Word's 0.19 cm at the sides: rows read apart.
        margins = _set_child(tbl_pr, "w:tblCellMar", _TBLPR_ORDER)
        for edge, twips in (("top", "57"), ("left", "108"), ("bottom", "57"), ("right", "108")):
            _set_child(margins, f"w:{edge}", _BORDER_ORDER, w=twips, type="dxa")
        for grid_col, width in zip(tbl.tblGrid.gridCol_lst, widths, strict=True):
            grid_col.w = width
        for cell, width in zip(table.rows[0].cells, widths, strict=True):
            cell.width = width

    def _fill_cell(
        self, cell: _Cell, text: str, style: str, size_pt: float, *, centred: bool
    ) -> None:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = cell.paragraphs[0]
        self._style_cell_paragraph(paragraph, style, size_pt)
        if centred:
            paragraph.alignment = WD_PARAGRAPH_ALIGNMENT.CENTER
        for run in self._add_text(paragraph, text):
            if size_pt != SIZE_XIAO_SI:
                run.font.size = Pt(size_pt)

    def _style_cell_paragraph(self, paragraph: Paragraph, style: str, size_pt: float) -> None:
        paragraph.style = self._styles[style]
        if size_pt != SIZE_XIAO_SI:
            # The empty paragraph mark sets the height of an empty cell, so it is sized too.
            mark_rpr = _set_child(paragraph._p.get_or_add_pPr(), "w:rPr", _PPR_ORDER)
            _set_size(mark_rpr, size_pt)

    # --- Page set-up --------------------------------------------------------------------------

    @staticmethod
    def _text_height_pt(section: Section) -> float:
        height = int(section.page_height or 0) - int(section.top_margin or 0)
        return float(Emu(height - int(section.bottom_margin or 0)).pt)

    @staticmethod
    def _text_width(section: Section) -> int:
        return (
            int(section.page_width or 0)
            - int(section.left_margin or 0)
            - int(section.right_margin or 0)
        )

    @staticmethod
    def _lay_out_section(section: Section, *, landscape: bool) -> None:
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = (
                Mm(PAPER_HEIGHT_MM),
                Mm(PAPER_WIDTH_MM),
            )
            margins = _LANDSCAPE_MARGINS_MM
        else:
            section.orientation = WD_ORIENT.PORTRAIT
            section.page_width, section.page_height = (
                Mm(PAPER_WIDTH_MM),
                Mm(PAPER_HEIGHT_MM),
            )
            margins = _PORTRAIT_MARGINS_MM
        section.top_margin = Mm(margins["top"])
        section.bottom_margin = Mm(margins["bottom"])
        section.left_margin = Mm(margins["left"])
        section.right_margin = Mm(margins["right"])
        section.gutter = Mm(0)
        section.header_distance = Mm(15)
        section.footer_distance = Mm(margins["bottom"] - _PAGE_NUMBER_GAP_MM)
        # A line grid of the body pitch: 22 lines fill the 225 mm text block (see
        # CHAR_SPACING_TWENTIETHS for why there is no character grid). charSpace must go: a
        # negative value left from a template is what LibreOffice misrenders.
        grid = _set_child(
            section._sectPr,
            "w:docGrid",
            _SECTPR_ORDER,
            type="lines",
            linePitch=str(round(LINE_PITCH_PT * 20)),
        )
        grid.attrib.pop(qn("w:charSpace"), None)

    def _add_page_number_footers(self, section: Section) -> None:
        # 单页码居右空一字，双页码居左空一字 (one character from the outer edge).
        odd = section.footer.paragraphs[0]
        odd.style = self._styles[STYLE_PAGE_NUMBER]
        odd.alignment = WD_PARAGRAPH_ALIGNMENT.RIGHT
        odd.paragraph_format.right_indent = Pt(SIZE_SI_HAO)
        self._add_page_field(odd)
        even = section.even_page_footer.paragraphs[0]
        even.style = self._styles[STYLE_PAGE_NUMBER]
        even.alignment = WD_PARAGRAPH_ALIGNMENT.LEFT
        even.paragraph_format.left_indent = Pt(SIZE_SI_HAO)
        self._add_page_field(even)

    @staticmethod
    def _add_page_field(paragraph: Paragraph) -> None:
        """Append "— PAGE —" with PAGE as a field Word and LibreOffice update on every page."""
        paragraph.add_run(f"{_EM_DASH} ")
        for fragment in (
            f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>',
            f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
            f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>',
            f"<w:r {nsdecls('w')}><w:t>1</w:t></w:r>",
            f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>',
        ):
            paragraph._p.append(parse_xml(fragment))
        paragraph.add_run(f" {_EM_DASH}")

    # --- Document-wide set-up -----------------------------------------------------------------

    def _drop_template_thumbnail(self) -> None:
        # python-docx's template carries a preview picture of some other page; file browsers
        # would show it for every generated report.
        rels = self._doc.part.package.rels
        for r_id, rel in list(rels.items()):
            if rel.reltype == RELATIONSHIP_TYPE.THUMBNAIL:
                del rels[r_id]

    def _reset_core_properties(self) -> None:
        # The template says it was written by "python-docx" in 2013; say nothing instead.
        properties = self._doc.core_properties
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        properties.author = ""
        properties.last_modified_by = ""
        properties.comments = ""
        properties.created = now
        properties.modified = now
        properties.revision = 1
        properties.language = "zh-CN"

    def _set_document_defaults(self) -> None:
        styles_element = self._doc.styles.element
        defaults = styles_element.find(qn("w:docDefaults"))
        if defaults is None:
            defaults = OxmlElement("w:docDefaults")
            styles_element.insert(0, defaults)
        r_pr_default = _set_child(defaults, "w:rPrDefault", ("w:rPrDefault", "w:pPrDefault"))
        rpr = _set_child(r_pr_default, "w:rPr", ("w:rPr",))
        _set_fonts(rpr, BODY_FONT)
        _set_size(rpr, SIZE_SAN_HAO)
        # Chinese as the East Asian language picks Chinese punctuation rules and fallbacks.
        _set_child(rpr, "w:lang", _RPR_ORDER, val="en-US", eastAsia="zh-CN", bidi="ar-SA")
        p_pr_default = _set_child(defaults, "w:pPrDefault", ("w:rPrDefault", "w:pPrDefault"))
        ppr = _set_child(p_pr_default, "w:pPr", ("w:pPr",))
        spacing = _set_child(ppr, "w:spacing", _PPR_ORDER, before="0", after="0")
        for attr in ("line", "lineRule"):
            spacing.attrib.pop(qn(f"w:{attr}"), None)
        settings = self._doc.settings.element
        theme_lang = settings.find(qn("w:themeFontLang"))
        if theme_lang is not None:
            theme_lang.set(qn("w:eastAsia"), "zh-CN")

        normal = self._doc.styles["Normal"]
        normal_rpr = normal.element.get_or_add_rPr()
        _set_fonts(normal_rpr, BODY_FONT)
        _set_size(normal_rpr, SIZE_SAN_HAO)
        normal_ppr = normal.element.get_or_add_pPr()
        # Widow control off and no automatic CJK/Latin spacing: every page holds exactly its
        # 22 lines and every line its 28 characters, as the standard counts them.
        _set_child(normal_ppr, "w:widowControl", _PPR_ORDER, val="0")
        _set_child(normal_ppr, "w:autoSpaceDE", _PPR_ORDER, val="0")
        _set_child(normal_ppr, "w:autoSpaceDN", _PPR_ORDER, val="0")
        _set_child(
            normal_ppr,
            "w:spacing",
            _PPR_ORDER,
            before="0",
            after="0",
            line=str(round(LINE_PITCH_PT * 20)),
            lineRule="exact",
        )
        _set_child(normal_ppr, "w:jc", _PPR_ORDER, val="both")
        _set_child(normal_rpr, "w:spacing", _RPR_ORDER, val=str(CHAR_SPACING_TWENTIETHS))

    def _register_fonts(self) -> None:
        """List our fonts in the font table with their fallback names and the GB2312 charset."""
        part = next(
            (
                p
                for p in self._doc.part.package.iter_parts()
                if str(p.partname) == "/word/fontTable.xml"
            ),
            None,
        )
        if part is None:
            return
        fonts = parse_xml(part.blob)
        known = {f.get(qn("w:name")) for f in fonts.findall(qn("w:font"))}
        for name, alt_name in _FONT_ALT_NAMES.items():
            if name in known:
                continue
            font = OxmlElement("w:font", {qn("w:name"): name})
            for tag, value in (
                ("w:altName", alt_name),
                ("w:charset", "86"),  # GB2312
                ("w:family", "modern"),
                ("w:pitch", "fixed"),
            ):
                font.append(OxmlElement(tag, {qn("w:val"): value}))
            fonts.append(font)
        # python-docx holds the font table as a plain part: bytes only, no XML tree to edit.
        part._blob = serialize_part_xml(fonts)

    def _add_style(self, spec: _StyleSpec) -> ParagraphStyle:
        style = self._doc.styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
        assert isinstance(style, ParagraphStyle)
        base = self._styles.get(spec.base) or self._doc.styles[spec.base]
        assert isinstance(base, ParagraphStyle)
        style.base_style = base
        style.quick_style = True
        rpr = style.element.get_or_add_rPr()
        if spec.font is not None:
            _set_fonts(rpr, spec.font)
        if spec.size_pt is not None:
            _set_size(rpr, spec.size_pt)
        if spec.bold:
            style.font.bold = True
        if spec.uncondensed:
            _set_child(rpr, "w:spacing", _RPR_ORDER, val="0")
        paragraph_format = style.paragraph_format
        if spec.alignment is not None:
            paragraph_format.alignment = spec.alignment
        ppr = style.element.get_or_add_pPr()
        if spec.first_line_chars is not None:
            _set_char_indents(ppr, first_line=spec.first_line_chars)
        if spec.line_pt is not None:
            if spec.line_pt == 0:
                paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            else:
                paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
                paragraph_format.line_spacing = Pt(spec.line_pt)
        paragraph_format.space_before = Pt(spec.space_before_pt)
        paragraph_format.space_after = Pt(spec.space_after_pt)
        if spec.keep_with_next:
            paragraph_format.keep_with_next = True
        if spec.outline_level is not None:
            _set_child(ppr, "w:outlineLvl", _PPR_ORDER, val=str(spec.outline_level))
        if not spec.snap_to_grid:
            _set_child(ppr, "w:snapToGrid", _PPR_ORDER, val="0")
        return style

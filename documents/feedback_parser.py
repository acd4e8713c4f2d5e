"""Split a feedback document (反馈意见) or a rectification notice into a tree of items.

Inspection feedback and the published rectification notices (整改情况通报) are structured
only by their numbering: 一、 themes hold （一） findings, which hold 1. measures, and so on,
with "一是……二是……" enumerations inside a paragraph. This module reads such a document
from a .docx or a plain-text file and rebuilds that tree, so that findings and measures can
be offered for import into the ledger. It knows the conventions of Chinese official
documents, not the ledger's models.
"""

from __future__ import annotations

import io
import itertools
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _
from docx import Document
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from core.filetypes import FileRefused, ZipBomb, check_zip, container_of
from core.numbering import (
    NumberMatch,
    NumberStyle,
    int_to_chinese,
    match_number,
    normalize_width,
)

__all__ = [
    "FeedbackNode",
    "FeedbackReadError",
    "is_word_document",
    "parse_feedback_text",
    "read_docx_text",
    "read_text_file",
]


class FeedbackReadError(ValueError):
    """The uploaded file cannot be read as a feedback document.

    ``code`` tells the cases apart without parsing the (translated) message:
    "invalid_docx", "legacy_doc", "undecodable" or "binary".
    """

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class FeedbackNode:
    """One numbered item of a feedback document, with the items nested under it."""

    number: str  # as printed, e.g. "（三）"; "" for the text before the first number
    title: str  # the heading sentence, without the number
    text: str  # this item's own text as written, number included, children excluded
    children: list[FeedbackNode] = field(default_factory=list)
    style: str = ""  # a NumberStyle value, or "" when unnumbered

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: number, title, text and children, recursively."""
        return {
            "number": self.number,
            "title": self.title,
            "text": self.text,
            "children": [child.to_dict() for child in self.children],
        }


# ---------------------------------------------------------------------------
# Parsing text into a tree
# ---------------------------------------------------------------------------

# A line ending in one of these closes its sentence, so the next line starts a new paragraph.
_SENTENCE_END = frozenset("。！？!?；;：:…”’」』)）]】")
# A line ending in one of these certainly continues on the next line.
_MID_SENTENCE = frozenset("，,、（(“‘《【—-")
# Before an inline number ("……薄弱。一是……；二是……") one of these must come first, so that
# words such as "统一是" or "第1、" are not split.
_INLINE_BOUNDARY = frozenset("。；;：:，,！？!? \t)】")  # ")" as in "（三）一是……"
# A numbering prefix is short: matching a window instead of the rest of the line keeps
# long paragraphs linear.
_PREFIX_WINDOW = 32
_INLINE_STYLES = frozenset(
    {
        NumberStyle.CN_PAREN,
        NumberStyle.ARABIC_DOT,
        NumberStyle.ARABIC_PAREN,
        NumberStyle.CIRCLED,
        NumberStyle.CN_SHI,
    }
)
# ①…⑳, ⑴…⒇, ⒈…⒛, ㈠…㈩ and ㉑…㊿ are numbers on their own and may follow any character.
_SINGLE_CHARS = frozenset(
    [chr(c) for c in range(0x2460, 0x249C)]
    + [chr(c) for c in range(0x3220, 0x322A)]
    + [chr(c) for c in range(0x3251, 0x3260)]
    + [chr(c) for c in range(0x32B1, 0x32C0)]
)
# Styles whose lone item may stand inline after a colon ("整改情况：1. 已修订……").
_LONE_AFTER_COLON = frozenset(
    {NumberStyle.ARABIC_DOT, NumberStyle.ARABIC_PAREN, NumberStyle.CIRCLED}
)
# Hard-wrapped text fills many of its lines to about the same width; a .docx or a text
# file with one line per paragraph does not, and there a line never continues the previous.
_WRAPPED_FILL = 0.85
_MIN_WRAP_WIDTH = 40
_MIN_FULL_LINES = 2
_MIN_FULL_SHARE = 0.2
# Labels that open a finding in rectification notices ("问题：……"); the title is the
# sentence after the label, which names the problem.
_TITLE_LABELS = frozenset(
    {
        "问题",
        "存在问题",
        "主要问题",
        "反馈问题",
        "具体问题",
        "问题描述",
        "问题表现",
        "具体表现",
    }
)
_TITLE_ENDS = "。：:！？!?"
_SHORT_TITLE = 60
_TITLE_TRAILING = " \t。，,；;：:、！？!?"
_LINE_STRIP = " \t\u3000\u00a0\ufeff"
_UNRANKED = 10**6  # rank of 一是 items: always the innermost level
_PREAMBLE = 2 * _UNRANKED  # the preamble closes before any numbered item except 一是


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrap_width(lines: list[str]) -> int:
    """The width hard-wrapped lines were filled to, or 0 when the text is not hard-wrapped."""
    widths = [_display_width(line) for line in lines if line]
    widest = max(widths, default=0)
    full = sum(1 for width in widths if width >= _WRAPPED_FILL * widest)
    if widest < _MIN_WRAP_WIDTH or full < max(_MIN_FULL_LINES, _MIN_FULL_SHARE * len(widths)):
        return 0
    return widest


def _is_wrapped(previous: str, *, wrap_width: int) -> bool:
    """Whether the line after ``previous`` continues its paragraph rather than starting one."""
    if not previous or previous[-1] in _SENTENCE_END:
        return False
    if previous[-1] in _MID_SENTENCE:
        return True
    return wrap_width > 0 and _display_width(previous) >= _WRAPPED_FILL * wrap_width


def _join(existing: str, addition: str, *, wrapped: bool) -> str:
    if not existing:
        return addition
    if not wrapped:
        return f"{existing}\n{addition}"
    # Chinese wraps without a space; Latin words must not be glued together.
    if existing[-1].isascii() and existing[-1].isalnum() and addition[:1].isascii():
        return f"{existing} {addition}"
    return existing + addition


def _inline_matches(line: str) -> list[tuple[int, NumberMatch]]:
    """Positions and matches of numbers inside ``line`` that start inline items.

    A number counts only as part of a run 1, 2, 3… of one style (the line's own leading
    number may open the run with any value), so a stray "（二）" in a sentence is not split.
    """
    norm = normalize_width(line)
    by_style: dict[NumberStyle, list[tuple[int, NumberMatch]]] = {}
    for pos in range(len(line)):
        if norm[pos].isspace():
            continue  # the number, if any, is matched at the next position
        if pos > 0 and norm[pos - 1] not in _INLINE_BOUNDARY and norm[pos] not in _SINGLE_CHARS:
            continue
        found = match_number(line[pos : pos + _PREFIX_WINDOW])
        if found is None or (pos > 0 and found.style not in _INLINE_STYLES):
            continue
        by_style.setdefault(found.style, []).append((pos, found))

    accepted = [item for candidates in by_style.values() for item in _runs(candidates, norm)]
    return sorted(accepted, key=lambda item: item[0])


def _runs(
    candidates: list[tuple[int, NumberMatch]], norm: str
) -> Iterator[tuple[int, NumberMatch]]:
    """The inline candidates of one style that form runs 1, 2, 3…, without the line start."""
    runs: list[list[tuple[int, NumberMatch]]] = []
    for pos, found in candidates:
        if pos == 0 or found.value == 1:
            runs.append([(pos, found)])
        elif runs and found.value == runs[-1][-1][1].value + 1:
            runs[-1].append((pos, found))
    for run in runs:
        inner = [item for item in run if item[0] > 0]
        lone_after_colon = (
            len(inner) == 1
            and inner[0][1].style in _LONE_AFTER_COLON
            and norm[: inner[0][0]].rstrip()[-1:] in ":："
        )
        if len(run) >= 2 or lone_after_colon:
            yield from inner


def _split_line(line: str) -> list[tuple[NumberMatch | None, str]]:
    """Cut a line at its inline numbers: [(match or None, piece), …] in order."""
    cuts = [pos for pos, _match in _inline_matches(line)]
    bounds = [0, *cuts, len(line)]
    pieces: list[tuple[NumberMatch | None, str]] = []
    for start, end in itertools.pairwise(bounds):
        piece = line[start:end].strip(_LINE_STRIP)
        if piece:
            pieces.append((match_number(piece), piece))
    return pieces


def _heading_end(paragraph: str) -> int | None:
    """Index of the 。 or ： that closes the heading sentence, if any."""
    for index, ch in enumerate(paragraph):
        if index == 0 or ch not in _TITLE_ENDS:
            continue
        between_digits = (
            paragraph[index - 1].isdigit() and paragraph[index + 1 : index + 2].isdigit()
        )
        if ch == ":" and between_digits:
            continue  # a ratio or a time ("1:200", "14:30"), not the end of a heading
        return index
    return None


def _title_of(node: FeedbackNode) -> str:
    body = node.text.removeprefix(node.number)
    paragraph = body.strip(_LINE_STRIP).split("\n", 1)[0].strip(_LINE_STRIP)
    for label in _TITLE_LABELS:
        # "问题：学院党委……。" names the problem after the label, not in it.
        for colon in "：:":
            if paragraph.startswith(label + colon) and paragraph[len(label) + 1 :].strip():
                paragraph = paragraph[len(label) + 1 :].strip(_LINE_STRIP)
    end = _heading_end(paragraph)
    if end is not None:
        title = paragraph[:end]
    elif len(paragraph) <= _SHORT_TITLE:
        title = paragraph
    else:
        # A long run-on paragraph: its first clause is the best heading there is.
        clause_ends = [i for i in (paragraph.find(ch) for ch in "；;，,") if i > 0]
        title = paragraph[: min(clause_ends)] if clause_ends else paragraph[:_SHORT_TITLE]
    return title.strip(_TITLE_TRAILING)


def _finish(nodes: list[FeedbackNode]) -> None:
    for node in nodes:
        node.title = _title_of(node)
        _finish(node.children)


def _style_rank(found: NumberMatch, ranks: dict[str, int]) -> int:
    """Level of a number: styles nest in the order they first appear in the document."""
    if found.style is NumberStyle.CN_SHI:
        return _UNRANKED
    key = str(found.style)
    if found.style is NumberStyle.ARABIC_PLAIN:
        key = f"{key}:{len(found.parts)}"  # 3.2 holds 3.2.1
    return ranks.setdefault(key, len(ranks))


def parse_feedback_text(text: str) -> list[FeedbackNode]:
    """Split a feedback document or rectification notice into its top-level items.

    Items nest by numbering style in order of first appearance (usually 一、 > （一） >
    1. > （1） > ①); "一是……二是……" enumerations become children of their paragraph;
    lines without a number continue the current item. Text before the first number becomes
    an item with number "".
    """
    lines = [
        line.strip(_LINE_STRIP)
        for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    wrap_width = _wrap_width(lines)

    roots: list[FeedbackNode] = []
    stack: list[tuple[FeedbackNode, int]] = []
    ranks: dict[str, int] = {}
    previous = ""  # the last non-blank line, for telling wrapped lines from paragraphs

    for line in lines:
        if not line:
            previous = ""
            continue
        for found, piece in _split_line(line):
            if found is None:
                if not stack:
                    preamble = FeedbackNode(number="", title="", text="")
                    roots.append(preamble)
                    stack.append((preamble, _PREAMBLE))
                wrapped = _is_wrapped(previous, wrap_width=wrap_width)
                if not wrapped:
                    # 一是/二是 enumerate within a paragraph; a new paragraph is the parent's.
                    while len(stack) > 1 and stack[-1][1] == _UNRANKED:
                        stack.pop()
                current = stack[-1][0]
                current.text = _join(current.text, piece, wrapped=wrapped)
                continue
            rank = _style_rank(found, ranks)
            if rank == _UNRANKED:
                # 一是 belongs to the paragraph it appears in, even in the preamble.
                while stack and stack[-1][1] == _UNRANKED:
                    stack.pop()
            else:
                while stack and stack[-1][1] >= rank:
                    stack.pop()
            node = FeedbackNode(number=found.printed, title="", text=piece, style=found.style.value)
            (stack[-1][0].children if stack else roots).append(node)
            stack.append((node, rank))
        previous = line

    _finish(roots)
    return roots


# ---------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------

# A feedback document is a few hundred KB of XML; far more when inflated is a "zip bomb".
MAX_DOCX_UNZIPPED = 100 * 1024 * 1024
_BINARY_CONTROL_SHARE = 0.01


def read_text_file(data: bytes) -> str:
    """Decode an uploaded text file: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030."""
    text: str | None = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = None
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    if text is None:
        raise FeedbackReadError(
            _("The text file could not be decoded; save it as UTF-8 and upload it again."),
            code="undecodable",
        )
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f")
    if "\x00" in text or controls > _BINARY_CONTROL_SHARE * max(len(text), 1):
        # GB18030 decodes most byte soups; control characters give away a binary file.
        raise FeedbackReadError(
            _("The file is not a text file; upload the feedback as .docx or .txt."),
            code="binary",
        )
    return text


def _int_to_letters(value: int) -> str:
    letters = ""
    while value > 0:
        value, rest = divmod(value - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _int_to_roman(value: int) -> str:
    numerals = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ]
    result = ""
    for amount, numeral in numerals:
        count, value = divmod(value, amount)
        result += numeral * count
    return result


def _format_list_number(value: int, num_fmt: str) -> str:
    if num_fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "chineseLegalSimplified",
    ):
        # Word's Chinese list numbers stop at 9999; past that it prints Arabic digits.
        return int_to_chinese(value) if value <= 9999 else str(value)
    if num_fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= value <= 20:
        return chr(0x2460 + value - 1)
    if num_fmt == "decimalEnclosedParen" and 1 <= value <= 20:
        return chr(0x2474 + value - 1)
    if num_fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(value))
    if num_fmt == "decimalZero":
        return f"{value:02d}"
    if num_fmt in ("upperLetter", "lowerLetter"):
        letters = _int_to_letters(value)
        return letters if num_fmt == "upperLetter" else letters.lower()
    if num_fmt in ("upperRoman", "lowerRoman"):
        roman = _int_to_roman(value)
        return roman if num_fmt == "upperRoman" else roman.lower()
    if num_fmt == "ideographTraditional" and 1 <= value <= 10:
        return "甲乙丙丁戊己庚辛壬癸"[value - 1]
    return str(value)


@dataclass
class _Level:
    start: int
    num_fmt: str
    text: str  # lvlText, e.g. "（%2）"


class _ListNumbering:
    """Renders Word's automatic list numbers, which python-docx leaves out of paragraph text.

    Feedback documents drafted in Word often number 一、/（一）/1. automatically; without
    the numbers the parser would see one flat block. Counters follow Word: one set per
    abstract list, a deeper level restarting whenever a shallower one advances.
    """

    def __init__(self, document: DocxDocument) -> None:
        self._levels: dict[str, dict[int, _Level]] = {}  # abstractNumId -> ilvl -> level
        self._abstract_of: dict[str, str] = {}  # numId -> abstractNumId
        self._overrides: dict[str, dict[int, int]] = {}  # numId -> ilvl -> start
        self._counters: dict[str, dict[int, int]] = {}  # abstractNumId -> ilvl -> value
        self._started: set[str] = set()
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        for abstract in numbering.findall(qn("w:abstractNum")):
            levels: dict[int, _Level] = {}
            for lvl in abstract.findall(qn("w:lvl")):
                levels[int(lvl.get(qn("w:ilvl"), "0"))] = _Level(
                    start=int(_child_val(lvl, "w:start") or "1"),
                    num_fmt=_child_val(lvl, "w:numFmt") or "decimal",
                    text=_child_val(lvl, "w:lvlText") or "",
                )
            self._levels[abstract.get(qn("w:abstractNumId"), "")] = levels
        for num in numbering.findall(qn("w:num")):
            num_id = num.get(qn("w:numId"), "")
            self._abstract_of[num_id] = _child_val(num, "w:abstractNumId") or ""
            for override in num.findall(qn("w:lvlOverride")):
                start = _child_val(override, "w:startOverride")
                if start is not None:
                    ilvl = int(override.get(qn("w:ilvl"), "0"))
                    self._overrides.setdefault(num_id, {})[ilvl] = int(start)

    def label(self, paragraph: Paragraph) -> str:
        """The list number Word would show before ``paragraph``, or ""."""
        num_id, ilvl = _paragraph_numbering(paragraph)
        if num_id is None or num_id == "0" or num_id not in self._abstract_of:
            return ""
        abstract_id = self._abstract_of[num_id]
        levels = self._levels.get(abstract_id, {})
        level = levels.get(ilvl)
        if level is None or level.num_fmt in ("bullet", "none"):
            return ""
        counters = self._counters.setdefault(abstract_id, {})
        if num_id not in self._started:
            # A list instance with start overrides restarts the shared counters.
            self._started.add(num_id)
            for over_lvl, start in self._overrides.get(num_id, {}).items():
                counters[over_lvl] = start - 1
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper in [lvl for lvl in counters if lvl > ilvl]:
            del counters[deeper]
        rendered = level.text
        for lvl_index in range(9):
            placeholder = f"%{lvl_index + 1}"
            if placeholder in rendered:
                shown = levels.get(lvl_index)
                value = counters.get(lvl_index, shown.start if shown else 1)
                fmt = shown.num_fmt if shown else "decimal"
                rendered = rendered.replace(placeholder, _format_list_number(value, fmt))
        return rendered


def _child_val(element: Any, tag: str) -> str | None:
    child = element.find(qn(tag))
    if child is None:
        return None
    value = child.get(qn("w:val"))
    return None if value is None else str(value)


def _paragraph_numbering(paragraph: Paragraph) -> tuple[str | None, int]:
    """numId and level of a paragraph, set directly or through its style chain."""
    p_pr = paragraph._p.pPr
    num_pr = p_pr.find(qn("w:numPr")) if p_pr is not None else None
    num_id = _child_val(num_pr, "w:numId") if num_pr is not None else None
    ilvl_text = _child_val(num_pr, "w:ilvl") if num_pr is not None else None
    style = paragraph.style if num_id is None else None
    seen: set[int] = set()
    while num_id is None and style is not None and id(style) not in seen:
        seen.add(id(style))
        style_p_pr = style.element.find(qn("w:pPr"))
        style_num_pr = style_p_pr.find(qn("w:numPr")) if style_p_pr is not None else None
        if style_num_pr is not None:
            num_id = _child_val(style_num_pr, "w:numId")
            ilvl_text = ilvl_text or _child_val(style_num_pr, "w:ilvl")
        style = style.base_style
    return num_id, int(ilvl_text or "0")


def _paragraph_line(paragraph: Paragraph, numbering: _ListNumbering) -> str:
    label = numbering.label(paragraph)
    text = paragraph.text
    if not label:
        return text
    # Word puts a tab after the number; "一、" needs nothing, a bare "1" needs a space.
    separator = "" if label[-1] in "、.．)）:：" else " "
    return f"{label}{separator}{text.lstrip()}"


def _block_lines(blocks: Iterator[Paragraph | Table], numbering: _ListNumbering) -> Iterator[str]:
    for block in blocks:
        if isinstance(block, Paragraph):
            yield _paragraph_line(block, numbering)
            continue
        for row in block.rows:
            seen: set[int] = set()
            for cell in row.cells:
                # A merged cell is returned once per grid column it spans.
                if id(cell._tc) in seen:
                    continue
                seen.add(id(cell._tc))
                yield from _cell_lines(cell, numbering)


def _cell_lines(cell: _Cell, numbering: _ListNumbering) -> Iterator[str]:
    yield from _block_lines(cell.iter_inner_content(), numbering)


def is_word_document(data: bytes) -> bool:
    """Whether an upload is to be read as Word (.docx, or a .doc to refuse) rather than text."""
    return container_of(data[:8192]) in ("zip", "ole")


def read_docx_text(fileobj: IO[bytes]) -> str:
    """Text of a .docx: its paragraphs and table cells in document order, one per line.

    Automatic list numbers are written out as the reader sees them in Word.
    """
    data = fileobj.read()
    container = container_of(data[:8192])
    if container == "ole":
        raise FeedbackReadError(
            _("Old Word .doc files cannot be read; save the file as .docx and upload it again."),
            code="legacy_doc",
        )
    if container == "zip":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                check_zip(archive, max_unzipped=MAX_DOCX_UNZIPPED)
        except ZipBomb as exc:
            raise FeedbackReadError(str(exc), code="zip_bomb") from exc
        except (FileRefused, zipfile.BadZipFile, OSError, ValueError) as exc:
            raise FeedbackReadError(
                _("The file is not a valid Word document (.docx)."), code="invalid_docx"
            ) from exc
    try:
        document = Document(io.BytesIO(data))
        numbering = _ListNumbering(document)
        lines = list(_block_lines(document.iter_inner_content(), numbering))
    except (
        zipfile.BadZipFile,
        PackageNotFoundError,
        KeyError,
        ValueError,
        SyntaxError,  # lxml's XMLSyntaxError, for a damaged document.xml
    ) as exc:
        raise FeedbackReadError(
            _("The file is not a valid Word document (.docx)."), code="invalid_docx"
        ) from exc
    return "\n".join(lines)

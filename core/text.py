"""Text and number hygiene shared by every form, view, export and feed: knows no domain.

Input is cleaned once, on the way in (`clean_text`, `parse_id`, `DATE_MIN`…`DATE_MAX`), and
every writer of a file format that cannot hold some characters (Word, Excel, iCalendar) passes
what it writes through `xml_safe`, because values stored before the cleaning existed, or written
by an import or a script, must not break a document for everyone who downloads it.
"""

from __future__ import annotations

import datetime as dt
import re

# The dates a person can mean in this product: a deadline, a meeting, a feedback date.
DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
# The largest id PostgreSQL's bigint and SQLite's INTEGER hold; a bigger one matches nothing.
ID_MAX = 2**63 - 1
# Plain integer inputs (a version, a count) fit a 32-bit column everywhere.
INT_MAX = 2**31 - 1

# C0 controls except tab, newline, carriage return; DEL; C1 controls; the non-characters
# U+FFFE/U+FFFF. None of them has a meaning in a form, and XML 1.0 refuses the C0 ones.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_LINE_BREAKS = re.compile("[\t\r\n]+")
_SURROGATES = re.compile("[\ud800-\udfff]")
# What XML 1.0 cannot hold at all (surrogates included, as they are not characters).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def has_lone_surrogate(value: str) -> bool:
    return bool(_SURROGATES.search(value))


def clean_text(value: str, *, multiline: bool) -> str:
    """The text without control characters; tab and line breaks survive in multi-line text,
    and become a single space in a one-line field."""
    if not multiline:
        value = _LINE_BREAKS.sub(" ", value)
    return _CONTROLS.sub("", value)


def search_term(raw: object, *, limit: int = 100) -> str:
    """A search box's text as a query may use it: one line, no control characters (PostgreSQL
    refuses a NUL in any text parameter), no surrogates, at most `limit` characters."""
    text = clean_text(str(raw or ""), multiline=False)
    return _SURROGATES.sub("", text).strip()[:limit]


def xml_safe(value: object) -> str:
    """`value` as text that Word, Excel and iCalendar writers accept."""
    text = "" if value is None else str(value)
    return _XML_ILLEGAL.sub("", text)


def parse_id(raw: object) -> int | None:
    """A database id from a query string or a posted value, or None when it cannot be one
    (not a whole number, zero or negative, or beyond the database's integer range)."""
    text = str(raw).strip() if raw is not None else ""
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= ID_MAX else None


def parse_ids(raw: list[str] | tuple[str, ...]) -> list[int] | None:
    """Several ids, each possibly a comma-separated list; None when any part is not an id."""
    ids: list[int] = []
    for value in raw:
        for part in str(value).split(","):
            if not part.strip():
                continue
            number = parse_id(part)
            if number is None:
                return None
            ids.append(number)
    return ids


def clamp_date(value: dt.date | None) -> dt.date | None:
    """A stored date brought back within what calendars and arithmetic can use."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    return min(max(value, DATE_MIN), DATE_MAX)

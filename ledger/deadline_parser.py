"""Read the deadlines (完成时限 / 整改时限) written in rectification documents and ledgers.

A measure's deadline is written by hand, in many ways: a date ("2021年6月30日", "2021.6.30"),
the end of a period ("2021年3月底前", "2021年上半年", "2021年第一季度末"), a period counted
from the feedback date ("3个月内", "半年内"), or a phrase ("立行立改", "长期坚持"), and often
two of these together ("立行立改, 长期坚持", "2024年底前, 并长期坚持"). Web forms and the Excel
ledger import both call :func:`parse_deadline`, so a cell and a form field are read the same way.

The parser never guesses. Whatever it cannot read with certainty raises
:class:`DeadlineParseError` with a machine code, so the import can report the row and a person
can rewrite the cell. The readings chosen where usage varies:

* "X月前" / "YYYY年前" (directly after a month or a year) is read strictly, as "before that
  month / year begins": "2021年3月前" is 2021-02-28. Many people write it to mean "by the end of
  March", but a deadline read a month too early is caught by a reminder, while one read a month
  too late lets an overdue measure look on time. "X月底前", "X月末" and the like are the end of
  the month.
* "前" after a day ("6月30日前") or after an explicit end ("月底", "季度末", "年底", "下旬")
  includes that day: that is how deadlines are written in these documents.
* "前" directly after a quarter or a half year ("一季度前", "上半年前") is rejected as
  ambiguous: the strict reading (before the period begins) is never what is meant, and the loose
  one would contradict the month rule above. "一季度末前" / "上半年底前" read fine.
* A month or year alone ("2021年6月", "2021年") is its last day.
* "N月内" without a year is rejected as ambiguous: it may mean "within month N" or "within
  N months" ("N个月内" is read as the latter).
* A date without a year ("3月底前") needs ``reference_date`` and is the next such date on or
  after it. Ranges ("2021年3月—6月") are read as their end.
* Relative periods ("N个月内", "半年内", "N年内", "N天内", "N周内") count from
  ``reference_date`` (the feedback date) by calendar months / years, with the day clamped to the
  end of a shorter month (Jan 31 + 1 month = Feb 28/29).
* Not read, on purpose: "今年"/"明年" (relative to an unknown writing date), school terms
  ("春季学期": their dates differ between institutions), "月初"/"月中" (vague), working days
  ("15个工作日内": needs the official holiday calendar and a rule for the counting start),
  two-digit years, and dates outside 2000 to 2099 (a typo in this domain, not a real deadline).
"""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

from django.utils.translation import gettext as _

from core.numbering import chinese_to_int

__all__ = [
    "DeadlineErrorCode",
    "DeadlineKind",
    "DeadlineParseError",
    "ParsedDeadline",
    "parse_deadline",
]

MIN_YEAR: Final = 2000
MAX_YEAR: Final = 2099


class DeadlineKind:
    """The class of a deadline. Plain strings: the model's TextChoices use the same values."""

    IMMEDIATE: Final = "immediate"  # 立行立改
    BY_DATE: Final = "by_date"  # 限期整改
    LONG_TERM: Final = "long_term"  # 长期坚持


class DeadlineErrorCode:
    """Machine codes carried by :class:`DeadlineParseError`."""

    EMPTY: Final = "empty"
    UNREADABLE: Final = "unreadable"
    INVALID_DATE: Final = "invalid_date"
    NEEDS_REFERENCE: Final = "needs_reference"
    AMBIGUOUS: Final = "ambiguous"


@dataclass(frozen=True)
class ParsedDeadline:
    """A deadline as read from text.

    ``due_date`` is None for a pure long-term deadline and for 立行立改 without a date.
    ``also_long_term`` marks a deadline that is immediate or dated *and* must be kept up
    afterwards ("立行立改, 长期坚持"); it is False when ``kind`` itself is LONG_TERM.
    """

    kind: str
    due_date: datetime.date | None
    also_long_term: bool
    source: str


class DeadlineParseError(ValueError):
    """The text cannot be read as a deadline without guessing."""

    def __init__(self, *, code: str, message: str, text: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.text = text

    def __str__(self) -> str:
        return self.message


# --- Vocabulary -----------------------------------------------------------------------------
# Chinese literals below are data the parser must recognise, not UI text.

_IMMEDIATE_WORDS: Final = (
    "立行立改",
    "立即整改",
    "立即改正",
    "立知立改",
    "即知即改",
    "立查立改",
    "即查即改",
    "马上就改",
)
_LONG_TERM_WORDS: Final = (
    "长期坚持",
    "坚持长期",
    "长期推进",
    "长期执行",
    "长期整改",
    "长期",
    "持续推进",
    "持续整改",
    "持续开展",
    "持续深化",
    "持续坚持",
    "持续",
    "常态化推进",
    "常态化开展",
    "常态化坚持",
    "常态化",
    "常态长效",
    "长效",
    "久久为功",
    "常抓不懈",
    "管长远",
)
# A label that says "there is a due date" but carries none itself.
_BY_DATE_WORDS: Final = ("限期整改", "限时整改", "集中整改")
# Words around the deadline that carry no meaning for it.
_FILLER_WORDS: Final = (
    "完成整改",
    "整改完成",
    "整改完毕",
    "整改到位",
    "落实到位",
    "完成时限",
    "整改时限",
    "整改期限",
    "时限",
    "期限",
    "整改",
    "完成",
    "到位",
    "落实",
    "办结",
    "见效",
    "力争",
    "争取",
    "确保",
    "截止时间",
    "完成时间",
    "截至",
    "截止到",
    "截止至",
    "截止",
    "于",
    "在",
    # "到2021年底", "至6月底": a lone "until" before a date ("到位" is matched first).
    "到",
    "至",
)
# Words that make any reading a guess.
_AMBIGUOUS_WORDS: Final = ("或者", "或", "左右", "前后", "大约", "约")

_Clue = Literal["immediate", "long_term", "by_date_label", "filler", "ambiguous"]

_KEYWORDS: Final[tuple[tuple[str, _Clue], ...]] = tuple(
    sorted(
        [(w, "immediate") for w in _IMMEDIATE_WORDS]
        + [(w, "long_term") for w in _LONG_TERM_WORDS]
        + [(w, "by_date_label") for w in _BY_DATE_WORDS]
        + [(w, "filler") for w in _FILLER_WORDS]
        + [(w, "ambiguous") for w in _AMBIGUOUS_WORDS],
        # Longest first, so "长期坚持" wins over "长期" and "到位" over a range's "到".
        key=lambda item: -len(item[0]),
    )
)

# Dashes separate too ("立行立改—长期坚持"); between two dates they were already read as a range.
_SEPARATOR_RE: Final = re.compile(
    "[,;:、。.!?/+&|()\\[\\]【】“”\"'《》—―~\u2013\u2010-]+|并且|并|且|同时|以及|和|及"
)
# "自巡视反馈之日起", "反馈后", "收到反馈意见后": the anchor of a relative period is the
# feedback date, which is what reference_date is.
_ANCHOR_RE: Final = re.compile(
    r"(?:自|从)?(?:收到)?(?:巡视|巡察)?组?反馈(?:意见)?(?:下发|印发)?(?:之日)?(?:起|后|以后)?"
)

# A run starts with a real Chinese numeral; a Latin "O" inside it ("二O二一") is a zero.
_CN_RUN_RE: Final = re.compile(
    "[\u3007○零一二两三四五六七八九十][\u3007○零Oo一二两三四五六七八九十]*"
)
# "2021-06-30 00:00:00": a date cell turned into text by a spreadsheet.
_MIDNIGHT_RE: Final = re.compile(r"(?<=\d)(?:\s+|T)0?0:00(?::00(?:\.0+)?)?\s*$")

# Dashes: em, horizontal bar, en (U+2013), hyphen (U+2010), ASCII; tildes; 至 / 到.
_RANGE_SEP: Final = "(?:—+|―+|\u2013|\u2010|-|~|〜|至|到)"
_RANGE_SEP_RE: Final = re.compile(_RANGE_SEP)
_BEFORE: Final = r"(?P<before>之前|以前|前(?!后))?(?P<through>为止|止)?"
_WITHIN: Final = r"之内|以内|内"

_NUMERIC_POINT_RE: Final = re.compile(
    r"(?P<year>\d{4})(?P<sep>[./-])(?P<month>\d{1,2})(?!\d)(?:(?P=sep)(?P<day>\d{1,2})(?!\d))?"
    + _BEFORE
)
_CN_POINT_RE: Final = re.compile(
    rf"""
    (?:(?P<year>\d{{4}})年度?)?
    (?:
        (?P<month>\d{{1,2}})月份?
        (?:
            (?P<day>\d{{1,2}})(?!\d)[日号]?
          | (?P<dekad>[上中下])旬
          | (?P<month_end>[底末])
          | (?P<month_within>{_WITHIN})
        )?
      | (?P<month_open>\d{{1,2}})(?={_RANGE_SEP})
      | 第?(?P<quarter>\d{{1,2}})季度
        (?:(?P<quarter_end>[底末]|结束)|(?P<quarter_within>{_WITHIN}))?
      | (?P<half>[上下])半年(?:(?P<half_end>[底末])|(?P<half_within>{_WITHIN}))?
      | (?P<ye_word>年度?)?(?P<year_end>[底末]|终)
      | (?P<yw_word>年度?)?(?P<year_within>{_WITHIN})
    )?
    {_BEFORE}
    """,
    re.VERBOSE,
)
_RELATIVE_RE: Final = re.compile(
    rf"""
    (?:
        (?P<n>\d{{1,3}})(?!\d)
        (?P<unit>个月|年半|年|周|个星期|星期|天|日)
      | (?P<half_year>半年)
    )
    (?P<within>{_WITHIN})?
    """,
    re.VERBOSE,
)


# --- Parsed pieces --------------------------------------------------------------------------

_PeriodKind = Literal[
    "day", "month", "month_before", "dekad", "quarter", "half", "year", "year_before"
]


@dataclass(frozen=True)
class _Point:
    """A calendar period named in the text, its year possibly left to the reference date."""

    year: int | None
    kind: _PeriodKind
    month: int = 0
    day: int = 0
    # 1..3 for 上/中/下旬, 1..4 for a quarter, 1..2 for a half year.
    part: int = 0


@dataclass(frozen=True)
class _Range:
    start: _Point
    end: _Point


@dataclass(frozen=True)
class _Relative:
    months: int
    days: int


_DateExpr = _Point | _Range | _Relative
_Token = _DateExpr | _Clue


class _InvalidDateError(Exception):
    """A period that names no real date; turned into DeadlineParseError by the caller."""


class _YearOutOfRangeError(Exception):
    """A date outside MIN_YEAR..MAX_YEAR."""


# --- Public entry point ---------------------------------------------------------------------


def parse_deadline(text: str, *, reference_date: datetime.date | None = None) -> ParsedDeadline:
    """Read a deadline phrase; ``reference_date`` (the feedback date) anchors relative ones.

    Raises DeadlineParseError (see DeadlineErrorCode) rather than guessing.
    """
    if isinstance(reference_date, datetime.datetime):
        reference_date = reference_date.date()
    normalized = _normalize(text)
    if not normalized:
        raise DeadlineParseError(
            code=DeadlineErrorCode.EMPTY, message=_("The deadline is empty."), text=text
        )

    tokens = _tokenize(normalized, source=text)
    dates = [t for t in tokens if not isinstance(t, str)]
    clues = {t for t in tokens if isinstance(t, str)}

    if (
        "ambiguous" in clues
        or len(dates) > 1
        or ("immediate" in clues and "by_date_label" in clues)
    ):
        raise DeadlineParseError(
            code=DeadlineErrorCode.AMBIGUOUS,
            message=_(
                'The deadline "%(text)s" can be read in more than one way; '
                "write a single date, period or phrase."
            )
            % {"text": text},
            text=text,
        )

    immediate = "immediate" in clues
    long_term = "long_term" in clues
    if dates:
        due_date = _resolve(dates[0], reference_date=reference_date, source=text)
        kind = DeadlineKind.IMMEDIATE if immediate else DeadlineKind.BY_DATE
        return ParsedDeadline(kind=kind, due_date=due_date, also_long_term=long_term, source=text)
    if immediate:
        return ParsedDeadline(
            kind=DeadlineKind.IMMEDIATE,
            due_date=None,
            also_long_term=long_term,
            source=text,
        )
    if long_term:
        return ParsedDeadline(
            kind=DeadlineKind.LONG_TERM,
            due_date=None,
            also_long_term=False,
            source=text,
        )
    # Only fillers, or "限期整改" without the date it announces.
    raise DeadlineParseError(
        code=DeadlineErrorCode.UNREADABLE,
        message=_('The deadline "%(text)s" contains no date, period or deadline phrase.')
        % {"text": text},
        text=text,
    )


# --- Normalisation and tokens ---------------------------------------------------------------


def _normalize(text: str) -> str:
    # NFKC folds full-width digits and punctuation (U+FF10.., U+FF0C) to ASCII.
    folded = unicodedata.normalize("NFKC", text)
    folded = _MIDNIGHT_RE.sub("", folded)
    folded = re.sub(r"\s+", "", folded)
    return _CN_RUN_RE.sub(_cn_run_to_digits, folded)


def _cn_run_to_digits(match: re.Match[str]) -> str:
    # A Latin "O" typed for 〇 ("二O二一") is a zero; "十二十" is no numeral and is left as is,
    # so it is reported as unreadable. Without 十 the digits read one by one ("二〇二一").
    run = match.group(0).replace("O", "〇").replace("o", "〇")
    value = chinese_to_int(run)
    return match.group(0) if value is None else str(value)


def _tokenize(normalized: str, *, source: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(normalized):
        found = _match_at(normalized, pos)
        if found is None:
            raise DeadlineParseError(
                code=DeadlineErrorCode.UNREADABLE,
                message=_('Cannot read "%(part)s" in the deadline "%(text)s".')
                % {"part": normalized[pos:], "text": source},
                text=source,
            )
        token, pos = found
        if token is not None:
            tokens.append(token)
    return tokens


def _match_at(s: str, pos: int) -> tuple[_Token | None, int] | None:
    """The token starting at ``pos`` (None for a separator) and where it ends."""
    relative = _match_relative(s, pos)
    if relative is not None:
        return relative
    date_expr = _match_date_expr(s, pos)
    if date_expr is not None:
        return date_expr
    for word, clue in _KEYWORDS:
        if s.startswith(word, pos):
            return clue, pos + len(word)
    for pattern in (_SEPARATOR_RE, _ANCHOR_RE):
        m = pattern.match(s, pos)
        if m is not None and m.end() > pos:
            return None, m.end()
    return None


def _match_relative(s: str, pos: int) -> tuple[_Token, int] | None:
    m = _RELATIVE_RE.match(s, pos)
    if m is None:
        return None
    if m.group("half_year"):
        return _Relative(months=6, days=0), m.end()
    n = int(m.group("n"))
    unit = m.group("unit")
    if unit == "日" and not m.group("within"):
        return None  # "30日" alone is a day of a month, not a period
    if unit == "个月":
        expr = _Relative(months=n, days=0)
    elif unit == "年":
        expr = _Relative(months=12 * n, days=0)
    elif unit == "年半":
        expr = _Relative(months=12 * n + 6, days=0)
    elif unit in ("周", "个星期", "星期"):
        expr = _Relative(months=0, days=7 * n)
    else:  # 天 / 日
        expr = _Relative(months=0, days=n)
    return expr, m.end()


def _match_date_expr(s: str, pos: int) -> tuple[_Token, int] | None:
    """A point ("2021年3月底前") or a range of two points ("2021年3月—6月")."""
    first = _match_point(s, pos)
    if first is None:
        return None
    start, end_pos, open_start = first
    sep = _RANGE_SEP_RE.match(s, end_pos)
    if sep is not None and isinstance(start, _Point):
        second = _match_point(s, sep.end())
        if second is not None and isinstance(second[0], _Point) and not second[2]:
            return _Range(start=start, end=second[0]), second[1]
    if open_start:
        return None  # "2021年3—" with nothing readable after the dash
    return start, end_pos


def _match_point(s: str, pos: int) -> tuple[_Point | _Clue, int, bool] | None:
    """A point at ``pos``: (point or "ambiguous", end, whether it is a bare range start)."""
    numeric = _NUMERIC_POINT_RE.match(s, pos)
    if numeric is not None:
        n_year, n_month = int(numeric.group("year")), int(numeric.group("month"))
        if numeric.group("day"):
            n_day = int(numeric.group("day"))
            return (
                _Point(year=n_year, kind="day", month=n_month, day=n_day),
                numeric.end(),
                False,
            )
        # "2021.3前" follows the same strict month rule as "2021年3月前".
        kind: _PeriodKind = "month_before" if numeric.group("before") else "month"
        return _Point(year=n_year, kind=kind, month=n_month), numeric.end(), False

    m = _CN_POINT_RE.match(s, pos)
    if m is None or m.end() == pos:
        return None
    g = m.group
    year = int(g("year")) if g("year") else None
    before = bool(g("before"))
    through = bool(g("through"))
    end = m.end()

    point: _Point | _Clue
    if g("month"):
        month = int(g("month"))
        if g("day"):
            point = _Point(year=year, kind="day", month=month, day=int(g("day")))
        elif g("dekad"):
            point = _Point(
                year=year,
                kind="dekad",
                month=month,
                part="上中下".index(g("dekad")) + 1,
            )
        elif g("month_end"):
            point = _Point(year=year, kind="month", month=month)
        elif g("month_within"):
            if before or through:
                return None
            # "3月内" could be "within March" or "within 3 months" ("3个月内").
            point = (
                _Point(year=year, kind="month", month=month) if year is not None else "ambiguous"
            )
        else:
            kind = "month_before" if before else "month"
            point = _Point(year=year, kind=kind, month=month)
    elif g("month_open"):
        return _Point(year=year, kind="month", month=int(g("month_open"))), end, True
    elif g("quarter"):
        if g("quarter_within") and (before or through):
            return None
        bare = not (g("quarter_end") or g("quarter_within"))
        quarter = _Point(year=year, kind="quarter", part=int(g("quarter")))
        point = "ambiguous" if bare and before else quarter
    elif g("half"):
        if g("half_within") and (before or through):
            return None
        bare = not (g("half_end") or g("half_within"))
        half = _Point(year=year, kind="half", part=1 if g("half") == "上" else 2)
        point = "ambiguous" if bare and before else half
    elif g("year_end"):
        if year is None and not g("ye_word"):
            return None  # a lone "底" or "末" names nothing
        point = _Point(year=year, kind="year")
    elif g("year_within"):
        if (year is None and not g("yw_word")) or before or through:
            return None
        point = _Point(year=year, kind="year")
    elif year is not None:
        point = _Point(year=year, kind="year_before" if before else "year")
    else:
        return None  # only "前" / "止": not a point
    return point, end, False


# --- Resolution to a date -------------------------------------------------------------------


def _resolve(
    expr: _DateExpr, *, reference_date: datetime.date | None, source: str
) -> datetime.date:
    try:
        due = _check_year(_resolve_or_raise(expr, reference_date=reference_date, source=source))
    except _InvalidDateError:
        raise DeadlineParseError(
            code=DeadlineErrorCode.INVALID_DATE,
            message=_('The deadline "%(text)s" names a date that does not exist.')
            % {"text": source},
            text=source,
        ) from None
    except (_YearOutOfRangeError, OverflowError):
        raise DeadlineParseError(
            code=DeadlineErrorCode.INVALID_DATE,
            message=_('The deadline "%(text)s" falls outside the years %(min)s to %(max)s.')
            % {"text": source, "min": MIN_YEAR, "max": MAX_YEAR},
            text=source,
        ) from None
    return due


def _check_year(due: datetime.date) -> datetime.date:
    # A relative period can run past MAX_YEAR even when every written year is in range.
    if not MIN_YEAR <= due.year <= MAX_YEAR:
        raise _YearOutOfRangeError
    return due


def _resolve_or_raise(
    expr: _DateExpr, *, reference_date: datetime.date | None, source: str
) -> datetime.date:
    def need_reference() -> datetime.date:
        if reference_date is None:
            raise DeadlineParseError(
                code=DeadlineErrorCode.NEEDS_REFERENCE,
                message=_(
                    'The deadline "%(text)s" is counted from the feedback date or has no year; '
                    "it can only be read when the feedback date is known."
                )
                % {"text": source},
                text=source,
            )
        return reference_date

    if isinstance(expr, _Relative):
        if expr.months == 0 and expr.days == 0:
            raise _InvalidDateError  # "0天内"
        reference = need_reference()
        return _add_months(reference, expr.months) + datetime.timedelta(days=expr.days)

    if isinstance(expr, _Point):
        if expr.year is not None:
            return _span(expr, expr.year)[1]
        year = _next_year(expr, on_or_after=need_reference())
        return _span(expr, year)[1]

    year_of_range = expr.start.year if expr.start.year is not None else expr.end.year
    if year_of_range is None:
        # The deadline is the range's end, so the end picks the year.
        year_of_range = _next_year(expr.end, on_or_after=need_reference())
    start_first, _start_last = _span(expr.start, year_of_range)
    end_year = expr.end.year if expr.end.year is not None else year_of_range
    _end_first, end_last = _span(expr.end, end_year)
    if end_last < start_first:
        raise DeadlineParseError(
            code=DeadlineErrorCode.INVALID_DATE,
            message=_('The deadline "%(text)s" ends before it starts.') % {"text": source},
            text=source,
        )
    return end_last


def _next_year(point: _Point, *, on_or_after: datetime.date) -> int:
    """The year in which ``point`` first ends on or after the given date."""
    last_error: _InvalidDateError | None = None
    for year in (on_or_after.year, on_or_after.year + 1):
        try:
            if _span(point, year)[1] >= on_or_after:
                return year
        except _InvalidDateError as error:
            last_error = error  # e.g. "2月29日" in a common year: try the next one
    raise last_error or _InvalidDateError()


def _span(point: _Point, year: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of the period ``point`` names in ``year``."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _YearOutOfRangeError
    if point.kind in ("day", "month", "month_before", "dekad") and not 1 <= point.month <= 12:
        raise _InvalidDateError
    if point.kind == "day":
        day = _date(year, point.month, point.day)
        return day, day
    if point.kind == "month":
        return _date(year, point.month, 1), _month_end(year, point.month)
    if point.kind == "month_before":
        due = _date(year, point.month, 1) - datetime.timedelta(days=1)
        return due, due
    if point.kind == "dekad":
        # 上旬 is days 1-10, 中旬 11-20, 下旬 21 to the end of the month.
        first = _date(year, point.month, 10 * point.part - 9)
        if point.part < 3:
            return first, _date(year, point.month, 10 * point.part)
        return first, _month_end(year, point.month)
    if point.kind == "quarter":
        if not 1 <= point.part <= 4:
            raise _InvalidDateError
        return _date(year, 3 * point.part - 2, 1), _month_end(year, 3 * point.part)
    if point.kind == "half":
        return _date(year, 6 * point.part - 5, 1), _month_end(year, 6 * point.part)
    if point.kind == "year":
        return _date(year, 1, 1), _date(year, 12, 31)
    # year_before
    due = _date(year - 1, 12, 31)
    return due, due


def _date(year: int, month: int, day: int) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise _InvalidDateError from None


def _month_end(year: int, month: int) -> datetime.date:
    return _date(year, month, calendar.monthrange(year, month)[1])


def _add_months(value: datetime.date, months: int) -> datetime.date:
    """Calendar-month arithmetic; the day is clamped to the end of a shorter month."""
    index = value.year * 12 + value.month - 1 + months
    year, month0 = divmod(index, 12)
    if year > datetime.MAXYEAR:
        raise _YearOutOfRangeError
    day = min(value.day, calendar.monthrange(year, month0 + 1)[1])
    return datetime.date(year, month0 + 1, day)

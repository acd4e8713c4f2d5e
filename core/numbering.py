"""Recognise and order the numbering used in Chinese official documents.

Feedback documents (反馈意见), ledgers (台账) and notices number their items in a small set
of conventional styles: 一、 > （一） > 1. > （1） > ①, plus inline enumerations (一是、二是)
and multi-level Arabic numbers (3.2.1). This module knows those conventions and nothing of
the domain: it turns numerals into integers, finds a numbering prefix at the start of a
line, and builds sort keys so that "（十）" comes after "（九）" and "10" after "9".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "NumberMatch",
    "NumberStyle",
    "chinese_to_int",
    "int_to_chinese",
    "match_number",
    "normalize_width",
    "number_sort_key",
]


class NumberStyle(StrEnum):
    """A numbering convention, in the usual order of nesting (outermost first)."""

    CN_DUN = "cn_dun"  # 一、
    CN_PAREN = "cn_paren"  # (一) （一）
    ARABIC_DOT = "arabic_dot"  # 1. 1、 1．
    ARABIC_PAREN = "arabic_paren"  # (1) （1） 1）
    CIRCLED = "circled"  # ① … ⑳
    CN_SHI = "cn_shi"  # 一是 二是 (inline enumerations)
    ARABIC_PLAIN = "arabic_plain"  # 3.2 / 3.2.1 (multi-level)


_CN_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "○": 0,  # U+25CB, often typed instead of 〇 in years and numbers
    "一": 1,
    "壹": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
_CN_SMALL_UNITS: dict[str, int] = {
    "十": 10,
    "拾": 10,
    "百": 100,
    "佰": 100,
    "千": 1000,
    "仟": 1000,
}
_CN_BIG_UNITS: dict[str, int] = {"万": 10_000, "亿": 100_000_000}
_CN_NUMERAL_CHARS = "".join([*_CN_DIGITS, *_CN_SMALL_UNITS, *_CN_BIG_UNITS])

# Numerals as they appear in numbering prefixes; 万/亿 never number items and leaving them
# out keeps words such as "一万" out of the prefix patterns.
_CN_NUM = "[零〇○一二两三四五六七八九十百壹贰叁肆伍陆柒捌玖拾佰]+"


def chinese_to_int(text: str) -> int | None:
    """Return the value of a Chinese numeral ("十二" -> 12, "一百零五" -> 105), else None.

    Accepts positional digit strings too ("二〇二一" -> 2021), the financial forms
    (壹贰叁…) and 两. Surrounding whitespace is ignored.
    """
    text = text.strip()
    if not text or any(ch not in _CN_NUMERAL_CHARS for ch in text):
        return None
    if not any(ch in _CN_SMALL_UNITS or ch in _CN_BIG_UNITS for ch in text):
        # Positional form: every character is a digit, as in years ("二〇二一").
        value = 0
        for ch in text:
            value = value * 10 + _CN_DIGITS[ch]
        return value

    total = 0  # completed 万/亿 groups
    section = 0  # value below the current big unit
    digit: int | None = None  # digit waiting for its unit
    last_small_unit = 10**9  # small units must descend within a section (千 > 百 > 十)
    for ch in text:
        if ch in _CN_DIGITS:
            if digit not in (None, 0) and _CN_DIGITS[ch] != 0:
                return None  # two digits in a row without a unit: not a numeral
            digit = _CN_DIGITS[ch]
        elif ch in _CN_SMALL_UNITS:
            unit = _CN_SMALL_UNITS[ch]
            if unit >= last_small_unit:
                return None
            if digit is None:
                # "十二" means 12: a leading 十 has an implicit 一; elsewhere a bare unit is bad.
                if unit != 10 or section or total:
                    return None
                digit = 1
            section += digit * unit
            digit = None
            last_small_unit = unit
        else:
            big = _CN_BIG_UNITS[ch]
            section += digit or 0
            if section == 0:
                return None
            total = (total + section) * big
            section = 0
            digit = None
            last_small_unit = 10**9
    return total + section + (digit or 0)


def int_to_chinese(n: int) -> str:
    """Write 0..9999 in Chinese counting numerals (十, 十一, 二十, 一百, 一百零一, 一千零一).

    The inverse of `chinese_to_int` for these numbers, as headings, list numbers and names
    ("第十一轮") write them. Raises ValueError outside 0..9999.
    """
    if not 0 <= n <= 9999:
        raise ValueError(f"{n} is outside 0..9999")
    if n == 0:
        return "零"
    units = ("", "十", "百", "千")
    digits = [int(c) for c in str(n)]
    out: list[str] = []
    pending_zero = False
    for position, digit in enumerate(digits):
        unit = units[len(digits) - 1 - position]
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_POSITIONAL_DIGITS[digit] + unit)
    text = "".join(out)
    # 10..19 are read 十, 十一 ... not 一十, 一十一 when they stand alone.
    return text[1:] if text.startswith("一十") else text


_POSITIONAL_DIGITS = "零一二三四五六七八九"


# Full-width forms U+FF01..U+FF5E map onto ASCII by a fixed offset; the ideographic space
# becomes a plain space. Every mapping is one character to one character, so offsets in the
# normalised text are offsets in the original, which lets callers slice the original.
_WIDTH_TABLE: dict[int, str] = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE.update({0x3000: " ", 0x00A0: " ", 0xFE59: "(", 0xFE5A: ")"})


def normalize_width(text: str) -> str:
    """Turn full-width digits, letters and punctuation (１（）．：，) into half-width ones.

    Chinese characters and Chinese-only punctuation (、。) are kept. The result has exactly
    the length of the input, character for character.
    """
    return text.translate(_WIDTH_TABLE)


@dataclass(frozen=True)
class NumberMatch:
    """A numbering prefix found at the start of a line."""

    style: NumberStyle
    value: int  # the number itself; for ARABIC_PLAIN ("3.2.1") the last level
    printed: str  # exactly as in the text, e.g. "（三）"
    rest: str  # the text after the number, stripped
    parts: tuple[int, ...] = field(default=())  # every level for ARABIC_PLAIN, else (value,)


# Single characters that carry a whole number: ①..⑳ ㉑..㉟ ㊱..㊿, ⑴..⒇, ⒈..⒛, ㈠..㈩.
_SINGLE_CHAR_NUMBERS: dict[str, tuple[NumberStyle, int]] = {}
for _i in range(20):
    _SINGLE_CHAR_NUMBERS[chr(0x2460 + _i)] = (NumberStyle.CIRCLED, _i + 1)
    _SINGLE_CHAR_NUMBERS[chr(0x2474 + _i)] = (NumberStyle.ARABIC_PAREN, _i + 1)
    _SINGLE_CHAR_NUMBERS[chr(0x2488 + _i)] = (NumberStyle.ARABIC_DOT, _i + 1)
for _i in range(15):
    _SINGLE_CHAR_NUMBERS[chr(0x3251 + _i)] = (NumberStyle.CIRCLED, _i + 21)
    _SINGLE_CHAR_NUMBERS[chr(0x32B1 + _i)] = (NumberStyle.CIRCLED, _i + 36)
for _i in range(10):
    _SINGLE_CHAR_NUMBERS[chr(0x3220 + _i)] = (NumberStyle.CN_PAREN, _i + 1)
del _i

# All patterns run on normalize_width() output, anchored at the first non-space character.
_CN_PAREN_RE = re.compile(rf"\(\s*({_CN_NUM})\s*\)")
_ARABIC_PAREN_RE = re.compile(r"\(\s*(\d{1,3})\s*\)|(\d{1,3})\s*\)")
# "三、四月份" is a range of months, not item 三.
_CN_DUN_RE = re.compile(rf"({_CN_NUM})\s*[、.](?!\d)(?!{_CN_NUM}[年月日号])")
_CN_SHI_RE = re.compile(r"([一二三四五六七八九十]{1,3})是")
_CN_PATTERNS: tuple[tuple[NumberStyle, re.Pattern[str]], ...] = (
    (NumberStyle.CN_PAREN, _CN_PAREN_RE),
    (NumberStyle.CN_DUN, _CN_DUN_RE),
    (NumberStyle.CN_SHI, _CN_SHI_RE),
)
_SEPARABLE_SINGLES = frozenset({NumberStyle.ARABIC_DOT, NumberStyle.CIRCLED})
# "1." / "1、" but not "1.5万元" or "1、2月": no digit may follow the separator.
_ARABIC_DOT_RE = re.compile(r"(\d{1,3})\s*[.、](?!\d)")
# "3.2" / "3.2.1", optionally closed by "." or "、"; no digit or dot may follow the last level.
_ARABIC_PLAIN_RE = re.compile(r"(\d{1,3}(?:\.\d{1,3})+)(?![\d.]*\d)([.、](?!\d))?")
# What may follow a decimal number: if "3.2" is followed by one of these it is a quantity.
_QUANTITY_CHARS = frozenset(
    "%‰万亿千百十元角分个项次条人名倍年月日天周时秒米吨件份家所门篇册场期届岁小公平亩斤克升"
)


def _match_normalized(
    norm: str,
) -> tuple[NumberStyle, int, int, tuple[int, ...]] | None:
    """Match a prefix of normalised text: (style, value, end offset, parts) or None."""
    if not norm:
        return None
    single = _SINGLE_CHAR_NUMBERS.get(norm[0])
    if single is not None:
        style, value = single
        # "①、" and "⒈." sometimes carry a redundant separator: take it with the number.
        redundant_separator = len(norm) > 1 and norm[1] in "、."
        end = 2 if redundant_separator and style in _SEPARABLE_SINGLES else 1
        return style, value, end, (value,)

    for style, pattern in _CN_PATTERNS:
        if m := pattern.match(norm):
            cn_value = chinese_to_int(m.group(1))
            if cn_value is not None:
                return style, cn_value, m.end(), (cn_value,)
        if style is NumberStyle.CN_PAREN and (m := _ARABIC_PAREN_RE.match(norm)):
            # Checked right after （一） so that "(1)" never reaches the "1." patterns.
            value = int(m.group(1) or m.group(2))
            return NumberStyle.ARABIC_PAREN, value, m.end(), (value,)
    if m := _ARABIC_PLAIN_RE.match(norm):
        parts = tuple(int(p) for p in m.group(1).split("."))
        segments = m.group(1).split(".")
        following = norm[m.end() :].lstrip()[:1]
        looks_decimal = len(parts) == 2 and (
            # "0.5", "3.05" and "3.2万元" read as quantities, not as section 3.2.
            segments[0].startswith("0")
            or (len(segments[1]) > 1 and segments[1].startswith("0"))
            or (not m.group(2) and following in _QUANTITY_CHARS)
            or (not m.group(2) and m.end() == len(norm))
        )
        if not looks_decimal and parts[0] > 0:
            return NumberStyle.ARABIC_PLAIN, parts[-1], m.end(), parts
    if m := _ARABIC_DOT_RE.match(norm):
        value = int(m.group(1))
        return NumberStyle.ARABIC_DOT, value, m.end(), (value,)
    return None


def match_number(line: str) -> NumberMatch | None:
    """Recognise a numbering prefix at the start of a line (after whitespace).

    Returns None for lines that merely start with a quantity or a date, such as
    "2021年", "3月" or "1.5万元".
    """
    norm = normalize_width(line)
    start = len(norm) - len(norm.lstrip())
    found = _match_normalized(norm[start:])
    if found is None:
        return None
    style, value, length, parts = found
    end = start + length
    return NumberMatch(
        style=style,
        value=value,
        printed=line[start:end].strip(),
        rest=line[end:].strip(),
        parts=parts,
    )


# Pieces of a composite printed number such as "一、(三)2" or "第三条".
_KEY_SEPARATORS = frozenset(" \t、.,，:：;；-—_/")
_KEY_PAREN_RE = re.compile(rf"\(\s*({_CN_NUM}|\d+)\s*\)")
_KEY_ARABIC_RE = re.compile(r"\d+")
_KEY_CN_RE = re.compile(rf"第?({_CN_NUM})(?:是|条|章|节|项|部分)?")
_KEY_WIDTH = 4
_KEY_MAX = 10**_KEY_WIDTH - 1
# Sorts after every digit, so text without a number follows all numbered keys.
_KEY_UNNUMBERED = "~"


def _key_segment(value: int) -> str:
    return str(min(value, _KEY_MAX)).zfill(_KEY_WIDTH)


def number_sort_key(printed: str) -> str:
    """Return a key that orders printed numbers by plain string comparison.

    "一、(三)2" -> "0001.0003.0002", "3.2" -> "0003.0002", "（二）" -> "0002",
    "②" -> "0002". A parent sorts before its children. Text that does not start with a
    number sorts after all numbered keys, ordered by the text itself.
    """
    norm = normalize_width(printed).strip()
    segments: list[str] = []
    pos = 0
    while pos < len(norm):
        ch = norm[pos]
        if ch in _KEY_SEPARATORS:
            pos += 1
            continue
        single = _SINGLE_CHAR_NUMBERS.get(ch)
        if single is not None:
            segments.append(_key_segment(single[1]))
            pos += 1
            continue
        value: int | None = None
        m = _KEY_PAREN_RE.match(norm, pos) or _KEY_ARABIC_RE.match(norm, pos)
        if m is not None:
            digits = m.group(1) if m.lastindex else m.group(0)
            value = int(digits) if digits.isdigit() else chinese_to_int(digits)
        else:
            m = _KEY_CN_RE.match(norm, pos)
            if m is not None:
                value = chinese_to_int(m.group(1))
        if m is None or value is None:
            break
        segments.append(_key_segment(value))
        pos = m.end()
    rest = norm[pos:].strip()
    if not segments:
        return _KEY_UNNUMBERED + rest
    key = ".".join(segments)
    return f"{key}{_KEY_UNNUMBERED}{rest}" if rest else key

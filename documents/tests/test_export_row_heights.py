"""The export's line count per cell (its row heights): the short-text shortcut gives what
measuring the text gives, and the width table is East Asian Width's own (no database)."""

from __future__ import annotations

import math
import unicodedata

import pytest

from documents.exports import COLUMN_WIDTHS, _display_width, _lines, _wide_characters

TEXTS = [
    "",
    None,
    7,
    100,
    "已完成",
    "组织生活会",
    "计算机学院党委",
    "2026年12月31日前",
    "长期坚持（每季度回头看）",
    "a" * 40,
    "整改" * 40,
    "第一行\n第二行",
    "——·“”…",
    "mixed 中英 text ①②",
    "\U00020000\U0002a6d6",  # CJK extension B
    "😀 emoji",
]


def _measured(value: object, width: float) -> int:
    if value is None or value == "":
        return 1
    usable = max(width - 1.5, 2.0)
    return sum(max(1, math.ceil(_display_width(p) / usable)) for p in str(value).split("\n"))


@pytest.mark.parametrize("width", [*sorted(set(COLUMN_WIDTHS)), 1.0, 3.0])
def test_every_text_takes_the_lines_its_measured_width_gives(width: float) -> None:
    for text in TEXTS:
        for value in (text, f"{text}{text}" if isinstance(text, str) else text):
            assert _lines(value, width) == _measured(value, width), (value, width)


def test_the_wide_characters_are_those_east_asian_width_calls_wide_full_or_ambiguous() -> None:
    # Every character, so that each run's first and last one is checked.
    wide = _wide_characters()
    for code in range(0x110000):
        char = chr(code)
        assert bool(wide.fullmatch(char)) is (unicodedata.east_asian_width(char) in "WFA"), code

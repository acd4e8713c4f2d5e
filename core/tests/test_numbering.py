"""Tests for the Chinese document numbering utilities."""

from __future__ import annotations

import pytest

from core.numbering import (
    NumberMatch,
    NumberStyle,
    chinese_to_int,
    int_to_chinese,
    match_number,
    normalize_width,
    number_sort_key,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("一百零五", 105),
        ("一百一十", 110),
        ("三千二百", 3200),
        ("一万零三", 10003),
        ("〇", 0),
        ("零", 0),
        ("两", 2),
        ("二〇二一", 2021),
        ("叁拾", 30),
        (" 七 ", 7),
    ],
)
def test_chinese_numerals_convert_to_integers(text: str, expected: int) -> None:
    assert chinese_to_int(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "一是", "百", "一二十", "十十", "3", "第一"])
def test_text_that_is_not_a_numeral_gives_none(text: str) -> None:
    assert chinese_to_int(text) is None


def test_normalize_width_turns_full_width_forms_half_width_and_keeps_chinese() -> None:
    assert normalize_width("（一）１２．ＡＢ：，") == "(一)12.AB:,"
    assert normalize_width("\u3000党建、工作。") == " 党建、工作。"


def test_normalize_width_keeps_the_length_so_offsets_stay_valid() -> None:
    text = "（十二）　加强组织生活会１．"
    assert len(normalize_width(text)) == len(text)


@pytest.mark.parametrize(
    ("line", "style", "value", "printed", "rest"),
    [
        ("一、总体情况", NumberStyle.CN_DUN, 1, "一、", "总体情况"),
        ("十一、其他问题", NumberStyle.CN_DUN, 11, "十一、", "其他问题"),
        (
            "（三）基层党建工作薄弱",
            NumberStyle.CN_PAREN,
            3,
            "（三）",
            "基层党建工作薄弱",
        ),
        ("(二)意识形态", NumberStyle.CN_PAREN, 2, "(二)", "意识形态"),
        ("（ 十二 ） 组织生活会", NumberStyle.CN_PAREN, 12, "（ 十二 ）", "组织生活会"),
        ("1.完善制度", NumberStyle.ARABIC_DOT, 1, "1.", "完善制度"),
        ("2、开展警示教育", NumberStyle.ARABIC_DOT, 2, "2、", "开展警示教育"),
        ("３．建立台账", NumberStyle.ARABIC_DOT, 3, "３．", "建立台账"),
        (
            "1. 2022年以来开展专项整治",
            NumberStyle.ARABIC_DOT,
            1,
            "1.",
            "2022年以来开展专项整治",
        ),
        ("(1)召开专题会", NumberStyle.ARABIC_PAREN, 1, "(1)", "召开专题会"),
        ("（2）修订办法", NumberStyle.ARABIC_PAREN, 2, "（2）", "修订办法"),
        ("3）落实责任", NumberStyle.ARABIC_PAREN, 3, "3）", "落实责任"),
        ("⑴ 党支部书记", NumberStyle.ARABIC_PAREN, 1, "⑴", "党支部书记"),
        ("①制定方案", NumberStyle.CIRCLED, 1, "①", "制定方案"),
        ("⑳收尾", NumberStyle.CIRCLED, 20, "⑳", "收尾"),
        ("一是组织生活会不规范", NumberStyle.CN_SHI, 1, "一是", "组织生活会不规范"),
        ("三是", NumberStyle.CN_SHI, 3, "三是", ""),
        ("3.2 加强班子建设", NumberStyle.ARABIC_PLAIN, 2, "3.2", "加强班子建设"),
        ("　　二、存在的问题", NumberStyle.CN_DUN, 2, "二、", "存在的问题"),
    ],
)
def test_match_number_recognises_every_style(
    line: str, style: NumberStyle, value: int, printed: str, rest: str
) -> None:
    match = match_number(line)
    assert match is not None
    assert (match.style, match.value, match.printed, match.rest) == (
        style,
        value,
        printed,
        rest,
    )


def test_multi_level_numbers_keep_every_level() -> None:
    match = match_number("3.2.1 修订党委会议事规则")
    assert match == NumberMatch(
        style=NumberStyle.ARABIC_PLAIN,
        value=1,
        printed="3.2.1",
        rest="修订党委会议事规则",
        parts=(3, 2, 1),
    )


@pytest.mark.parametrize(
    "line",
    [
        "2021年3月，省委巡视组进驻学院",
        "3月底前完成组织生活会",
        "1.5万元专项经费",
        "3.2万元",
        "0.5小时",
        "12.5%的党员未按时交纳党费",
        "1、2月份集中学习",
        "三、四月份开展谈心谈话",
        "一流学科建设",
        "十分重视",
        "学院党委高度重视",
        "",
        "   ",
    ],
)
def test_quantities_dates_and_prose_are_not_numbering(line: str) -> None:
    assert match_number(line) is None


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("一、(三)2", "0001.0003.0002"),
        ("一、（三）2.", "0001.0003.0002"),
        ("3.2", "0003.0002"),
        ("（二）", "0002"),
        ("②", "0002"),
        ("10", "0010"),
        ("二是", "0002"),
        ("第十二条", "0012"),
    ],
)
def test_number_sort_key_pads_every_level(printed: str, expected: str) -> None:
    assert number_sort_key(printed) == expected


def test_sort_keys_order_numbers_numerically_with_parents_first() -> None:
    printed = [
        "10",
        "（十）",
        "2",
        "一、(三)2",
        "一、(三)",
        "（九）",
        "一、(三)10",
        "1",
    ]
    ordered = sorted(printed, key=number_sort_key)
    assert ordered == [
        "1",
        "一、(三)",
        "一、(三)2",
        "一、(三)10",
        "2",
        "（九）",
        "10",
        "（十）",
    ]


def test_unnumbered_text_sorts_after_numbers_and_deterministically() -> None:
    printed = ["附件", "3", "", "其他", "二十"]
    ordered = sorted(printed, key=number_sort_key)
    assert ordered[:2] == ["3", "二十"]
    assert set(ordered[2:]) == {"附件", "", "其他"}
    # Distinct keys make the order independent of the input order.
    assert len({number_sort_key(p) for p in printed}) == len(printed)
    assert number_sort_key("附件") == number_sort_key(" 附件 ")


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0, "零"),
        (1, "一"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (1001, "一千零一"),
        (2021, "二千零二十一"),
    ],
)
def test_numbers_and_chinese_numerals_convert_both_ways(number: int, text: str) -> None:
    assert int_to_chinese(number) == text
    assert chinese_to_int(text) == number


def test_every_number_to_9999_comes_back_from_its_numeral() -> None:
    assert all(chinese_to_int(int_to_chinese(n)) == n for n in range(10000))
    with pytest.raises(ValueError):
        int_to_chinese(10000)

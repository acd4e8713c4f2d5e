"""Tests for reading deadlines (完成时限) as they are written in documents and ledgers."""

# Full-width punctuation (commas, colons, brackets) is the very input under test here.
# ruff: noqa: RUF001, RUF100

from __future__ import annotations

import dataclasses
import datetime

import pytest
from django.utils import translation

from ledger.deadline_parser import (
    DeadlineErrorCode,
    DeadlineKind,
    DeadlineParseError,
    ParsedDeadline,
    parse_deadline,
)

# The date of the joint meeting in the seed report; used as the feedback date.
REF = datetime.date(2021, 3, 18)
D = datetime.date

IMMEDIATE = DeadlineKind.IMMEDIATE
BY_DATE = DeadlineKind.BY_DATE
LONG_TERM = DeadlineKind.LONG_TERM


# Rows: text, reference date, expected kind, due date and also-long-term flag.
READABLE: list[tuple[str, datetime.date | None, str, datetime.date | None, bool]] = [
    # The end of a month, a day, a period.
    ("2021年3月底前", None, BY_DATE, D(2021, 3, 31), False),
    ("2021年3月底", None, BY_DATE, D(2021, 3, 31), False),
    ("2021年3月末", None, BY_DATE, D(2021, 3, 31), False),
    ("2021年2月底前", None, BY_DATE, D(2021, 2, 28), False),
    ("2024年2月底前", None, BY_DATE, D(2024, 2, 29), False),
    ("2021年6月30日前", None, BY_DATE, D(2021, 6, 30), False),
    ("2021年6月30日之前", None, BY_DATE, D(2021, 6, 30), False),
    ("2021年6月30日", None, BY_DATE, D(2021, 6, 30), False),
    ("2021年6月30号", None, BY_DATE, D(2021, 6, 30), False),
    ("2021年06月30日", None, BY_DATE, D(2021, 6, 30), False),
    ("2021.6.30", None, BY_DATE, D(2021, 6, 30), False),
    ("2021-06-30", None, BY_DATE, D(2021, 6, 30), False),
    ("2021/6/30", None, BY_DATE, D(2021, 6, 30), False),
    ("2021-06-30 00:00:00", None, BY_DATE, D(2021, 6, 30), False),
    ("2021年6月", None, BY_DATE, D(2021, 6, 30), False),
    ("2021年6月份", None, BY_DATE, D(2021, 6, 30), False),
    ("2021.6", None, BY_DATE, D(2021, 6, 30), False),
    ("2021年6月上旬", None, BY_DATE, D(2021, 6, 10), False),
    ("2021年6月中旬前", None, BY_DATE, D(2021, 6, 20), False),
    ("2021年6月下旬", None, BY_DATE, D(2021, 6, 30), False),
    # "X月前" is read strictly: before month X begins.
    ("2021年3月前", None, BY_DATE, D(2021, 2, 28), False),
    ("2024年3月前", None, BY_DATE, D(2024, 2, 29), False),
    ("2021年1月前", None, BY_DATE, D(2020, 12, 31), False),
    ("2021.3前", None, BY_DATE, D(2021, 2, 28), False),
    ("2022年前", None, BY_DATE, D(2021, 12, 31), False),
    # Half years, year ends, quarters.
    ("2021年上半年", None, BY_DATE, D(2021, 6, 30), False),
    ("2021年上半年底前", None, BY_DATE, D(2021, 6, 30), False),
    ("2021年下半年", None, BY_DATE, D(2021, 12, 31), False),
    ("2021年底前", None, BY_DATE, D(2021, 12, 31), False),
    ("2021年年底", None, BY_DATE, D(2021, 12, 31), False),
    ("2021年年底前", None, BY_DATE, D(2021, 12, 31), False),
    ("2021年末", None, BY_DATE, D(2021, 12, 31), False),
    ("2021年内", None, BY_DATE, D(2021, 12, 31), False),
    ("2021年度内", None, BY_DATE, D(2021, 12, 31), False),
    ("2021年", None, BY_DATE, D(2021, 12, 31), False),
    ("2021年第一季度", None, BY_DATE, D(2021, 3, 31), False),
    ("2021年一季度末", None, BY_DATE, D(2021, 3, 31), False),
    ("2021年第三季度末前", None, BY_DATE, D(2021, 9, 30), False),
    ("2021年4季度", None, BY_DATE, D(2021, 12, 31), False),
    # Phrases.
    ("立行立改", None, IMMEDIATE, None, False),
    ("立即整改", None, IMMEDIATE, None, False),
    ("长期坚持", None, LONG_TERM, None, False),
    ("长期", None, LONG_TERM, None, False),
    ("持续推进", None, LONG_TERM, None, False),
    ("常态化", None, LONG_TERM, None, False),
    ("常态化推进", None, LONG_TERM, None, False),
    ("（长期坚持）", None, LONG_TERM, None, False),
    ("立行立改，长期坚持", None, IMMEDIATE, None, True),
    ("立行立改并长期坚持", None, IMMEDIATE, None, True),
    ("立行立改、长期坚持", None, IMMEDIATE, None, True),
    ("立行立改/长期坚持", None, IMMEDIATE, None, True),
    ("立行立改 长期坚持", None, IMMEDIATE, None, True),
    ("立行立改，2021年3月底前完成", None, IMMEDIATE, D(2021, 3, 31), False),
    ("2024年底前，并长期坚持", None, BY_DATE, D(2024, 12, 31), True),
    ("2021年6月底前完成，持续推进", None, BY_DATE, D(2021, 6, 30), True),
    ("限期整改：2021年6月底前", None, BY_DATE, D(2021, 6, 30), False),
    # Words around the date.
    ("2021年3月底前完成", None, BY_DATE, D(2021, 3, 31), False),
    ("2021年3月底前完成整改", None, BY_DATE, D(2021, 3, 31), False),
    ("2021年6月底前整改到位", None, BY_DATE, D(2021, 6, 30), False),
    ("于2021年6月30日前完成。", None, BY_DATE, D(2021, 6, 30), False),
    ("力争2021年6月底前完成", None, BY_DATE, D(2021, 6, 30), False),
    ("截至2021年6月30日", None, BY_DATE, D(2021, 6, 30), False),
    ("2021年6月底为止", None, BY_DATE, D(2021, 6, 30), False),
    # Typing variants.
    ("２０２１年３月底前", None, BY_DATE, D(2021, 3, 31), False),
    ("2021 年 3 月 底前", None, BY_DATE, D(2021, 3, 31), False),
    ("\u30002021年3月底前\t", None, BY_DATE, D(2021, 3, 31), False),
    ("二〇二一年三月底前", None, BY_DATE, D(2021, 3, 31), False),
    ("二○二一年六月三十日", None, BY_DATE, D(2021, 6, 30), False),
    ("二O二一年十二月三十一日前", None, BY_DATE, D(2021, 12, 31), False),
    ("二〇二一年十月底前", None, BY_DATE, D(2021, 10, 31), False),
    # Ranges are read as their end.
    ("2021年3月—6月", None, BY_DATE, D(2021, 6, 30), False),
    ("2021年3月-6月底", None, BY_DATE, D(2021, 6, 30), False),
    ("2021年3月至6月", None, BY_DATE, D(2021, 6, 30), False),
    ("2021年3—6月", None, BY_DATE, D(2021, 6, 30), False),
    ("2021年3月～2021年6月", None, BY_DATE, D(2021, 6, 30), False),
    ("2021年11月—2022年2月", None, BY_DATE, D(2022, 2, 28), False),
    ("2021.3-2021.6", None, BY_DATE, D(2021, 6, 30), False),
    ("2021年3月1日—6月15日", None, BY_DATE, D(2021, 6, 15), False),
    # Relative to the feedback date.
    ("2个月内", REF, BY_DATE, D(2021, 5, 18), False),
    ("两个月内", REF, BY_DATE, D(2021, 5, 18), False),
    ("3个月以内", REF, BY_DATE, D(2021, 6, 18), False),
    ("三个月内完成", REF, BY_DATE, D(2021, 6, 18), False),
    ("半年之内", REF, BY_DATE, D(2021, 9, 18), False),
    ("半年内", REF, BY_DATE, D(2021, 9, 18), False),
    ("1年之内", REF, BY_DATE, D(2022, 3, 18), False),
    ("一年内", REF, BY_DATE, D(2022, 3, 18), False),
    ("1年半内", REF, BY_DATE, D(2022, 9, 18), False),
    ("30日内", REF, BY_DATE, D(2021, 4, 17), False),
    ("30天内", REF, BY_DATE, D(2021, 4, 17), False),
    ("三十天内", REF, BY_DATE, D(2021, 4, 17), False),
    ("15天", REF, BY_DATE, D(2021, 4, 2), False),
    ("两周内", REF, BY_DATE, D(2021, 4, 1), False),
    ("自巡视反馈之日起3个月内", REF, BY_DATE, D(2021, 6, 18), False),
    ("反馈后2个月内完成，并长期坚持", REF, BY_DATE, D(2021, 5, 18), True),
    # A date without a year: the next one on or after the feedback date.
    ("3月底前", REF, BY_DATE, D(2021, 3, 31), False),
    ("6月30日前", REF, BY_DATE, D(2021, 6, 30), False),
    ("2月底前", REF, BY_DATE, D(2022, 2, 28), False),
    ("年底前", REF, BY_DATE, D(2021, 12, 31), False),
    ("年内完成", REF, BY_DATE, D(2021, 12, 31), False),
    ("一季度末", REF, BY_DATE, D(2021, 3, 31), False),
    ("上半年", REF, BY_DATE, D(2021, 6, 30), False),
    ("3月—6月", REF, BY_DATE, D(2021, 6, 30), False),
]


@pytest.mark.parametrize(("text", "reference", "kind", "due", "also_long_term"), READABLE)
def test_it_reads_real_world_deadlines(
    text: str,
    reference: datetime.date | None,
    kind: str,
    due: datetime.date | None,
    also_long_term: bool,
) -> None:
    parsed = parse_deadline(text, reference_date=reference)

    assert parsed == ParsedDeadline(
        kind=kind, due_date=due, also_long_term=also_long_term, source=text
    )


# Rows: text, reference date, expected error code.
BROKEN: list[tuple[str, datetime.date | None, str]] = [
    ("", REF, DeadlineErrorCode.EMPTY),
    ("   ", REF, DeadlineErrorCode.EMPTY),
    ("\u3000\n", REF, DeadlineErrorCode.EMPTY),
    ("尽快", REF, DeadlineErrorCode.UNREADABLE),
    ("明年", REF, DeadlineErrorCode.UNREADABLE),
    ("今年底前", REF, DeadlineErrorCode.UNREADABLE),
    ("abc", REF, DeadlineErrorCode.UNREADABLE),
    ("2021年春季学期", REF, DeadlineErrorCode.UNREADABLE),
    ("2021年6月初", REF, DeadlineErrorCode.UNREADABLE),
    ("15个工作日内", REF, DeadlineErrorCode.UNREADABLE),
    ("3个月前", REF, DeadlineErrorCode.UNREADABLE),
    # A two-digit year reads as "21 years" followed by a second date.
    ("21年3月底前", REF, DeadlineErrorCode.AMBIGUOUS),
    ("2021", REF, DeadlineErrorCode.UNREADABLE),
    ("已完成", REF, DeadlineErrorCode.UNREADABLE),
    ("限期整改", REF, DeadlineErrorCode.UNREADABLE),
    ("完成整改", REF, DeadlineErrorCode.UNREADABLE),
    ("2021年3月底前完成2020年度组织生活会", REF, DeadlineErrorCode.UNREADABLE),
    ("2021年13月底前", REF, DeadlineErrorCode.INVALID_DATE),
    ("2021年0月底前", REF, DeadlineErrorCode.INVALID_DATE),
    ("2021年2月30日", REF, DeadlineErrorCode.INVALID_DATE),
    ("2021-02-29", REF, DeadlineErrorCode.INVALID_DATE),
    ("2021年第五季度", REF, DeadlineErrorCode.INVALID_DATE),
    ("2021年6月—3月", REF, DeadlineErrorCode.INVALID_DATE),
    ("1999年底前", REF, DeadlineErrorCode.INVALID_DATE),
    ("0天内", REF, DeadlineErrorCode.INVALID_DATE),
    ("100年内", REF, DeadlineErrorCode.INVALID_DATE),
    ("2021年3月底前或4月", REF, DeadlineErrorCode.AMBIGUOUS),
    ("2021年3月底前或者4月底前", None, DeadlineErrorCode.AMBIGUOUS),
    ("2021年3月底前，6月底前", REF, DeadlineErrorCode.AMBIGUOUS),
    ("2021年6月底左右", REF, DeadlineErrorCode.AMBIGUOUS),
    ("2021年6月底前后", REF, DeadlineErrorCode.AMBIGUOUS),
    ("3月内", REF, DeadlineErrorCode.AMBIGUOUS),
    ("2021年上半年前", REF, DeadlineErrorCode.AMBIGUOUS),
    ("2021年一季度前", REF, DeadlineErrorCode.AMBIGUOUS),
    ("立行立改，限期整改", REF, DeadlineErrorCode.AMBIGUOUS),
    ("2个月内", None, DeadlineErrorCode.NEEDS_REFERENCE),
    ("半年内", None, DeadlineErrorCode.NEEDS_REFERENCE),
    ("30天内", None, DeadlineErrorCode.NEEDS_REFERENCE),
    ("3月底前", None, DeadlineErrorCode.NEEDS_REFERENCE),
    ("年底前", None, DeadlineErrorCode.NEEDS_REFERENCE),
    ("一季度末", None, DeadlineErrorCode.NEEDS_REFERENCE),
]


@pytest.mark.parametrize(("text", "reference", "code"), BROKEN)
def test_it_refuses_to_guess(text: str, reference: datetime.date | None, code: str) -> None:
    with pytest.raises(DeadlineParseError) as caught:
        parse_deadline(text, reference_date=reference)

    assert caught.value.code == code
    assert caught.value.text == text


def test_the_tables_cover_enough_real_world_phrasings() -> None:
    assert len(READABLE) >= 45
    assert len(BROKEN) >= 10


def test_the_error_is_a_value_error_whose_message_names_the_text() -> None:
    with (
        translation.override("en"),
        pytest.raises(ValueError, match="2021年3月底前或4月") as caught,
    ):
        parse_deadline("2021年3月底前或4月", reference_date=REF)

    error = caught.value
    assert isinstance(error, DeadlineParseError)
    assert "2021年3月底前或4月" in error.message
    assert str(error) == error.message


def test_an_unreadable_message_points_at_the_part_it_cannot_read() -> None:
    with translation.override("en"), pytest.raises(DeadlineParseError) as caught:
        parse_deadline("2021年春季学期", reference_date=REF)

    assert "春季学期" in caught.value.message


def test_the_kinds_are_the_strings_the_model_stores() -> None:
    assert (DeadlineKind.IMMEDIATE, DeadlineKind.BY_DATE, DeadlineKind.LONG_TERM) == (
        "immediate",
        "by_date",
        "long_term",
    )


def test_the_result_cannot_be_changed() -> None:
    parsed = parse_deadline("2021年3月底前")

    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.due_date = None  # type: ignore[misc]


def test_the_source_is_kept_as_written() -> None:
    assert parse_deadline(" ２０２１年３月底前 ").source == " ２０２１年３月底前 "


@pytest.mark.parametrize(
    ("reference", "text", "due"),
    [
        # Calendar months: the day is clamped to the end of a shorter month.
        (D(2021, 1, 31), "1个月内", D(2021, 2, 28)),
        (D(2024, 1, 31), "1个月内", D(2024, 2, 29)),
        (D(2021, 8, 31), "半年内", D(2022, 2, 28)),
        (D(2021, 11, 15), "3个月内", D(2022, 2, 15)),
        (D(2024, 2, 29), "1年内", D(2025, 2, 28)),
        (D(2021, 12, 20), "15天内", D(2022, 1, 4)),
    ],
)
def test_relative_periods_count_calendar_months_from_the_feedback_date(
    reference: datetime.date, text: str, due: datetime.date
) -> None:
    assert parse_deadline(text, reference_date=reference).due_date == due


@pytest.mark.parametrize(
    ("reference", "text", "due"),
    [
        (D(2021, 3, 31), "3月底前", D(2021, 3, 31)),  # the reference day itself counts
        (D(2021, 4, 1), "3月底前", D(2022, 3, 31)),
        (D(2021, 2, 10), "3月前", D(2021, 2, 28)),
        (D(2021, 3, 1), "3月前", D(2022, 2, 28)),
        (D(2021, 7, 1), "上半年", D(2022, 6, 30)),
        (D(2021, 12, 31), "年底前", D(2021, 12, 31)),
        # A range without a year takes its year from its end, the deadline.
        (D(2021, 4, 10), "3月—6月", D(2021, 6, 30)),
        (D(2021, 7, 1), "3月—6月", D(2022, 6, 30)),
    ],
)
def test_a_date_without_a_year_is_the_next_one_on_or_after_the_reference(
    reference: datetime.date, text: str, due: datetime.date
) -> None:
    assert parse_deadline(text, reference_date=reference).due_date == due


def test_a_year_written_in_the_text_does_not_depend_on_the_reference() -> None:
    early = parse_deadline("2021年3月底前", reference_date=D(2020, 1, 1))
    late = parse_deadline("2021年3月底前", reference_date=D(2023, 1, 1))

    assert early.due_date == late.due_date == D(2021, 3, 31)


def test_a_datetime_reference_is_read_as_its_date() -> None:
    parsed = parse_deadline(
        "2个月内", reference_date=datetime.datetime(2021, 3, 18, 15, 30, tzinfo=datetime.UTC)
    )

    assert parsed.due_date == D(2021, 5, 18)
    assert type(parsed.due_date) is datetime.date


def test_every_day_of_a_leap_year_reads_back_in_each_written_form() -> None:
    day = D(2024, 1, 1)
    while day.year == 2024:
        forms = (
            f"{day.year}年{day.month}月{day.day}日",
            f"{day.year}年{day.month:02d}月{day.day:02d}日前",
            f"{day.year}.{day.month}.{day.day}",
            day.isoformat(),
            f"{day.year}/{day.month}/{day.day}",
        )
        for text in forms:
            assert parse_deadline(text).due_date == day, text
        day += datetime.timedelta(days=1)

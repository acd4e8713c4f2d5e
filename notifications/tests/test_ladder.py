"""The escalation ladder: configuration, trigger dates and which steps are due."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from core.workdays import CalendarMode
from notifications.ladder import (
    DEFAULT_LADDER,
    ESCALATION_AFTER_DAYS,
    Audience,
    LadderConfigError,
    LadderStep,
    due_steps,
    ladder_from_config,
    ladder_to_config,
    next_step,
    step_trigger_date,
)

CAL = CalendarMode.CALENDAR_DAYS
WORK = CalendarMode.WORKING_DAYS


def d(month: int, day: int, year: int = 2021) -> dt.date:
    return dt.date(year, month, day)


def codes(steps: list[LadderStep]) -> list[str]:
    return [step.code for step in steps]


def step_config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "code": "remind",
        "offset_days": -5,
        "audiences": ["responsible_persons"],
    }
    config.update(overrides)
    return config


def config_errors(data: object) -> list[str]:
    with translation.override("en"), pytest.raises(LadderConfigError) as caught:
        ladder_from_config(data)
    return caught.value.messages


class TestDefaultLadder:
    def test_its_rungs(self) -> None:
        assert [(s.code, s.offset_days, s.flag_for_supervision) for s in DEFAULT_LADDER] == [
            ("t_minus_20", -20, False),
            ("t_minus_10", -10, False),
            ("overdue", 1, False),
            ("overdue_escalated", 11, True),
        ]
        assert ESCALATION_AFTER_DAYS == 10

    def test_its_audiences_widen_as_the_deadline_passes(self) -> None:
        by_code = {step.code: step.audiences for step in DEFAULT_LADDER}
        assert by_code["t_minus_20"] == (Audience.RESPONSIBLE_PERSONS,)
        assert by_code["t_minus_10"] == (
            Audience.RESPONSIBLE_PERSONS,
            Audience.RESPONSIBLE_LEADER,
            Audience.LIAISON_GROUP,
        )
        assert by_code["overdue"] == (Audience.UNIT_HEADS, Audience.TASK_FORCE, Audience.OFFICE)
        assert by_code["overdue_escalated"] == (Audience.OFFICE,)

    def test_it_round_trips_through_config(self) -> None:
        config = ladder_to_config(DEFAULT_LADDER)
        assert config[0] == {
            "code": "t_minus_20",
            "offset_days": -20,
            "audiences": ["responsible_persons"],
            "flag_for_supervision": False,
        }
        assert ladder_from_config(config) == DEFAULT_LADDER


class TestLadderFromConfig:
    def test_it_builds_steps_with_audience_enums(self) -> None:
        ladder = ladder_from_config(
            [
                step_config(code="early", offset_days=-3, audiences=["liaison_group", "office"]),
                step_config(code="late", offset_days=0, audiences=["unit_heads"]),
                step_config(
                    code="flag", offset_days=5, audiences=["office"], flag_for_supervision=True
                ),
            ]
        )
        assert ladder == (
            LadderStep("early", -3, (Audience.LIAISON_GROUP, Audience.OFFICE)),
            LadderStep("late", 0, (Audience.UNIT_HEADS,)),
            LadderStep("flag", 5, (Audience.OFFICE,), flag_for_supervision=True),
        )
        assert ladder[0].audiences[0] is Audience.LIAISON_GROUP

    def test_an_empty_list_is_a_ladder_that_never_fires(self) -> None:
        assert ladder_from_config([]) == ()

    def test_it_accepts_tuples(self) -> None:
        assert ladder_from_config((step_config(audiences=("office",)),)) == (
            LadderStep("remind", -5, (Audience.OFFICE,)),
        )

    def test_errors_are_value_errors(self) -> None:
        assert issubclass(LadderConfigError, ValueError)
        with translation.override("en"), pytest.raises(ValueError, match="list of steps") as caught:
            ladder_from_config("nonsense")
        assert isinstance(caught.value, LadderConfigError)

    @pytest.mark.parametrize("data", ["t_minus_20", {"code": "x"}, None, 3])
    def test_it_must_be_a_list(self, data: object) -> None:
        assert config_errors(data) == ["The escalation ladder must be a list of steps."]

    def test_each_step_must_be_an_object(self) -> None:
        messages = config_errors([step_config(), "overdue"])
        assert messages == ["Step 2 must be an object with code, offset_days and audiences."]

    def test_required_fields(self) -> None:
        messages = config_errors([{"code": "x"}])
        assert messages == ["Step 1: missing field(s) audiences, offset_days."]

    def test_unknown_fields_are_typos(self) -> None:
        messages = config_errors([step_config(audience=["office"])])
        assert messages == ["Step 1: unknown field(s) audience."]

    @pytest.mark.parametrize("code", ["", None, 7])
    def test_the_code_must_be_text(self, code: object) -> None:
        assert config_errors([step_config(code=code)]) == ["Step 1: code must be a non-empty text."]

    @pytest.mark.parametrize("code", ["Overdue", "t-10", "over due", "x" * 51])
    def test_the_code_must_be_a_short_identifier(self, code: str) -> None:
        (message,) = config_errors([step_config(code=code)])
        assert message.startswith(f'Step 1: code "{code}" may only contain lowercase letters')

    def test_a_code_of_fifty_characters_is_fine(self) -> None:
        assert ladder_from_config([step_config(code="x" * 50)])[0].code == "x" * 50

    def test_codes_must_be_unique(self) -> None:
        messages = config_errors(
            [
                step_config(code="remind", offset_days=-10),
                step_config(code="other", offset_days=-5),
                step_config(code="remind", offset_days=0),
            ]
        )
        assert messages == ['Step 3: code "remind" is already used by step 1.']

    @pytest.mark.parametrize("offset", [True, 1.5, "3", None])
    def test_the_offset_must_be_a_whole_number(self, offset: object) -> None:
        assert config_errors([step_config(offset_days=offset)]) == [
            "Step 1: offset_days must be a whole number of days."
        ]

    def test_offsets_must_strictly_increase(self) -> None:
        messages = config_errors(
            [
                step_config(code="a", offset_days=-10),
                step_config(code="b", offset_days=-10),
                step_config(code="c", offset_days=-20),
            ]
        )
        assert messages == [
            (
                "Step 2: offset_days (-10) must be greater than the previous step's (-10); "
                "list the steps in the order they fire."
            ),
            (
                "Step 3: offset_days (-20) must be greater than the previous step's (-10); "
                "list the steps in the order they fire."
            ),
        ]

    @pytest.mark.parametrize("audiences", [[], "office", None, {"office": True}])
    def test_audiences_must_be_a_non_empty_list(self, audiences: object) -> None:
        assert config_errors([step_config(audiences=audiences)]) == [
            "Step 1: audiences must be a non-empty list."
        ]

    def test_audiences_must_be_known(self) -> None:
        (message,) = config_errors([step_config(audiences=["office", "president"])])
        assert message.startswith('Step 1: unknown audience "president"; expected one of ')
        assert "responsible_persons" in message
        assert "unit_heads" in message

    def test_audiences_must_not_repeat(self) -> None:
        assert config_errors([step_config(audiences=["office", "office"])]) == [
            'Step 1: audience "office" is listed twice.'
        ]

    def test_the_supervision_flag_must_be_a_boolean(self) -> None:
        assert config_errors([step_config(flag_for_supervision="yes")]) == [
            "Step 1: flag_for_supervision must be true or false."
        ]

    def test_it_reports_every_problem_at_once(self) -> None:
        messages = config_errors(
            [
                step_config(code="BAD"),
                step_config(code="ok", offset_days=0, audiences=["nobody"]),
                step_config(code="late", offset_days=-20),
            ]
        )
        assert len(messages) == 3
        assert [m.split(":")[0] for m in messages] == ["Step 1", "Step 2", "Step 3"]

    def test_the_exception_text_joins_the_messages(self) -> None:
        with translation.override("en"), pytest.raises(LadderConfigError) as caught:
            ladder_from_config([step_config(code="A"), step_config(code="a", offset_days="x")])
        assert len(caught.value.messages) == 2
        assert str(caught.value) == " ".join(caught.value.messages)

    def test_messages_are_translated_text(self) -> None:
        with translation.override("zh-hans"), pytest.raises(LadderConfigError) as caught:
            ladder_from_config([step_config(code="A")])
        assert caught.value.messages
        assert all(caught.value.messages)


class TestTriggerDatesInCalendarDays:
    DUE = d(10, 20)

    @pytest.mark.parametrize(
        ("code", "trigger"),
        [
            ("t_minus_20", d(9, 30)),
            ("t_minus_10", d(10, 10)),
            ("overdue", d(10, 21)),
            ("overdue_escalated", d(10, 31)),
        ],
    )
    def test_default_rungs(self, code: str, trigger: dt.date) -> None:
        (step,) = [s for s in DEFAULT_LADDER if s.code == code]
        assert step_trigger_date(step, due_date=self.DUE, mode=CAL) == trigger

    def test_offset_zero_is_the_due_date(self) -> None:
        step = LadderStep("due_day", 0, (Audience.OFFICE,))
        assert step_trigger_date(step, due_date=self.DUE, mode=CAL) == self.DUE
        assert step_trigger_date(step, due_date=self.DUE, mode=WORK) == self.DUE


class TestTriggerDatesInWorkingDays:
    def test_reminders_before_national_day_skip_the_holiday(self) -> None:
        # Due Tue Oct 12 2021. Ten working days back: Oct 11, 9 (worked Saturday), 8, Sep 30, 29,
        # 28, 27, 26 (worked Sunday), 24, 23.
        due = d(10, 12)
        by_code = {s.code: step_trigger_date(s, due_date=due, mode=WORK) for s in DEFAULT_LADDER}
        assert by_code == {
            "t_minus_20": d(9, 8),
            "t_minus_10": d(9, 23),
            "overdue": d(10, 13),
            "overdue_escalated": d(10, 27),
        }

    def test_overdue_fires_on_the_first_working_day_after_the_holiday(self) -> None:
        # Due Thu Sep 30 2021, the eve of National Day; Oct 1-7 are off.
        due = d(9, 30)
        by_code = {s.code: step_trigger_date(s, due_date=due, mode=WORK) for s in DEFAULT_LADDER}
        assert by_code["overdue"] == d(10, 8)
        # Oct 8, 9, 11-15, 18-21: the eleventh working day after the due date.
        assert by_code["overdue_escalated"] == d(10, 21)

    def test_overdue_after_spring_festival(self) -> None:
        # Due Wed Feb 10 2021: the next working day is Thu Feb 18.
        (overdue,) = [s for s in DEFAULT_LADDER if s.code == "overdue"]
        assert step_trigger_date(overdue, due_date=d(2, 10), mode=WORK) == d(2, 18)


class TestDueSteps:
    DUE = d(10, 20)

    @pytest.mark.parametrize(
        ("today", "expected"),
        [
            (d(9, 1), []),
            (d(9, 29), []),
            (d(9, 30), ["t_minus_20"]),
            (d(10, 9), ["t_minus_20"]),
            (d(10, 10), ["t_minus_20", "t_minus_10"]),
            (d(10, 20), ["t_minus_20", "t_minus_10"]),  # the due day itself is not overdue
            (d(10, 21), ["t_minus_20", "t_minus_10", "overdue"]),
            (d(10, 30), ["t_minus_20", "t_minus_10", "overdue"]),
            (d(10, 31), ["t_minus_20", "t_minus_10", "overdue", "overdue_escalated"]),
            (d(12, 31), ["t_minus_20", "t_minus_10", "overdue", "overdue_escalated"]),
        ],
    )
    def test_each_boundary_in_calendar_days(self, today: dt.date, expected: list[str]) -> None:
        steps = due_steps(due_date=self.DUE, today=today, ladder=DEFAULT_LADDER, mode=CAL)
        assert codes(steps) == expected

    @pytest.mark.parametrize(
        ("today", "expected"),
        [
            (d(9, 1), []),
            (d(9, 2), ["t_minus_20"]),
            (d(9, 15), ["t_minus_20"]),
            (d(9, 16), ["t_minus_20", "t_minus_10"]),
            (d(9, 30), ["t_minus_20", "t_minus_10"]),
            (d(10, 1), ["t_minus_20", "t_minus_10"]),  # overdue, but nobody is at work
            (d(10, 7), ["t_minus_20", "t_minus_10"]),
            (d(10, 8), ["t_minus_20", "t_minus_10", "overdue"]),
            (d(10, 20), ["t_minus_20", "t_minus_10", "overdue"]),
            (d(10, 21), ["t_minus_20", "t_minus_10", "overdue", "overdue_escalated"]),
        ],
    )
    def test_each_boundary_in_working_days_around_national_day(
        self, today: dt.date, expected: list[str]
    ) -> None:
        steps = due_steps(due_date=d(9, 30), today=today, ladder=DEFAULT_LADDER, mode=WORK)
        assert codes(steps) == expected

    def test_it_returns_the_step_objects_in_ladder_order(self) -> None:
        steps = due_steps(due_date=self.DUE, today=d(12, 31), ladder=DEFAULT_LADDER, mode=CAL)
        assert steps == list(DEFAULT_LADDER)
        assert steps[-1].flag_for_supervision is True

    def test_an_empty_ladder_has_nothing_due(self) -> None:
        assert due_steps(due_date=self.DUE, today=d(12, 31), ladder=(), mode=CAL) == []

    def test_a_configured_ladder(self) -> None:
        ladder = ladder_from_config(
            [
                step_config(code="on_the_day", offset_days=0, audiences=["responsible_persons"]),
                step_config(code="a_week_late", offset_days=7, audiences=["office"]),
            ]
        )
        assert codes(due_steps(due_date=self.DUE, today=d(10, 19), ladder=ladder, mode=CAL)) == []
        assert codes(due_steps(due_date=self.DUE, today=d(10, 20), ladder=ladder, mode=CAL)) == [
            "on_the_day"
        ]
        assert codes(due_steps(due_date=self.DUE, today=d(10, 27), ladder=ladder, mode=CAL)) == [
            "on_the_day",
            "a_week_late",
        ]


class TestNextStep:
    DUE = d(10, 20)

    def test_it_is_the_first_rung_before_anything_fired(self) -> None:
        result = next_step(due_date=self.DUE, today=d(9, 1), ladder=DEFAULT_LADDER, mode=CAL)
        assert result is not None
        step, trigger = result
        assert (step.code, trigger) == ("t_minus_20", d(9, 30))

    def test_it_moves_up_as_rungs_fire(self) -> None:
        result = next_step(due_date=self.DUE, today=d(10, 10), ladder=DEFAULT_LADDER, mode=CAL)
        assert result is not None
        assert (result[0].code, result[1]) == ("overdue", d(10, 21))

    def test_it_is_none_once_every_rung_fired(self) -> None:
        assert (
            next_step(due_date=self.DUE, today=d(10, 31), ladder=DEFAULT_LADDER, mode=CAL) is None
        )

    def test_it_uses_working_days(self) -> None:
        result = next_step(due_date=d(9, 30), today=d(10, 1), ladder=DEFAULT_LADDER, mode=WORK)
        assert result is not None
        assert (result[0].code, result[1]) == ("overdue", d(10, 8))

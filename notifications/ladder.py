"""The escalation ladder (催办升级): who is reminded about a measure's deadline, and when.

Each step fires a number of days relative to the measure's due date: before it (催办, urging the
responsible people), after it (督办, involving the unit's heads and the office), and finally
flagging the measure for top-level supervision (挂牌督办). The ladder is configuration; this module
only validates it and says which steps are due. Sending, and remembering which
(measure, due_date, step code) was already sent, is the caller's job: keying on the due date means
that moving a deadline starts the ladder afresh.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _

from core.workdays import CalendarMode, add_days


class Audience(StrEnum):
    """Who a reminder step goes to."""

    RESPONSIBLE_PERSONS = "responsible_persons"
    RESPONSIBLE_LEADER = "responsible_leader"
    LIAISON_GROUP = "liaison_group"
    # Party secretary and administrative head of the lead unit together (党政同责).
    UNIT_HEADS = "unit_heads"
    TASK_FORCE = "task_force"
    OFFICE = "office"


@dataclass(frozen=True)
class LadderStep:
    """One rung of the ladder.

    offset_days is counted from the due date in the ladder's calendar mode: negative fires before
    the due date, 0 on the due date itself, positive once the measure is that many days overdue
    (1 = the first day after the due date).
    """

    code: str
    offset_days: int
    audiences: tuple[Audience, ...]
    flag_for_supervision: bool = False


# Days after the first overdue reminder before the office escalates to supervision (挂牌督办).
ESCALATION_AFTER_DAYS = 10

DEFAULT_LADDER: tuple[LadderStep, ...] = (
    LadderStep("t_minus_20", -20, (Audience.RESPONSIBLE_PERSONS,)),
    LadderStep(
        "t_minus_10",
        -10,
        (Audience.RESPONSIBLE_PERSONS, Audience.RESPONSIBLE_LEADER, Audience.LIAISON_GROUP),
    ),
    LadderStep("overdue", 1, (Audience.UNIT_HEADS, Audience.TASK_FORCE, Audience.OFFICE)),
    LadderStep(
        "overdue_escalated",
        1 + ESCALATION_AFTER_DAYS,
        (Audience.OFFICE,),
        flag_for_supervision=True,
    ),
)

# Codes are stored next to each sent reminder, so keep them short machine identifiers.
CODE_MAX_LENGTH = 50
_CODE_RE = re.compile(r"[a-z0-9_]+")
_REQUIRED_FIELDS = frozenset({"code", "offset_days", "audiences"})
_KNOWN_FIELDS = _REQUIRED_FIELDS | {"flag_for_supervision"}
_AUDIENCE_VALUES = frozenset(audience.value for audience in Audience)


class LadderConfigError(ValueError):
    """An invalid ladder configuration; `messages` lists every problem found, translated."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


def ladder_from_config(data: object) -> tuple[LadderStep, ...]:
    """Build a ladder from parsed configuration (a list of step objects), validating it.

    Each step is {"code": str, "offset_days": int, "audiences": [str, ...],
    "flag_for_supervision": bool (optional)}. Codes must be unique and offsets strictly increasing,
    so steps are listed in the order they fire. Raises LadderConfigError (a ValueError) listing
    every problem. An empty list is a valid ladder that never reminds anyone.
    """
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise LadderConfigError([_("The escalation ladder must be a list of steps.")])

    errors: list[str] = []
    steps: list[LadderStep] = []
    code_owner: dict[str, int] = {}
    previous_offset: int | None = None

    for number, raw in enumerate(data, start=1):
        if not isinstance(raw, Mapping):
            errors.append(
                _("Step %(number)d must be an object with code, offset_days and audiences.")
                % {"number": number}
            )
            continue
        step_errors: list[str] = []

        missing = sorted(_REQUIRED_FIELDS - raw.keys())
        if missing:
            step_errors.append(
                _("Step %(number)d: missing field(s) %(fields)s.")
                % {"number": number, "fields": ", ".join(missing)}
            )
        unknown = sorted(str(key) for key in raw.keys() - _KNOWN_FIELDS)
        if unknown:
            step_errors.append(
                _("Step %(number)d: unknown field(s) %(fields)s.")
                % {"number": number, "fields": ", ".join(unknown)}
            )

        code = _validate_code(raw.get("code"), number, code_owner, step_errors, "code" in raw)
        offset = _validate_offset(raw.get("offset_days"), number, step_errors, "offset_days" in raw)
        if offset is not None:
            if previous_offset is not None and offset <= previous_offset:
                step_errors.append(
                    _(
                        "Step %(number)d: offset_days (%(offset)d) must be greater than the "
                        "previous step's (%(previous)d); list the steps in the order they fire."
                    )
                    % {"number": number, "offset": offset, "previous": previous_offset}
                )
            previous_offset = offset
        audiences = _validate_audiences(
            raw.get("audiences"), number, step_errors, "audiences" in raw
        )
        flag = raw.get("flag_for_supervision", False)
        if not isinstance(flag, bool):
            step_errors.append(
                _("Step %(number)d: flag_for_supervision must be true or false.")
                % {"number": number}
            )

        errors.extend(step_errors)
        if not step_errors and code is not None and offset is not None and audiences is not None:
            steps.append(LadderStep(code, offset, audiences, flag_for_supervision=flag))

    if errors:
        raise LadderConfigError(errors)
    return tuple(steps)


def _validate_code(
    value: Any, number: int, code_owner: dict[str, int], errors: list[str], present: bool
) -> str | None:
    if not present:
        return None  # Reported as a missing field.
    if not isinstance(value, str) or not value:
        errors.append(_("Step %(number)d: code must be a non-empty text.") % {"number": number})
        return None
    if len(value) > CODE_MAX_LENGTH or not _CODE_RE.fullmatch(value):
        errors.append(
            _(
                'Step %(number)d: code "%(code)s" may only contain lowercase letters, digits and '
                "underscores, at most %(max)d characters."
            )
            % {"number": number, "code": value, "max": CODE_MAX_LENGTH}
        )
        return None
    if value in code_owner:
        errors.append(
            _('Step %(number)d: code "%(code)s" is already used by step %(other)d.')
            % {"number": number, "code": value, "other": code_owner[value]}
        )
        return None
    code_owner[value] = number
    return value


def _validate_offset(value: Any, number: int, errors: list[str], present: bool) -> int | None:
    if not present:
        return None
    # bool is an int subclass; `true` in a config file is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(
            _("Step %(number)d: offset_days must be a whole number of days.") % {"number": number}
        )
        return None
    return value


def _validate_audiences(
    value: Any, number: int, errors: list[str], present: bool
) -> tuple[Audience, ...] | None:
    if not present:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        errors.append(
            _("Step %(number)d: audiences must be a non-empty list.") % {"number": number}
        )
        return None
    choices = ", ".join(audience.value for audience in Audience)
    audiences: list[Audience] = []
    ok = True
    for item in value:
        if not isinstance(item, str) or item not in _AUDIENCE_VALUES:
            errors.append(
                _('Step %(number)d: unknown audience "%(audience)s"; expected one of %(choices)s.')
                % {"number": number, "audience": item, "choices": choices}
            )
            ok = False
            continue
        audience = Audience(item)
        if audience in audiences:
            errors.append(
                _('Step %(number)d: audience "%(audience)s" is listed twice.')
                % {"number": number, "audience": audience.value}
            )
            ok = False
            continue
        audiences.append(audience)
    return tuple(audiences) if ok else None


def ladder_to_config(ladder: Sequence[LadderStep]) -> list[dict[str, Any]]:
    """The configuration form of a ladder: the inverse of ladder_from_config."""
    return [
        {
            "code": step.code,
            "offset_days": step.offset_days,
            "audiences": [audience.value for audience in step.audiences],
            "flag_for_supervision": step.flag_for_supervision,
        }
        for step in ladder
    ]


def step_trigger_date(step: LadderStep, *, due_date: dt.date, mode: CalendarMode) -> dt.date:
    """The day a step fires: due_date moved by offset_days in the calendar mode.

    In working-day mode a step fires on a working day (e.g. "overdue" for a Friday deadline fires
    on Monday, or after a holiday), except an offset of 0, which is the due date itself.
    """
    return add_days(due_date, step.offset_days, mode=mode)


def due_steps(
    *, due_date: dt.date, today: dt.date, ladder: Sequence[LadderStep], mode: CalendarMode
) -> list[LadderStep]:
    """Every step whose trigger date is today or earlier, in ladder order.

    Past steps stay in the answer: the caller subtracts the ones it has already sent for this
    (measure, due_date), so a missed run catches up instead of skipping a rung.
    """
    return [
        step for step in ladder if step_trigger_date(step, due_date=due_date, mode=mode) <= today
    ]


def next_step(
    *, due_date: dt.date, today: dt.date, ladder: Sequence[LadderStep], mode: CalendarMode
) -> tuple[LadderStep, dt.date] | None:
    """The earliest step that has not yet come due, with its trigger date; None if all have."""
    upcoming = [
        (step_trigger_date(step, due_date=due_date, mode=mode), index)
        for index, step in enumerate(ladder)
    ]
    pending = [(trigger, index) for trigger, index in upcoming if trigger > today]
    if not pending:
        return None
    trigger, index = min(pending)
    return ladder[index], trigger

"""Permission-matrix cases for every meetings URL (collected by tests/test_permission_matrix.py).

The meeting is a joint meeting run by task force 1 (taskforce1 is a member), with branches 1–3
reporting: branch 1's secretary and its staff attend through their unit and see the meeting and
their own part; the leading group reads it; branch 7 (the outsider) and liaison group 1 (whose
people sit in the office's unit, not a reporting one) do not learn that it exists.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.matrix import (
    ADMINS,
    EVERYONE,
    MANAGERS,
    Case,
    fields_of,
    once,
    post_only,
    read_only,
    roles,
)

RUNNERS = (*MANAGERS, "taskforce")
READERS = (*RUNNERS, "leader", "branch", "staff")
UNIT = ("branch", "staff")


def _meeting(w: Any) -> Any:
    from meetings.models import Meeting
    from meetings.tests.helpers import joint_meeting

    return Meeting.objects.get(pk=once(w, "meeting", lambda: joint_meeting(w).pk))


def _held(w: Any) -> Any:
    """A meeting held, with minutes of two requirements."""
    from meetings.models import Meeting
    from meetings.tests.helpers import held_with_minutes, joint_meeting

    return Meeting.objects.get(
        pk=once(w, "held", lambda: held_with_minutes(w, joint_meeting(w, days=3)).pk)
    )


def _part(w: Any) -> Any:
    from meetings.models import MeetingPart

    return MeetingPart.objects.get(meeting=_meeting(w), unit__name=w.BRANCH1)


def _requirement(w: Any) -> Any:
    return _held(w).requirements.get(number=1)


def _p(name: str, of: Any) -> Any:
    return lambda w: reverse(f"meetings:{name}", args=[of(w).pk])


def _meetings_count(w: Any) -> Any:
    from meetings.models import Meeting

    return Meeting.objects.count()


def _parts_of(w: Any) -> Any:
    from meetings.models import MeetingPart

    return sorted(MeetingPart.objects.filter(meeting=_meeting(w)).values_list("unit_id", flat=True))


def _attendance_of(w: Any) -> Any:
    from meetings.models import Attendee

    m = _meeting(w)
    rows = Attendee.objects.filter(meeting=m).order_by("id").values_list("attendance", flat=True)
    return fields_of(type(m), m.pk, "state"), tuple(rows)


def _minutes_of(w: Any) -> Any:
    from meetings.models import Minutes

    return fields_of(Minutes, _held(w).minutes.pk, "summary", "version")


def _state_of(w: Any) -> Any:
    m = _held(w)
    return fields_of(type(m), m.pk, "state")


def _links_of(w: Any) -> Any:
    from meetings.models import RequirementMeasure

    return RequirementMeasure.objects.filter(requirement=_requirement(w)).count()


def _part_of(w: Any) -> Any:
    from meetings.models import MeetingPart

    return fields_of(MeetingPart, _part(w).pk, "work_done", "state")


def _tf1(w: Any) -> int:
    return w.user("taskforce1").person.task_forces.first().pk


def _campaign(w: Any) -> Any:
    from demo.ledger_demo import TAG_PARTY_HISTORY
    from ledger.models import Tag

    return Tag.objects.get(organization=w.org, name=TAG_PARTY_HISTORY)


def _campaign_meetings(w: Any) -> int:
    from meetings.models import Meeting

    return Meeting.objects.filter(tags=_campaign(w)).count()


def _limited(name: str) -> Any:
    return lambda w: _p(name, _meeting)(w) + f"?campaign={_campaign(w).pk}"


def _units(w: Any) -> list[int]:
    return [w.unit(w.BRANCH1).pk, w.unit("航空乘务系党支部").pk]


CASES = [
    *read_only(
        # Every person of the organization's business roles; the separated administrators reach
        # no business record.
        Case(
            "meetings:list",
            lambda w: reverse("meetings:list"),
            roles(*EVERYONE),
            default=403,
        ),
        Case(
            "meetings:detail",
            _p("detail", _meeting),
            roles(*READERS),
            default=404,
        ),
        Case("meetings:pack_docx", _p("pack_docx", _meeting), roles(*READERS), default=404),
        Case("meetings:pack_xlsx", _p("pack_xlsx", _meeting), roles(*READERS), default=404),
        Case("meetings:minutes_docx", _p("minutes_docx", _held), roles(*READERS), default=404),
        Case(
            "meetings:list",
            lambda w: reverse("meetings:list") + f"?campaign={_campaign(w).pk}",
            roles(*ADMINS, status=403),
            default=200,
            note="campaign",
            # Another organization's campaign is no choice of the filter: their own list.
            stranger=200,
        ),
        # The pack limited to one campaign is read by the same people as the whole pack; a
        # campaign of another organization is no campaign (404).
        *(
            Case(f"meetings:{name}", _limited(name), roles(*READERS), default=404, note="campaign")
            for name in ("pack_docx", "pack_xlsx")
        ),
    ),
    Case("meetings:create", lambda w: reverse("meetings:create"), roles(*RUNNERS)),
    Case(
        "meetings:create",
        lambda w: reverse("meetings:create"),
        roles(*RUNNERS, status=302),
        method="post",
        form=lambda w: {"title": "专题会", "place": "会议室", "task_forces": [_tf1(w)]},
        effect=_meetings_count,
    ),
    Case(
        "meetings:create",
        lambda w: reverse("meetings:create"),
        roles(*RUNNERS, status=302),
        method="post",
        form=lambda w: {
            "title": "党史学习教育专题会",
            "place": "会议室",
            "task_forces": [_tf1(w)],
            "tags": [_campaign(w).pk],
        },
        effect=_campaign_meetings,
        note="campaign",
    ),
    Case(
        "meetings:prepare",
        _p("prepare", _meeting),
        {**roles(*RUNNERS), "leader": 403, **roles(*UNIT, status=403)},
        default=404,
    ),
    Case(
        "meetings:prepare",
        _p("prepare", _meeting),
        {**roles(*RUNNERS, status=302), "leader": 403, **roles(*UNIT, status=403)},
        default=404,
        method="post",
        form=lambda w: {"units": [w.unit(w.BRANCH1).pk]},
        effect=_parts_of,
    ),
    Case("meetings:part", _p("part", _part), roles(*READERS), default=404),
    Case(
        "meetings:part",
        _p("part", _part),
        {**roles(*RUNNERS, *UNIT, status=302), "leader": 403},
        default=404,
        method="post",
        form=lambda w: {"work_done": "寒假以来召开整改工作汇报会", "action": "save"},
        effect=_part_of,
    ),
    Case(
        "meetings:attendance",
        _p("attendance", _meeting),
        {**roles(*RUNNERS), "leader": 403, **roles(*UNIT, status=403)},
        default=404,
    ),
    Case(
        "meetings:attendance",
        _p("attendance", _meeting),
        {**roles(*RUNNERS, status=302), "leader": 403, **roles(*UNIT, status=403)},
        default=404,
        method="post",
        form=lambda w: {},
        effect=_attendance_of,
    ),
    Case(
        "meetings:minutes",
        _p("minutes", _held),
        {**roles(*RUNNERS), "leader": 403, **roles(*UNIT, status=403)},
        default=404,
    ),
    Case(
        "meetings:minutes",
        _p("minutes", _held),
        {**roles(*RUNNERS, status=302), "leader": 403, **roles(*UNIT, status=403)},
        default=404,
        method="post",
        form=lambda w: {"summary": "要落实责任，统筹推进。"},
        effect=_minutes_of,
    ),
    *post_only(
        Case(
            "meetings:minutes_issue",
            _p("minutes_issue", _held),
            {**roles(*RUNNERS, status=302), "leader": 403, **roles(*UNIT, status=403)},
            default=404,
            method="post",
            effect=_state_of,
        )
    ),
    Case(
        "meetings:requirement_measures",
        _p("requirement_measures", _requirement),
        {**roles(*RUNNERS), "leader": 403, **roles(*UNIT, status=403)},
        default=404,
    ),
    Case(
        "meetings:requirement_measures",
        _p("requirement_measures", _requirement),
        {**roles(*RUNNERS, status=302), "leader": 403, **roles(*UNIT, status=403)},
        default=404,
        method="post",
        form=lambda w: {"finding": w.finding().pk, "units": _units(w)},
        effect=_links_of,
    ),
]

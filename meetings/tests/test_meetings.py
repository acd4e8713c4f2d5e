"""Meetings: calling, preparing, parts, attendance, minutes, requirements into measures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from ledger.models import Measure
from meetings import services
from meetings.models import Attendee, Meeting, MeetingPart, RequirementMeasure
from meetings.tests.helpers import BRANCHES, held_with_minutes, joint_meeting

pytestmark = pytest.mark.django_db


def _part(meeting: Any, unit: str) -> MeetingPart:
    return MeetingPart.objects.get(meeting=meeting, unit__name=unit)


def test_calling_a_meeting_invites_the_chair_and_the_task_force(world: Any) -> None:
    meeting = joint_meeting(world)
    people = set(
        Attendee.objects.filter(meeting=meeting, unit=None).values_list(
            "person__user__username", flat=True
        )
    )
    assert "office" in people and "taskforce1" in people
    units = set(
        Attendee.objects.filter(meeting=meeting, person=None).values_list("unit__name", flat=True)
    )
    assert units == set(BRANCHES)
    assert AuditEvent.objects.filter(object_type="meetings.meeting", object_id=meeting.pk).exists()


def test_a_branch_cannot_call_a_meeting(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.meeting_create(
            by=world.user("branch1"),
            organization=world.org,
            data=services.MeetingData(
                title="x",
                kind="joint",
                inspection=world.inspection(),
                starts_at=timezone.now(),
                place="x",
                parts_due_at=timezone.now(),
                by_office=True,
            ),
        )


def test_parts_due_after_the_start_are_refused(world: Any) -> None:
    start = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(ValidationError) as exc:
        services.meeting_create(
            by=world.user("office"),
            organization=world.org,
            data=services.MeetingData(
                title="专题会",
                kind="topical",
                inspection=world.inspection(),
                starts_at=start,
                place="会议室",
                parts_due_at=start + dt.timedelta(hours=1),
                by_office=True,
            ),
        )
    assert "parts_due_at" in exc.value.error_dict


def test_parts_are_prefilled_from_the_units_report_and_its_figures(world: Any) -> None:
    from reporting.services import UnitReportData, unit_report_save

    unit = world.unit(world.BRANCH1)
    unit_report_save(
        by=world.user("branch1"),
        unit=unit,
        inspection=world.inspection(),
        data=UnitReportData(
            work_done="召开整改工作汇报会", problems="时间紧", next_steps="组织生活会"
        ),
        expected_version=None,
    )
    meeting = joint_meeting(world)
    part = _part(meeting, world.BRANCH1)
    assert part.work_done == "召开整改工作汇报会"
    assert part.problems == "时间紧" and part.next_steps == "组织生活会"
    led = Measure.objects.filter(finding__inspection=meeting.inspection, units=unit).count()
    assert part.figures["total"] == led > 0
    assert set(part.figures) == {"total", "open", "overdue", "returned", "closed"}


def test_the_branch_edits_and_submits_its_own_part_until_it_is_due(world: Any) -> None:
    meeting = joint_meeting(world)
    part = _part(meeting, world.BRANCH1)
    saved = services.part_save(
        by=world.user("branch1"),
        part=part,
        data=services.PartData(work_done="细化整改措施", problems="", next_steps="3月底前完成"),
        expected_version=part.version,
        submit=True,
    )
    assert saved.state == "submitted" and saved.work_done == "细化整改措施"
    Meeting.objects.filter(pk=meeting.pk).update(
        parts_due_at=timezone.now() - dt.timedelta(hours=1)
    )
    MeetingPart.objects.filter(pk=part.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(PermissionDenied):
        services.part_save(
            by=world.user("branch1"),
            part=MeetingPart.objects.get(pk=part.pk),
            data=services.PartData(work_done="晚了"),
            expected_version=None,
            submit=False,
        )


def test_another_branch_neither_sees_nor_edits_the_part(world: Any) -> None:
    meeting = joint_meeting(world)
    part = _part(meeting, world.BRANCH1)
    assert not MeetingPart.objects.visible_to(world.user("branch7")).filter(pk=part.pk).exists()
    assert not Meeting.objects.visible_to(world.user("branch7")).filter(pk=meeting.pk).exists()
    with pytest.raises(PermissionDenied):
        services.part_save(
            by=world.user("branch7"),
            part=part,
            data=services.PartData(work_done="x"),
            expected_version=None,
            submit=False,
        )
    # The attending branch sees the meeting and its own part, not the other branches' parts.
    branch1 = world.user("branch1")
    assert Meeting.objects.visible_to(branch1).filter(pk=meeting.pk).exists()
    assert list(
        MeetingPart.objects.visible_to(branch1)
        .filter(meeting=meeting)
        .values_list("unit__name", flat=True)
    ) == [world.BRANCH1]


def test_a_stale_part_form_is_refused(world: Any) -> None:
    meeting = joint_meeting(world)
    part = _part(meeting, world.BRANCH1)
    services.part_save(
        by=world.user("office"),
        part=part,
        data=services.PartData(work_done="a"),
        expected_version=part.version,
        submit=False,
    )
    with pytest.raises(ValidationError):
        services.part_save(
            by=world.user("branch1"),
            part=part,
            data=services.PartData(work_done="b"),
            expected_version=part.version,
            submit=False,
        )


def test_leave_needs_a_reason_and_recording_attendance_holds_the_meeting(world: Any) -> None:
    meeting = joint_meeting(world)
    attendee = Attendee.objects.filter(meeting=meeting, person__isnull=False).first()
    with pytest.raises(ValidationError):
        services.attendance_record(
            by=world.user("office"),
            meeting=meeting,
            rows=[services.AttendanceRow(attendee.pk, "leave", "")],
        )
    assert Meeting.objects.get(pk=meeting.pk).state == "planned"
    held = services.attendance_record(
        by=world.user("office"),
        meeting=meeting,
        rows=[services.AttendanceRow(attendee.pk, "leave", "出差")],
    )
    assert held.state == "held"
    assert Attendee.objects.get(pk=attendee.pk).reason == "出差"


def test_minutes_are_issued_only_once_held_and_recorded(world: Any) -> None:
    meeting = joint_meeting(world)
    with pytest.raises(ValidationError):
        services.meeting_transition(by=world.user("office"), meeting=meeting, name="issue_minutes")
    with pytest.raises(PermissionDenied):
        services.minutes_save(
            by=world.user("office"),
            meeting=meeting,
            summary="x",
            requirements=[],
            expected_version=None,
        )
    meeting = held_with_minutes(world, meeting)
    assert [r.number for r in meeting.requirements.all()] == [1, 2]
    issued = services.meeting_transition(
        by=world.user("office"), meeting=meeting, name="issue_minutes"
    )
    assert issued.state == "minutes_issued" and issued.minutes.issued_at is not None
    with pytest.raises(ValidationError):
        services.meeting_transition(by=world.user("office"), meeting=issued, name="hold")


def test_a_requirement_becomes_grouped_measures_linked_both_ways(world: Any) -> None:
    meeting = held_with_minutes(world, joint_meeting(world))
    requirement = meeting.requirements.get(number=1)
    units = [world.unit(world.BRANCH1), world.unit("航空乘务系党支部")]
    taken = [
        int(n) for n in world.finding().measures.values_list("number", flat=True) if n.isdigit()
    ]
    next_number = max(taken, default=0) + 1
    measures = services.requirement_make_measures(
        by=world.user("office"),
        requirement=requirement,
        data=services.RequirementMeasuresData(
            finding=world.finding(),
            content="按照整改工作计划抓紧推进",
            units=units,
            due_date=world.inspection().rectification_end,
        ),
    )
    assert len(measures) == 2 and measures[0].group_id == measures[1].group_id is not None
    assert {m.lead_unit for m in measures} == set(units)
    assert sorted(m.number for m in measures) == [f"{next_number}.1", f"{next_number}.2"]
    assert RequirementMeasure.objects.filter(requirement=requirement).count() == 2
    # The measure page names the meeting; the meeting page shows the measures' states.
    page = world.client("branch1").get(reverse("ledger:measure_detail", args=[measures[0].pk]))
    assert page.status_code == 200
    assert "measure-origin" in page.content.decode() and meeting.title in page.content.decode()
    detail = world.client("office").get(reverse("meetings:detail", args=[meeting.pk]))
    assert detail.content.decode().count('data-testid="outcome"') == 2
    # A requirement that became measures cannot be dropped from the minutes.
    with pytest.raises(ValidationError):
        services.minutes_save(
            by=world.user("office"),
            meeting=meeting,
            summary="x",
            requirements=[],
            expected_version=None,
        )


def test_a_requirement_becomes_a_supervised_item_only_by_the_office(world: Any) -> None:
    meeting = held_with_minutes(world, joint_meeting(world))
    requirement = meeting.requirements.get(number=2)
    data = services.RequirementMeasuresData(
        finding=world.finding(),
        content="组织生活会规范召开",
        units=[world.unit(world.BRANCH1)],
        due_date=world.inspection().rectification_end,
        supervised=True,
    )
    with pytest.raises(ValidationError):
        services.requirement_make_measures(
            by=world.user("taskforce1"), requirement=requirement, data=data
        )
    [measure] = services.requirement_make_measures(
        by=world.user("office"), requirement=requirement, data=data
    )
    assert measure.is_flagged and measure.group_id is None


def test_calendar_feed_shows_the_meeting_to_an_attending_branch(world: Any) -> None:
    from notifications.services import calendar_token_for

    meeting = joint_meeting(world)
    for username, expected in (("branch1", True), ("branch7", False)):
        token = calendar_token_for(user=world.user(username))
        body = world.client(None).get(reverse("notifications:calendar_feed", args=[token])).content
        assert (f"meeting-{meeting.pk}@".encode() in body) is expected
    token = calendar_token_for(user=world.user("branch1"))
    body = world.client(None).get(reverse("notifications:calendar_feed", args=[token])).content
    assert b"meeting-part-" in body and "1号楼1205会议室".encode() in body


def test_units_are_reminded_of_their_part_once_and_chased_when_missing(world: Any) -> None:
    from meetings.reminders import parts_due_run
    from notifications.models import Notification

    meeting = joint_meeting(world)
    part = _part(meeting, world.BRANCH1)
    before_due = part.due_at - dt.timedelta(hours=3)
    assert parts_due_run(before_due) > 0
    assert parts_due_run(before_due) == 0
    branch1 = world.user("branch1")
    assert Notification.objects.filter(
        recipient=branch1, key=f"meeting-part-due:{part.pk}"
    ).exists()
    assert parts_due_run(part.due_at + dt.timedelta(hours=1)) > 0
    assert Notification.objects.filter(
        recipient=branch1, key=f"meeting-part-missing:{part.pk}"
    ).exists()
    assert not Notification.objects.filter(
        recipient=world.user("branch7"), key__startswith="meeting-part"
    ).exists()

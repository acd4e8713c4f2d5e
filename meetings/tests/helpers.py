"""Meetings made the way the office makes them, for the tests, the matrix and the browser."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

BRANCHES = ("航空运输系党支部", "航空乘务系党支部", "空港管理系党支部")


def joint_meeting(w: Any, *, units: tuple[str, ...] = BRANCHES, days: int = 7) -> Any:
    """A joint meeting of task force 1 chaired by the office director, with the units' parts."""
    from ledger.models import Inspection
    from meetings.services import MeetingData, meeting_create, meeting_set_reporting_units
    from organization.models import TaskForce

    office = w.user("office")
    start = (timezone.now() + dt.timedelta(days=days)).replace(second=0, microsecond=0)
    tf = TaskForce.objects.filter(organization=w.org, members__user__username="taskforce1").first()
    meeting = meeting_create(
        by=office,
        organization=w.org,
        data=MeetingData(
            title="巡视整改工作专班联席会议",
            kind="joint",
            inspection=Inspection.objects.filter(organization=w.org).order_by("-id").first(),
            starts_at=start,
            place="1号楼1205会议室",
            parts_due_at=start - dt.timedelta(days=1),
            chair=w.org.office_director,
            task_forces=[tf],
            agenda=["听取各支部整改情况汇报", "总结讲话"],
        ),
    )
    return meeting_set_reporting_units(by=office, meeting=meeting, units=[w.unit(u) for u in units])


def held_with_minutes(w: Any, meeting: Any, *requirements: str) -> Any:
    from meetings.services import AttendanceRow, attendance_record, minutes_save

    office = w.user("office")
    rows = [AttendanceRow(a.pk, "present") for a in meeting.attendees.all()]
    meeting = attendance_record(by=office, meeting=meeting, rows=rows)
    minutes_save(
        by=office,
        meeting=meeting,
        summary="两个工作专班思想上高度重视，行动上积极落实。",
        requirements=list(requirements or ("一要关注时限，保证质量。", "二要注重实效，推进发展。")),
        expected_version=None,
    )
    return meeting

"""The meetings pages as people use them: rendered forms submitted with their default values."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.urls import reverse

from meetings.models import Meeting, MeetingPart, RequirementMeasure
from meetings.tests.helpers import BRANCHES, held_with_minutes, joint_meeting
from tests.forms import post_form

pytestmark = pytest.mark.django_db


def _submit(client: Any, path: str, changes: dict[str, Any], button: str | None = None) -> Any:
    page = client.get(path)
    assert page.status_code == 200, path
    data = post_form(page.content.decode(), path).values()
    data.update(changes)
    if button:
        data["action"] = button
    return client.post(path, data)


def _text_of(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))


def test_the_office_calls_a_meeting_from_the_form(world: Any) -> None:
    client = world.client("office")
    tf = world.user("taskforce1").person.task_forces.first()
    response = _submit(
        client,
        reverse("meetings:create"),
        {
            "title": "联席会议",
            "place": "1号楼1205会议室",
            "task_forces": [tf.pk],
            "agenda": "汇报\n讲话",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = Meeting.objects.get(title="联席会议")
    assert response["Location"] == reverse("meetings:prepare", args=[meeting.pk])
    assert [a.text for a in meeting.agenda.all()] == ["汇报", "讲话"]


def test_the_office_picks_reporting_units_on_the_preparation_page(world: Any) -> None:
    meeting = joint_meeting(world, units=())
    client = world.client("office")
    units = [world.unit(u).pk for u in BRANCHES]
    response = _submit(client, reverse("meetings:prepare", args=[meeting.pk]), {"units": units})
    assert response.status_code == 302
    assert set(
        MeetingPart.objects.filter(meeting=meeting).values_list("unit_id", flat=True)
    ) == set(units)
    page = client.get(reverse("meetings:prepare", args=[meeting.pk])).content.decode()
    assert "All party branches" in page or "全部党支部" in page or "所有党支部" in page


def test_the_branch_submits_its_part_and_a_blank_submission_is_refused(world: Any) -> None:
    meeting = joint_meeting(world)
    part = MeetingPart.objects.get(meeting=meeting, unit__name=world.BRANCH1)
    client = world.client("branch1")
    path = reverse("meetings:part", args=[part.pk])
    refused = _submit(client, path, {"work_done": ""}, button="submit")
    assert refused.status_code == 400
    assert MeetingPart.objects.get(pk=part.pk).state == "draft"
    done = _submit(client, path, {"work_done": "召开汇报会"}, button="submit")
    assert done.status_code == 302
    assert MeetingPart.objects.get(pk=part.pk).state == "submitted"


def test_attendance_minutes_and_measures_through_the_pages(world: Any) -> None:
    meeting = joint_meeting(world)
    client = world.client("office")
    response = _submit(client, reverse("meetings:attendance", args=[meeting.pk]), {})
    assert response.status_code == 302
    response = _submit(
        client,
        reverse("meetings:minutes", args=[meeting.pk]),
        {"summary": "总结讲话", "requirements": "一要关注时限\n二要注重实效"},
    )
    assert response.status_code == 302
    requirement = Meeting.objects.get(pk=meeting.pk).requirements.get(number=1)
    units = [world.unit(world.BRANCH1).pk, world.unit("航空乘务系党支部").pk]
    response = _submit(
        client,
        reverse("meetings:requirement_measures", args=[requirement.pk]),
        {"finding": world.finding().pk, "units": units},
    )
    assert response.status_code == 302
    assert RequirementMeasure.objects.filter(requirement=requirement).count() == 2
    response = client.post(reverse("meetings:minutes_issue", args=[meeting.pk]))
    assert Meeting.objects.get(pk=meeting.pk).state == "minutes_issued"


def test_the_pack_and_the_minutes_are_word_files_with_the_parts(world: Any) -> None:
    meeting = held_with_minutes(world, joint_meeting(world))
    client = world.client("office")
    pack = client.get(reverse("meetings:pack_docx", args=[meeting.pk]))
    text = _text_of(pack.content)
    assert all(u in text for u in BRANCHES) and "听取各支部整改情况汇报" in text
    minutes = _text_of(client.get(reverse("meetings:minutes_docx", args=[meeting.pk])).content)
    assert "关注时限" in minutes and "1号楼1205会议室" in minutes
    from openpyxl import load_workbook

    book = load_workbook(
        io.BytesIO(client.get(reverse("meetings:pack_xlsx", args=[meeting.pk])).content)
    )
    names = [row[0] for row in book.active.iter_rows(min_row=5, values_only=True)]
    assert names == list(BRANCHES)
    # A branch's pack holds its own part only.
    own = _text_of(
        world.client("branch1").get(reverse("meetings:pack_docx", args=[meeting.pk])).content
    )
    assert world.BRANCH1 in own and "空港管理系党支部" not in own


def test_every_page_renders_for_the_office_and_the_branch(world: Any) -> None:
    meeting = held_with_minutes(world, joint_meeting(world))
    for username in ("office", "branch1", "leader", "taskforce1"):
        client = world.client(username)
        for path in (reverse("meetings:list"), reverse("meetings:detail", args=[meeting.pk])):
            assert client.get(path).status_code == 200, (username, path)

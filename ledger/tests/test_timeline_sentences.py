"""Timelines read as sentences with names in the UI language, never raw ids or codes."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from core.models import AuditEvent
from ledger.timeline import describe_events
from organization.models import LiaisonGroup, Unit
from organization.services import directory_save


def sentences(event: AuditEvent, language: str = "zh-hans") -> list[str]:
    with translation.override(language):
        entry = describe_events([event])[0]
        return [re.sub(r"<[^>]+>", "", str(c.sentence)) for c in entry.changes]


def event(object_type: str, before: dict[str, Any], after: dict[str, Any]) -> AuditEvent:
    return AuditEvent(object_type=object_type, action="update", before=before, after=after)


def test_a_foreign_key_reads_as_the_names_before_and_after(world: Any) -> None:
    unit = world.unit(world.BRANCH1)
    first, second = LiaisonGroup.objects.order_by("id")[:2]
    unit.liaison_group = second
    directory_save(actor=world.user("office"), instance=unit)
    recorded = AuditEvent.objects.filter(object_type="organization.unit").latest("seq")
    assert sentences(recorded) == [f"联络组由「{first.name}」改为「{second.name}」"]
    assert sentences(recorded, "en") == [
        f"Liaison group changed from “{first.name}” to “{second.name}”"
    ]


def test_a_list_of_unit_ids_reads_as_unit_names(world: Any) -> None:
    units = list(Unit.objects.order_by("id")[:3])
    recorded = event("ledger.finding", {}, {"units": [u.pk for u in units]})
    assert sentences(recorded) == ["单位设为「" + "、".join(u.name for u in units) + "」"]


def test_a_changed_list_says_what_was_added_and_removed(world: Any) -> None:
    a, b, c = Unit.objects.order_by("id")[:3]
    recorded = event("ledger.measure", {"co_units": [a.pk, b.pk]}, {"co_units": [b.pk, c.pk]})
    assert sentences(recorded) == [f"配合单位新增「{c.name}」；配合单位移除「{a.name}」"]


def test_a_state_reads_as_its_label(world: Any) -> None:
    recorded = event("ledger.measure", {"state": "not_started"}, {"state": "in_progress"})
    assert sentences(recorded) == ["状态由「未启动」改为「推进中」"]
    unit_kind = event("organization.unit", {"kind": "branch"}, {"kind": "department"})
    assert sentences(unit_kind, "en") == [
        "Kind changed from “Party branch” to “Functional department”"
    ]


def test_a_date_is_written_as_a_date(world: Any) -> None:
    recorded = event("ledger.measure", {"due_date": None}, {"due_date": "2027-01-05"})
    assert sentences(recorded) == ["完成时限设为「2027年1月5日」"]


def test_a_yes_no_field_reads_as_yes_or_no(world: Any) -> None:
    recorded = event("ledger.measure", {"is_flagged": False}, {"is_flagged": True})
    assert sentences(recorded) == ["挂牌督办由「否」改为「是」"]


def test_a_cleared_text_says_what_it_was(world: Any) -> None:
    recorded = event("ledger.measure", {"deadline_text": "年底前"}, {"deadline_text": ""})
    assert sentences(recorded, "en") == ["Deadline as written cleared (was “年底前”)"]


def test_names_are_read_in_one_batch_per_page_not_one_query_per_event(world: Any) -> None:
    units = list(Unit.objects.order_by("id")[:7])
    groups = list(LiaisonGroup.objects.order_by("id")[:2])
    events = [
        event("organization.unit", {"liaison_group_id": groups[0].pk}, {"liaison_group_id": g.pk})
        for g in groups * 10
    ] + [event("ledger.finding", {}, {"units": [u.pk for u in units]}) for _ in range(10)]
    with CaptureQueriesContext(connection) as queries:
        entries = describe_events(events)
        assert all(str(c.sentence) for e in entries for c in e.changes)
    assert len(queries) == 2  # the units, the liaison groups


def test_the_measure_page_shows_an_edit_as_a_sentence(world: Any) -> None:
    measure = world.new_measure()
    client = world.client("office")
    url = reverse("ledger:measure_edit", args=[measure.pk])
    page = client.get(url)
    form = page.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list | tuple) else value
    other = world.unit("航空乘务系党支部")
    data["lead_unit"] = str(other.pk)
    data["is_flagged"] = "on"
    assert client.post(url, data).status_code == 302
    body = client.get(reverse("ledger:measure_detail", args=[measure.pk])).content.decode()
    text = re.sub(r"<[^>]+>", "", body)
    assert f"牵头单位由「{world.BRANCH1}」改为「{other.name}」" in text
    assert "挂牌督办由「否」改为「是」" in text

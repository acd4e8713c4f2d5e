"""Stored audit values never break a page: any key, any value type, shown escaped."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from core.audit import record_event
from ledger.timeline import describe_events
from meetings.tests.helpers import joint_meeting

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
HOSTILE: dict[str, Any] = {
    # Keys named like reverse relations of the audited models.
    "agenda": {"nested": {"deeper": [1, None, "x"]}},
    "reports": [1, 2, {"a": 1}],
    "rules": None,
    "meeting_requirement_link": 3,
    # Keys of real fields with values of the wrong type.
    "state": {"not": "a choice"},
    "due_date": ["not", "a", "date"],
    "tags": [{"id": 1}, "x", 10**30],
    "lead_unit_id": 10**30,
    "is_flagged": [None],
    # Anything else.
    "": "empty key",
    "number": 12.5,
    "content": "长" * 5000,
    SCRIPT: SCRIPT,
    "html": '<img src=x onerror="alert(1)">',
}


def _record(obj: Any, user: Any) -> None:
    with transaction.atomic():
        record_event(actor=user, obj=obj, action="update", before=HOSTILE, after={"agenda": 1})
        record_event(actor=user, obj=obj, action="update", before={"agenda": [1]}, after=HOSTILE)


def _assert_safe(client: Client, url: str) -> None:
    page = client.get(url)
    assert page.status_code == 200, url
    html = page.content.decode()
    assert SCRIPT not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_hostile_values_render_on_the_audit_log_timeline_and_trail(world: Any) -> None:
    world.separate_duties(True)
    office = world.user("office")
    meeting = joint_meeting(world)
    measure = world.measure()
    _record(meeting, office)
    _record(measure, office)
    as_office = Client(HTTP_HOST="127.0.0.1", raise_request_exception=True)
    as_office.force_login(office)
    _assert_safe(as_office, reverse("ledger:audit_log"))
    _assert_safe(as_office, reverse("ledger:measure_detail", args=[measure.pk]))
    as_auditor = Client(HTTP_HOST="127.0.0.1", raise_request_exception=True)
    as_auditor.force_login(world.user("auditor"))
    _assert_safe(as_auditor, reverse("compliance:trail"))
    log = as_auditor.get(reverse("ledger:audit_log"))
    assert log.status_code in (200, 403)
    if log.status_code == 200:
        _assert_safe(as_auditor, reverse("ledger:audit_log"))


def test_every_hostile_value_becomes_a_short_escaped_sentence(world: Any) -> None:
    with transaction.atomic():
        event = record_event(
            actor=None, obj=world.measure(), action="update", before=HOSTILE, after={}
        )
    entry = describe_events([event])[0]
    texts = [str(c.sentence) for c in entry.changes]
    assert len(texts) == len(HOSTILE)
    assert all("<script" not in t and "<img" not in t for t in texts)
    long_one = next(t for t in texts if "长" in t)
    assert len(re.sub(r"<[^>]+>", "", long_one)) < 300

"""What the meetings record in the audit trail reads in the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from meetings.tests.helpers import held_with_minutes, joint_meeting

pytestmark = pytest.mark.django_db


def test_the_audit_log_shows_every_meeting_event(world: Any) -> None:
    meeting = held_with_minutes(world, joint_meeting(world))
    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=True)
    client.force_login(world.user("office"))
    page = client.get(reverse("ledger:audit_log"), {"q": meeting.title})
    assert page.status_code == 200
    assert meeting.title in page.content.decode()
    # The demo's meeting, with requirements turned into measures, among the newest events.
    assert client.get(reverse("ledger:audit_log")).status_code == 200

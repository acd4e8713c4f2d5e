"""Review queues name each measure by its round, its finding and its own number, so that two
rounds' "一、（一）1" can never be taken for one another."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ledger.models import Measure

pytestmark = pytest.mark.django_db


def signed_in(world: Any, username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(world.user(username))
    return client


@pytest.mark.parametrize(
    ("username", "url", "states"),
    [
        ("office", "reporting:queue", ("pending_close", "pending_review")),
        ("liaison1", "reporting:liaison_queue", ("pending_review",)),
    ],
)
def test_a_queue_numbers_each_measure_with_its_round_finding_and_number(
    world: Any, username: str, url: str, states: tuple[str, ...]
) -> None:
    response = signed_in(world, username).get(reverse(url))
    assert response.status_code == 200
    body = response.content.decode()
    queued = [
        m
        for m in Measure.objects.filter(state__in=states).select_related("finding__inspection")
        if f'data-measure="{m.pk}"' in body
    ]
    assert queued, "the demo has measures waiting in this queue"
    for m in queued:
        with translation.override("zh-hans"):
            reference = m.reference
        short = m.finding.inspection.short_name
        assert reference == f"{short} · 问题{m.finding.number} · 措施{m.number}"
        assert reference in body

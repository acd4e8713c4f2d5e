"""Every view that follows a `next` parameter stays on this site: a `next` that leads to
another host falls back to the view's own page, and one on this site is followed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ledger.choices import MeasureState
from ledger.models import Measure

pytestmark = pytest.mark.django_db

ELSEWHERE = [
    "//other-host/ledger/",
    "https://evil.example/",
    "http://evil.example/ledger/",
    "\\\\evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "javascript:alert(1)",
    " //other-host",
]


def signed_in(world: Any, username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.user(username))
    return client


def landed(response: Any) -> str:
    assert response.status_code == 302, response.status_code
    return response["Location"]


# --- the ledger's bulk actions --------------------------------------------------------------


def _bulk(world: Any, nxt: str) -> Any:
    measure = world.new_measure()
    data = {"action": "add_tag", "tag": "警示教育", "ids": [measure.pk], "next": nxt}
    return signed_in(world, "office").post(reverse("ledger:bulk"), data)


@pytest.mark.parametrize("nxt", ELSEWHERE)
def test_the_ledger_bulk_action_never_sends_the_office_to_another_host(
    world: Any, nxt: str
) -> None:
    assert landed(_bulk(world, nxt)) == reverse("ledger:ledger")


def test_the_ledger_bulk_action_returns_to_the_filtered_ledger(world: Any) -> None:
    assert landed(_bulk(world, "/ledger/?state=in_progress")) == "/ledger/?state=in_progress"


# --- a liaison group's review decision --------------------------------------------------------


def _decide(world: Any, nxt: str) -> tuple[Measure, Any]:
    measure = world.measure(state=MeasureState.PENDING_REVIEW)
    response = signed_in(world, "liaison1").post(
        reverse("reporting:closeout_decide", args=[measure.pk]),
        {"stage": "liaison", "decision": "return", "reason": "佐证材料不全", "next": nxt},
    )
    measure.refresh_from_db()
    assert measure.state == MeasureState.IN_PROGRESS  # returned: the decision went through
    return measure, response


@pytest.mark.parametrize("nxt", ELSEWHERE)
def test_a_review_decision_never_sends_the_reviewer_to_another_host(world: Any, nxt: str) -> None:
    measure, response = _decide(world, nxt)
    assert landed(response).startswith(reverse("ledger:measure_detail", args=[measure.pk]))


def test_a_review_decision_returns_to_the_queue_it_came_from(world: Any) -> None:
    _measure, response = _decide(world, reverse("reporting:liaison_queue"))
    assert landed(response) == reverse("reporting:liaison_queue")


# --- notifications ------------------------------------------------------------------------------


@pytest.mark.parametrize("nxt", ELSEWHERE)
def test_marking_notifications_read_never_leaves_the_site(world: Any, nxt: str) -> None:
    response = signed_in(world, "branch1").post(
        reverse("notifications:mark_all_read"), {"next": nxt}
    )
    assert landed(response) == reverse("notifications:inbox")


@pytest.mark.parametrize("nxt", ELSEWHERE)
def test_retrying_deliveries_never_leaves_the_site(world: Any, nxt: str) -> None:
    response = signed_in(world, "admin").post(
        reverse("notifications:delivery_retry"), {"ids": "", "next": nxt}
    )
    assert landed(response) == reverse("notifications:deliveries")


@pytest.mark.parametrize("nxt", ELSEWHERE)
def test_an_urge_never_sends_the_office_to_another_host(world: Any, nxt: str) -> None:
    response = signed_in(world, "office").post(reverse("notifications:urge"), {"next": nxt})
    assert landed(response) == reverse("notifications:urge")


# --- signing in and choosing a language ---------------------------------------------------------


@pytest.mark.parametrize("nxt", ELSEWHERE)
def test_signing_in_never_sends_the_person_to_another_host(world: Any, nxt: str) -> None:
    from axes.utils import reset

    reset()
    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post(
        reverse("login"), {"username": "office", "password": "Rectify-2021", "next": nxt}
    )
    target = landed(response)
    assert target.startswith("/") and not target.startswith(("//", "/\\"))
    assert "evil" not in target and "other-host" not in target


def test_signing_in_follows_a_next_on_this_site(world: Any) -> None:
    from axes.utils import reset

    reset()
    response = Client(HTTP_HOST="127.0.0.1").post(
        reverse("login"), {"username": "office", "password": "Rectify-2021", "next": "/ledger/"}
    )
    assert landed(response) == "/ledger/"


@pytest.mark.parametrize("nxt", ELSEWHERE)
def test_choosing_a_language_never_leaves_the_site(world: Any, nxt: str) -> None:
    response = signed_in(world, "office").post(
        reverse("set_language"), {"language": "en", "next": nxt}
    )
    target = landed(response)
    assert target.startswith("/") and not target.startswith(("//", "/\\"))

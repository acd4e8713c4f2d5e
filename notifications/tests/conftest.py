"""Helpers for the notification tests: a frozen clock, a measure with known people, servers."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment on a day in the server's time zone: the frozen clock tests pass to services."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def quiet_history(db: Any) -> None:
    """Start with the demo's own history already announced, so a test sees only its events."""
    from notifications.escalation import transitions_skip_to_latest

    transitions_skip_to_latest()


@pytest.fixture
def english(settings: Any) -> None:
    """Stored notification text is written in LANGUAGE_CODE; read it in English."""
    settings.LANGUAGE_CODE = "en"


class Cast:
    """The demo people a branch-1 measure concerns, by their part in the ladder."""

    def __init__(self, world: Any) -> None:
        self.world = world

    def users(self, *names: str) -> set[int]:
        return {self.world.user(name).pk for name in names}


def make_measure(
    world: Any,
    *,
    due: dt.date | None,
    progress: int = 60,
    persons: tuple[str, ...] = ("staff1",),
    leader: str | None = "leader",
    content: str = "Walk-through measure: publish the branch study plan",
    deadline_kind: str = "by_date",
    review_interval_days: int | None = None,
) -> Any:
    """A measure of branch 1 under task force 1's theme (grid 1), with chosen people.

    Branch 1's heads are branch1 (party secretary) and head1; its liaison group is liaison1's;
    task force 1 is taskforce1, led by leader; the office is office and office2.
    """
    from ledger.services import MeasureData, measure_create
    from organization.models import Person

    def person(username: str) -> Any:
        return Person.objects.get(user__username=username)

    data = MeasureData(
        content=content,
        lead_unit=world.unit(world.BRANCH1),
        responsible_leader=person(leader) if leader else None,
        responsible_persons=[person(p) for p in persons],
        deadline_kind=deadline_kind,
        due_date=due,
        review_interval_days=review_interval_days,
        progress=progress,
    )
    return measure_create(by=world.user("office"), finding=world.finding(), data=data)


@pytest.fixture
def cast(world: Any) -> Cast:
    return Cast(world)


# --- a small webhook server ---------------------------------------------------------------


class WebhookServer:
    """An HTTP server in a thread that records every JSON body posted to it.

    `mode` decides the answer: "ok" (200 {"errcode": 0}), "error" (HTTP 500) or "refuse"
    (200 with a robot's error code, as WeCom and DingTalk answer a bad message).
    """

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.mode = "ok"
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                server.received.append(body)
                server.paths.append(self.path)
                if server.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"boom")
                    return
                answer = {"errcode": 0, "errmsg": "ok"}
                if server.mode == "refuse":
                    answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/robot/send?key=test"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> WebhookServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    with WebhookServer() as server:
        yield server

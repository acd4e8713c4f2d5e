"""The one registry of what the layers above add to the ledger: the kinds each page renders,
and the written rules for when two extensions meet (never the order apps registered in)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

from ledger import extensions
from ledger.extensions import (
    DueDateCheck,
    Guard,
    HandledTransitions,
    Link,
    Panel,
    Registry,
    TimelineLabel,
    TransitionObserver,
)
from ledger.timeline import action_label


def panel(name: str) -> Any:
    return lambda request, obj: {"template": name}


def link(name: str) -> Any:
    return lambda request, *obj: [{"url": f"/{name}/", "label": name}]


def test_panels_and_links_follow_their_order_then_app_not_registration() -> None:
    registry = Registry()
    registry.add(
        Panel(app="zeta", key="a", page="measure", render=panel("zeta"), order=10),
        Panel(app="beta", key="a", page="measure", render=panel("beta-late"), order=20),
        Panel(app="alpha", key="a", page="measure", render=panel("alpha"), order=10),
        Link(app="beta", key="a", page="ledger", links=link("beta")),
        Link(app="alpha", key="a", page="ledger", links=link("alpha")),
    )
    request = RequestFactory().get("/")
    shown = [p["template"] for p in registry.panels("measure", request, None)]
    assert shown == ["alpha", "zeta", "beta-late"]
    assert [x["label"] for x in registry.links("ledger", request)] == ["alpha", "beta"]


def test_a_page_renders_only_the_kinds_it_declares() -> None:
    registry = Registry()
    with pytest.raises(ImproperlyConfigured, match="renders no Panel"):
        registry.add(Panel(app="x", key="a", page="ledger", render=panel("x")))
    with pytest.raises(ImproperlyConfigured, match="renders no Panel"):
        registry.panels("ledger", RequestFactory().get("/"), None)


def test_a_guard_for_no_transition_is_a_startup_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="teleport"):
        Registry().add(Guard(app="x", key="a", transition="teleport", check=lambda m, a, p: None))


def test_an_owner_is_declared_by_one_app_and_hides_its_transitions() -> None:
    registry = Registry()
    registry.add(HandledTransitions(app="x", owner="close-out"))
    registry.add(HandledTransitions(app="x", owner="close-out"))
    with pytest.raises(ImproperlyConfigured, match="already"):
        registry.add(HandledTransitions(app="y", owner="close-out"))
    with pytest.raises(ImproperlyConfigured, match="no transition"):
        registry.add(HandledTransitions(app="x", owner="teleport"))
    handled = registry.handled_transitions()
    assert {"request_close", "office_close", "withdraw"} <= handled
    assert "start" not in handled and "reopen" not in handled


def test_every_observer_is_called_in_app_then_key_order() -> None:
    registry = Registry()
    registry.add(
        TransitionObserver(app="b", key="a", observe=lambda m, n, a: None),
        TransitionObserver(app="a", key="z", observe=lambda m, n, a: None),
    )
    assert [o.app for o in registry.observers()] == ["a", "b"]


def test_two_labels_for_one_action_is_a_startup_error() -> None:
    registry = Registry()
    registry.add(TimelineLabel(app="x", action="note", label="Note"))
    registry.add(TimelineLabel(app="y", action="note", label="Note"))
    with pytest.raises(ImproperlyConfigured, match="another label"):
        registry.add(TimelineLabel(app="z", action="note", label="Remark"))
    assert registry.timeline_label("note") == "Note"


def test_every_due_date_check_speaks_in_its_order() -> None:
    registry = Registry()
    day = dt.date(2021, 10, 1)
    assert registry.due_date_warnings(None, day) == []  # type: ignore[arg-type]
    registry.add(
        DueDateCheck(app="b", key="b", check=lambda org, d: "second", order=20),
        DueDateCheck(app="a", key="quiet", check=lambda org, d: None),
        DueDateCheck(app="a", key="a", check=lambda org, d: "first", order=10),
    )
    assert registry.due_date_warnings(None, day) == ["first", "second"]  # type: ignore[arg-type]


def test_the_installed_layers_declare_their_extensions() -> None:
    registry = extensions.registry
    assert {g.app for g in registry.guards("request_close")} == {"reporting"}
    assert {"office_close", "reopen"} <= registry.handled_transitions()
    assert [o.app for o in registry.observers()] == ["notifications"]
    assert str(action_label("urge")) == "Urged (催办)"
    assert str(action_label("ledger:imported")) == "Ledger imported from a file"


@pytest.mark.django_db
def test_the_measure_page_shows_close_out_before_supervision(world: Any) -> None:
    measure = world.measure(state="in_progress")
    response = world.client("office").get(reverse("ledger:measure_detail", args=[measure.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    marks = [html.find(f'data-testid="{name}"') for name in ("closeout-panel", "supervision-panel")]
    assert -1 not in marks and marks == sorted(marks)


def test_no_layer_reaches_into_the_ledgers_views_to_extend_it() -> None:
    root = Path(settings.BASE_DIR)
    for app in ("reporting", "notifications", "documents", "dashboards"):
        for name in ("apps.py", "extensions.py"):
            path = root / app / name
            if path.exists():
                text = path.read_text()
                assert not re.search(r"ledger\.views|from ledger import views", text), path

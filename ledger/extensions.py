"""What the layers above add to the ledger's pages and workflow, in one typed registry.

The ledger never imports reporting, notifications or documents. Each of them declares what it
adds in its own `extensions.py` (a list `EXTENSIONS` of the dataclasses below) and hands it to
`registry.add()` in its `AppConfig.ready()`. The kinds:

- `Panel`: a card on a ledger page (the measure's reports and evidence, a finding's similar
  findings); a callable (request, object) -> dict with a "template" and its context.
- `Link`: buttons in a ledger page's header (exports, reconcile); a callable (request[, object])
  -> list of {"url", "label", "icon"?, "style"?, "keep_query"?} dicts.
- `Guard`: a precondition of a transition (close-out needs evidence); a callable
  (measure, actor, payload) -> an error message, or None.
- `TimelineLabel`: how the timeline names an action another layer records ("report:filed").
- `HandledTransitions`: the transitions the table marks as a named owner's ("close-out"), which
  only that layer's service fires because it writes their own records (close-out request,
  decision, snapshot): the measure page's generic Actions card leaves them out.
- `TransitionObserver`: called inside the transaction of every transition, after its audit
  event (to announce it); a callable (measure, transition name, actor).
- `DueDateCheck`: a further warning on a due date as it is set (weekends and holidays are the
  ledger's own, from `core.workdays`); a callable (organization, date) -> message or None.

When two extensions meet, these rules decide, never the order in which apps registered:

- panels and links: shown in the order of their declared `order`, then app label, then key;
- guards: every guard of the transition runs; any refusal refuses, and every message is shown;
- timeline labels: one label per action; a second, different label for it is a start-up error;
- handled transitions: one app per owner; a second is a start-up error;
- transition observers: every observer is called, in app label then key order;
- due-date checks: every check runs and every message is shown, in `order`, after the calendar
  rule that the ledger applies itself (`core.workdays.due_date_warning`).

Which kinds each ledger page renders is written in `PAGES`; an extension for a page that does
not render its kind is a start-up error rather than a silent no-show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ledger.models import Measure
    from organization.models import Organization


@dataclass(frozen=True)
class Panel:
    app: str
    key: str
    page: str
    render: Callable[..., dict[str, Any]]
    order: int = 100


@dataclass(frozen=True)
class Link:
    app: str
    key: str
    page: str
    links: Callable[..., list[dict[str, Any]]]
    order: int = 100


@dataclass(frozen=True)
class Guard:
    app: str
    key: str
    transition: str
    check: Callable[[Measure, Any, dict[str, Any]], str | None]


@dataclass(frozen=True)
class TimelineLabel:
    app: str
    action: str
    label: Any  # a lazy translation


def timeline_labels(app: str, labels: dict[str, Any]) -> list[TimelineLabel]:
    """One `TimelineLabel` per action of a {action: label} table."""
    return [TimelineLabel(app=app, action=action, label=label) for action, label in labels.items()]


@dataclass(frozen=True)
class HandledTransitions:
    """The transitions the table (`ledger.workflow.TRANSITIONS`) marks as `owner`'s: this app's
    service fires them, holding the claim from `ledger.workflow.claim_transitions`."""

    app: str
    owner: str  # e.g. "close-out"


@dataclass(frozen=True)
class TransitionObserver:
    app: str
    key: str
    observe: Callable[[Measure, str, Any], None]


@dataclass(frozen=True)
class DueDateCheck:
    app: str
    key: str
    check: Callable[[Organization, dt.date], str | None]
    order: int = 100


Extension = (
    Panel | Link | Guard | TimelineLabel | HandledTransitions | TransitionObserver | DueDateCheck
)

# The ledger pages and the kinds each renders (ledger/views.py: ledger, finding_detail,
# measure_detail, campaign_detail).
PAGES: dict[str, frozenset[type]] = {
    "ledger": frozenset({Link}),
    "finding": frozenset({Link, Panel}),
    "measure": frozenset({Link, Panel}),
    "campaign": frozenset({Panel}),
}


def _ordered(items: Iterable[Any]) -> list[Any]:
    return sorted(items, key=lambda e: (e.order, e.app, e.key))


class Registry:
    """Every extension the installed apps declared, with the rules for when they meet."""

    def __init__(self) -> None:
        self._items: list[Extension] = []

    def add(self, *extensions: Extension) -> None:
        from ledger.workflow import TRANSITIONS

        for ext in extensions:
            if ext in self._items:
                continue  # ready() may run twice in tests
            if isinstance(ext, Panel | Link) and type(ext) not in PAGES.get(ext.page, ()):
                raise ImproperlyConfigured(
                    f"{ext.app}: the ledger page {ext.page!r} renders no {type(ext).__name__}"
                )
            if isinstance(ext, Guard) and ext.transition not in TRANSITIONS:
                raise ImproperlyConfigured(f"{ext.app}: no transition {ext.transition!r}")
            if isinstance(ext, HandledTransitions):
                if not any(t.owner == ext.owner for t in TRANSITIONS.values()):
                    raise ImproperlyConfigured(f"{ext.app}: no transition is {ext.owner!r}'s")
                other = next(
                    (e.app for e in self._of(HandledTransitions) if e.owner == ext.owner), None
                )
                if other is not None and other != ext.app:
                    raise ImproperlyConfigured(f"{ext.app}: {ext.owner!r} is {other}'s already")
            if isinstance(ext, TimelineLabel):
                label = self.timeline_label(ext.action)
                if label is not None and str(label) != str(ext.label):
                    raise ImproperlyConfigured(f"{ext.app}: {ext.action!r} has another label")
            self._items.append(ext)

    def _of(self, kind: type) -> list[Any]:
        return [e for e in self._items if isinstance(e, kind)]

    def _page(self, kind: type, page: str) -> list[Any]:
        if kind not in PAGES[page]:
            raise ImproperlyConfigured(f"the ledger page {page!r} renders no {kind.__name__}")
        return _ordered(e for e in self._of(kind) if e.page == page)

    # --- pages ---

    def panels(self, page: str, request: HttpRequest, obj: Any) -> list[dict[str, Any]]:
        return [panel.render(request, obj) for panel in self._page(Panel, page)]

    def links(self, page: str, request: HttpRequest, *obj: Any) -> list[dict[str, Any]]:
        return [link for ext in self._page(Link, page) for link in ext.links(request, *obj)]

    # --- workflow ---

    def guards(self, transition: str) -> list[Guard]:
        return sorted(
            (g for g in self._of(Guard) if g.transition == transition),
            key=lambda g: (g.app, g.key),
        )

    def handled_transitions(self) -> frozenset[str]:
        """Transitions that a declared owner's service fires, never the generic Actions card."""
        from ledger.workflow import TRANSITIONS

        owners = {ext.owner for ext in self._of(HandledTransitions)}
        return frozenset(name for name, t in TRANSITIONS.items() if t.owner in owners)

    def observers(self) -> list[TransitionObserver]:
        return sorted(self._of(TransitionObserver), key=lambda e: (e.app, e.key))

    def timeline_label(self, action: str) -> Any:
        return next((e.label for e in self._of(TimelineLabel) if e.action == action), None)

    def due_date_warnings(self, organization: Organization, day: dt.date) -> list[str]:
        """The messages of every due-date check, in their order."""
        checks = _ordered(self._of(DueDateCheck))
        return [message for c in checks if (message := c.check(organization, day))]


registry = Registry()

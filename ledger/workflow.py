"""The measure state machine: the allowed transitions, who may fire them, and guards.

States: 未启动 → 推进中 → 待审核 → 待销号 → 已销号, with returns to 推进中, a relapse path from
已销号 back to 推进中, and 阶段性完成 for long-term measures instead of closing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ledger import extensions
from ledger.choices import DeadlineKind, MeasureState
from organization import policy
from organization.scope import Actor

if TYPE_CHECKING:
    from ledger.models import Measure

S = MeasureState

# Relations a person can have to a measure; transitions name the ones allowed to fire them.
OFFICE = "office"
LEAD_HEAD = "lead_head"  # head / party secretary of the lead unit
LEAD_MEMBER = "lead_member"  # anyone of the lead unit
LIAISON = "liaison"  # member of the liaison group whose grid holds the lead unit
TASK_FORCE = "task_force"  # member of the task force owning the finding's theme


@dataclass(frozen=True)
class Transition:
    name: str
    label: Promise
    sources: frozenset[str]
    target: str
    who: frozenset[str]
    needs_reason: bool = False
    kinds: frozenset[str] | None = None  # deadline kinds it applies to; None = all
    style: str = "primary"
    # The service that alone fires this transition, because it writes the transition's own
    # records (close-out request, review decision, snapshots, look-back). None: the generic
    # transition path may fire it. See `claim_transitions`.
    owner: str | None = None


# Owners named in the table. Their services live in higher layers and claim their transitions
# at start-up; the ledger only knows the names.
CLOSE_OUT = "close-out"
LOOK_BACK = "look-back"


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "start",
            _("Start work"),
            frozenset({S.NOT_STARTED}),
            S.IN_PROGRESS,
            frozenset({OFFICE, LEAD_HEAD, LEAD_MEMBER, TASK_FORCE}),
        ),
        Transition(
            "request_close",
            _("Request close-out"),
            frozenset({S.IN_PROGRESS}),
            S.PENDING_REVIEW,
            frozenset({OFFICE, LEAD_HEAD}),
            owner=CLOSE_OUT,
        ),
        Transition(
            "withdraw",
            _("Withdraw the request"),
            frozenset({S.PENDING_REVIEW}),
            S.IN_PROGRESS,
            frozenset({OFFICE, LEAD_HEAD}),
            style="secondary",
            owner=CLOSE_OUT,
        ),
        Transition(
            "liaison_approve",
            _("Approve (liaison group)"),
            frozenset({S.PENDING_REVIEW}),
            S.PENDING_CLOSE,
            frozenset({LIAISON}),
            style="success",
            owner=CLOSE_OUT,
        ),
        Transition(
            "liaison_return",
            _("Return (liaison group)"),
            frozenset({S.PENDING_REVIEW}),
            S.IN_PROGRESS,
            frozenset({LIAISON}),
            needs_reason=True,
            style="warning",
            owner=CLOSE_OUT,
        ),
        Transition(
            "office_close",
            _("Close out (销号)"),
            frozenset({S.PENDING_CLOSE}),
            S.CLOSED,
            frozenset({OFFICE}),
            kinds=frozenset({DeadlineKind.IMMEDIATE, DeadlineKind.BY_DATE}),
            style="success",
            owner=CLOSE_OUT,
        ),
        Transition(
            "office_stage_complete",
            _("Mark stage completed"),
            # Again at each periodic review: a long-term measure is never closed.
            frozenset({S.IN_PROGRESS, S.PENDING_CLOSE, S.STAGE_DONE}),
            S.STAGE_DONE,
            frozenset({OFFICE}),
            kinds=frozenset({DeadlineKind.LONG_TERM}),
            style="success",
            owner=CLOSE_OUT,
        ),
        Transition(
            "office_return",
            _("Return (office)"),
            frozenset({S.PENDING_CLOSE}),
            S.IN_PROGRESS,
            frozenset({OFFICE}),
            needs_reason=True,
            style="warning",
            owner=CLOSE_OUT,
        ),
        Transition(
            "direct_close",
            _("Close out directly (直接销号)"),
            frozenset({S.NOT_STARTED, S.IN_PROGRESS, S.PENDING_REVIEW}),
            S.CLOSED,
            frozenset({OFFICE}),
            kinds=frozenset({DeadlineKind.IMMEDIATE}),
            style="success",
            owner=CLOSE_OUT,
        ),
        Transition(
            "reopen",
            _("Reopen (重新整改)"),
            frozenset({S.CLOSED, S.STAGE_DONE}),
            S.IN_PROGRESS,
            frozenset({OFFICE}),
            needs_reason=True,
            style="danger",
            owner=LOOK_BACK,
        ),
    )
}

# Guards are declared by higher layers in `ledger.extensions` (e.g. "close-out needs evidence"):
# they return an error message, or None to let the transition through.
Guard = Callable[["Measure", Actor, dict[str, Any]], str | None]


def guards_for(transition: str) -> list[Guard]:
    return [guard.check for guard in extensions.registry.guards(transition)]


@dataclass(frozen=True, eq=False)
class TransitionOwner:
    """The claim of a higher layer's service on the transitions the table marks as its own.

    The service passes this object to `measure_transition`; any other caller (the generic
    transition endpoint above all) is refused, so each state has one way in, the one that
    writes its records. Compared by identity: only the claimed object itself opens the way.
    """

    owner: str
    # Where a person does it instead, for the refusal message ("the close-out panel").
    where: Promise


_OWNERS: dict[str, TransitionOwner] = {}


def claim_transitions(owner: str, *, where: Promise) -> TransitionOwner:
    """Called by the layer that implements `owner` as its services load (its AppConfig.ready()
    imports them); a second call returns the same claim."""
    if not any(t.owner == owner for t in TRANSITIONS.values()):
        raise KeyError(owner)
    claim = _OWNERS.get(owner)
    if claim is None:
        claim = _OWNERS[owner] = TransitionOwner(owner, where)
    return claim


def owner_of(transition: Transition) -> TransitionOwner | None:
    """The registered claim on a transition, None if it is free or its owner is not installed."""
    return _OWNERS.get(transition.owner) if transition.owner else None


# Called inside the transaction of every transition, after its audit event is written, e.g. to
# announce it. Declared by higher layers in `ledger.extensions`; the ledger never imports them.
Observer = Callable[["Measure", str, Any], None]


def observers() -> list[Observer]:
    return [ext.observe for ext in extensions.registry.observers()]


def relations(actor: Actor, measure: Measure) -> frozenset[str]:
    """How this person stands to this measure. Needs lead_unit and finding.theme loaded."""
    rel: set[str] = set()
    if policy.in_office(actor):
        rel.add(OFFICE)
    if policy.heads_unit(actor, measure.lead_unit_id):
        rel.add(LEAD_HEAD)
    if policy.acts_for_unit(actor, measure.lead_unit_id):
        rel.add(LEAD_MEMBER)
    if policy.follows_grid(actor, measure.lead_unit.liaison_group_id):
        rel.add(LIAISON)
    if policy.owns_theme(actor, measure.finding.theme.task_force_id):
        rel.add(TASK_FORCE)
    return frozenset(rel)


def applies_to(transition: Transition, measure: Measure) -> bool:
    return transition.kinds is None or measure.deadline_kind in transition.kinds


def available_transitions(actor: Actor, measure: Measure) -> list[Transition]:
    """Transitions this person may fire on this measure in its current state."""
    rel = relations(actor, measure)
    return [
        t
        for t in TRANSITIONS.values()
        if measure.state in t.sources and applies_to(t, measure) and rel & t.who
    ]

"""Test helpers for the ledger's own state machine."""

from __future__ import annotations

from typing import Any

from ledger.models import Measure
from ledger.services import measure_transition
from ledger.workflow import TRANSITIONS, owner_of


def fire_as_owner(*, name: str, **kwargs: Any) -> Measure:
    """Fire a transition as the service that owns it would (tests of the table itself, which
    check states, relations and guards; the owners' own records are tested where they live)."""
    transition = TRANSITIONS.get(name)
    owner = owner_of(transition) if transition else None
    return measure_transition(name=name, owner=owner, **kwargs)

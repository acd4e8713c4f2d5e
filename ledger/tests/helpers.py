"""Test helpers for the ledger's own state machine."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledger.choices import InspectionStatus
from ledger.models import Inspection, Measure
from ledger.services import inspection_save, measure_transition
from ledger.workflow import TRANSITIONS, owner_of


def fire_as_owner(*, name: str, **kwargs: Any) -> Measure:
    """Fire a transition as the service that owns it would (tests of the table itself, which
    check states, relations and guards; the owners' own records are tested where they live)."""
    transition = TRANSITIONS.get(name)
    owner = owner_of(transition) if transition else None
    return measure_transition(name=name, owner=owner, **kwargs)


def earlier_inspection(world: Any, *, days: int, status: str = InspectionStatus.CLOSED) -> Any:
    """A round of the test organization whose feedback came `days` before the current one's."""
    feedback = world.inspection().feedback_date - dt.timedelta(days=days)
    return inspection_save(
        by=world.user("office"),
        inspection=Inspection(
            organization=world.org,
            name=f"{feedback.year}年学校党委巡察",
            short_name="党委巡察",
            feedback_date=feedback,
            rectification_end=feedback + dt.timedelta(days=90),
            status=status,
        ),
    )

"""Two reviewers approving the same request at the same moment: exactly one decision counts."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from core.audit import verify_chain
from core.models import AuditEvent
from ledger.choices import MeasureState
from ledger.models import Measure
from organization.models import Person
from organization.scope import forget_actor
from reporting.choices import ReviewStage
from reporting.models import ReviewDecision
from reporting.services import closeout_decide


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_record_exactly_one_decision(world: Any) -> None:
    measure = world.scoped_measure()
    assert measure.state == MeasureState.PENDING_REVIEW
    group = measure.lead_unit.liaison_group
    second = Person.objects.get(user__username="liaison2")
    group.members.add(second)
    reviewers = [world.user("liaison1"), world.user("liaison2")]
    for user in reviewers:
        forget_actor(user)
    barrier = threading.Barrier(len(reviewers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def review(user: Any) -> None:
        try:
            barrier.wait(timeout=10)
            closeout_decide(by=user, measure=measure, stage=ReviewStage.LIAISON, approve=True)
            result = "ok"
        except ValidationError as exc:
            result = "refused: " + " ".join(exc.messages)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=review, args=(u,)) for u in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(o.split(":")[0] for o in outcomes) == ["ok", "refused"], outcomes
    # Each thread runs in the default language (zh-Hans), so accept either wording.
    refused = next(o for o in outcomes if o.startswith("refused"))
    assert "already been decided" in refused or "已由" in refused
    assert ReviewDecision.objects.filter(measure=measure, stage=ReviewStage.LIAISON).count() == 1
    assert (
        AuditEvent.objects.filter(
            object_type="ledger.measure", object_id=measure.pk, action="transition:liaison_approve"
        ).count()
        == 1
    )
    assert Measure.objects.get(pk=measure.pk).state == MeasureState.PENDING_CLOSE
    assert verify_chain().ok

"""One way into each state: close-out steps only through the services that write their records.

The generic transition endpoint of the ledger refuses every transition that has records of its
own (close-out request, review decision, snapshots, look-back); the close-out request has its
own state machine, and it and its measure never disagree.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from core.models import AuditEvent
from ledger.choices import MeasureState
from ledger.models import Measure
from ledger.services import TransitionError, measure_transition
from ledger.workflow import TRANSITIONS, owner_of
from reporting.choices import RequestStatus, ReviewStage
from reporting.models import CloseRequest, ReviewDecision
from reporting.services import closeout_decide, closeout_request, evidence_add_text
from reporting.services.closeout import REQUEST_MEASURE_STATES, REQUEST_MOVES, request_move

OWNED = sorted(name for name, t in TRANSITIONS.items() if t.owner)


def _fresh(m: Measure) -> Measure:
    return Measure.objects.get(pk=m.pk)


def _transitions_of(m: Measure) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            object_type="ledger.measure", object_id=m.pk, action__startswith="transition:"
        ).values_list("action", flat=True)
    )


def _post_generic(world: Any, username: str, m: Measure, action: str, reason: str = "") -> Any:
    return world.client(username).post(
        reverse("ledger:measure_transition", args=[m.pk]),
        {"action": action, "reason": reason},
        follow=True,
    )


def _with_evidence(world: Any) -> Measure:
    m = world.measure(state="in_progress")
    evidence_add_text(by=world.user("branch1"), measure=m, name="会议记录", content="支部会议记录")
    return _fresh(m)


def _requested(world: Any) -> tuple[Measure, CloseRequest]:
    m = _with_evidence(world)
    request = closeout_request(by=world.user("branch1"), measure=m, summary="制度已印发执行。")
    return _fresh(m), request


def test_every_transition_with_records_of_its_own_has_an_owner_that_claimed_it() -> None:
    assert set(OWNED) == {
        "request_close",
        "withdraw",
        "liaison_approve",
        "liaison_return",
        "office_close",
        "office_return",
        "direct_close",
        "office_stage_complete",
        "reopen",
    }
    assert all(owner_of(TRANSITIONS[name]) is not None for name in OWNED)
    # Only "start" is left to the generic endpoint.
    assert {name for name, t in TRANSITIONS.items() if not t.owner} == {"start"}


def test_the_ledger_imports_nothing_from_reporting() -> None:
    ledger = Path(settings.BASE_DIR) / "ledger"
    for path in ledger.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "from reporting" not in text and "import reporting" not in text, path


def test_a_liaison_cannot_approve_through_the_generic_endpoint(world: Any) -> None:
    m, request = _requested(world)
    before = _transitions_of(m)
    page = _post_generic(world, "liaison1", m, "liaison_approve").content.decode()
    assert "有专门的记录" in page or "keeps its own records" in page
    assert _fresh(m).state == MeasureState.PENDING_REVIEW
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING_LIAISON
    assert not ReviewDecision.objects.filter(measure=m).exists()
    assert _transitions_of(m) == before


def test_the_office_cannot_close_out_through_the_generic_endpoint(world: Any) -> None:
    m, request = _requested(world)
    closeout_decide(by=world.user("liaison1"), measure=m, stage=ReviewStage.LIAISON, approve=True)
    before = _transitions_of(m)
    _post_generic(world, "office", m, "office_close")
    _post_generic(world, "office", m, "office_return", reason="再看看")
    assert _fresh(m).state == MeasureState.PENDING_CLOSE
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING_OFFICE
    assert not ReviewDecision.objects.filter(measure=m, stage=ReviewStage.OFFICE).exists()
    assert _transitions_of(m) == before


def test_a_branch_cannot_request_close_out_through_the_generic_endpoint(world: Any) -> None:
    m = _with_evidence(world)
    requests_before = CloseRequest.objects.filter(measure=m).count()
    _post_generic(world, "branch1", m, "request_close", reason="已完成")
    assert _fresh(m).state == MeasureState.IN_PROGRESS
    assert CloseRequest.objects.filter(measure=m).count() == requests_before


@pytest.mark.parametrize("name", OWNED)
def test_an_owned_transition_is_refused_without_its_owners_claim(world: Any, name: str) -> None:
    t = TRANSITIONS[name]
    state = sorted(t.sources)[0]
    Measure.objects.filter(pk=world.scoped_measure().pk).update(state=state)
    m = _fresh(world.scoped_measure())
    stranger = next(owner_of(o) for o in TRANSITIONS.values() if o.owner and o.owner != t.owner)
    for owner in (None, stranger):
        with pytest.raises(TransitionError) as refused:
            measure_transition(
                by=world.user("office"), measure=m, name=name, reason="x", owner=owner
            )
        assert refused.value.code == "owned"
    assert _fresh(m).state == state and _fresh(m).version == m.version


def test_the_close_out_services_still_walk_the_whole_way(world: Any) -> None:
    m, request = _requested(world)
    closeout_decide(by=world.user("liaison1"), measure=m, stage=ReviewStage.LIAISON, approve=True)
    request.refresh_from_db()
    assert (_fresh(m).state, request.status) == (
        MeasureState.PENDING_CLOSE,
        RequestStatus.PENDING_OFFICE,
    )
    closeout_decide(by=world.user("office"), measure=m, stage=ReviewStage.OFFICE, approve=True)
    request.refresh_from_db()
    assert (_fresh(m).state, request.status) == (MeasureState.CLOSED, RequestStatus.DONE)
    assert ReviewDecision.objects.filter(measure=m).count() == 2


ALL_MOVES = list(itertools.product(RequestStatus.values, RequestStatus.values))


@pytest.mark.parametrize(("old", "new"), ALL_MOVES)
def test_every_close_out_request_status_jump_the_table_does_not_allow_is_refused(
    world: Any, old: str, new: str
) -> None:
    m, request = _requested(world)
    CloseRequest.objects.filter(pk=request.pk).update(status=old)
    request.refresh_from_db()
    # Put the measure where the new status would need it, so only the table can refuse.
    target_state = sorted(REQUEST_MEASURE_STATES[new])[0]
    Measure.objects.filter(pk=m.pk).update(state=target_state)
    m = _fresh(m)
    if new in REQUEST_MOVES[old]:
        request_move(request, new, measure=m)
        request.refresh_from_db()
        assert request.status == new
    else:
        with pytest.raises(TransitionError) as refused:
            request_move(request, new, measure=m)
        assert refused.value.code == "request_move"
        request.refresh_from_db()
        assert request.status == old


@pytest.mark.parametrize(
    ("new", "state"),
    [
        (RequestStatus.PENDING_OFFICE, MeasureState.PENDING_REVIEW),
        (RequestStatus.DONE, MeasureState.PENDING_REVIEW),
        (RequestStatus.RETURNED, MeasureState.CLOSED),
        (RequestStatus.WITHDRAWN, MeasureState.PENDING_CLOSE),
    ],
)
def test_a_request_may_not_move_to_a_status_its_measure_disagrees_with(
    world: Any, new: str, state: str
) -> None:
    m, request = _requested(world)
    Measure.objects.filter(pk=m.pk).update(state=state)
    with pytest.raises(TransitionError) as refused:
        request_move(request, new, measure=_fresh(m))
    assert refused.value.code == "request_state"
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING_LIAISON

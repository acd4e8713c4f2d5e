"""Close-out (对账销号): the request, the liaison and office decisions, direct close-out and
periodic reviews of long-term measures."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ledger.choices import DONE_STATES, MeasureState
from ledger.models import Measure
from ledger.services import TransitionError, measure_transition
from ledger.workflow import CLOSE_OUT, claim_transitions
from reporting.choices import (
    OPEN_REQUEST_STATUSES,
    RequestKind,
    RequestStatus,
    ReviewOutcome,
    ReviewStage,
)
from reporting.models import CloseRequest, ReviewDecision
from reporting.services.common import (
    clean_text,
    evidence_snapshot,
    lock_measure,
    measure_snapshot,
    require_office,
    require_visible,
)

# Only these services fire the close-out transitions: they write the request, the decision and
# the snapshots that go with them.
CLAIM = claim_transitions(CLOSE_OUT, where=gettext_lazy("the close-out panel on the measure page"))

S = RequestStatus
# The close-out request's own state machine: the moves each status allows.
REQUEST_MOVES: dict[str, frozenset[str]] = {
    S.PENDING_LIAISON: frozenset({S.PENDING_OFFICE, S.RETURNED, S.WITHDRAWN, S.DONE, S.SUPERSEDED}),
    S.PENDING_OFFICE: frozenset({S.DONE, S.RETURNED, S.SUPERSEDED}),
    S.RETURNED: frozenset(),
    S.DONE: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.SUPERSEDED: frozenset(),
}
# The measure states each request status goes with; a request and its measure never disagree.
REQUEST_MEASURE_STATES: dict[str, frozenset[str]] = {
    S.PENDING_LIAISON: frozenset({MeasureState.PENDING_REVIEW}),
    S.PENDING_OFFICE: frozenset({MeasureState.PENDING_CLOSE}),
    S.RETURNED: frozenset({MeasureState.IN_PROGRESS}),
    S.WITHDRAWN: frozenset({MeasureState.IN_PROGRESS}),
    S.DONE: frozenset(DONE_STATES),
    S.SUPERSEDED: frozenset(MeasureState.values),
}


def request_check(status: str, measure: Measure) -> None:
    """Refuse a request status its measure's state does not go with."""
    if measure.state not in REQUEST_MEASURE_STATES[status]:
        raise TransitionError(
            _("A close-out request “%(status)s” cannot go with a measure that is “%(state)s”.")
            % {"status": RequestStatus(status).label, "state": measure.get_state_display()},
            code="request_state",
        )


def request_move(request: CloseRequest, status: str, *, measure: Measure) -> CloseRequest:
    """Move a close-out request along its table, checked together with its measure's state."""
    if status not in REQUEST_MOVES[request.status]:
        raise TransitionError(
            _("A close-out request cannot go from “%(old)s” to “%(new)s”.")
            % {"old": request.get_status_display(), "new": RequestStatus(status).label},
            code="request_move",
        )
    request_check(status, measure)
    request.status = status
    request.save(update_fields=["status", "updated_at"])
    return request


def _open_request(measure: Measure, status: str | None = None) -> CloseRequest | None:
    qs = (
        CloseRequest.objects.unscoped("row lock after the policy check")
        .select_for_update()
        .filter(measure_id=measure.pk, status__in=[status] if status else OPEN_REQUEST_STATUSES)
    )
    return qs.order_by("-requested_at", "-id").first()


def closeout_request(*, by: Any, measure: Measure, summary: str) -> CloseRequest:
    """The lead unit asks for close-out (申请销号) with a summary; needs evidence (a guard)."""
    summary = clean_text(
        summary, field="summary", label=_("The summary"), required=True, limit=2000
    )
    require_visible(by, measure)
    with transaction.atomic():
        current = lock_measure(measure.pk)
        for stale in (
            CloseRequest.objects.unscoped("row lock after the policy check")
            .select_for_update()
            .filter(measure_id=current.pk, status__in=OPEN_REQUEST_STATUSES)
        ):
            request_move(stale, RequestStatus.SUPERSEDED, measure=current)
        snap = evidence_snapshot(current)
        request = CloseRequest.objects.create(
            measure=current,
            kind=RequestKind.STAGE if current.is_long_term else RequestKind.CLOSE,
            summary=summary,
            requested_by=by,
            requested_at=timezone.now(),
            status=RequestStatus.PENDING_LIAISON,
            evidence_snapshot=snap,
        )
        measure_transition(
            by=by,
            measure=current,
            name="request_close",
            reason=summary,
            payload={"snapshot_evidence": snap, "close_request": request.pk},
            owner=CLAIM,
        )
        current.refresh_from_db(fields=["state"])
        request_check(request.status, current)
        return request


def closeout_withdraw(*, by: Any, measure: Measure, reason: str) -> None:
    """The unit takes its request back to complete the material."""
    reason = clean_text(reason, field="reason", label=_("The reason"), required=False, limit=2000)
    with transaction.atomic():
        current = lock_measure(measure.pk)
        request = _open_request(current, RequestStatus.PENDING_LIAISON)
        current = measure_transition(
            by=by, measure=current, name="withdraw", reason=reason, owner=CLAIM
        )
        if request is not None:
            request_move(request, RequestStatus.WITHDRAWN, measure=current)


STAGE_STATES: dict[str, str] = {
    ReviewStage.LIAISON: MeasureState.PENDING_REVIEW,
    ReviewStage.OFFICE: MeasureState.PENDING_CLOSE,
}
STAGE_REQUEST_STATUS: dict[str, str] = {
    ReviewStage.LIAISON: RequestStatus.PENDING_LIAISON,
    ReviewStage.OFFICE: RequestStatus.PENDING_OFFICE,
}


def _already_decided(current: Measure, stage: str) -> ValidationError:
    last = (
        ReviewDecision.objects.unscoped("service check after the policy check")
        .filter(measure_id=current.pk, stage=stage)
        .select_related("decided_by__person")
        .order_by("-decided_at", "-id")
        .first()
    )
    if last is not None:
        person = getattr(last.decided_by, "person", None)
        return TransitionError(
            _(
                "This request has already been decided by %(who)s at %(when)s (%(outcome)s). "
                "Reload the page."
            )
            % {
                "who": person.name if person else last.decided_by.get_username(),
                "when": timezone.localtime(last.decided_at).strftime("%Y-%m-%d %H:%M"),
                "outcome": last.get_outcome_display(),
            },
            code="decided",
        )
    return TransitionError(
        _(
            "Nothing waits for this decision any more (the measure is now “%(state)s”). "
            "Reload the page."
        )
        % {"state": current.get_state_display()},
        code="decided",
    )


def closeout_decide(
    *, by: Any, measure: Measure, stage: str, approve: bool, reason: str = ""
) -> ReviewDecision:
    """A reviewer decides a pending close-out: the liaison group approves or returns it; the
    office closes it out (销号; 阶段性完成 for a long-term measure) or returns it.

    Two reviewers deciding at once: the measure row lock orders them, and the second finds the
    request already decided. A unique constraint per request and stage backs this up.
    """
    if stage not in STAGE_STATES:
        raise ValidationError(_("Unknown review stage."))
    reason = clean_text(
        reason, field="reason", label=_("The reason"), required=not approve, limit=2000
    )
    require_visible(by, measure)
    with transaction.atomic():
        current = lock_measure(measure.pk)
        if current.state != STAGE_STATES[stage]:
            raise _already_decided(current, stage)
        request = _open_request(current, STAGE_REQUEST_STATUS[stage])
        if stage == ReviewStage.LIAISON:
            name = "liaison_approve" if approve else "liaison_return"
            outcome = ReviewOutcome.APPROVED if approve else ReviewOutcome.RETURNED
        elif approve:
            name = "office_stage_complete" if current.is_long_term else "office_close"
            outcome = ReviewOutcome.STAGE_DONE if current.is_long_term else ReviewOutcome.CLOSED
        else:
            name, outcome = "office_return", ReviewOutcome.RETURNED
        m_snap, e_snap = measure_snapshot(current), evidence_snapshot(current)
        current = measure_transition(
            by=by,
            measure=current,
            name=name,
            reason=reason,
            payload={"snapshot_measure": m_snap, "snapshot_evidence": e_snap},
            owner=CLAIM,
        )
        try:
            with transaction.atomic():
                decision = ReviewDecision.objects.create(
                    measure=current,
                    request=request,
                    stage=stage,
                    outcome=outcome,
                    reason=reason,
                    decided_by=by,
                    decided_at=timezone.now(),
                    measure_snapshot=m_snap,
                    evidence_snapshot=e_snap,
                )
        except IntegrityError as exc:
            raise _already_decided(current, stage) from exc
        if request is not None:
            if not approve:
                status = RequestStatus.RETURNED
            elif stage == ReviewStage.LIAISON:
                status = RequestStatus.PENDING_OFFICE
            else:
                status = RequestStatus.DONE
            request_move(request, status, measure=current)
        return decision


def closeout_direct(*, by: Any, measure: Measure, summary: str) -> ReviewDecision:
    """The office closes a 立行立改 measure directly (直接销号); needs evidence (a guard)."""
    require_office(by)
    summary = clean_text(
        summary, field="summary", label=_("The summary"), required=True, limit=2000
    )
    require_visible(by, measure)
    with transaction.atomic():
        current = lock_measure(measure.pk)
        m_snap, e_snap = measure_snapshot(current), evidence_snapshot(current)
        request = _open_request(current)
        current = measure_transition(
            by=by,
            measure=current,
            name="direct_close",
            reason=summary,
            payload={"snapshot_measure": m_snap, "snapshot_evidence": e_snap},
            owner=CLAIM,
        )
        if request is not None:
            request_move(request, RequestStatus.DONE, measure=current)
        return ReviewDecision.objects.create(
            measure=current,
            request=None,
            stage=ReviewStage.OFFICE,
            outcome=ReviewOutcome.DIRECT_CLOSED,
            reason=summary,
            decided_by=by,
            decided_at=timezone.now(),
            measure_snapshot=m_snap,
            evidence_snapshot=e_snap,
        )


def period_review_complete(*, by: Any, measure: Measure, note: str) -> ReviewDecision:
    """Long-term measures (长期坚持): the office marks the period 阶段性完成, which moves the
    next review date on by the measure's interval."""
    require_office(by)
    note = clean_text(note, field="note", label=_("The note"), required=True, limit=2000)
    require_visible(by, measure)
    with transaction.atomic():
        current = lock_measure(measure.pk)
        if not current.is_long_term:
            raise ValidationError(_("Only long-term (长期坚持) measures have periodic reviews."))
        m_snap, e_snap = measure_snapshot(current), evidence_snapshot(current)
        request = _open_request(current)
        current = measure_transition(
            by=by,
            measure=current,
            name="office_stage_complete",
            reason=note,
            payload={"snapshot_measure": m_snap, "snapshot_evidence": e_snap},
            owner=CLAIM,
        )
        if request is not None:
            request_move(request, RequestStatus.DONE, measure=current)
        return ReviewDecision.objects.create(
            measure=current,
            request=None,
            stage=ReviewStage.OFFICE,
            outcome=ReviewOutcome.STAGE_DONE,
            reason=note,
            decided_by=by,
            decided_at=timezone.now(),
            measure_snapshot=m_snap,
            evidence_snapshot=e_snap,
        )

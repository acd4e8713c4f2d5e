"""Writes of the reporting layer. Every service is atomic, locks the measure it acts on, checks
the person against the measure's scope and relations, and records an audit event on the measure
(so it shows on the measure's timeline). State changes go through `ledger.services`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.audit import record_event
from ledger.choices import DONE_STATES, DeadlineKind, MeasureState, UnitPart
from ledger.models import Inspection, Measure, add_months
from ledger.services import (
    TransitionError,
    measure_adjust_evidence_count,
    measure_record_report,
    measure_set_due_date,
    measure_transition,
)
from ledger.workflow import LEAD_HEAD, available_transitions, relations
from organization.models import Unit
from organization.scope import Actor, actor_for, has_capability
from reporting import filetypes, storage
from reporting.choices import (
    OPEN_REQUEST_STATUSES,
    RELAPSE_RATINGS,
    CycleFrequency,
    ExtensionStatus,
    LookBackRating,
    LookBackStatus,
    RequestKind,
    RequestStatus,
    ReviewOutcome,
    ReviewStage,
)
from reporting.cycles import Period, period_containing
from reporting.models import (
    CloseRequest,
    Evidence,
    ExtensionRequest,
    LookBack,
    ProgressReport,
    ReportingCycle,
    ReviewDecision,
    UnitReport,
)

TEXT_LIMIT = 5000
MAX_FILES_PER_UPLOAD = 20


# --- shared helpers ------------------------------------------------------------------------


def _lock_measure(measure_id: int) -> Measure:
    return (
        Measure.objects.select_for_update(of=("self",))
        .select_related("finding__theme", "finding__inspection", "lead_unit")
        .get(pk=measure_id)
    )


def _require_visible(by: Any, measure: Measure) -> None:
    if not Measure.objects.visible_to(by).filter(pk=measure.pk).exists():
        raise PermissionDenied


def _require_office(by: Any) -> Actor:
    actor = actor_for(by)
    if not (actor.manages_all and has_capability(actor, "review.office")):
        raise PermissionDenied
    return actor


def _clean_text(value: str, *, field: str, label: str, required: bool, limit: int = TEXT_LIMIT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("%(label)s is required.") % {"label": label}})
    if len(text) > limit:
        raise ValidationError(
            {field: _("%(label)s is too long (%(limit)d characters at most).") % {"label": label, "limit": limit}}
        )
    return text


def reporting_unit_for(actor: Actor, measure: Measure) -> Unit | None:
    """The unit a person reports for on this measure: the lead unit when it is theirs, else the
    co-operating unit they belong to; the office records reports on behalf of the lead unit."""
    if measure.lead_unit_id in actor.unit_ids:
        return measure.lead_unit
    if actor.unit_ids:
        link = (
            measure.unit_links.filter(unit_id__in=sorted(actor.unit_ids), part=UnitPart.COOP)
            .select_related("unit")
            .first()
        )
        if link is not None:
            return link.unit
    if actor.manages_all:
        return measure.lead_unit
    return None


def _reporting_unit_or_deny(by: Any, measure: Measure) -> Unit:
    actor = actor_for(by)
    if not has_capability(actor, "report.file"):
        raise PermissionDenied
    unit = reporting_unit_for(actor, measure)
    if unit is None:
        raise PermissionDenied
    return unit


def measure_snapshot(measure: Measure) -> dict[str, Any]:
    """What a reviewer approved: the measure's substance (not its state or progress)."""
    return {
        "number": measure.number,
        "content": measure.content,
        "lead_unit_id": measure.lead_unit_id,
        "co_units": sorted(
            measure.unit_links.filter(part=UnitPart.COOP).values_list("unit_id", flat=True)
        ),
        "deadline_kind": measure.deadline_kind,
        "due_date": measure.due_date.isoformat() if measure.due_date else None,
    }


def evidence_snapshot(measure: Measure) -> list[dict[str, Any]]:
    """The evidence list as it stands: every file not withdrawn, by id and content hash."""
    return [
        {"id": e["id"], "name": e["original_name"], "sha256": e["sha256"]}
        for e in Evidence.objects.filter(measure_id=measure.pk, withdrawn_at__isnull=True)
        .order_by("id")
        .values("id", "original_name", "sha256")
    ]


# --- evidence ------------------------------------------------------------------------------


class UploadLike(Protocol):
    name: str | None
    size: int | None

    def chunks(self, chunk_size: int | None = None) -> Iterable[bytes]: ...
    def seek(self, offset: int, whence: int = 0) -> int: ...
    def read(self, size: int = -1) -> bytes: ...


@dataclass
class Upload:
    file: Any  # an UploadedFile, or any file object with name, size, chunks(), seek() and read()
    description: str = ""


@dataclass(frozen=True)
class PreparedFile:
    name: str
    description: str
    kind: str
    content_type: str
    size: int
    sha256: str


def max_unzipped_bytes() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_UNZIPPED_BYTES", 8 * settings.EVIDENCE_MAX_BYTES))


def _display_name(name: str) -> str:
    # Keep only the last path component a browser might send, and no control characters.
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in base if ch.isprintable()).strip()
    return clean[:255] or "file"


def _check_one(upload: Upload) -> tuple[str, filetypes.Sniffed]:
    f = upload.file
    name = _display_name(getattr(f, "name", "") or "")
    size = getattr(f, "size", None)
    if size is None:
        raise filetypes.FileRefused(_("The file's size cannot be read."))
    if size == 0:
        raise filetypes.FileRefused(_("The file is empty."))
    limit = int(settings.EVIDENCE_MAX_BYTES)
    if size > limit:
        raise filetypes.FileRefused(
            _("The file is too large: %(size)s; the limit is %(limit)s.")
            % {"size": _human(size), "limit": _human(limit)}
        )
    sniffed = filetypes.sniff(f, name=name, max_unzipped=max_unzipped_bytes())
    allowed = [k.lower() for k in settings.EVIDENCE_ALLOWED_TYPES]
    if sniffed.kind not in allowed:
        raise filetypes.FileRefused(
            _("Files of type %(kind)s are not accepted here. Accepted: %(allowed)s.")
            % {"kind": sniffed.kind.upper(), "allowed": ", ".join(k.upper() for k in allowed)}
        )
    return name, sniffed


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


def evidence_prepare(uploads: Sequence[Upload]) -> list[PreparedFile]:
    """Check every file by its content and store it privately; all or nothing.

    Raises ValidationError with one message per refused file. Stored bytes are content-addressed
    and never deleted, so a failure later in the caller's transaction loses nothing and leaves at
    most an unreferenced copy.
    """
    if not uploads:
        raise ValidationError({"files": _("Choose at least one file.")})
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise ValidationError(
            {"files": _("At most %(n)d files at once.") % {"n": MAX_FILES_PER_UPLOAD}}
        )
    checked: list[tuple[Upload, str, filetypes.Sniffed]] = []
    errors: list[str] = []
    for upload in uploads:
        name = _display_name(getattr(upload.file, "name", "") or "")
        try:
            display, sniffed = _check_one(upload)
        except filetypes.FileRefused as exc:
            errors.append(f"{name}: {exc}")
            continue
        if len((upload.description or "").strip()) > 500:
            errors.append(f"{name}: " + _("The description is too long (500 characters at most)."))
            continue
        checked.append((upload, display, sniffed))
    if errors:
        raise ValidationError({"files": errors})
    prepared = []
    for upload, display, sniffed in checked:
        upload.file.seek(0)
        sha, size = storage.store(upload.file.chunks())
        prepared.append(
            PreparedFile(
                name=display,
                description=(upload.description or "").strip(),
                kind=sniffed.kind,
                content_type=sniffed.content_type,
                size=size,
                sha256=sha,
            )
        )
    return prepared


def _evidence_create(
    *,
    by: Any,
    measure: Measure,
    unit: Unit | None,
    prepared: Sequence[PreparedFile],
    report: ProgressReport | None = None,
    lookback: LookBack | None = None,
) -> list[Evidence]:
    now = timezone.now()
    rows = [
        Evidence.objects.create(
            measure=measure,
            report=report,
            lookback=lookback,
            unit=unit,
            original_name=p.name,
            description=p.description,
            kind=p.kind,
            content_type=p.content_type,
            size=p.size,
            sha256=p.sha256,
            uploaded_by=by,
            uploaded_at=now,
        )
        for p in prepared
    ]
    measure_adjust_evidence_count(measure_id=measure.pk, delta=len(rows))
    record_event(
        actor=by,
        obj=measure,
        action="evidence:added",
        after={
            "snapshot_evidence": [
                {"id": e.pk, "name": e.original_name, "sha256": e.sha256, "size": e.size}
                for e in rows
            ]
        },
        message="、".join(e.original_name for e in rows),
    )
    return rows


def evidence_add(*, by: Any, measure: Measure, uploads: Sequence[Upload]) -> list[Evidence]:
    """Attach evidence files (佐证材料) to a measure."""
    _require_visible(by, measure)
    _reporting_unit_or_deny(by, measure)
    prepared = evidence_prepare(uploads)
    with transaction.atomic():
        current = _lock_measure(measure.pk)
        unit = _reporting_unit_or_deny(by, current)
        if current.state == MeasureState.CLOSED and not actor_for(by).manages_all:
            raise ValidationError(
                _("The measure is closed out; only the office can add material to it now.")
            )
        return _evidence_create(by=by, measure=current, unit=unit, prepared=prepared)


def evidence_add_text(
    *, by: Any, measure: Measure, name: str, content: str, description: str = ""
) -> Evidence:
    """Store a small generated text file as evidence, through the same checks as an upload."""
    if not name.lower().endswith(".txt"):
        name = f"{name}.txt"
    data = ContentFile(content.encode("utf-8"), name=name)
    (row,) = evidence_add(by=by, measure=measure, uploads=[Upload(data, description)])
    return row


def evidence_withdraw(*, by: Any, evidence: Evidence, reason: str) -> Evidence:
    """Withdraw a file: it is kept, marked, and no longer counts as evidence."""
    reason = _clean_text(reason, field="reason", label=_("The reason"), required=True, limit=500)
    with transaction.atomic():
        row = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if not Evidence.objects.editable_by(by).filter(pk=row.pk).exists():
            raise PermissionDenied
        measure = _lock_measure(row.measure_id)
        if row.withdrawn_at is not None:
            raise ValidationError(_("This file has already been withdrawn."))
        row.withdrawn_at = timezone.now()
        row.withdrawn_by = by
        row.withdraw_reason = reason
        row.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
        measure_adjust_evidence_count(measure_id=measure.pk, delta=-1)
        record_event(
            actor=by,
            obj=measure,
            action="evidence:withdrawn",
            after={"snapshot_evidence": [{"id": row.pk, "name": row.original_name, "sha256": row.sha256}]},
            message=f"{row.original_name}: {reason}",
        )
        return row


def evidence_guard(measure: Measure, actor: Actor, payload: dict[str, Any]) -> str | None:
    """Close-out needs at least one piece of evidence that has not been withdrawn."""
    if Evidence.objects.filter(measure_id=measure.pk, withdrawn_at__isnull=True).exists():
        return None
    return str(_("Attach at least one piece of evidence (佐证材料) first."))


# --- progress reports --------------------------------------------------------------------


@dataclass
class ReportData:
    work_done: str
    progress: int
    problems: str = ""
    next_steps: str = ""


def _validate_report(data: ReportData) -> ReportData:
    work = _clean_text(data.work_done, field="work_done", label=_("Work done"), required=True)
    problems = _clean_text(data.problems, field="problems", label=_("Problems"), required=False)
    steps = _clean_text(data.next_steps, field="next_steps", label=_("Next steps"), required=False)
    if data.progress is None or not 0 <= int(data.progress) <= 100:
        raise ValidationError({"progress": _("Progress is a percentage from 0 to 100.")})
    return ReportData(work_done=work, problems=problems, next_steps=steps, progress=int(data.progress))


def report_file(
    *,
    by: Any,
    measure: Measure,
    data: ReportData,
    supersedes: ProgressReport | None = None,
    correction_reason: str = "",
    uploads: Sequence[Upload] = (),
    at: dt.datetime | None = None,
) -> ProgressReport:
    """File a progress report (or a correction of an earlier one), with optional evidence.

    Reports are append-only: a correction is a new report that supersedes the old one.
    """
    data = _validate_report(data)
    _require_visible(by, measure)
    _reporting_unit_or_deny(by, measure)
    if supersedes is not None:
        correction_reason = _clean_text(
            correction_reason, field="correction_reason", label=_("The reason for the correction"),
            required=True, limit=500,
        )
    prepared = evidence_prepare(uploads) if uploads else []
    with transaction.atomic():
        current = _lock_measure(measure.pk)
        actor = actor_for(by)
        unit = _reporting_unit_or_deny(by, current)
        if current.state == MeasureState.CLOSED:
            raise ValidationError(
                _("The measure is closed out; progress is no longer reported on it.")
            )
        if supersedes is not None:
            old = ProgressReport.objects.select_for_update().get(pk=supersedes.pk)
            if old.measure_id != current.pk:
                raise ValidationError(_("That report belongs to another measure."))
            if ProgressReport.objects.filter(supersedes=old).exists():
                raise ValidationError(_("That report has already been corrected."))
            if old.unit_id not in actor.unit_ids and not actor.manages_all:
                raise PermissionDenied
            unit = old.unit
        when = at or timezone.now()
        report = ProgressReport.objects.create(
            measure=current,
            unit=unit,
            author=by,
            filed_at=when,
            work_done=data.work_done,
            problems=data.problems,
            next_steps=data.next_steps,
            progress=data.progress,
            supersedes=supersedes,
            correction_reason=correction_reason if supersedes is not None else "",
        )
        is_lead = unit.pk == current.lead_unit_id
        before_progress = current.progress
        measure_record_report(
            measure_id=current.pk, progress=data.progress if is_lead else None, at=when
        )
        if prepared:
            _evidence_create(by=by, measure=current, unit=unit, prepared=prepared, report=report)
        record_event(
            actor=by,
            obj=current,
            action="report:corrected" if supersedes is not None else "report:filed",
            before={"progress": before_progress} if is_lead else None,
            after={"progress": data.progress, "snapshot_report": report.pk} if is_lead else {"snapshot_report": report.pk},
            message=(f"[{unit.name}] " if not is_lead else "") + data.work_done[:500],
        )
        if current.state == MeasureState.NOT_STARTED and any(
            t.name == "start" for t in available_transitions(actor, current)
        ):
            # The first report is the start of the work.
            current.refresh_from_db()
            measure_transition(by=by, measure=current, name="start")
        return report


# --- close-out (对账销号) --------------------------------------------------------------------


def _open_request(measure: Measure, status: str | None = None) -> CloseRequest | None:
    qs = CloseRequest.objects.select_for_update().filter(
        measure_id=measure.pk, status__in=[status] if status else OPEN_REQUEST_STATUSES
    )
    return qs.order_by("-requested_at", "-id").first()


def closeout_request(*, by: Any, measure: Measure, summary: str) -> CloseRequest:
    """The lead unit asks for close-out (申请销号) with a summary; needs evidence (a guard)."""
    summary = _clean_text(summary, field="summary", label=_("The summary"), required=True, limit=2000)
    _require_visible(by, measure)
    with transaction.atomic():
        current = _lock_measure(measure.pk)
        CloseRequest.objects.select_for_update().filter(
            measure_id=current.pk, status__in=OPEN_REQUEST_STATUSES
        ).update(status=RequestStatus.SUPERSEDED)
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
        )
        return request


def closeout_withdraw(*, by: Any, measure: Measure, reason: str) -> None:
    """The unit takes its request back to complete the material."""
    reason = _clean_text(reason, field="reason", label=_("The reason"), required=False, limit=2000)
    with transaction.atomic():
        current = _lock_measure(measure.pk)
        measure_transition(by=by, measure=current, name="withdraw", reason=reason)
        request = _open_request(current)
        if request is not None:
            request.status = RequestStatus.WITHDRAWN
            request.save(update_fields=["status", "updated_at"])


STAGE_STATES = {ReviewStage.LIAISON: MeasureState.PENDING_REVIEW, ReviewStage.OFFICE: MeasureState.PENDING_CLOSE}
STAGE_REQUEST_STATUS = {
    ReviewStage.LIAISON: RequestStatus.PENDING_LIAISON,
    ReviewStage.OFFICE: RequestStatus.PENDING_OFFICE,
}


def _already_decided(current: Measure, stage: str) -> ValidationError:
    last = (
        ReviewDecision.objects.filter(measure_id=current.pk, stage=stage)
        .select_related("decided_by__person")
        .order_by("-decided_at", "-id")
        .first()
    )
    if last is not None:
        person = getattr(last.decided_by, "person", None)
        return TransitionError(
            _("This request has already been decided by %(who)s at %(when)s (%(outcome)s). Reload the page.")
            % {
                "who": person.name if person else last.decided_by.get_username(),
                "when": timezone.localtime(last.decided_at).strftime("%Y-%m-%d %H:%M"),
                "outcome": last.get_outcome_display(),
            },
            code="decided",
        )
    return TransitionError(
        _("Nothing waits for this decision any more (the measure is now “%(state)s”). Reload the page.")
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
    reason = _clean_text(reason, field="reason", label=_("The reason"), required=not approve, limit=2000)
    _require_visible(by, measure)
    with transaction.atomic():
        current = _lock_measure(measure.pk)
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
        measure_transition(
            by=by,
            measure=current,
            name=name,
            reason=reason,
            payload={"snapshot_measure": m_snap, "snapshot_evidence": e_snap},
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
                request.status = RequestStatus.RETURNED
            elif stage == ReviewStage.LIAISON:
                request.status = RequestStatus.PENDING_OFFICE
            else:
                request.status = RequestStatus.DONE
            request.save(update_fields=["status", "updated_at"])
        return decision


def closeout_direct(*, by: Any, measure: Measure, summary: str) -> ReviewDecision:
    """The office closes a 立行立改 measure directly (直接销号); needs evidence (a guard)."""
    _require_office(by)
    summary = _clean_text(summary, field="summary", label=_("The summary"), required=True, limit=2000)
    _require_visible(by, measure)
    with transaction.atomic():
        current = _lock_measure(measure.pk)
        m_snap, e_snap = measure_snapshot(current), evidence_snapshot(current)
        request = _open_request(current)
        measure_transition(
            by=by,
            measure=current,
            name="direct_close",
            reason=summary,
            payload={"snapshot_measure": m_snap, "snapshot_evidence": e_snap},
        )
        if request is not None:
            request.status = RequestStatus.DONE
            request.save(update_fields=["status", "updated_at"])
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
    _require_office(by)
    note = _clean_text(note, field="note", label=_("The note"), required=True, limit=2000)
    _require_visible(by, measure)
    with transaction.atomic():
        current = _lock_measure(measure.pk)
        if not current.is_long_term:
            raise ValidationError(_("Only long-term (长期坚持) measures have periodic reviews."))
        m_snap, e_snap = measure_snapshot(current), evidence_snapshot(current)
        request = _open_request(current)
        measure_transition(
            by=by,
            measure=current,
            name="office_stage_complete",
            reason=note,
            payload={"snapshot_measure": m_snap, "snapshot_evidence": e_snap},
        )
        if request is not None:
            request.status = RequestStatus.DONE
            request.save(update_fields=["status", "updated_at"])
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


# --- extensions (延期) ----------------------------------------------------------------------


def extension_request(
    *, by: Any, measure: Measure, new_due_date: dt.date, reason: str, today: dt.date | None = None
) -> ExtensionRequest:
    """The lead unit asks for a later due date, before the current one has passed."""
    reason = _clean_text(reason, field="reason", label=_("The reason"), required=True, limit=2000)
    today = today or timezone.localdate()
    _require_visible(by, measure)
    with transaction.atomic():
        current = _lock_measure(measure.pk)
        actor = actor_for(by)
        if LEAD_HEAD not in relations(actor, current):
            raise PermissionDenied
        if current.due_date is None or current.is_long_term:
            raise ValidationError(_("This measure has no due date to extend."))
        if current.state in DONE_STATES:
            raise ValidationError(_("The measure is already done; there is nothing to extend."))
        if today > current.due_date:
            raise ValidationError(
                {"new_due_date": _("The due date %(due)s has passed; an extension must be asked before it.")
                 % {"due": date_format(current.due_date, "Y-m-d")}}
            )
        if new_due_date <= current.due_date:
            raise ValidationError(
                {"new_due_date": _("The new due date must be after the current one (%(due)s).")
                 % {"due": date_format(current.due_date, "Y-m-d")}}
            )
        if ExtensionRequest.objects.filter(measure=current, status=ExtensionStatus.PENDING).exists():
            raise ValidationError(_("An extension request for this measure is already waiting."))
        ext = ExtensionRequest.objects.create(
            measure=current,
            requested_by=by,
            requested_at=timezone.now(),
            current_due_date=current.due_date,
            requested_due_date=new_due_date,
            reason=reason,
        )
        record_event(
            actor=by,
            obj=current,
            action="extension:requested",
            before={"due_date": current.due_date},
            after={"due_date": new_due_date},
            message=reason,
        )
        return ext


def extension_decide(
    *, by: Any, extension: ExtensionRequest, approve: bool, note: str = ""
) -> ExtensionRequest:
    """The office approves (the due date moves; the original is kept) or refuses an extension."""
    _require_office(by)
    note = _clean_text(note, field="note", label=_("The note"), required=not approve, limit=2000)
    with transaction.atomic():
        ext = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
        current = _lock_measure(ext.measure_id)
        _require_visible(by, current)
        if ext.status != ExtensionStatus.PENDING:
            raise ValidationError(
                _("This extension request has already been decided (%(status)s).")
                % {"status": ext.get_status_display()}
            )
        if approve and current.state in DONE_STATES:
            raise ValidationError(_("The measure is already done; refuse the request instead."))
        ext.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
        ext.decided_by = by
        ext.decided_at = timezone.now()
        ext.decision_note = note
        ext.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if approve:
            message = _("Extension (延期) approved: %(reason)s") % {"reason": ext.reason}
            if note:
                message += "\n" + note
            measure_set_due_date(
                by=by, measure=current, due_date=ext.requested_due_date, reason=message
            )
        else:
            record_event(
                actor=by,
                obj=current,
                action="extension:refused",
                after={"snapshot_extension": ext.pk},
                message=note,
            )
        return ext


# --- look-back (回头看) and relapse (反弹回潮) -------------------------------------------------


def _closed_on(measure: Measure) -> dt.date:
    stamp = measure.closed_at or measure.state_changed_at or timezone.now()
    return timezone.localtime(stamp).date()


@dataclass(frozen=True)
class ScheduleResult:
    created: int
    skipped: int


def lookback_schedule(
    *,
    by: Any,
    measures: QuerySet[Measure],
    planned_date: dt.date | None = None,
    months_after_closure: int | None = None,
    label: str = "",
) -> ScheduleResult:
    """Schedule look-back checks on the closed measures among `measures`.

    Either on a fixed date, or a number of months after each measure's closure. Measures that
    are not closed, or already have a check waiting, are skipped.
    """
    _require_office(by)
    if (planned_date is None) == (months_after_closure is None):
        raise ValidationError(_("Give either a date or a number of months after closure."))
    if months_after_closure is not None and not 1 <= months_after_closure <= 60:
        raise ValidationError(_("The number of months is from 1 to 60."))
    label = (label or "").strip()[:200]
    with transaction.atomic():
        candidates = list(
            Measure.objects.editable_by(by)
            .filter(pk__in=measures.values("pk"))
            .select_for_update(of=("self",))
            .order_by("id")
        )
        waiting = set(
            LookBack.objects.filter(
                measure_id__in=[m.pk for m in candidates], status=LookBackStatus.SCHEDULED
            ).values_list("measure_id", flat=True)
        )
        created = skipped = 0
        now = timezone.now()
        for m in candidates:
            if m.state not in DONE_STATES or m.pk in waiting:
                skipped += 1
                continue
            day = planned_date or add_months(_closed_on(m), months_after_closure or 0)
            LookBack.objects.create(
                measure=m,
                planned_date=day,
                batch_label=label,
                scheduled_by=by,
                scheduled_at=now,
            )
            record_event(
                actor=by,
                obj=m,
                action="lookback:scheduled",
                message=_("Look-back planned for %(day)s.") % {"day": date_format(day, "Y-m-d")}
                + (f" {label}" if label else ""),
            )
            created += 1
        return ScheduleResult(created=created, skipped=skipped)


def lookback_record(
    *,
    by: Any,
    lookback: LookBack,
    rating: str,
    notes: str,
    new_due_date: dt.date | None = None,
    uploads: Sequence[Upload] = (),
) -> LookBack:
    """Record a look-back's rating. 一般 or 差 reopens the measure (重新整改) as a relapse."""
    _require_office(by)
    if rating not in LookBackRating.values:
        raise ValidationError({"rating": _("Choose a rating.")})
    relapse = rating in RELAPSE_RATINGS
    notes = _clean_text(notes, field="notes", label=_("The notes"), required=relapse)
    prepared = evidence_prepare(uploads) if uploads else []
    with transaction.atomic():
        lb = LookBack.objects.select_for_update().get(pk=lookback.pk)
        current = _lock_measure(lb.measure_id)
        _require_visible(by, current)
        if lb.status != LookBackStatus.SCHEDULED:
            raise ValidationError(_("This look-back has already been recorded."))
        if current.state not in DONE_STATES:
            raise ValidationError(
                _("The measure is no longer closed (now “%(state)s”).")
                % {"state": current.get_state_display()}
            )
        if relapse and not current.is_long_term:
            if new_due_date is None:
                raise ValidationError({"new_due_date": _("Give the new due date for the renewed rectification.")})
            if new_due_date <= timezone.localdate():
                raise ValidationError({"new_due_date": _("The new due date must be in the future.")})
        lb.status = LookBackStatus.DONE
        lb.rating = rating
        lb.notes = notes
        lb.checked_by = by
        lb.checked_at = timezone.now()
        lb.relapsed = relapse
        lb.new_due_date = new_due_date if relapse else None
        lb.save()
        if prepared:
            _evidence_create(by=by, measure=current, unit=None, prepared=prepared, lookback=lb)
        label = LookBackRating(rating).label
        record_event(
            actor=by,
            obj=current,
            action="lookback:recorded",
            after={"snapshot_lookback": lb.pk, "snapshot_rating": rating},
            message=f"{label}" + (f": {notes}" if notes else ""),
        )
        if relapse:
            measure_transition(
                by=by,
                measure=current,
                name="reopen",
                reason=_("Relapse found at the look-back (回头看, rated %(rating)s): %(notes)s")
                % {"rating": label, "notes": notes},
                new_due_date=new_due_date if not current.is_long_term else None,
                payload={"snapshot_lookback": lb.pk},
            )
        return lb


# --- reporting cycles and unit reports --------------------------------------------------


@dataclass
class CycleData:
    frequency: str
    weekday: int = 4
    day_of_month: int = 25
    starts_on: dt.date | None = None
    is_active: bool = True


def cycle_save(*, by: Any, inspection: Inspection, data: CycleData) -> ReportingCycle:
    """The office sets how often the units of an inspection report."""
    _require_office(by)
    if data.frequency not in CycleFrequency.values:
        raise ValidationError({"frequency": _("Choose weekly or monthly.")})
    if not 0 <= data.weekday <= 6:
        raise ValidationError({"weekday": _("Choose a day of the week.")})
    if not 1 <= data.day_of_month <= 31:
        raise ValidationError({"day_of_month": _("The day of the month is from 1 to 31.")})
    with transaction.atomic():
        if not Inspection.objects.editable_by(by).filter(pk=inspection.pk).exists():
            raise PermissionDenied
        cycle = ReportingCycle.objects.select_for_update().filter(inspection=inspection).first()
        before: dict[str, Any] = {}
        if cycle is None:
            cycle = ReportingCycle(inspection=inspection)
        else:
            before = _cycle_fields(cycle)
            cycle.version += 1
        cycle.frequency = data.frequency
        cycle.weekday = data.weekday
        cycle.day_of_month = data.day_of_month
        cycle.starts_on = data.starts_on
        cycle.is_active = data.is_active
        cycle.save()
        record_event(
            actor=by,
            obj=inspection,
            action="reporting_cycle:set",
            before={"snapshot_cycle": before} if before else None,
            after={"snapshot_cycle": _cycle_fields(cycle)},
            message=str(cycle_description(cycle)),
        )
        return cycle


def _cycle_fields(cycle: ReportingCycle) -> dict[str, Any]:
    return {
        "frequency": cycle.frequency,
        "weekday": cycle.weekday,
        "day_of_month": cycle.day_of_month,
        "starts_on": cycle.starts_on,
        "is_active": cycle.is_active,
    }


def cycle_description(cycle: ReportingCycle) -> str:
    from reporting.choices import Weekday

    if cycle.frequency == CycleFrequency.WEEKLY:
        return _("Weekly, every %(day)s") % {"day": Weekday(cycle.weekday).label}
    return _("Monthly, by day %(day)d") % {"day": cycle.day_of_month}


def cycle_period(cycle: ReportingCycle, day: dt.date) -> Period:
    return period_containing(
        day, frequency=cycle.frequency, weekday=cycle.weekday, day_of_month=cycle.day_of_month
    )


@dataclass
class UnitReportData:
    work_done: str
    problems: str = ""
    next_steps: str = ""


def unit_report_save(
    *,
    by: Any,
    unit: Unit,
    inspection: Inspection,
    data: UnitReportData,
    expected_version: int | None,
    today: dt.date | None = None,
) -> UnitReport:
    """Create or edit the unit's report (单位汇报) for the current cycle of an inspection."""
    actor = actor_for(by)
    if unit.pk not in actor.unit_ids and not actor.manages_all:
        raise PermissionDenied
    work = _clean_text(data.work_done, field="work_done", label=_("Work done"), required=True, limit=20000)
    problems = _clean_text(data.problems, field="problems", label=_("Problems"), required=False, limit=20000)
    steps = _clean_text(data.next_steps, field="next_steps", label=_("Next steps"), required=False, limit=20000)
    today = today or timezone.localdate()
    with transaction.atomic():
        cycle = ReportingCycle.objects.filter(inspection=inspection, is_active=True).first()
        if cycle is None:
            raise ValidationError(_("The office has not set a reporting cycle for this inspection."))
        period = cycle_period(cycle, today)
        report = (
            UnitReport.objects.select_for_update()
            .filter(unit=unit, inspection=inspection, period_start=period.start)
            .first()
        )
        if report is None:
            if expected_version not in (None, 0):
                raise ValidationError(_("The report was removed or moved to another cycle; reload the page."))
            report = UnitReport(
                unit=unit,
                inspection=inspection,
                period_start=period.start,
                period_end=period.end,
                created_by=by,
                updated_by=by,
                work_done=work,
                problems=problems,
                next_steps=steps,
            )
            try:
                with transaction.atomic():
                    report.save()
            except IntegrityError as exc:
                raise ValidationError(
                    _("Someone else has just filed this cycle's report; reload the page.")
                ) from exc
            record_event(
                actor=by,
                obj=report,
                action="create",
                after={"work_done": work, "problems": problems, "next_steps": steps},
            )
            return report
        if expected_version != report.version:
            raise ValidationError(
                _("This report was changed by someone else after you opened it; reload the page.")
            )
        before = {"work_done": report.work_done, "problems": report.problems, "next_steps": report.next_steps}
        report.work_done, report.problems, report.next_steps = work, problems, steps
        report.updated_by = by
        report.version += 1
        report.save()
        after = {"work_done": work, "problems": problems, "next_steps": steps}
        changed = {k for k in after if after[k] != before[k]}
        if changed:
            record_event(
                actor=by,
                obj=report,
                action="update",
                before={k: before[k] for k in changed},
                after={k: after[k] for k in changed},
            )
        return report


# Transitions whose buttons the reporting panel offers with its own forms.
PANEL_TRANSITIONS = frozenset(
    {"request_close", "withdraw", "liaison_approve", "liaison_return", "office_close",
     "office_return", "direct_close", "office_stage_complete"}
)

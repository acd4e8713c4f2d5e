"""Evidence (佐证材料): checked by content, stored privately by hash, withdrawn, never deleted."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import filetypes
from core.audit import record_event
from ledger.choices import MeasureState
from ledger.models import Measure
from ledger.services import measure_adjust_evidence_count
from organization import policy
from organization.models import Unit
from organization.scope import Actor, actor_for
from reporting import storage
from reporting.models import Evidence, LookBack, ProgressReport
from reporting.services.common import (
    MAX_FILES_PER_UPLOAD,
    clean_text,
    lock_measure,
    reporting_unit_or_deny,
    require_visible,
)


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


MAX_NAME = 100


def _display_name(name: str) -> str:
    # Keep only the last path component a browser might send, and no control characters.
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in base if ch.isprintable()).strip()
    if len(clean) > MAX_NAME:
        # Shorten the stem, never the extension: the name still says what the file is.
        stem, dot, extension = clean.rpartition(".")
        if dot and 0 < len(extension) <= 10 and stem:
            clean = stem[: MAX_NAME - len(extension) - 1].rstrip() + "." + extension
        else:
            clean = clean[:MAX_NAME]
    return clean or "file"


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


class EvidenceRows(list[Evidence]):
    """The evidence rows an upload created, and the files it did not store again because the
    measure already holds identical content (same SHA-256): (uploaded name, existing row)."""

    def __init__(self, rows: Iterable[Evidence] = (), duplicates: Sequence[Any] = ()) -> None:
        super().__init__(rows)
        self.duplicates: list[tuple[str, Evidence]] = list(duplicates)


def evidence_create_rows(
    *,
    by: Any,
    measure: Measure,
    unit: Unit | None,
    prepared: Sequence[PreparedFile],
    report: ProgressReport | None = None,
    lookback: LookBack | None = None,
) -> EvidenceRows:
    """Create a row per prepared file, keeping one copy of identical content per measure: a file
    whose SHA-256 the measure already holds (and has not withdrawn) is not added again."""
    now = timezone.now()
    held: dict[str, Evidence] = {
        e.sha256: e
        for e in Evidence.objects.unscoped("evidence of a measure the service already checked")
        .filter(measure=measure, sha256__in=[p.sha256 for p in prepared], withdrawn_at__isnull=True)
        .order_by("-id")
    }
    rows: list[Evidence] = []
    duplicates: list[tuple[str, Evidence]] = []
    for p in prepared:
        if p.sha256 in held:
            duplicates.append((p.name, held[p.sha256]))
            continue
        row = Evidence.objects.create(
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
        held[p.sha256] = row
        rows.append(row)
    if rows:
        measure_adjust_evidence_count(measure_id=measure.pk, delta=len(rows), by=by)
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
    return EvidenceRows(rows, duplicates)


def evidence_add(*, by: Any, measure: Measure, uploads: Sequence[Upload]) -> EvidenceRows:
    """Attach evidence files (佐证材料) to a measure; identical content is kept once."""
    require_visible(by, measure)
    reporting_unit_or_deny(by, measure)
    prepared = evidence_prepare(uploads)
    with transaction.atomic():
        current = lock_measure(measure.pk)
        unit = reporting_unit_or_deny(by, current)
        if current.state == MeasureState.CLOSED and not policy.in_office(actor_for(by)):
            raise ValidationError(
                _("The measure is closed out; only the office can add material to it now.")
            )
        return evidence_create_rows(by=by, measure=current, unit=unit, prepared=prepared)


def evidence_add_text(
    *, by: Any, measure: Measure, name: str, content: str, description: str = ""
) -> Evidence:
    """Store a small generated text file as evidence, through the same checks as an upload."""
    if not name.lower().endswith(".txt"):
        name = f"{name}.txt"
    data = ContentFile(content.encode("utf-8"), name=name)
    added = evidence_add(by=by, measure=measure, uploads=[Upload(data, description)])
    return added[0] if added else added.duplicates[0][1]


def evidence_withdraw(*, by: Any, evidence: Evidence, reason: str) -> Evidence:
    """Withdraw a file: it is kept, marked, and no longer counts as evidence."""
    reason = clean_text(reason, field="reason", label=_("The reason"), required=True, limit=500)
    with transaction.atomic():
        row = (
            Evidence.objects.unscoped("row lock after the policy check")
            .select_for_update()
            .get(pk=evidence.pk)
        )
        if not Evidence.objects.editable_by(by).filter(pk=row.pk).exists():
            raise PermissionDenied
        measure = lock_measure(row.measure_id)
        if row.withdrawn_at is not None:
            raise ValidationError(_("This file has already been withdrawn."))
        row.withdrawn_at = timezone.now()
        row.withdrawn_by = by
        row.withdraw_reason = reason
        row.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
        measure_adjust_evidence_count(measure_id=measure.pk, delta=-1, by=by)
        record_event(
            actor=by,
            obj=measure,
            action="evidence:withdrawn",
            after={
                "snapshot_evidence": [
                    {"id": row.pk, "name": row.original_name, "sha256": row.sha256}
                ]
            },
            message=f"{row.original_name}: {reason}",
        )
        return row


def evidence_guard(measure: Measure, actor: Actor, payload: dict[str, Any]) -> str | None:
    """Close-out needs at least one piece of evidence that has not been withdrawn."""
    if (
        Evidence.objects.unscoped("service check after the policy check")
        .filter(measure_id=measure.pk, withdrawn_at__isnull=True)
        .exists()
    ):
        return None
    return str(_("Attach at least one piece of evidence (佐证材料) first."))

"""Background jobs for imports and exports that take longer than a request should.

A job is a row in ``documents.Job`` plus a folder jobs/<id>/ of the private file store
(core.files: local disk or object storage) holding the uploaded file and the result. The view
that starts a job runs it in a ``threading.Thread`` of the web process, and the page polls the
row every second (htmx) for its progress bar.

Why a thread and not a task queue: the product must run on an intranet from SQLite alone,
with no broker or worker process to install, and these jobs are rare (an office imports a
ledger a few times per inspection round) and bounded (a capped file, a streamed export).
The costs are accepted knowingly: a job dies with its process, so a running job whose row has
not moved for STALE_AFTER is shown as interrupted and can simply be started again (a job's
writes are one transaction, so an interrupted import has written nothing); and each thread
opens its own database connection, closed when it ends. :func:`run_job` is an ordinary
function: tests and management commands call it directly, synchronously. Setting
DOCUMENTS_JOBS_INLINE = True runs every job inside the request that starts it.
"""

from __future__ import annotations

import datetime as dt
import logging
import posixpath
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import close_old_connections, connections, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from core import files
from documents.exports import export_ledger_xlsx
from documents.imports import ImportChoices, apply_import, preview_import
from documents.ledger_reader import LedgerReadError
from documents.models import FINISHED_STATUSES, Job, JobKind, JobStatus
from ledger.filters import MeasureFilter
from ledger.models import Inspection
from ledger.selectors import ledger_measures
from organization.models import Theme

logger = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(minutes=10)
KEEP_FOR = dt.timedelta(days=7)
_PROGRESS_EVERY = dt.timedelta(milliseconds=500)

Handler = Callable[[Job, Callable[[int, str], None]], None]
HANDLERS: dict[str, Handler] = {}


class JobFailed(Exception):
    """A job stops with a message for the person who started it."""


JOBS = "jobs"


def job_dir(job: Job) -> str:
    """The job's folder in the private file store."""
    return f"{JOBS}/{job.pk}"


def job_file(job: Job, relative: str) -> str | None:
    """The stored name of a job's file, refusing anything outside the job's folder."""
    if not relative:
        return None
    name = posixpath.normpath(f"{JOBS}/{relative}")
    if not name.startswith(job_dir(job) + "/"):
        return None
    return name


def _relative(name: str) -> str:
    return name[len(JOBS) + 1 :]


def job_create(
    *,
    kind: str,
    owner: Any,
    params: dict[str, Any],
    upload: bytes | None = None,
    upload_name: str = "upload",
) -> Job:
    """Create a job (and store its upload); run it with :func:`start_job` or :func:`run_job`."""
    purge_old_jobs()
    job = Job.objects.create(kind=kind, owner=owner, params=params)
    if upload is not None:
        suffix = Path(upload_name).suffix.lower()[:8] if Path(upload_name).suffix else ""
        name = files.save(f"{job_dir(job)}/upload{suffix}", ContentFile(upload))
        job.upload_path = _relative(name)
        job.save(update_fields=["upload_path"])
    return job


def start_job(job: Job) -> None:
    """Run the job in a background thread (or inline, with DOCUMENTS_JOBS_INLINE)."""
    if getattr(settings, "DOCUMENTS_JOBS_INLINE", False):
        run_job(job.pk)
        return
    thread = threading.Thread(
        target=_thread_main, args=(job.pk,), name=f"documents-job-{job.pk}", daemon=True
    )
    # A request sent with a one-time key runs in a transaction: the thread must find the job.
    transaction.on_commit(thread.start)


def _thread_main(job_id: int) -> None:
    close_old_connections()
    try:
        run_job(job_id)
    finally:
        connections.close_all()


def run_job(job_id: int) -> Job:
    """Run a job to its end, synchronously; whatever happens, it ends done or failed."""
    job = Job.objects.unscoped("background job of its owner").select_related("owner").get(pk=job_id)
    if job.status in FINISHED_STATUSES:
        return job
    Job.objects.unscoped("background job of its owner").filter(pk=job.pk).update(
        status=JobStatus.RUNNING, progress=1, updated_at=timezone.now()
    )
    last = [timezone.now()]

    def progress(percent: int, message: str) -> None:
        now = timezone.now()
        if now - last[0] < _PROGRESS_EVERY:
            return
        last[0] = now
        Job.objects.unscoped("background job of its owner").filter(pk=job.pk).update(
            progress=max(1, min(99, percent)), message=message[:500], updated_at=now
        )

    handler = HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise JobFailed(_("Unknown kind of job."))
        handler(job, progress)
    except JobFailed as exc:
        _finish(job, JobStatus.FAILED, str(exc))
    except LedgerReadError as exc:
        _finish(job, JobStatus.FAILED, exc.message)
    except ValidationError as exc:
        _finish(job, JobStatus.FAILED, " ".join(exc.messages))
    except Exception:
        logger.exception("document job %s failed", job.pk)
        _finish(job, JobStatus.FAILED, _("The job failed unexpectedly; nothing was changed."))
    else:
        _finish(job, JobStatus.DONE, job.message)
    job.refresh_from_db()
    return job


def _finish(job: Job, status: str, message: str) -> None:
    job.status = status
    job.message = message
    job.progress = 100 if status == JobStatus.DONE else job.progress
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "message",
            "progress",
            "finished_at",
            "data",
            "result_path",
            "result_name",
            "updated_at",
        ]
    )


def job_refresh(job: Job) -> Job:
    """Mark a job whose thread died with its process as interrupted."""
    stale = timezone.now() - job.updated_at > STALE_AFTER
    if job.status in (JobStatus.PENDING, JobStatus.RUNNING) and stale:
        Job.objects.unscoped("background job of its owner").filter(
            pk=job.pk, status=job.status
        ).update(
            status=JobStatus.FAILED,
            message=_("The job was interrupted (the server restarted); start it again."),
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
    return job


def purge_old_jobs() -> int:
    """Delete jobs, and their files, older than KEEP_FOR."""
    old = list(
        Job.objects.unscoped("clean-up of expired jobs")
        .filter(created_at__lt=timezone.now() - KEEP_FOR)
        .values_list("pk", flat=True)
    )
    for pk in old:
        files.delete_tree(f"{JOBS}/{pk}")
    Job.objects.unscoped("clean-up of expired jobs").filter(pk__in=old).delete()
    return len(old)


# --- handlers ---------------------------------------------------------------------------------


def _upload(job: Job) -> IO[bytes]:
    name = job_file(job, job.upload_path)
    storage = files.private_storage()
    if name is None or not storage.exists(name):
        raise JobFailed(_("The uploaded file is no longer available; upload it again."))
    return storage.open(name, "rb")  # type: ignore[return-value]


def _inspection(job: Job, inspection_id: Any) -> Inspection:
    inspection = (
        Inspection.objects.editable_by(job.owner)
        .select_related("organization")
        .filter(pk=inspection_id)
        .first()
    )
    if inspection is None:
        raise JobFailed(_("The inspection no longer exists or you may no longer change it."))
    return inspection


def _theme(job: Job, theme_id: Any, inspection: Inspection) -> Theme | None:
    if not theme_id:
        return None
    return (
        Theme.objects.unscoped("background job of its owner")
        .filter(pk=theme_id, organization=inspection.organization)
        .first()
    )


def handle_export(job: Job, progress: Callable[[int, str], None]) -> None:
    user = job.owner
    params = job.params
    filterset = MeasureFilter(
        QueryDict(params.get("query", "")), queryset=ledger_measures(user), user=user
    )
    if not filterset.is_valid():
        raise JobFailed(_("The ledger filters are invalid."))
    measures = filterset.qs
    total = measures.count()
    with tempfile.TemporaryFile(prefix="rectify-export-") as out:
        rows = export_ledger_xlsx(
            measures, out, title=params.get("title", ""), progress=progress, total=total
        )
        out.seek(0)
        name = files.save(f"{job_dir(job)}/ledger.xlsx", File(out, name="ledger.xlsx"))
    job.result_path = _relative(name)
    job.result_name = params.get("filename") or "ledger.xlsx"
    job.data = {"rows": rows}
    job.message = _("%(n)d measures exported.") % {"n": rows}


def handle_import_preview(job: Job, progress: Callable[[int, str], None]) -> None:
    params = job.params
    inspection = _inspection(job, params.get("inspection_id"))
    with _upload(job) as data:
        preview = preview_import(
            data,
            filename=params.get("filename", ""),
            inspection=inspection,
            by=job.owner,
            default_theme=_theme(job, params.get("default_theme_id"), inspection),
            progress=progress,
            choices=ImportChoices.from_dict(params.get("choices")),
        )
    job.data = preview.to_dict()
    counts = preview.counts()
    job.message = _(
        "%(create)d measures to create, %(update)d to update, %(same)d unchanged; "
        "%(errors)d errors."
    ) % {
        "create": counts["measures_create"],
        "update": counts["measures_update"],
        "same": counts["measures_unchanged"],
        "errors": counts["errors"],
    }


def handle_import_apply(job: Job, progress: Callable[[int, str], None]) -> None:
    params = job.params
    preview_job = (
        Job.objects.unscoped("background job of its owner")
        .filter(pk=params.get("preview_job_id"), owner=job.owner, kind=JobKind.IMPORT_PREVIEW)
        .first()
    )
    if preview_job is None:
        raise JobFailed(_("The preview of this import is no longer available; upload again."))
    pparams = preview_job.params
    inspection = _inspection(job, pparams.get("inspection_id"))
    with _upload(preview_job) as data:
        result = apply_import(
            data,
            filename=pparams.get("filename", ""),
            inspection=inspection,
            by=job.owner,
            default_theme=_theme(job, pparams.get("default_theme_id"), inspection),
            expected_digest=params.get("digest") or None,
            progress=progress,
            choices=ImportChoices.from_dict(
                {**(pparams.get("choices") or {}), "skip_errors": bool(params.get("skip_errors"))}
            ),
        )
    job.data = result.to_dict() | {"inspection_id": inspection.pk}
    job.message = _(
        "Imported: %(fc)d findings created, %(fu)d updated; %(mc)d measures created, "
        "%(mu)d updated."
    ) % {
        "fc": result.created_findings,
        "fu": result.updated_findings,
        "mc": result.created_measures,
        "mu": result.updated_measures,
    }
    if result.skipped_rows:
        job.message += " " + _("%(n)d rows with errors were left out.") % {"n": result.skipped_rows}


HANDLERS.update(
    {
        JobKind.LEDGER_EXPORT: handle_export,
        JobKind.IMPORT_PREVIEW: handle_import_preview,
        JobKind.IMPORT_APPLY: handle_import_apply,
    }
)

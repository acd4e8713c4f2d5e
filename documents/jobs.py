"""Background jobs for imports and exports that take longer than a request should.

A job is a row in ``documents.Job`` plus a folder jobs/<id>/ of the private file store
(core.files: local disk or object storage) holding the uploaded file and the result. The view
that starts a job enqueues a task (documents.tasks, run by ``manage.py run_worker``) in the
same transaction as the job's row, and the page polls the row every second (htmx) for its
progress bar. A restart of the web server does not touch a queued or running job.

A job's data writes are one transaction, so a worker killed halfway has written nothing; the
worker that finds the task left running by a dead process (core.worker) queues it again, and
:func:`run_job` retries the job up to JOB_MAX_ATTEMPTS times before marking it failed with a
message. A job whose row has not moved for JOB_LEASE_SECONDS is shown as failed, so nothing
stays "running" forever, even with no worker at all.

Progress is written outside the job's data transaction: in the worker the data transaction is
the job's own, and progress goes by a second database connection in autocommit, so the page
sees it while the import writes. On SQLite the data transaction holds the database's only write
lock (IMMEDIATE), which a second connection would wait for: there the write phase, which is the
short part of an import (reading and matching come first, outside any transaction), reports no
progress until it commits. Run inline (in a request or a test's transaction), progress shares
the caller's connection. :func:`run_job` is an ordinary function: tests and management commands
call it directly, synchronously.
"""

from __future__ import annotations

import datetime as dt
import logging
import posixpath
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import connection, connections
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from core import files
from core.worker import lease, worker_alive, worker_name
from documents.exports import export_ledger_xlsx
from documents.imports import ImportChoices, apply_import, preview_import
from documents.ledger_reader import LedgerReadError
from documents.models import FINISHED_STATUSES, Job, JobKind, JobStatus
from ledger.filters import MeasureFilter
from ledger.models import Inspection
from ledger.selectors import ledger_measures
from organization.models import Theme

logger = logging.getLogger(__name__)

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


def _unique(stem: str) -> str:
    """A file name no earlier job used: the store keeps a name it already holds, and a job id
    can come again (a database emptied or replaced while the file store stayed)."""
    return f"{stem}-{secrets.token_hex(8)}"


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
        name = files.save(f"{job_dir(job)}/{_unique('upload')}{suffix}", ContentFile(upload))
        job.upload_path = _relative(name)
        job.save(update_fields=["upload_path"])
    return job


def start_job(job: Job) -> None:
    """Queue the job for the worker, in the caller's transaction (the task row and the job's
    row commit together, or neither does)."""
    from documents.tasks import run_document_job

    result = run_document_job.enqueue(job.pk)
    Job.objects.unscoped("background job of its owner").filter(pk=job.pk).update(
        task_id=str(result.id)[:64]
    )


def max_attempts() -> int:
    return max(1, int(getattr(settings, "JOB_MAX_ATTEMPTS", 2)))


def _claim(job: Job) -> bool:
    """Take the job for this process: a waiting job, or a running one whose worker is gone."""
    if job.status == JobStatus.RUNNING:
        alive = worker_alive(job.worker)
        stale = timezone.now() - job.updated_at > lease()
        if alive is True or (alive is None and not stale):
            return False
    if job.attempts >= max_attempts():
        Job.objects.unscoped("background job of its owner").filter(
            pk=job.pk, status=job.status, attempts=job.attempts
        ).update(
            status=JobStatus.FAILED,
            message=_(
                "The job was interrupted %(n)d times (its worker stopped); nothing was changed. "
                "Start it again."
            )
            % {"n": job.attempts},
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        return False
    retry = job.attempts > 0
    return bool(
        Job.objects.unscoped("background job of its owner")
        .filter(pk=job.pk, status=job.status, worker=job.worker, attempts=job.attempts)
        .update(
            status=JobStatus.RUNNING,
            progress=1,
            worker=worker_name(),
            attempts=job.attempts + 1,
            message=_("Interrupted; started again.") if retry else "",
            updated_at=timezone.now(),
        )
    )


class _Progress:
    """Writes a job's progress where other connections see it while the job's data
    transaction is still open (see the module's docstring)."""

    def __init__(self, job: Job) -> None:
        self.job_id = job.pk
        # Inline runs (a request's or a test's transaction) share the caller's connection.
        self.inline = connection.in_atomic_block
        self.last = timezone.now()
        self.shown = 0
        self.own: Any = None

    def __call__(self, percent: int, message: str) -> None:
        now = timezone.now()
        # At most twice a second, but a jump (a phase ending) is always shown.
        if now - self.last < _PROGRESS_EVERY and percent < self.shown + 5:
            return
        self.last, self.shown = now, percent
        values = {
            "progress": max(1, min(99, percent)),
            "message": message[:500],
            "updated_at": now,
        }
        if self.inline or not connection.in_atomic_block:
            Job.objects.unscoped("background job of its owner").filter(pk=self.job_id).update(
                **values
            )
            return
        if connection.vendor == "sqlite":
            return  # the data transaction holds the write lock; see the module's docstring
        if self.own is None:
            self.own = connections.create_connection("default")
        sets = ", ".join(f"{name} = %s" for name in values)
        with self.own.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Job._meta.db_table} SET {sets} WHERE id = %s",
                [*values.values(), self.job_id],
            )

    def close(self) -> None:
        if self.own is not None:
            self.own.close()


def run_job(job_id: int) -> Job:
    """Run a job to its end, synchronously; whatever happens, it ends done or failed."""
    job = Job.objects.unscoped("background job of its owner").select_related("owner").get(pk=job_id)
    if job.status in FINISHED_STATUSES or not _claim(job):
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    progress = _Progress(job)
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
    finally:
        progress.close()
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
    """Mark as failed a job that nothing will finish: its row has not moved for the lease, or
    it ran inside a request whose process is gone (a queued job's worker retries it)."""
    if job.status not in (JobStatus.PENDING, JobStatus.RUNNING):
        return job
    stale = timezone.now() - job.updated_at > lease()
    orphan = (
        job.status == JobStatus.RUNNING and not job.task_id and worker_alive(job.worker) is False
    )
    if stale or orphan:
        Job.objects.unscoped("background job of its owner").filter(
            Q(pk=job.pk, status=job.status, updated_at=job.updated_at)
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
        name = files.save(f"{job_dir(job)}/{_unique('ledger')}.xlsx", File(out, name="ledger.xlsx"))
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

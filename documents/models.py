"""Documents in and out: the one model is the background job that produces or reads a file."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organization.models import ScopedQuerySet


class JobKind(models.TextChoices):
    LEDGER_EXPORT = "ledger_export", _("Ledger export (Excel)")
    IMPORT_PREVIEW = "import_preview", _("Ledger import: preview")
    IMPORT_APPLY = "import_apply", _("Ledger import")


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


FINISHED_STATUSES = (JobStatus.DONE, JobStatus.FAILED)


class Job(models.Model):
    """后台任务 (background job): an import or export too long for one request.

    Owned by the person who started it, who alone sees it and downloads its file. The file lives
    in the private file store (core.files) under jobs/<id>/ and is served only through the
    scoped download view.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=JobKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="document_jobs"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    message = models.TextField(_("message"), blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    data = models.JSONField(_("result data"), default=dict, blank=True)
    upload_path = models.CharField(max_length=300, blank=True)
    result_path = models.CharField(max_length=300, blank=True)
    result_name = models.CharField(_("file name"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Which worker process runs it ("host:pid") and how many times it was started: a job whose
    # worker died is retried up to JOB_MAX_ATTEMPTS, then marked failed.
    worker = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The background task that runs it; empty when it ran inside the request that started it.
    task_id = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("document job")
        verbose_name_plural = _("document jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="job_progress_max")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

"""Shared models that know no domain: the tamper-evident audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.scoping import GuardedQuerySet


class AuditEvent(models.Model):
    """审计日志事件 (audit event): one recorded change, chained by hash to the one before it.

    Rows are only ever inserted by `core.audit.record_event`; nothing in the product updates
    or deletes them, and on SQLite and PostgreSQL alike a trigger refuses it at the database
    level (`core.triggers`).
    """

    seq = models.BigIntegerField(_("sequence"), unique=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.BigIntegerField(_("object id"))
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    action = models.CharField(_("action"), max_length=64)
    message = models.TextField(_("message"), blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = GuardedQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """审计链头 (audit chain head): the single row every writer locks to append to the chain.

    Locking one row serialises appends, so the chain never forks under concurrent writes. A
    trigger lets it move forward only, to an event that exists; `manage.py audit_checkpoint`
    copies it outside the database, so a head moved back is found by `verify_audit --checkpoint`.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")


class SubmissionToken(models.Model):
    """一次性提交令牌 (one-time submission token): the key a create form carries, so that the
    same submission sent twice (a double tap, a retry on a bad connection) is stored once.

    The unique constraint is what makes it hold under concurrency: the second insert waits for
    the first request's transaction and then fails, and the second request answers with the
    first one's result (`result_url`).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    path = models.CharField(max_length=300)
    result_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("submission token")
        verbose_name_plural = _("submission tokens")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_submission_token_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class AuditVerification(models.Model):
    """审计链校验记录 (audit verification run): one run of `verify_audit`, from the command line
    or the audit administrator's page, with what it found. The self-check reports the last."""

    started_at = models.DateTimeField(_("time"), db_index=True)
    checked = models.PositiveIntegerField(_("events checked"), default=0)
    ok = models.BooleanField(_("chain intact"))
    broken_at = models.BigIntegerField(_("first broken event"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("run by"),
    )

    class Meta:
        verbose_name = _("audit verification")
        verbose_name_plural = _("audit verifications")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'broken'}"


class BackupRecord(models.Model):
    """备份记录 (backup record): one archive written by `manage.py backup`.

    Kept so that the installation can say when it was last backed up (the 等保 self-check asks);
    the archive itself lives wherever the operator keeps backups, outside the database.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    file_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    rows = models.BigIntegerField()
    files = models.IntegerField()
    chain_seq = models.BigIntegerField()

    class Meta:
        verbose_name = _("backup record")
        verbose_name_plural = _("backup records")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

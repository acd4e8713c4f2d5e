"""Reminders, urging and supervision (催办督办), and the notifications they send."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models import Measure
from notifications.choices import Channel, DeliveryStatus, Kind, WebhookKind
from notifications.ladder import DEFAULT_LADDER, ladder_to_config
from organization.models import Organization, ScopedQuerySet

# The issuing-organ abbreviation (机关代字) of a supervision notice number: document data that
# the office can change on its settings page, not interface text.
DEFAULT_NOTICE_PREFIX = "督办"


KIND_ICONS: dict[str, str] = {
    Kind.REMINDER: "bi-alarm",
    Kind.URGE: "bi-megaphone",
    Kind.URGE_ANSWER: "bi-reply",
    Kind.TRANSITION: "bi-arrow-left-right",
    Kind.NOTICE: "bi-flag",
    Kind.NOTICE_REPLY: "bi-reply-all",
    Kind.TEST: "bi-broadcast",
}


def default_ladder_config() -> list[dict[str, Any]]:
    return ladder_to_config(DEFAULT_LADDER)


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class NotificationSettings(models.Model):
    """督办设置 (reminder settings): one organization's escalation ladder and group robot.

    The ladder is stored in its configuration form and validated by `notifications.ladder`.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="notification_settings"
    )
    ladder = models.JSONField(_("escalation ladder"), default=default_ladder_config)
    webhook_url = models.URLField(
        _("group robot address"),
        max_length=500,
        blank=True,
        help_text=_(
            "The webhook address of a WeCom or DingTalk group robot. Empty: the server-wide "
            "address, if one is configured."
        ),
    )
    webhook_kind = models.CharField(
        _("group robot type"), max_length=16, choices=WebhookKind.choices, default=WebhookKind.AUTO
    )
    webhook_secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("Only for DingTalk robots secured by signature (加签)."),
    )
    notice_prefix = models.CharField(
        _("notice number prefix"),
        max_length=20,
        default=DEFAULT_NOTICE_PREFIX,
        help_text=_("Supervision notices are numbered prefix〔year〕n号."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def __str__(self) -> str:
        return str(_("Reminder settings of %(org)s") % {"org": self.organization})


class Preference(models.Model):
    """通知偏好 (notification preferences) of one person: channels, digest, calendar feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("email"), default=True)
    webhook_enabled = models.BooleanField(
        _("mention me in the group robot's messages"), default=True
    )
    dingtalk_enabled = models.BooleanField(_("DingTalk work notices"), default=True)
    wecom_enabled = models.BooleanField(_("WeCom app messages"), default=True)
    daily_digest = models.BooleanField(
        _("one daily digest email instead of single emails"), default=False
    )
    digest_hour = models.PositiveSmallIntegerField(
        _("digest hour"), default=8, validators=[MaxValueValidator(23)]
    )
    last_digest_on = models.DateField(null=True, blank=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(condition=Q(digest_hour__lte=23), name="preference_digest_hour")
        ]

    def __str__(self) -> str:
        return str(self.user)


class Notification(models.Model):
    """通知 (notification): one message to one person, shown in their inbox.

    `key` makes each message idempotent: the same event never notifies the same person twice,
    however often the scheduler runs or reruns after a crash.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    measure = models.ForeignKey(
        Measure, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=500, blank=True)
    key = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["recipient", "-created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~Q(key=""), name="notification_once_per_key"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def icon(self) -> str:
        return KIND_ICONS.get(self.kind, "bi-bell")


class Delivery(models.Model):
    """投递 (delivery): one email, group-robot message or work notice (工作通知) waiting to go
    out, sent or given up.

    Rows are written in the transaction of the event they announce and sent after it commits,
    so a failing mail server never undoes or blocks the action that caused the message.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    bundle = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("digest"),
    )
    to = models.CharField(_("to"), max_length=500)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True)
    payload = models.JSONField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["recipient", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.shown_to}"

    @property
    def shown_to(self) -> str:
        """The address without a robot's query string, which carries its access key."""
        if self.channel == Channel.WEBHOOK:
            return self.to.split("?", 1)[0]
        return self.to


class ReminderLog(models.Model):
    """催办记录 (reminder log): one rung of the escalation ladder fired for one measure.

    Unique on (measure, due date, step): each rung fires once per due date, and moving the due
    date starts the ladder again.
    """

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="reminder_logs")
    due_date = models.DateField(_("due date"))
    step_code = models.CharField(_("step"), max_length=50)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    flagged = models.BooleanField(_("flagged for supervision"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder log")
        verbose_name_plural = _("reminder logs")
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "due_date", "step_code"], name="reminder_once_per_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.due_date} {self.step_code}"


class Urge(models.Model):
    """催办 (urge): the office or a liaison group presses a unit on a measure; the unit answers."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="urges")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("urge")
        verbose_name_plural = _("urges")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.measure} · {self.message[:30]}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class SupervisionNotice(models.Model):
    """督办通知 (supervision notice): the office's formal, numbered notice on a flagged measure
    (挂牌督办), with requirements and a deadline for the unit's written reply."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="supervision_notices"
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="supervision_notices"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    seq = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=60)
    requirements = models.TextField(_("requirements"))
    reply_deadline = models.DateField(_("reply by"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    reply = models.TextField(_("reply"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replied by"),
    )
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        ordering = ["-year", "-seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "seq"], name="supervision_notice_number_once"
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_replied(self) -> bool:
        return self.replied_at is not None


class EventCursor(models.Model):
    """处理进度 (event cursor): the last audit event a background pass has turned into messages.

    Advanced in the same transaction as the messages it produced, so a crash never skips an
    event and a rerun never repeats one.
    """

    name = models.CharField(max_length=50, unique=True)
    seq = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("event cursor")
        verbose_name_plural = _("event cursors")

    def __str__(self) -> str:
        return f"{self.name}@{self.seq}"

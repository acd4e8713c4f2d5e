from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a notification is about; the inbox shows an icon per kind."""

    REMINDER = "reminder", _("Deadline reminder (催办)")
    URGE = "urge", _("Urged (催办)")
    URGE_ANSWER = "urge_answer", _("Answer to an urge")
    TRANSITION = "transition", _("Close-out progress")
    NOTICE = "notice", _("Supervision notice (督办通知)")
    NOTICE_REPLY = "notice_reply", _("Reply to a supervision notice")
    TEST = "test", _("Test message")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Group robot (WeCom / DingTalk)")
    DINGTALK = "dingtalk", _("DingTalk work notice (钉钉工作通知)")
    WECOM = "wecom", _("WeCom app message (企业微信应用消息)")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DIGEST = "digest", _("Waiting for the daily digest")
    BUNDLED = "bundled", _("Sent in a digest")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (gave up)")


class WebhookKind(models.TextChoices):
    AUTO = "auto", _("Detect from the address")
    WECOM = "wecom", _("WeCom group robot (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk group robot (钉钉)")
    GENERIC = "generic", _("Generic JSON")

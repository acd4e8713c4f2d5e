from django.db import models
from django.utils.translation import gettext_lazy as _


class CycleFrequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class RequestKind(models.TextChoices):
    CLOSE = "close", _("Close-out (销号)")
    STAGE = "stage", _("Stage completion (阶段性完成)")


class RequestStatus(models.TextChoices):
    PENDING_LIAISON = "pending_liaison", _("Awaiting liaison review")
    PENDING_OFFICE = "pending_office", _("Awaiting the office")
    RETURNED = "returned", _("Returned")
    DONE = "done", _("Closed out")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUPERSEDED = "superseded", _("Superseded")


OPEN_REQUEST_STATUSES = (RequestStatus.PENDING_LIAISON, RequestStatus.PENDING_OFFICE)


class ReviewStage(models.TextChoices):
    LIAISON = "liaison", _("Liaison group")
    OFFICE = "office", _("Rectification office")


class ReviewOutcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    CLOSED = "closed", _("Closed out (销号)")
    STAGE_DONE = "stage_done", _("Stage completed (阶段性完成)")
    DIRECT_CLOSED = "direct_closed", _("Closed out directly (直接销号)")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class LookBackStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Checked")
    CANCELLED = "cancelled", _("Cancelled")


class LookBackRating(models.TextChoices):
    GOOD = "good", _("Good (好)")
    FAIRLY_GOOD = "fairly_good", _("Fairly good (较好)")
    AVERAGE = "average", _("Average (一般)")
    POOR = "poor", _("Poor (差)")


# 一般 and 差 mean the problem has come back: the measure is reopened (重新整改).
RELAPSE_RATINGS = (LookBackRating.AVERAGE, LookBackRating.POOR)

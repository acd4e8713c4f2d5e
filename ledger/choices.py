from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionKind(models.TextChoices):
    XUNSHI = "xunshi", _("Inspection (巡视)")
    XUNCHA = "xuncha", _("Inspection by same-level committee (巡察)")
    AUDIT = "audit", _("Audit or other supervision")


class InspectionStatus(models.TextChoices):
    RECTIFYING = "rectifying", _("Concentrated rectification")
    ONGOING = "ongoing", _("Ongoing rectification")
    CLOSED = "closed", _("Completed")


class DeadlineKind(models.TextChoices):
    # Values match ledger.deadline_parser.DeadlineKind.
    IMMEDIATE = "immediate", _("Fix at once (立行立改)")
    BY_DATE = "by_date", _("Fix by a date (限期整改)")
    LONG_TERM = "long_term", _("Long-term (长期坚持)")


class MeasureState(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    PENDING_REVIEW = "pending_review", _("Awaiting liaison review")
    PENDING_CLOSE = "pending_close", _("Awaiting close-out")
    CLOSED = "closed", _("Closed")
    STAGE_DONE = "stage_done", _("Stage completed")


DONE_STATES = (MeasureState.CLOSED, MeasureState.STAGE_DONE)
OPEN_STATES = (
    MeasureState.NOT_STARTED,
    MeasureState.IN_PROGRESS,
    MeasureState.PENDING_REVIEW,
    MeasureState.PENDING_CLOSE,
)


class FindingState(models.TextChoices):
    NOT_STARTED = "not_started", _("Not rectified")
    IN_PROGRESS = "in_progress", _("Being rectified")
    DONE = "done", _("Rectified")


class UnitPart(models.TextChoices):
    LEAD = "lead", _("Lead unit")
    COOP = "coop", _("Co-operating unit")

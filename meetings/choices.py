from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    JOINT = "joint", _("Joint meeting (联席会议)")
    REPORTING = "reporting", _("Reporting meeting (汇报会)")
    LEADING_GROUP = "leading_group", _("Leading group meeting (领导小组会议)")
    TOPICAL = "topical", _("Topical meeting (专题会)")


class MeetingState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    MINUTES_ISSUED = "minutes_issued", _("Minutes issued")


class Attendance(models.TextChoices):
    EXPECTED = "expected", _("Expected")
    PRESENT = "present", _("Present")
    LEAVE = "leave", _("On leave (请假)")
    ABSENT = "absent", _("Absent")


class PartState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")

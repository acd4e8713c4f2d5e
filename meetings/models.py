"""Meetings of the rectification work (联席会议, 汇报会, 领导小组会议, 专题会): who meets, what each
reporting unit reads, the minutes (会议纪要) and what became of each of the chair's requirements."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledger.models import Inspection, Measure, Tag
from meetings.choices import Attendance, MeetingKind, MeetingState, PartState
from organization.models import Organization, Person, ScopedQuerySet, TaskForce, Unit

USER = settings.AUTH_USER_MODEL


class Meeting(models.Model):
    """会议 (meeting): a joint meeting (联席会议), reporting meeting (汇报会), leading group meeting
    (领导小组会议) or topical meeting (专题会) of one inspection's rectification work.

    Organized by task forces (工作专班), the office (整改办) and/or the leading group (领导小组);
    its state moves only through `meetings.services.meeting_transition`.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="meetings", editable=False
    )
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("inspection")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices)
    starts_at = models.DateTimeField(_("date and time"), db_index=True)
    place = models.CharField(_("place"), max_length=200)
    chair = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chaired_meetings",
        verbose_name=_("chair"),
    )
    task_forces = models.ManyToManyField(  # type: ignore[var-annotated]
        TaskForce, blank=True, related_name="meetings", verbose_name=_("organizing task forces")
    )
    # Campaigns (专题活动) the meeting serves, e.g. a joint meeting on 党史学习教育.
    tags = models.ManyToManyField(  # type: ignore[var-annotated]
        Tag, blank=True, related_name="meetings", verbose_name=_("campaigns")
    )
    by_office = models.BooleanField(_("organized by the office"), default=False)
    by_leading_group = models.BooleanField(_("organized by the leading group"), default=False)
    parts_due_at = models.DateTimeField(_("parts due"))
    state = models.CharField(
        _("state"), max_length=16, choices=MeetingState.choices, default=MeetingState.PLANNED
    )
    state_changed_at = models.DateTimeField(_("state since"), null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parts_due_at__lte=models.F("starts_at")),
                name="meeting_parts_due_before_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    """议程 (agenda item): one point of the meeting's agenda, in order."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(_("order"))
    text = models.CharField(_("agenda item"), max_length=300)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="agenda_position_once")
        ]

    def __str__(self) -> str:
        return self.text


class Attendee(models.Model):
    """参会人员/单位 (attendee): a person or a unit expected at the meeting, with its attendance
    (出席 / 请假 with a reason / 缺席)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attendance = models.CharField(
        _("attendance"), max_length=16, choices=Attendance.choices, default=Attendance.EXPECTED
    )
    reason = models.CharField(_("reason for leave"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["unit__sort_order", "person_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=True) ^ Q(unit__isnull=True),
                name="attendee_person_or_unit",
            ),
            models.UniqueConstraint(
                fields=["meeting", "person"], name="attendee_person_once", condition=Q(unit=None)
            ),
            models.UniqueConstraint(
                fields=["meeting", "unit"], name="attendee_unit_once", condition=Q(person=None)
            ),
            models.CheckConstraint(
                condition=~Q(attendance=Attendance.LEAVE) | ~Q(reason=""),
                name="attendee_leave_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return str(self.person or self.unit)


class MeetingPart(models.Model):
    """单位汇报材料 (a reporting unit's part): what the unit reads at the meeting — work done,
    problems and obstacles, next steps — and a snapshot of its figures, due before the meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="parts")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="meeting_parts")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    work_done = models.TextField(_("work done (工作开展情况)"), blank=True)
    problems = models.TextField(_("problems and obstacles (存在的问题 / 难点堵点)"), blank=True)
    next_steps = models.TextField(_("next steps (下一步工作打算)"), blank=True)
    # {"total", "open", "overdue", "returned", "closed"} as counted when last filled.
    figures = models.JSONField(_("figures"), default=dict)
    figures_at = models.DateTimeField(_("figures as of"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(
        _("state"), max_length=16, choices=PartState.choices, default=PartState.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting part")
        verbose_name_plural = _("meeting parts")
        ordering = ["position", "unit__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "unit"], name="meeting_part_once_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.unit}"


class Minutes(models.Model):
    """会议纪要 (minutes): the record of the meeting and the chair's summing-up (总结讲话)."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    summary = models.TextField(_("summing-up"))
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return str(self.meeting)


class Requirement(models.Model):
    """会议要求 (requirement): one numbered requirement of the chair in the minutes; it may
    become measures in the ledger (or a measure flagged for supervision, 挂牌督办)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="requirements")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("requirement"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="requirement_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:40]}"


class RequirementMeasure(models.Model):
    """会议要求转化的整改措施 (measure born of a requirement): links a measure to the meeting
    requirement it was created from, so each side can show the other."""

    requirement = models.ForeignKey(
        Requirement, on_delete=models.PROTECT, related_name="measure_links"
    )
    measure = models.OneToOneField(
        Measure, on_delete=models.PROTECT, related_name="meeting_requirement_link"
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("measure born of a requirement")
        verbose_name_plural = _("measures born of requirements")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.requirement} → {self.measure}"

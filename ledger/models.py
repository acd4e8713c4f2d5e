"""The rectification ledger (整改台账): inspections, findings, measures."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledger.choices import (
    DeadlineKind,
    InspectionKind,
    InspectionStatus,
    MeasureState,
    UnitPart,
)
from organization.models import Organization, Person, ScopedQuerySet, Theme, Unit


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day N months later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))


class Inspection(models.Model):
    """巡视/巡察 (inspection round): one round's feedback and its rectification period."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="inspections"
    )
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(
        _("short name"),
        max_length=20,
        blank=True,
        help_text=_("Shown before the numbers wherever rounds meet, e.g. 三轮巡视."),
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=InspectionKind.choices, default=InspectionKind.XUNSHI
    )
    inspecting_body = models.CharField(_("inspecting body"), max_length=200, blank=True)
    start_date = models.DateField(_("inspection start"), null=True, blank=True)
    end_date = models.DateField(_("inspection end"), null=True, blank=True)
    feedback_date = models.DateField(_("feedback date"))
    rectification_end = models.DateField(_("end of concentrated rectification"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=InspectionStatus.choices,
        default=InspectionStatus.RECTIFYING,
    )
    feedback_text = models.TextField(_("feedback (反馈意见) text"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-feedback_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="inspection_unique_name"),
            models.CheckConstraint(
                condition=Q(rectification_end__gte=models.F("feedback_date")),
                name="inspection_period_after_feedback",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name to show beside a finding's or a measure's number."""
        return self.short_name or self.name


class Tag(models.Model):
    """标签 (tag): a campaign rectification is combined with, e.g. 党史学习教育, 警示教育."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="tags")
    name = models.CharField(_("name"), max_length=50)
    # A campaign (专题活动) runs for a period the party committee sets; a plain tag has none.
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("campaign start"), null=True, blank=True)
    end_date = models.DateField(_("campaign end"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="tag_unique_name"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="tag_period_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Finding(models.Model):
    """问题 (finding): one problem of an inspection's feedback, under a theme.

    Its state (未整改 / 正在整改 / 已整改) is derived from its measures, never stored.
    """

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="findings", verbose_name=_("inspection")
    )
    theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, related_name="findings", verbose_name=_("theme")
    )
    number = models.CharField(_("number"), max_length=40, blank=True)
    sort_key = models.CharField(max_length=80, blank=True, db_index=True)
    text = models.TextField(_("problem"))
    source_excerpt = models.TextField(_("source excerpt"), blank=True)
    responsible_leaders = models.ManyToManyField(
        Person, blank=True, related_name="led_findings", verbose_name=_("responsible leaders")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection_id", "sort_key", "id"]
        indexes = [models.Index(fields=["inspection", "sort_key"])]

    def __str__(self) -> str:
        head = self.text[:40] + ("…" if len(self.text) > 40 else "")
        return f"{self.number} {head}".strip()


class MeasureGroup(models.Model):
    """整改任务组 (measure group): one task assigned to many units, one measure per unit."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="groups")
    content = models.TextField(_("content"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("measure group")
        verbose_name_plural = _("measure groups")

    def __str__(self) -> str:
        return self.content[:40]


class Measure(models.Model):
    """整改措施 (rectification measure): the tracked unit of work.

    Its state changes only through `ledger.services.measure_transition`; its fields only through
    `measure_update`, which checks `version` so a concurrent edit is refused, not overwritten.
    """

    # The organization of the finding's inspection, kept on the measure so the scope filter on
    # every ledger query needs no join through finding and inspection.
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="measures", editable=False
    )
    finding = models.ForeignKey(
        Finding, on_delete=models.PROTECT, related_name="measures", verbose_name=_("finding")
    )
    # The round (巡视轮次) of the finding, kept on the measure like the organization: every list
    # reads one round, and counting a round's measures through the finding join read the whole
    # measure table (52 ms at 100,000 measures on PostgreSQL) where the index below reads the
    # round's own entries (3 ms). A measure's finding, and a finding's round, never change after
    # creation; `ledger.services._new_measure` sets it (and the data generator, which writes
    # rows directly); ledger/tests/test_measure_round.py holds every way in to the finding's round.
    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,
    )
    group = models.ForeignKey(
        MeasureGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measures",
        verbose_name=_("group"),
    )
    number = models.CharField(_("number"), max_length=40, blank=True)
    sort_key = models.CharField(max_length=80, blank=True)
    content = models.TextField(_("measure"))
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="led_measures", verbose_name=_("lead unit")
    )
    units = models.ManyToManyField(  # type: ignore[var-annotated]
        Unit, through="MeasureUnit", related_name="measures", verbose_name=_("units")
    )
    responsible_leader = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_measures",
        verbose_name=_("responsible leader"),
    )
    responsible_persons = models.ManyToManyField(
        Person,
        blank=True,
        related_name="responsible_measures",
        verbose_name=_("responsible persons"),
    )
    # Names a ledger gives that are not (yet) in the people directory: kept as written so the
    # ledger and its exports still show them, and linked once the person is added.
    responsible_leader_text = models.CharField(
        _("responsible leader (not in the directory)"), max_length=100, blank=True
    )
    responsible_persons_text = models.CharField(
        _("responsible persons (not in the directory)"), max_length=200, blank=True
    )
    deadline_kind = models.CharField(
        _("deadline kind"),
        max_length=16,
        choices=DeadlineKind.choices,
        default=DeadlineKind.BY_DATE,
    )
    deadline_text = models.CharField(_("deadline as written"), max_length=100, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    original_due_date = models.DateField(_("original due date"), null=True, blank=True)
    review_interval_days = models.PositiveSmallIntegerField(
        _("review interval (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(7), MaxValueValidator(366)],
    )
    next_review_date = models.DateField(_("next review"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="measures", verbose_name=_("tags"))
    is_flagged = models.BooleanField(_("flagged for supervision (挂牌督办)"), default=False)
    progress = models.PositiveSmallIntegerField(
        _("progress %"), default=0, validators=[MaxValueValidator(100)]
    )
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=MeasureState.choices,
        default=MeasureState.NOT_STARTED,
        db_index=True,
    )
    state_changed_at = models.DateTimeField(_("state since"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Kept by the reporting layer through ledger services, so the ledger page needs no join.
    evidence_count = models.PositiveIntegerField(_("evidence"), default=0)
    last_report_at = models.DateTimeField(_("last report"), null=True, blank=True)
    relapse_count = models.PositiveSmallIntegerField(_("relapses"), default=0)
    # The deadline clock (see ledger.selectors.overdue_q). The day the pending close-out request
    # was filed: a request filed by the due date stops the clock while reviewers decide.
    review_requested_on = models.DateField(_("close-out requested on"), null=True, blank=True)
    # After a request filed in time comes back past the due date, the clock runs again from the
    # return: this is the last day that still counts as in time (the day before the return).
    grace_due_date = models.DateField(_("in time until"), null=True, blank=True)
    # 被退回: set by a reviewer's return, cleared when the unit acts (reports or asks again).
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.TextField(_("return reason"), blank=True)
    # 重新整改: the schedule of a reopened measure runs from the reopening, not the feedback.
    reopened_on = models.DateField(_("reopened on"), null=True, blank=True)
    urge_count = models.PositiveSmallIntegerField(_("urges"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["finding__sort_key", "finding_id", "sort_key", "id"]
        indexes = [
            models.Index(fields=["finding", "sort_key"]),
            models.Index(fields=["organization", "inspection", "state"]),
            models.Index(fields=["lead_unit", "state"]),
            models.Index(fields=["state", "due_date"]),
            # The home page's queues, oldest first (awaiting close-out, awaiting review): the
            # first eight read from the index, not thousands sorted (20 ms for the office).
            # Not led by the organization: SQLite then took it for every read of the
            # organization's measures (the home page 150 → 650 ms).
            models.Index(fields=["state", "state_changed_at", "id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(deadline_kind=DeadlineKind.LONG_TERM) | Q(due_date__isnull=True),
                name="measure_long_term_has_no_due_date",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="measure_progress_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        head = self.content[:40] + ("…" if len(self.content) > 40 else "")
        return f"{self.number} {head}".strip()

    @property
    def reference(self) -> str:
        """The measure's number as read where rounds meet (queues, lists): the round's short
        name, the finding's number and the measure's (三轮巡视 · 问题一、（一）1 · 措施2)."""
        finding = self.finding
        return str(
            _("%(inspection)s · problem %(finding)s · measure %(measure)s")
            % {
                "inspection": finding.inspection.label,
                "finding": finding.number or "—",
                "measure": self.number or "—",
            }
        )

    @property
    def is_long_term(self) -> bool:
        return self.deadline_kind == DeadlineKind.LONG_TERM

    @property
    def is_done(self) -> bool:
        return self.state in (MeasureState.CLOSED, MeasureState.STAGE_DONE)

    @property
    def is_returned(self) -> bool:
        """被退回: a reviewer sent the close-out request back and the unit has not acted yet."""
        return self.returned_at is not None and self.state == MeasureState.IN_PROGRESS

    @property
    def is_relapsed(self) -> bool:
        """反弹: reopened after a close-out and not closed again yet."""
        return self.relapse_count > 0 and not self.is_done


class MeasureUnit(models.Model):
    """牵头/配合单位 (unit on a measure): the lead unit or a co-operating unit, with its part."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="unit_links")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="measure_links")
    part = models.CharField(max_length=8, choices=UnitPart.choices)

    class Meta:
        verbose_name = _("unit on a measure")
        verbose_name_plural = _("units on measures")
        constraints = [
            models.UniqueConstraint(fields=["measure", "unit"], name="measure_unit_once")
        ]
        indexes = [models.Index(fields=["unit", "measure"])]

    def __str__(self) -> str:
        return f"{self.unit} ({self.get_part_display()})"

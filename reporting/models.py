"""Work around a measure: progress reports, evidence, close-out, extensions, look-backs.

Rows here are written only by `reporting.services`. Reports, evidence, decisions and look-backs
are append-only: a correction is a new report, a withdrawn file is kept and marked.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ledger.models import Inspection, Measure
from organization.models import ScopedQuerySet, Unit
from reporting.choices import (
    OPEN_REQUEST_STATUSES,
    CycleFrequency,
    ExtensionStatus,
    LookBackRating,
    LookBackStatus,
    RequestKind,
    RequestStatus,
    ReviewOutcome,
    ReviewStage,
    Weekday,
)

USER = settings.AUTH_USER_MODEL


class ReportingCycle(models.Model):
    """汇报周期 (reporting cycle): how often the units of an inspection report, set by the office.

    Weekly cycles end on a weekday (e.g. every Friday); monthly cycles end on a day of the month
    (e.g. by the 25th, clamped to the month's last day).
    """

    inspection = models.OneToOneField(
        Inspection, on_delete=models.PROTECT, related_name="reporting_cycle"
    )
    frequency = models.CharField(
        _("frequency"), max_length=8, choices=CycleFrequency.choices, default=CycleFrequency.WEEKLY
    )
    weekday = models.PositiveSmallIntegerField(
        _("report day (weekly)"), choices=Weekday.choices, default=Weekday.FRIDAY
    )
    day_of_month = models.PositiveSmallIntegerField(
        _("report day (monthly)"),
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    starts_on = models.DateField(_("first cycle starts"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reporting cycle")
        verbose_name_plural = _("reporting cycles")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__lte=6), name="reporting_cycle_weekday_valid"
            ),
            models.CheckConstraint(
                condition=Q(day_of_month__gte=1, day_of_month__lte=31),
                name="reporting_cycle_day_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspection} · {self.get_frequency_display()}"


class ProgressReport(models.Model):
    """整改进展报告 (progress report) on a measure, in the three parts units report.

    Append-only: a correction is a new report pointing at the one it supersedes; both are kept.
    """

    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="reports", verbose_name=_("measure")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="progress_reports", verbose_name=_("unit")
    )
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed at"), db_index=True)
    work_done = models.TextField(_("work done (工作开展情况)"))
    problems = models.TextField(_("problems and obstacles (存在的问题 / 难点堵点)"), blank=True)
    next_steps = models.TextField(_("next steps (下一步工作打算)"), blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress %"), validators=[MaxValueValidator(100)]
    )
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("corrects"),
    )
    correction_reason = models.CharField(_("reason for the correction"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-filed_at", "-id"]
        indexes = [models.Index(fields=["measure", "filed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="report_progress_at_most_100"
            ),
            models.CheckConstraint(
                condition=~Q(supersedes=F("id")), name="report_does_not_supersede_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure.number} · {self.filed_at:%Y-%m-%d}"


class CloseRequest(models.Model):
    """销号申请 (close-out request): the lead unit's summary, reviewed by its liaison group and
    then closed out (or, for a long-term measure, marked 阶段性完成) by the office."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="close_requests")
    kind = models.CharField(_("kind"), max_length=8, choices=RequestKind.choices)
    summary = models.TextField(_("summary"))
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices)
    evidence_snapshot = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("close-out request")
        verbose_name_plural = _("close-out requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure"],
                condition=Q(status__in=OPEN_REQUEST_STATUSES),
                name="close_request_one_open_per_measure",
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure.number} · {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES


class ReviewDecision(models.Model):
    """审核意见 (review decision) of the liaison group or the office.

    Keeps the measure and its evidence list as they were when decided, so a later change to
    either shows as "changed after approval".
    """

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="decisions")
    request = models.ForeignKey(
        CloseRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
    )
    stage = models.CharField(_("stage"), max_length=8, choices=ReviewStage.choices)
    outcome = models.CharField(_("decision"), max_length=16, choices=ReviewOutcome.choices)
    reason = models.TextField(_("reason / comments"), blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"))
    measure_snapshot = models.JSONField(default=dict)
    evidence_snapshot = models.JSONField(default=list)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        ordering = ["-decided_at", "-id"]
        constraints = [
            # One decision per stage of a request: two reviewers cannot both decide it.
            models.UniqueConstraint(
                fields=["request", "stage"], name="review_one_decision_per_stage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure.number} · {self.get_stage_display()} · {self.get_outcome_display()}"


class LookBack(models.Model):
    """回头看 (look-back check) of a closed measure; 一般 or 差 means it relapsed (反弹回潮)."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="lookbacks")
    planned_date = models.DateField(_("planned date"), db_index=True)
    batch_label = models.CharField(_("batch"), max_length=200, blank=True)
    scheduled_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField(_("scheduled at"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=LookBackStatus.choices,
        default=LookBackStatus.SCHEDULED,
    )
    rating = models.CharField(
        _("rating"), max_length=12, choices=LookBackRating.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    checked_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    relapsed = models.BooleanField(_("relapsed (反弹回潮)"), default=False)
    new_due_date = models.DateField(_("new due date"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("look-back check")
        verbose_name_plural = _("look-back checks")
        ordering = ["planned_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure"],
                condition=Q(status=LookBackStatus.SCHEDULED),
                name="lookback_one_scheduled_per_measure",
            ),
            models.CheckConstraint(
                condition=~Q(status=LookBackStatus.DONE) | ~Q(rating=""),
                name="lookback_done_has_rating",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure.number} · {self.planned_date:%Y-%m-%d}"


class Evidence(models.Model):
    """佐证材料 (evidence file) of a measure: stored by content hash outside every URL space,
    served only through the scoped download view, never deleted (only withdrawn)."""

    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("measure")
    )
    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
    )
    lookback = models.ForeignKey(
        LookBack, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    original_name = models.CharField(_("file name"), max_length=255)
    description = models.CharField(_("description"), max_length=500, blank=True)
    kind = models.CharField(_("type"), max_length=8)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdraw_reason = models.CharField(_("reason for withdrawal"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["measure", "withdrawn_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def previewable(self) -> str:
        """How the page can show the file itself: as an image, a PDF, or not at all ("")."""
        if self.kind in ("jpg", "png"):
            return "image"
        return "pdf" if self.kind == "pdf" else ""


class ExtensionRequest(models.Model):
    """延期申请 (extension request): a new due date asked before the deadline passes."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="extensions")
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    current_due_date = models.DateField(_("due date when asked"))
    requested_due_date = models.DateField(_("requested due date"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure"],
                condition=Q(status=ExtensionStatus.PENDING),
                name="extension_one_pending_per_measure",
            ),
            models.CheckConstraint(
                condition=Q(requested_due_date__gt=F("current_due_date")),
                name="extension_moves_the_date_later",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure.number} → {self.requested_due_date:%Y-%m-%d}"


class UnitReport(models.Model):
    """单位汇报 (unit report): what a unit reads at the reporting meeting for one cycle,
    gathering all its measures; pre-filled from its measure reports and editable."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="unit_reports")
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="unit_reports"
    )
    period_start = models.DateField(_("cycle start"))
    period_end = models.DateField(_("cycle end"))
    work_done = models.TextField(_("work done (工作开展情况)"), blank=True)
    problems = models.TextField(_("problems and obstacles (存在的问题 / 难点堵点)"), blank=True)
    next_steps = models.TextField(_("next steps (下一步工作打算)"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit report")
        verbose_name_plural = _("unit reports")
        ordering = ["-period_start", "unit_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "inspection", "period_start"], name="unit_report_once_per_cycle"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="unit_report_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"

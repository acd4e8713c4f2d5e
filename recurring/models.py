"""Recurring work (常态化工作): what every unit of a kind must do by a date each year."""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledger.models import Finding, MeasureGroup, Tag
from organization.models import Organization, ScopedQuerySet


class RecurringTemplate(models.Model):
    """常态化工作模板 (recurring work template): work every unit of the chosen kinds must finish
    by a day of each year, such as 组织生活会 and 民主评议党员 by the end of March.

    Applying it for a year (a `TemplateRun`) assigns one measure per unit, grouped, under the
    finding the work answers, with the evidence checklist the units must hand in.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="recurring_templates"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("what each unit does"),
        help_text=_("Becomes the text of each unit's measure, after the year."),
    )
    unit_kinds = models.JSONField(_("unit kinds"), default=list)
    due_month = models.PositiveSmallIntegerField(
        _("due month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    due_day = models.PositiveSmallIntegerField(
        _("due day"),
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("31 means the month's last day."),
    )
    # 2020年度组织生活会 is held early in 2021: the year's work falls due in the next year.
    due_next_year = models.BooleanField(_("due in the following year"), default=False)
    checklist = models.TextField(
        _("evidence checklist"), blank=True, help_text=_("One item a line, e.g. 会议记录.")
    )
    finding = models.ForeignKey(
        Finding,
        on_delete=models.PROTECT,
        related_name="recurring_templates",
        verbose_name=_("finding the measures answer"),
    )
    campaigns = models.ManyToManyField(
        Tag,
        blank=True,
        related_name="recurring_templates",
        verbose_name=_("campaigns"),
        help_text=_("Each unit's measure carries these campaign tags."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    apply_on = models.DateField(
        _("apply automatically on"),
        null=True,
        blank=True,
        help_text=_("The scheduler applies it on this day, then moves the day on by a year."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("recurring work template")
        verbose_name_plural = _("recurring work templates")
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "title"], name="recurring_template_unique_title"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def checklist_items(self) -> list[str]:
        return [line.strip() for line in self.checklist.splitlines() if line.strip()]

    def due_date_for(self, year: int) -> dt.date:
        """The day the year's work falls due; a day past the month's end is its last day."""
        due_year = year + 1 if self.due_next_year else year
        last = calendar.monthrange(due_year, self.due_month)[1]
        return dt.date(due_year, self.due_month, min(self.due_day, last))

    def year_due_after(self, day: dt.date) -> int:
        """The first year whose work falls due on or after `day` (the year to apply next)."""
        year = day.year - 1 if self.due_next_year else day.year
        while self.due_date_for(year) < day:
            year += 1
        return year


class TemplateRun(models.Model):
    """常态化工作批次 (template run): one year's application of a template — the group of one
    measure per unit, and the checklist as it stood on that day. Links to the year before."""

    template = models.ForeignKey(RecurringTemplate, on_delete=models.PROTECT, related_name="runs")
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    due_date = models.DateField(_("due date"))
    group = models.OneToOneField(
        MeasureGroup, on_delete=models.PROTECT, related_name="template_run"
    )
    checklist = models.TextField(_("evidence checklist"), blank=True)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_run",
        verbose_name=_("previous year's run"),
    )
    automatic = models.BooleanField(_("applied by the scheduler"), default=False)
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("template run")
        verbose_name_plural = _("template runs")
        ordering = ["template_id", "-year"]
        constraints = [
            # Applying a template twice for one year creates nothing new.
            models.UniqueConstraint(fields=["template", "year"], name="template_run_once_a_year"),
            models.CheckConstraint(
                condition=~Q(previous=models.F("id")), name="template_run_not_its_own_previous"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} · {self.year}"

    @property
    def checklist_items(self) -> list[str]:
        return [line.strip() for line in self.checklist.splitlines() if line.strip()]

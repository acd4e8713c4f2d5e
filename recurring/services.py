"""Writes of recurring work. Applying a template is atomic, locks the template, is audited, and
happens once a year: a second application for the same year is refused, never duplicated."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_event
from ledger.choices import DeadlineKind
from ledger.models import Measure, Tag
from ledger.services import MeasureData, measure_assign_to_units
from organization import policy
from organization.models import Unit
from organization.services import snapshot
from recurring.models import RecurringTemplate, TemplateRun


class AlreadyApplied(ValidationError):
    """The template already has its run for that year."""


def template_save(
    *, by: Any, template: RecurringTemplate, campaigns: list[Tag] | None = None
) -> RecurringTemplate:
    policy.require(
        by, "manage_recurring", template, message=_("Only the office manages recurring work.")
    )
    with transaction.atomic():
        creating = template.pk is None
        before: dict[str, Any] = {}
        if not creating:
            old = (
                RecurringTemplate.objects.unscoped("row lock after the policy check")
                .select_for_update()
                .get(pk=template.pk)
            )
            before = snapshot(old) | {"campaigns": _campaign_ids(old)}
        if campaigns and any(t.organization_id != template.organization_id for t in campaigns):
            raise ValidationError({"campaigns": _("A campaign belongs to another organization.")})
        if template.finding.inspection.organization_id != template.organization_id:
            raise ValidationError({"finding": _("The finding belongs to another organization.")})
        template.full_clean()
        template.save()
        if campaigns is not None:
            template.campaigns.set(campaigns)
        after = snapshot(template) | {"campaigns": _campaign_ids(template)}
        if creating:
            record_event(actor=by, obj=template, action="create", after=after)
        else:
            changed = {k: v for k, v in after.items() if before.get(k) != v}
            if changed:
                record_event(
                    actor=by,
                    obj=template,
                    action="update",
                    before={k: before.get(k) for k in changed},
                    after=changed,
                )
        return template


def _campaigns(template: RecurringTemplate) -> Any:
    return Tag.objects.unscoped("the template's own campaigns").filter(recurring_templates=template)


def _campaign_ids(template: RecurringTemplate) -> list[int]:
    return sorted(_campaigns(template).values_list("id", flat=True))


# The deadline and the measure text are written into the ledger the way the ledger writes
# them, in Chinese whatever language the person applying reads the screens in (data, not UI):
# the deadline must read back through `ledger.deadline_parser` as the stored due date.
DEADLINE_MONTH_END = "{year}年{month}月底前"
DEADLINE_DAY = "{year}年{month}月{day}日前"
MEASURE_TEXT = "{year}年度{title}（{deadline}）：{description}"


def _deadline_text(due: dt.date) -> str:
    if due.day == calendar.monthrange(due.year, due.month)[1]:
        return DEADLINE_MONTH_END.format(year=due.year, month=due.month)
    return DEADLINE_DAY.format(year=due.year, month=due.month, day=due.day)


def _next_number(template: RecurringTemplate) -> str:
    """The next whole number under the finding, so the units' copies (N.1, N.2, …) get their own
    place after the measures already there."""
    numbers = (
        Measure.objects.unscoped("numbering sees every measure of the finding")
        .filter(finding_id=template.finding_id)
        .values_list("number", flat=True)
    )
    taken = [int(m.group()) for n in numbers if (m := re.match(r"\d+", n or ""))]
    return str(max(taken, default=0) + 1)


def template_units(template: RecurringTemplate) -> list[Unit]:
    """The active units of the template's kinds, in the organization's order."""
    return list(
        Unit.objects.unscoped("the template's own organization, after the policy check")
        .filter(
            organization_id=template.organization_id,
            kind__in=template.unit_kinds,
            is_active=True,
        )
        .order_by("sort_order", "id")
    )


def _refusal(run: TemplateRun) -> AlreadyApplied:
    return AlreadyApplied(
        _("%(template)s was already applied for %(year)s on %(day)s; nothing new was created.")
        % {
            "template": run.template.title,
            "year": run.year,
            "day": timezone.localtime(run.applied_at).strftime("%Y-%m-%d"),
        },
        code="already_applied",
    )


def template_apply(
    *,
    by: Any,
    template: RecurringTemplate,
    year: int,
    due_date: dt.date | None = None,
    automatic: bool = False,
) -> TemplateRun:
    """Assign the year's work: one measure per unit of the template's kinds, grouped exactly as
    the ledger's 分派至多个单位, due on the template's day (or `due_date`).

    `by` is None only when the scheduler applies a template on its day (`automatic`): the
    office set that rule up when it chose the day.
    """
    if by is not None:
        policy.require(
            by, "manage_recurring", template, message=_("Only the office applies recurring work.")
        )
    elif not automatic:
        raise ValidationError(_("Someone must apply the template."))
    try:
        with transaction.atomic():
            locked = (
                RecurringTemplate.objects.unscoped("row lock after the policy check")
                .select_for_update()
                .select_related("finding__inspection")
                .get(pk=template.pk)
            )
            existing = (
                TemplateRun.objects.unscoped("the template's own runs")
                .filter(template=locked, year=year)
                .first()
            )
            if existing is not None:
                raise _refusal(existing)
            if not locked.is_active:
                raise ValidationError(_("The template is not active."))
            units = template_units(locked)
            if not units:
                raise ValidationError(_("No active unit is of the template's kinds."))
            due = due_date or locked.due_date_for(year)
            deadline = _deadline_text(due)
            content = MEASURE_TEXT.format(
                year=year,
                title=locked.title,
                deadline=deadline,
                description=locked.description.strip(),
            )
            group = measure_assign_to_units(
                by=by,
                finding=locked.finding,
                data=MeasureData(
                    content=content,
                    lead_unit=units[0],
                    number=_next_number(locked),
                    deadline_kind=DeadlineKind.BY_DATE,
                    deadline_text=deadline,
                    due_date=due,
                    tags=list(_campaigns(locked)),
                ),
                units=units,
                scheduled=automatic,
            )
            previous = (
                TemplateRun.objects.unscoped("the template's own runs")
                .filter(template=locked, year=year - 1)
                .first()
            )
            run = TemplateRun.objects.create(
                template=locked,
                year=year,
                due_date=due,
                group=group,
                checklist=locked.checklist,
                previous=previous,
                automatic=automatic,
                applied_by=by if getattr(by, "pk", None) else None,
            )
            # A year applied late (after the next one) still takes its place in the chain.
            TemplateRun.objects.unscoped("the template's own runs").filter(
                template=locked, year=year + 1, previous__isnull=True
            ).update(previous=run)
            record_event(
                actor=by,
                obj=locked,
                action="recurring:applied",
                after={
                    "run": run.pk,
                    "year": year,
                    "due_date": due.isoformat(),
                    "group": group.pk,
                    "units": [u.pk for u in units],
                    "automatic": automatic,
                },
            )
            return run
    except IntegrityError:
        # Two applications raced past the check: the unique constraint kept one.
        existing = (
            TemplateRun.objects.unscoped("the template's own runs")
            .filter(template=template, year=year)
            .first()
        )
        if existing is None:
            raise
        raise _refusal(existing) from None


@dataclass
class DueReport:
    applied: list[TemplateRun] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def templates_apply_due(*, today: dt.date | None = None) -> DueReport:
    """Apply every active template whose day has come, for the year falling due next, then move
    its day on by a year. Safe to run again: a year already applied is left as it is."""
    today = today or timezone.localdate()
    report = DueReport()
    due = RecurringTemplate.objects.unscoped("the scheduler works for every organization").filter(
        is_active=True, apply_on__lte=today
    )
    for template in due.order_by("id"):
        year = template.year_due_after(template.apply_on or today)
        try:
            report.applied.append(
                template_apply(by=None, template=template, year=year, automatic=True)
            )
        except AlreadyApplied:
            pass
        except ValidationError as exc:
            report.refused.append(f"{template.title}: {' '.join(exc.messages)}")
        _move_on(template, today)
    return report


def _move_on(template: RecurringTemplate, today: dt.date) -> None:
    with transaction.atomic():
        locked = (
            RecurringTemplate.objects.unscoped("the scheduler works for every organization")
            .select_for_update()
            .get(pk=template.pk)
        )
        day = locked.apply_on
        if day is None or day > today:
            return
        while day <= today:
            day = _a_year_later(day)
        RecurringTemplate.objects.unscoped("the row just locked").filter(pk=locked.pk).update(
            apply_on=day
        )
        record_event(
            actor=None,
            obj=locked,
            action="update",
            before={"apply_on": locked.apply_on.isoformat() if locked.apply_on else None},
            after={"apply_on": day.isoformat()},
        )


def _a_year_later(day: dt.date) -> dt.date:
    last = calendar.monthrange(day.year + 1, day.month)[1]
    return dt.date(day.year + 1, day.month, min(day.day, last))

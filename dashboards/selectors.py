"""What each person has to do, read for their home page. All reads go through visible_to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.choices import DONE_STATES, OPEN_STATES, MeasureState
from ledger.models import Measure
from ledger.selectors import due_within_q, ledger_measures, overdue_q
from organization.models import Organization
from organization.scope import Actor, actor_for

HOME_LIST_SIZE = 8


@dataclass
class Section:
    key: str
    title: Any
    hint: Any
    measures: list[Measure]
    count: int
    more_url: str
    tone: str = "secondary"
    extra: dict[str, Any] = field(default_factory=dict)


def _ledger_url(**params: Any) -> str:
    return reverse("ledger:ledger") + ("?" + urlencode(params, doseq=True) if params else "")


def _section(
    key: str,
    title: Any,
    hint: Any,
    qs: QuerySet[Measure],
    order: tuple[str, ...],
    url: str,
    tone: str,
) -> Section:
    return Section(
        key=key,
        title=title,
        hint=hint,
        measures=list(qs.order_by(*order)[:HOME_LIST_SIZE]),
        count=qs.count(),
        more_url=url,
        tone=tone,
    )


def home_sections(user: Any, *, today: dt.date | None = None) -> list[Section]:
    actor: Actor = actor_for(user)
    today = today or timezone.localdate()
    org = Organization.objects.filter(pk=actor.organization_id).first()
    warn = org.warn_days if org else 10
    mine = ledger_measures(user)
    sections: list[Section] = []
    if actor.manages_all:
        sections.append(
            _section(
                "office_close",
                _("Awaiting your close-out"),
                _("Approved by the liaison group; oldest first."),
                mine.filter(state=MeasureState.PENDING_CLOSE),
                ("state_changed_at", "id"),
                _ledger_url(state=MeasureState.PENDING_CLOSE),
                "warning",
            )
        )
    if actor.has("liaison"):
        grid = mine.filter(lead_unit__liaison_group_id__in=sorted(actor.liaison_group_ids))
        sections.append(
            _section(
                "liaison_review",
                _("Awaiting your review"),
                _("Close-out requests from the units of your grid; oldest first."),
                grid.filter(state=MeasureState.PENDING_REVIEW),
                ("state_changed_at", "id"),
                _ledger_url(state=MeasureState.PENDING_REVIEW),
                "warning",
            )
        )
    if actor.unit_ids:
        unit_ids = sorted(actor.unit_ids)
        own = mine.filter(lead_unit_id__in=unit_ids)
        sections.append(
            _section(
                "unit_open",
                _("Your unit's open measures"),
                _("Report progress and request close-out with evidence; earliest deadline first."),
                own.filter(state__in=[MeasureState.NOT_STARTED, MeasureState.IN_PROGRESS]),
                ("due_date", "id"),
                _ledger_url(unit=unit_ids[0]),
                "primary",
            )
        )
    scope_title = _("Overdue in your scope") if not actor.sees_all else _("Overdue")
    sections.append(
        _section(
            "overdue",
            scope_title,
            _("Past the due date, or a long-term review missed."),
            mine.filter(overdue_q(today)),
            ("due_date", "id"),
            _ledger_url(overdue="1"),
            "danger",
        )
    )
    sections.append(
        _section(
            "due_soon",
            _("Due soon"),
            _("Due within the warning window of %(days)d days.") % {"days": warn},
            mine.filter(due_within_q(today, warn)),
            ("due_date", "id"),
            _ledger_url(due_within=warn),
            "warning",
        )
    )
    if actor.sees_all or actor.has("taskforce"):
        sections.append(
            _section(
                "flagged",
                _("Flagged for supervision (挂牌督办)"),
                _("Measures the leading group supervises directly."),
                mine.filter(is_flagged=True).exclude(state__in=DONE_STATES),
                ("due_date", "id"),
                _ledger_url(flagged="1"),
                "danger",
            )
        )
    return sections


def scope_summary(user: Any, *, today: dt.date | None = None) -> dict[str, int]:
    """Headline figures of everything in the user's scope."""
    today = today or timezone.localdate()
    qs = Measure.objects.visible_to(user).order_by()
    total = qs.count()
    done = qs.filter(state__in=DONE_STATES).count()
    return {
        "total": total,
        "done": done,
        "open": qs.filter(state__in=OPEN_STATES).count(),
        "overdue": qs.filter(overdue_q(today)).count(),
        "percent": round(100 * done / total) if total else 0,
        "flagged": qs.filter(Q(is_flagged=True) & ~Q(state__in=DONE_STATES)).count(),
    }

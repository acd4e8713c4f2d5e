"""Helpers shared by the reporting services: locks, permission checks, snapshots."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from ledger.choices import UnitPart
from ledger.models import Measure
from organization import policy
from organization.models import Unit
from organization.scope import Actor
from reporting.models import Evidence

TEXT_LIMIT = 5000
MAX_FILES_PER_UPLOAD = 20


def lock_measure(measure_id: int) -> Measure:
    return (
        Measure.objects.unscoped("row lock after the policy check")
        .select_for_update(of=("self",))
        .select_related("finding__theme", "finding__inspection", "lead_unit")
        .get(pk=measure_id)
    )


def require_visible(by: Any, measure: Measure) -> None:
    if not Measure.objects.visible_to(by).filter(pk=measure.pk).exists():
        raise PermissionDenied


def require_office(by: Any) -> Actor:
    return policy.require(by, "review_office")


def clean_text(
    value: str, *, field: str, label: str, required: bool, limit: int = TEXT_LIMIT
) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("%(label)s is required.") % {"label": label}})
    if len(text) > limit:
        raise ValidationError(
            {
                field: _("%(label)s is too long (%(limit)d characters at most).")
                % {"label": label, "limit": limit}
            }
        )
    return text


def reporting_unit_for(actor: Actor, measure: Measure) -> Unit | None:
    """The unit a person reports for on this measure: the lead unit when it is theirs, else the
    co-operating unit they belong to; the office records reports on behalf of the lead unit."""
    if policy.acts_for_unit(actor, measure.lead_unit_id):
        return measure.lead_unit
    if actor.unit_ids:
        coop_links = getattr(measure, "coop_links", None)  # read with the measure's page
        if coop_links is not None:
            mine = [c for c in coop_links if c.unit_id in actor.unit_ids]
            link = min(mine, key=lambda c: c.pk, default=None)
        else:
            link = (
                measure.unit_links.filter(unit_id__in=sorted(actor.unit_ids), part=UnitPart.COOP)
                .select_related("unit")
                .order_by("pk")
                .first()
            )
        if link is not None:
            return link.unit
    if policy.in_office(actor):
        return measure.lead_unit
    return None


def reporting_unit_or_deny(by: Any, measure: Measure) -> Unit:
    actor = policy.require(by, "file_reports")
    unit = reporting_unit_for(actor, measure)
    if unit is None:
        raise PermissionDenied
    return unit


def measure_snapshot(measure: Measure) -> dict[str, Any]:
    """What a reviewer approved: the measure's substance (not its state or progress)."""
    return {
        "number": measure.number,
        "content": measure.content,
        "lead_unit_id": measure.lead_unit_id,
        "co_units": sorted(
            measure.unit_links.filter(part=UnitPart.COOP).values_list("unit_id", flat=True)
        ),
        "deadline_kind": measure.deadline_kind,
        "due_date": measure.due_date.isoformat() if measure.due_date else None,
    }


def evidence_snapshot(measure: Measure) -> list[dict[str, Any]]:
    """The evidence list as it stands: every file not withdrawn, by id and content hash."""
    return [
        {"id": e["id"], "name": e["original_name"], "sha256": e["sha256"]}
        for e in Evidence.objects.unscoped("evidence of a measure the service already checked")
        .filter(measure_id=measure.pk, withdrawn_at__isnull=True)
        .order_by("id")
        .values("id", "original_name", "sha256")
    ]

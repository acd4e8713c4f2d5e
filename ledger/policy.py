"""The ledger's rules in the one policy (`organization.policy`): who may add and edit measures,
and which of a measure's fields each person may change."""

from __future__ import annotations

from typing import Any

from ledger.choices import MeasureState
from organization.policy import heads_unit, in_office, owns_theme, register_rule
from organization.scope import Actor

# Every field of the measure form. The office holds them all; the task force owning the theme
# all but the supervision flag (挂牌督办 is the office's call).
ALL_MEASURE_FIELDS = frozenset(
    {
        "number",
        "content",
        "lead_unit",
        "co_units",
        "responsible_leader",
        "responsible_persons",
        "deadline_text",
        "deadline_kind",
        "due_date",
        "review_interval_days",
        "progress",
        "tags",
        "new_tags",
        "is_flagged",
    }
)
TASK_FORCE_FIELDS = ALL_MEASURE_FIELDS - {"is_flagged"}
# What is the lead unit's own to say. Its due date moves only through an extension request
# (申请延期), which the office decides; content, units and state are the office's.
UNIT_FIELDS = frozenset({"progress"})


def measure_fields(actor: Actor, measure: Any) -> frozenset[str]:
    if measure is None or measure.organization_id != actor.organization_id:
        return frozenset()
    if measure.state == MeasureState.CLOSED:
        # A closed measure changes only by being reopened (反弹回潮), never by an edit.
        return frozenset()
    if in_office(actor):
        return ALL_MEASURE_FIELDS
    if owns_theme(actor, measure.finding.theme.task_force_id):
        return TASK_FORCE_FIELDS
    if heads_unit(actor, measure.lead_unit_id):
        fields = UNIT_FIELDS
        if measure.organization.units_edit_responsible_persons:
            fields = fields | {"responsible_persons"}
        return fields
    return frozenset()


def add_measure(actor: Actor, finding: Any) -> bool:
    if finding is None or finding.inspection.organization_id != actor.organization_id:
        return False
    return in_office(actor) or owns_theme(actor, finding.theme.task_force_id)


def manage_campaigns(actor: Actor, tag: Any) -> bool:
    """Campaigns (专题活动) are set up by the office for the whole organization."""
    if tag is not None and tag.organization_id != actor.organization_id:
        return False
    return in_office(actor)


def register_ledger_policy() -> None:
    register_rule("manage_campaigns", manage_campaigns)
    register_rule("edit_measure_fields", measure_fields)
    register_rule("edit_measure", measure_fields)
    register_rule("add_measure", add_measure)

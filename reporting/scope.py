"""Scope rules for reporting objects, registered with the one choke point (organization.scope).

Everything that hangs from a measure is seen by exactly those who see the measure: evidence
downloads, reports, decisions, extension requests and look-backs all reuse the measure's reach.
"""

from __future__ import annotations

from django.db.models import Q

from ledger.scope import measure_reach_q
from organization.policy import in_office, sees_everything
from organization.scope import NOTHING, Action, Actor, register_scope


def _in_org(actor: Actor, prefix: str) -> Q:
    return Q(**{f"{prefix}organization_id": actor.organization_id})


def measure_child_rule(actor: Actor, action: Action) -> Q:
    """Objects of a measure: seen with the measure; changed by the office or the lead unit."""
    in_org = _in_org(actor, "measure__")
    if action == "view":
        return (
            in_org
            if sees_everything(actor)
            else in_org & measure_reach_q(actor, prefix="measure__")
        )
    if in_office(actor):
        return in_org
    if actor.unit_ids:
        return in_org & Q(measure__lead_unit_id__in=sorted(actor.unit_ids))
    return NOTHING


def evidence_rule(actor: Actor, action: Action) -> Q:
    """Evidence is also changed (withdrawn) by the unit that uploaded it."""
    q = measure_child_rule(actor, action)
    if action == "change" and not in_office(actor) and actor.unit_ids:
        q |= _in_org(actor, "measure__") & Q(unit_id__in=sorted(actor.unit_ids))
    return q


def unit_report_rule(actor: Actor, action: Action) -> Q:
    in_org = Q(inspection__organization_id=actor.organization_id)
    if in_office(actor) or (action == "view" and sees_everything(actor)):
        return in_org
    q = Q(unit_id__in=sorted(actor.unit_ids)) if actor.unit_ids else NOTHING
    if action == "view":
        if actor.liaison_group_ids:
            q |= Q(unit__liaison_group_id__in=sorted(actor.liaison_group_ids))
        if actor.task_force_ids:
            # Task forces hear every unit's report at their joint meetings (联席会议).
            q |= Q(pk__isnull=False)
    return in_org & q


def cycle_rule(actor: Actor, action: Action) -> Q:
    in_org = Q(inspection__organization_id=actor.organization_id)
    if not actor.business_roles:
        return NOTHING  # the administrators (三员) read no business record
    if action == "view" or in_office(actor):
        return in_org
    return NOTHING


def register_reporting_rules() -> None:
    from reporting.models import (
        CloseRequest,
        Evidence,
        ExtensionRequest,
        LookBack,
        ProgressReport,
        ReportingCycle,
        ReviewDecision,
        UnitReport,
    )

    for model in (ProgressReport, CloseRequest, ReviewDecision, ExtensionRequest, LookBack):
        register_scope(model, measure_child_rule)
    register_scope(Evidence, evidence_rule)
    register_scope(UnitReport, unit_report_rule)
    register_scope(ReportingCycle, cycle_rule)

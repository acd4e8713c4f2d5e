"""Scope rules for ledger objects, registered with the one choke point in organization.scope."""

from __future__ import annotations

from django.db.models import Q

from organization.policy import in_office, sees_everything
from organization.scope import NOTHING, Action, Actor, org_directory_rule, register_scope


def measure_reach_q(actor: Actor, prefix: str = "") -> Q:
    """The measures a non-office person is involved in: by unit, grid or task force."""
    from ledger.models import MeasureUnit

    q = NOTHING
    if actor.task_force_ids:
        q |= Q(**{f"{prefix}finding__theme__task_force_id__in": sorted(actor.task_force_ids)})
    # Every measure has a MeasureUnit row for its lead unit as well as for each co-operating unit
    # (the services keep it so), so one semi-join on MeasureUnit(unit, measure) covers both: the
    # database starts from the person's few units instead of testing every measure.
    # The grid's units as a list, read with the actor: with the grid as a join condition
    # (unit__liaison_group_id) PostgreSQL scanned every MeasureUnit row instead of starting
    # from the index.
    links = NOTHING
    units = set(actor.unit_ids)
    if actor.liaison_group_ids:
        if actor.grid_unit_ids is None:
            links |= Q(unit__liaison_group_id__in=sorted(actor.liaison_group_ids))
        else:
            units |= actor.grid_unit_ids
    if units:
        links |= Q(unit_id__in=sorted(units))
    if actor.liaison_group_ids or actor.unit_ids:
        q |= Q(**{f"{prefix}pk__in": MeasureUnit.objects.filter(links).values("measure_id")})
    return q


def measure_rule(actor: Actor, action: Action) -> Q:
    in_org = Q(organization_id=actor.organization_id)
    if action == "view":
        return in_org if sees_everything(actor) else in_org & measure_reach_q(actor)
    if in_office(actor):
        return in_org
    q = NOTHING
    if actor.task_force_ids:
        q |= Q(finding__theme__task_force_id__in=sorted(actor.task_force_ids))
    if actor.head_unit_ids:
        q |= Q(lead_unit_id__in=sorted(actor.head_unit_ids))
    return in_org & q


def findings_are_those_of_measures(actor: Actor) -> bool:
    """Whether the findings this person sees are exactly the findings of the measures they see
    (`finding_rule`'s last branch, without a task force's themes): then the number of findings
    among their measures is the number of their findings, with no read of the findings."""
    return not (in_office(actor) or sees_everything(actor) or actor.task_force_ids)


def finding_rule(actor: Actor, action: Action) -> Q:
    from ledger.models import Measure

    in_org = Q(inspection__organization_id=actor.organization_id)
    if in_office(actor) or (action == "view" and sees_everything(actor)):
        return in_org
    tf = (
        Q(theme__task_force_id__in=sorted(actor.task_force_ids))
        if actor.task_force_ids
        else NOTHING
    )
    if action == "change":
        return in_org & tf
    # A person reads the findings their measures hang from. A semi-join on the measures'
    # finding ids, not a correlated EXISTS: SQLite runs that once per finding of the
    # organization (seconds at 100,000 measures), the IN list once.
    reach = Measure.objects.filter(measure_reach_q(actor)).values("finding_id")
    if findings_are_those_of_measures(actor):
        return in_org & Q(pk__in=reach)  # and nothing more: the home page counts on it
    return in_org & (tf | Q(pk__in=reach))


def inspection_rule(actor: Actor, action: Action) -> Q:
    # Every member of the organization may read which rounds exist; only the office edits them.
    # The administrators (三员) hold no business role and read none.
    if not actor.business_roles:
        return NOTHING
    if action == "view" or in_office(actor):
        return Q(organization_id=actor.organization_id)
    return NOTHING


def register_ledger_rules() -> None:
    from ledger.models import Finding, Inspection, Measure, Tag

    register_scope(Inspection, inspection_rule)
    register_scope(Finding, finding_rule)
    register_scope(Measure, measure_rule)
    register_scope(Tag, org_directory_rule)

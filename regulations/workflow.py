"""The stage machine of a rule: 起草 → 会商 → 审议 → 印发 → 评估, as a transition table.

A stage moves only through the named services of `regulations.services`, each of which fires
one transition of this table; any other (stage, transition) pair is refused. 审议 may send a
draft back to 起草, and a failed 评估 sends the rule back to 起草 for revision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from organization import policy
from organization.scope import Actor
from regulations.choices import Stage

if TYPE_CHECKING:
    from regulations.models import Rule

OFFICE = "office"
LEAD = "lead"  # a member or head of the lead department


@dataclass(frozen=True)
class Transition:
    name: str
    label: Promise
    sources: frozenset[str]
    target: str
    who: frozenset[str]


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "start_consultation",
            _("Put the draft to consultation"),
            frozenset({Stage.DRAFTING}),
            Stage.CONSULTING,
            frozenset({OFFICE, LEAD}),
        ),
        Transition(
            "submit_for_deliberation",
            _("Submit for deliberation"),
            frozenset({Stage.CONSULTING}),
            Stage.DELIBERATING,
            frozenset({OFFICE, LEAD}),
        ),
        Transition(
            "return_for_revision",
            _("Return for revision"),
            frozenset({Stage.DELIBERATING}),
            Stage.DRAFTING,
            frozenset({OFFICE}),
        ),
        Transition(
            "approve",
            _("Record the deliberation"),
            frozenset({Stage.DELIBERATING}),
            Stage.ISSUING,
            frozenset({OFFICE}),
        ),
        Transition(
            "issue",
            _("Issue"),
            frozenset({Stage.ISSUING}),
            Stage.EVALUATING,
            frozenset({OFFICE, LEAD}),
        ),
        Transition(
            "evaluate_pass",
            _("Evaluation passed"),
            frozenset({Stage.EVALUATING, Stage.DONE}),
            Stage.DONE,
            frozenset({OFFICE}),
        ),
        Transition(
            "evaluate_fail",
            _("Evaluation failed: revise"),
            frozenset({Stage.EVALUATING, Stage.DONE}),
            Stage.DRAFTING,
            frozenset({OFFICE}),
        ),
    )
}


def relations(actor: Actor, rule: Rule) -> frozenset[str]:
    rel: set[str] = set()
    if rule.organization_id != actor.organization_id:
        return frozenset()
    if policy.in_office(actor):
        rel.add(OFFICE)
    if policy.acts_for_unit(actor, rule.lead_unit_id):
        rel.add(LEAD)
    return frozenset(rel)


def available_transitions(actor: Actor, rule: Rule) -> list[Transition]:
    rel = relations(actor, rule)
    return [t for t in TRANSITIONS.values() if rule.stage in t.sources and rel & t.who]

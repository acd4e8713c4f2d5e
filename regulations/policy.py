"""The register's rules in the one policy (`organization.policy`)."""

from __future__ import annotations

from typing import Any

from organization.policy import acts_for_unit, in_office, register_rule, sees_everything
from organization.scope import Actor
from regulations.choices import Stage


def _in_org(actor: Actor, rule: Any) -> bool:
    return rule is not None and rule.organization_id == actor.organization_id


def add_rule(actor: Actor, obj: Any = None) -> bool:
    return in_office(actor)


def edit_rule(actor: Actor, rule: Any) -> bool:
    """The office manages every rule; the lead department edits its own."""
    return _in_org(actor, rule) and (in_office(actor) or acts_for_unit(actor, rule.lead_unit_id))


def upload_draft(actor: Actor, rule: Any) -> bool:
    return edit_rule(actor, rule) and rule.stage in (Stage.DRAFTING, Stage.CONSULTING)


def answer_opinion(actor: Actor, rule: Any) -> frozenset[int]:
    """The consulted departments this person answers for on this rule (while in 会商)."""
    if not _in_org(actor, rule) or rule.stage != Stage.CONSULTING:
        return frozenset()
    consulted = {u.pk for u in rule.consulted_units.all()}
    return frozenset(consulted & actor.unit_ids)


def reply_to_opinion(actor: Actor, rule: Any) -> bool:
    return edit_rule(actor, rule) and rule.stage == Stage.CONSULTING


def view_register(actor: Actor, obj: Any = None) -> bool:
    """The register page: anyone who may see a rule (it lists only those)."""
    return actor.organization_id is not None and (sees_everything(actor) or bool(actor.unit_ids))


def register_regulations_policy() -> None:
    register_rule("regulations.view_register", view_register)
    register_rule("regulations.add_rule", add_rule)
    register_rule("regulations.edit_rule", edit_rule)
    register_rule("regulations.upload_draft", upload_draft)
    register_rule("regulations.answer_opinion", answer_opinion)
    register_rule("regulations.reply", reply_to_opinion)
    register_rule(
        "regulations.evaluate", lambda actor, rule: _in_org(actor, rule) and in_office(actor)
    )

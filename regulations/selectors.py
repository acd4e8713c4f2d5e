"""Reads of the register, always scoped to the person asking."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from core.models import AuditEvent
from ledger.lights import LightResult, MeasureFacts, compute_light
from regulations.choices import Stage
from regulations.models import ConsultationRound, DraftVersion, Opinion, Rule


def visible_rules(user: Any) -> QuerySet[Rule]:
    return Rule.objects.visible_to(user).select_related("lead_unit", "inspection")


def rule_light(rule: Rule, *, today: dt.date | None = None) -> LightResult:
    """A rule's light, computed like a measure's from the due date of its current stage."""
    facts = MeasureFacts(
        is_closed=rule.stage == Stage.DONE,
        is_long_term=False,
        due_date=rule.current_due,
        start_date=None,
        progress=0,
    )
    return compute_light(facts, today=today or timezone.localdate())


def drafts_of(user: Any, rule: Rule) -> QuerySet[DraftVersion]:
    return (
        DraftVersion.objects.visible_to(user)
        .filter(rule=rule)
        .select_related("uploaded_by")
        .order_by("number")
    )


def rounds_of(user: Any, rule: Rule) -> list[dict[str, Any]]:
    """Every round, newest first, with each consulted department's opinion (or None)."""
    rounds = list(
        ConsultationRound.objects.visible_to(user)
        .filter(rule=rule)
        .select_related("draft")
        .order_by("-number")
    )
    opinions = (
        Opinion.objects.visible_to(user)
        .filter(round__rule=rule)
        .select_related("unit", "answered_by", "reply", "reply__replied_by")
    )
    by_round: dict[int, dict[int, Opinion]] = {}
    for opinion in opinions:
        by_round.setdefault(opinion.round_id, {})[opinion.unit_id] = opinion
    units = list(rule.consulted_units.order_by("name"))
    return [
        {
            "round": r,
            "rows": [(unit, by_round.get(r.pk, {}).get(unit.pk)) for unit in units],
        }
        for r in rounds
    ]


def history_of(user: Any, rule: Rule) -> QuerySet[AuditEvent]:
    """Every step of the rule: each service writes its audit event on the rule."""
    return (
        AuditEvent.objects.visible_to(user)
        .filter(object_type=rule._meta.label_lower, object_id=rule.pk)
        .order_by("seq")
    )


def issued_rules(user: Any, inspection_id: int) -> QuerySet[Rule]:
    """The rules of an inspection that carry an issued document, in order of issue."""
    return (
        visible_rules(user)
        .filter(inspection_id=inspection_id)
        .exclude(issue_number="")
        .exclude(issued_sha256="")
        .order_by("issued_on", "issue_number", "id")
    )

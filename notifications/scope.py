"""Scope rules for the notification models, registered with the choke point (organization.scope)."""

from __future__ import annotations

from django.db.models import Q

from ledger.scope import measure_reach_q
from organization.policy import in_office, sees_everything
from organization.scope import NOTHING, Action, Actor, has_capability, register_scope


def own_rule(actor: Actor, action: Action) -> Q:
    """A person's own notifications: read and marked read by them alone."""
    if actor.user_id is None:
        return NOTHING
    return Q(recipient_id=actor.user_id, organization_id=actor.organization_id)


def preference_rule(actor: Actor, action: Action) -> Q:
    return Q(user_id=actor.user_id) if actor.user_id is not None else NOTHING


def measure_work_rule(actor: Actor, action: Action) -> Q:
    """Urges, notices and reminder logs hang from a measure: whoever reaches the measure reads
    them; what each person may do with them is decided by the services."""
    in_org = Q(measure__organization_id=actor.organization_id)
    if action == "change":
        return in_org if in_office(actor) else NOTHING
    if sees_everything(actor):
        return in_org
    return in_org & measure_reach_q(actor, prefix="measure__")


def settings_rule(actor: Actor, action: Action) -> Q:
    if in_office(actor):
        return Q(organization_id=actor.organization_id)
    return NOTHING


def delivery_rule(actor: Actor, action: Action) -> Q:
    # The delivery log holds addresses and message text of everyone: whoever keeps it
    # (the administrator; the office when the three administrators are separated).
    if has_capability(actor, "notifications.admin"):
        return Q(organization_id=actor.organization_id)
    return NOTHING


def register_notification_rules() -> None:
    from notifications.models import (
        Delivery,
        Notification,
        NotificationSettings,
        Preference,
        ReminderLog,
        SupervisionNotice,
        Urge,
    )

    register_scope(Notification, own_rule)
    register_scope(Preference, preference_rule)
    register_scope(Urge, measure_work_rule)
    register_scope(SupervisionNotice, measure_work_rule)
    register_scope(ReminderLog, measure_work_rule)
    register_scope(NotificationSettings, settings_rule)
    register_scope(Delivery, delivery_rule)

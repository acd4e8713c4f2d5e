"""Turn audit events into readable timeline entries: labels for actions, fields and values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from core.models import AuditEvent
from ledger.choices import DeadlineKind, MeasureState
from ledger.workflow import TRANSITIONS

ACTION_LABELS: dict[str, Any] = {
    "create": _("Created"),
    "update": _("Edited"),
    "activate": _("Reactivated"),
    "deactivate": _("Deactivated"),
    "password_reset": _("Password reset"),
    "assign_many": _("Assigned to several units"),
    "due_date_changed": _("Due date changed"),
    "bulk:reassign_unit": _("Lead unit reassigned (bulk)"),
    "bulk:set_deadline": _("Due date set (bulk)"),
    "bulk:add_tag": _("Tag added (bulk)"),
    "bulk:flag": _("Flagged for supervision (bulk)"),
    "bulk:unflag": _("Supervision flag removed (bulk)"),
}

# Other layers add labels for the actions they record (reports, evidence, urges...).
EXTRA_ACTION_LABELS: dict[str, Any] = {}

FIELD_LABELS: dict[str, Any] = {
    "state": _("State"),
    "content": _("Measure"),
    "number": _("Number"),
    "lead_unit_id": _("Lead unit"),
    "co_units": _("Co-operating units"),
    "responsible_leader_id": _("Responsible leader"),
    "responsible_persons": _("Responsible persons"),
    "responsible_leaders": _("Responsible leaders"),
    "deadline_kind": _("Deadline kind"),
    "deadline_text": _("Deadline as written"),
    "due_date": _("Due date"),
    "original_due_date": _("Original due date"),
    "review_interval_days": _("Review interval (days)"),
    "next_review_date": _("Next review"),
    "tags": _("Tags"),
    "is_flagged": _("Flagged"),
    "progress": _("Progress %"),
    "relapse_count": _("Relapses"),
    "text": _("Problem"),
    "theme_id": _("Theme"),
    "name": _("Name"),
    "is_active": _("Active"),
}
HIDDEN_FIELDS = {
    "sort_key",
    "state_changed_at",
    "closed_at",
    "id",
    "created_at",
    "finding_id",
    "group_id",
    "urge_count",
}
# Fields whose values are ids of another model: shown by name.
REFERENCES = {
    "lead_unit_id": "organization.unit",
    "co_units": "organization.unit",
    "responsible_leader_id": "organization.person",
    "responsible_persons": "organization.person",
    "responsible_leaders": "organization.person",
    "tags": "ledger.tag",
    "theme_id": "organization.theme",
}
VALUE_LABELS: dict[str, dict[str, Any]] = {
    "state": dict(MeasureState.choices),
    "deadline_kind": dict(DeadlineKind.choices),
}


@dataclass
class Change:
    label: Any
    before: str
    after: str


@dataclass
class TimelineEntry:
    event: AuditEvent
    label: Any
    actor: str
    is_transition: bool
    changes: list[Change] = field(default_factory=list)


def action_label(action: str) -> Any:
    if action.startswith("transition:"):
        t = TRANSITIONS.get(action.split(":", 1)[1])
        return t.label if t else action
    return ACTION_LABELS.get(action) or EXTRA_ACTION_LABELS.get(action) or action


def _names(events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    wanted: dict[str, set[int]] = {}
    for e in events:
        for side in (e.before or {}, e.after or {}):
            for key, label in REFERENCES.items():
                value = side.get(key)
                ids = value if isinstance(value, list) else [value]
                wanted.setdefault(label, set()).update(i for i in ids if isinstance(i, int))
    names: dict[tuple[str, int], str] = {}
    for label, ids in wanted.items():
        if not ids:
            continue
        model = apps.get_model(label)
        for obj in model.objects.unscoped("names of ids in events already scoped").filter(
            pk__in=ids
        ):
            names[(label, obj.pk)] = str(obj)
    return names


def _show(key: str, value: Any, names: dict[tuple[str, int], str]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if key in REFERENCES:
        ids = value if isinstance(value, list) else [value]
        return "、".join(names.get((REFERENCES[key], i), f"#{i}") for i in ids)
    if key in VALUE_LABELS:
        return str(VALUE_LABELS[key].get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    text = str(value)
    return text if len(text) <= 300 else text[:300] + "…"


def describe_events(events: list[AuditEvent]) -> list[TimelineEntry]:
    names = _names(events)
    entries = []
    for e in events:
        person = getattr(e.actor, "person", None) if e.actor_id else None
        entry = TimelineEntry(
            event=e,
            label=action_label(e.action),
            actor=person.name if person else (e.actor_name or str(_("System"))),
            is_transition=e.action.startswith("transition:"),
        )
        before, after = e.before or {}, e.after or {}
        if e.action != "create":
            for key in list(dict.fromkeys([*before.keys(), *after.keys()])):
                if key in HIDDEN_FIELDS or key.startswith("snapshot"):
                    continue
                entry.changes.append(
                    Change(
                        label=FIELD_LABELS.get(key, key),
                        before=_show(key, before.get(key), names),
                        after=_show(key, after.get(key), names),
                    )
                )
        entries.append(entry)
    return entries

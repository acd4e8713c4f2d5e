"""Turn audit events into readable timeline entries: labels for actions, fields and values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import AuditEvent
from ledger import extensions
from ledger.choices import DeadlineKind, MeasureState
from ledger.workflow import TRANSITIONS

ACTION_LABELS: dict[str, Any] = {
    "create": _("Created"),
    "update": _("Edited"),
    "activate": _("Reactivated"),
    "deactivate": _("Deactivated"),
    "password_reset": _("Password reset"),
    "change_requested": _("Account change requested"),
    "change_approved": _("Account change approved"),
    "change_rejected": _("Account change rejected"),
    "unlock": _("Account unlocked"),
    "verify": _("Audit chain verified"),
    # Login security (security/): events of a sign-in account.
    "sign_in": _("Signed in"),
    "sign_out": _("Signed out"),
    "sign_in_failed": _("Failed sign-in"),
    "lockout": _("Locked out after failed sign-ins"),
    "session_ended": _("Session ended by a sign-in elsewhere"),
    "password_change": _("Password changed"),
    "second_factor_enrol": _("Second factor enrolled"),
    "second_factor_remove": _("Second factor removed"),
    "second_factor_failed": _("Wrong second-factor code"),
    "security_policy_change": _("Security policy changed"),
    "assign_many": _("Assigned to several units"),
    "due_date_changed": _("Due date changed"),
    "bulk:reassign_unit": _("Lead unit reassigned (bulk)"),
    "bulk:set_deadline": _("Due date set (bulk)"),
    "bulk:add_tag": _("Tag added (bulk)"),
    "bulk:flag": _("Flagged for supervision (bulk)"),
    "bulk:unflag": _("Supervision flag removed (bulk)"),
}

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
    "liaison_group_id": _("Liaison group"),
    "units": _("Units"),
    "group": _("Task assigned to several units"),
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
# Keys that are not model fields but name other objects by id: shown by name. Foreign keys and
# many-to-many fields of the audited model are recognised from the model itself.
REFERENCES = {
    "co_units": "organization.unit",
    "units": "organization.unit",
    "group": "ledger.measuregroup",
    "responsible_leaders": "organization.person",
    "tags": "ledger.tag",
}
VALUE_LABELS: dict[str, dict[str, Any]] = {
    "state": dict(MeasureState.choices),
    "deadline_kind": dict(DeadlineKind.choices),
}
DATE_KEYS = {"due_date", "original_due_date", "next_review_date"}
LONG_TEXT = 120


@dataclass
class Change:
    label: Any
    before: str
    after: str
    sentence: str = ""


@dataclass
class TimelineEntry:
    event: AuditEvent
    label: Any
    actor: str
    is_transition: bool
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class _Field:
    """How one audited key reads: its label, and what kind of value it holds."""

    label: Any
    kind: str  # "ref", "choice", "date", "bool" or "text"
    target: str = ""  # the model label of a reference
    choices: dict[Any, Any] = field(default_factory=dict)


def action_label(action: str) -> Any:
    if action.startswith("transition:"):
        t = TRANSITIONS.get(action.split(":", 1)[1])
        return t.label if t else action
    # Other layers declare labels for the actions they record (reports, evidence, urges...).
    return ACTION_LABELS.get(action) or extensions.registry.timeline_label(action) or action


@lru_cache(maxsize=512)
def _field(object_type: str, key: str) -> _Field:
    model_field: Any = None
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        model = None
    if model is not None:
        name = key[:-3] if key.endswith("_id") else key
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            model_field = None
        # Only the model's own columns and many-to-many fields describe a stored value: a key
        # that happens to share a reverse relation's name ("agenda") or a generic relation's
        # is plain text.
        if not isinstance(model_field, models.Field):
            model_field = None
    if (object_type, key) == ("organization.person", "name"):
        return _Field(pgettext_lazy("person", "Name"), "text")
    label = FIELD_LABELS.get(key) or (
        capfirst(model_field.verbose_name) if model_field is not None else _short(key)
    )
    if key in REFERENCES:
        return _Field(label, "ref", REFERENCES[key])
    if model_field is not None and (model_field.many_to_one or model_field.many_to_many):
        return _Field(label, "ref", model_field.related_model._meta.label_lower)
    if key in VALUE_LABELS:
        return _Field(label, "choice", choices=VALUE_LABELS[key])
    if model_field is not None and model_field.choices:
        return _Field(label, "choice", choices=dict(model_field.flatchoices))
    if key in DATE_KEYS or isinstance(model_field, models.DateField):
        return _Field(label, "date")
    if isinstance(model_field, models.BooleanField):
        return _Field(label, "bool")
    return _Field(label, "text")


# The largest primary key a database column holds: a larger stored number is not an id.
MAX_ID = 2**63 - 1


def _ids(value: Any) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_ID]


def _side(value: Any) -> dict[str, Any]:
    """One side of a stored change as a dict of string keys, whatever was stored."""
    if not value:
        return {}
    if not isinstance(value, dict):
        return {"": value}
    return {str(k): v for k, v in value.items()}


def _names(events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    """Every referenced object's name, one query per referenced model for the whole page."""
    wanted: dict[str, set[int]] = {}
    for e in events:
        for side in (_side(e.before), _side(e.after)):
            for key, value in side.items():
                info = _field(e.object_type, key)
                if info.kind == "ref":
                    wanted.setdefault(info.target, set()).update(_ids(value))
    names: dict[tuple[str, int], str] = {}
    for label, ids in wanted.items():
        if not ids:
            continue
        model = apps.get_model(label)
        # Objects are named even when inactive: the name is part of what happened.
        for obj in model._base_manager.filter(pk__in=ids):
            names[(label, obj.pk)] = str(obj)
    return names


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _show(info: _Field, value: Any, names: dict[tuple[str, int], str]) -> str:
    if _empty(value):
        return "—"
    if info.kind == "ref" and _ids(value):
        return "、".join(
            names.get((info.target, i), str(_("(deleted #%(id)s)") % {"id": i}))
            for i in _ids(value)
        )
    if info.kind == "choice" and isinstance(value, (str, int)):
        return str(info.choices.get(value, value))
    if isinstance(value, bool) or (info.kind == "bool" and value in (0, 1)):
        return str(_("Yes") if value else _("No"))
    if info.kind == "date" and isinstance(value, str):
        try:
            return date_format(dt.date.fromisoformat(value[:10]), "DATE_FORMAT")
        except ValueError:
            pass
    return _short(value)


def _short(value: Any) -> str:
    # Whatever else was stored (nested dicts, lists, numbers) reads as its text, cut short.
    text = str(value)
    return text if len(text) <= LONG_TEXT else text[:LONG_TEXT] + "…"


def _phrase(template: Any, **values: str) -> str:
    # The translated sentence is trusted; the names and values in it are escaped.
    return mark_safe(str(template) % {k: conditional_escape(v) for k, v in values.items()})


def _value(text: str, side: str) -> str:
    return format_html('<span class="diff-{}">{}</span>', side, text)


def _sentence(info: _Field, before: Any, after: Any, names: dict[tuple[str, int], str]) -> str:
    """One audited change as a sentence: "联络组由「第一联络组」改为「第二联络组」"."""
    label = str(info.label)
    if info.kind == "ref" and isinstance(before, list) and isinstance(after, list) and before:
        added = [i for i in _ids(after) if i not in before]
        removed = [i for i in _ids(before) if i not in after]
        parts = []
        if added:
            parts.append(
                _phrase(
                    _("%(field)s: added “%(names)s”"),
                    field=label,
                    names=_value(_show(info, added, names), "after"),
                )
            )
        if removed:
            parts.append(
                _phrase(
                    _("%(field)s: removed “%(names)s”"),
                    field=label,
                    names=_value(_show(info, removed, names), "before"),
                )
            )
        if parts:
            return mark_safe(str(_("; ")).join(parts))
    old = _value(_show(info, before, names), "before")
    new = _value(_show(info, after, names), "after")
    if _empty(before):
        return _phrase(_("%(field)s set to “%(new)s”"), field=label, new=new)
    if _empty(after):
        return _phrase(_("%(field)s cleared (was “%(old)s”)"), field=label, old=old)
    return _phrase(
        _("%(field)s changed from “%(old)s” to “%(new)s”"), field=label, old=old, new=new
    )


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
        before, after = _side(e.before), _side(e.after)
        if e.action != "create":
            for key in list(dict.fromkeys([*before.keys(), *after.keys()])):
                if key in HIDDEN_FIELDS or key.startswith("snapshot"):
                    continue
                info = _field(e.object_type, key)
                entry.changes.append(
                    Change(
                        label=info.label,
                        before=_show(info, before.get(key), names),
                        after=_show(info, after.get(key), names),
                        sentence=_sentence(info, before.get(key), after.get(key), names),
                    )
                )
        entries.append(entry)
    return entries

"""Writes to the ledger. Every service is atomic, locks what it changes, and is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.db.models import Q as models_q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import diff_fields, in_batch, record_event
from core.numbering import number_sort_key
from ledger.choices import DeadlineKind, MeasureState, UnitPart
from ledger.models import (
    Finding,
    Inspection,
    Measure,
    MeasureGroup,
    MeasureUnit,
    Tag,
    add_months,
)
from ledger.workflow import (
    TRANSITIONS,
    TransitionOwner,
    applies_to,
    guards_for,
    observers,
    owner_of,
    relations,
)
from organization import policy
from organization.models import Organization, Person, Theme, Unit
from organization.scope import actor_for
from organization.services import snapshot

CONCENTRATED_PERIOD_MONTHS = 3


class ConcurrentEditError(ValidationError):
    """Raised when a save is based on a version someone else has already changed."""


class TransitionError(ValidationError):
    """Raised when a state transition is not allowed now, for this person, or lacks input."""


# --- inspections -------------------------------------------------------------------------


def default_rectification_end(feedback_date: dt.date) -> dt.date:
    return add_months(feedback_date, CONCENTRATED_PERIOD_MONTHS)


def inspection_save(*, by: Any, inspection: Inspection) -> Inspection:
    with transaction.atomic():
        creating = inspection.pk is None
        before = (
            {}
            if creating
            else snapshot(
                Inspection.objects.unscoped("row lock after the policy check")
                .select_for_update()
                .get(pk=inspection.pk)
            )
        )
        if inspection.rectification_end is None and inspection.feedback_date:
            inspection.rectification_end = default_rectification_end(inspection.feedback_date)
        if not creating:
            inspection.version = F("version") + 1  # type: ignore[assignment]
        inspection.full_clean(exclude=["version"])
        inspection.save()
        inspection.refresh_from_db()
        after = snapshot(inspection)
        _audit_save(by, inspection, creating, before, after)
        return inspection


def _audit_save(
    by: Any, obj: Any, creating: bool, before: dict[str, Any], after: dict[str, Any]
) -> None:
    if creating:
        record_event(actor=by, obj=obj, action="create", after=after)
        return
    before.pop("version", None)
    after.pop("version", None)
    b, a = diff_fields(before, after)
    if a or b:
        record_event(actor=by, obj=obj, action="update", before=b, after=a)


# --- findings ----------------------------------------------------------------------------


def finding_save(
    *, by: Any, finding: Finding, responsible_leaders: Sequence[Person] | None = None
) -> Finding:
    with transaction.atomic():
        creating = finding.pk is None
        before: dict[str, Any] = {}
        if not creating:
            old = (
                Finding.objects.unscoped("row lock after the policy check")
                .select_for_update()
                .get(pk=finding.pk)
            )
            before = snapshot(old) | {
                "responsible_leaders": sorted(old.responsible_leaders.values_list("id", flat=True))
            }
        if finding.theme.organization_id != finding.inspection.organization_id:
            raise ValidationError({"theme": _("The theme belongs to another organization.")})
        finding.sort_key = number_sort_key(finding.number) if finding.number else ""
        # The theme and the round were read just above; asking the database again whether they
        # exist cost two queries a finding (an import of 2,000 findings: 4,000 of them), and
        # the foreign keys hold them anyway.
        finding.full_clean(exclude=["version", "theme", "inspection"])
        finding.save()
        after = snapshot(finding)
        if responsible_leaders is not None:
            finding.responsible_leaders.set(responsible_leaders)
            after["responsible_leaders"] = sorted(p.pk for p in responsible_leaders)
        elif not creating:
            after["responsible_leaders"] = before.get("responsible_leaders", [])
        _audit_save(by, finding, creating, before, after)
        return finding


# --- measures ----------------------------------------------------------------------------


@dataclass
class MeasureData:
    """The editable fields of a measure, validated the same way by forms, imports and bulk."""

    content: str
    lead_unit: Unit
    number: str = ""
    co_units: list[Unit] = field(default_factory=list)
    responsible_leader: Person | None = None
    responsible_persons: list[Person] | None = None  # None = the lead unit's two heads
    deadline_kind: str = DeadlineKind.BY_DATE
    deadline_text: str = ""
    due_date: dt.date | None = None
    review_interval_days: int | None = None
    tags: list[Tag] = field(default_factory=list)
    is_flagged: bool = False
    progress: int | None = None
    # Names not in the directory, kept as text; None = leave as they are (an edit by form).
    responsible_leader_text: str | None = None
    responsible_persons_text: str | None = None


def measure_data_of(measure: Measure) -> MeasureData:
    """The measure's editable fields as they stand: the base an edit changes fields of."""
    return MeasureData(
        content=measure.content,
        lead_unit=measure.lead_unit,
        number=measure.number,
        co_units=[
            link.unit
            for link in measure.unit_links.filter(part=UnitPart.COOP).select_related("unit")
        ],
        responsible_leader=measure.responsible_leader,
        responsible_persons=list(measure.responsible_persons.all()),
        deadline_kind=measure.deadline_kind,
        deadline_text=measure.deadline_text,
        due_date=measure.due_date,
        review_interval_days=measure.review_interval_days,
        tags=list(measure.tags.all()),
        is_flagged=measure.is_flagged,
        progress=measure.progress,
        responsible_leader_text=measure.responsible_leader_text,
        responsible_persons_text=measure.responsible_persons_text,
    )


def validate_measure_data(data: MeasureData, *, finding: Finding) -> None:
    """Raise ValidationError (field -> message) for anything a measure may not hold."""
    errors: dict[str, list[str]] = {}
    org_id = finding.inspection.organization_id
    if not (data.content or "").strip():
        errors.setdefault("content", []).append(_("The measure text is required."))
    if data.lead_unit.organization_id != org_id:
        errors.setdefault("lead_unit", []).append(_("The lead unit is not in this organization."))
    elif not data.lead_unit.is_active:
        errors.setdefault("lead_unit", []).append(
            _("%(unit)s is deactivated; choose an active unit.") % {"unit": data.lead_unit}
        )
    for unit in data.co_units:
        if unit.organization_id != org_id:
            errors.setdefault("co_units", []).append(
                _("%(unit)s is not in this organization.") % {"unit": unit}
            )
    if any(u.pk == data.lead_unit.pk for u in data.co_units):
        errors.setdefault("co_units", []).append(
            _("The lead unit cannot also be a co-operating unit.")
        )
    people = list(data.responsible_persons or [])
    if data.responsible_leader is not None:
        people.append(data.responsible_leader)
    if any(p.organization_id != org_id for p in people):
        errors.setdefault("responsible_persons", []).append(
            _("Responsible people must belong to this organization.")
        )
    if data.deadline_kind not in DeadlineKind.values:
        errors.setdefault("deadline_kind", []).append(_("Unknown deadline kind."))
    elif data.deadline_kind == DeadlineKind.LONG_TERM:
        if data.due_date is not None:
            errors.setdefault("due_date", []).append(
                _("A long-term (长期坚持) measure has no due date; set a review interval instead.")
            )
        if not data.review_interval_days:
            errors.setdefault("review_interval_days", []).append(
                _("A long-term measure needs a review interval (days).")
            )
    elif data.deadline_kind == DeadlineKind.BY_DATE and data.due_date is None:
        errors.setdefault("due_date", []).append(_("A measure fixed by a date needs a due date."))
    if data.due_date is not None and data.due_date < finding.inspection.feedback_date:
        errors.setdefault("due_date", []).append(
            _("The due date %(due)s is before the feedback date %(feedback)s.")
            % {
                "due": date_format(data.due_date, "Y-m-d"),
                "feedback": date_format(finding.inspection.feedback_date, "Y-m-d"),
            }
        )
    if data.progress is not None and not 0 <= data.progress <= 100:
        errors.setdefault("progress", []).append(_("Progress is a percentage from 0 to 100."))
    if any(t.organization_id != org_id for t in data.tags):
        errors.setdefault("tags", []).append(_("A tag belongs to another organization."))
    if errors:
        raise ValidationError(errors)


def _measure_snapshot(
    measure: Measure, *, links: tuple[Iterable[int], Iterable[int], Iterable[int]] | None = None
) -> dict[str, Any]:
    """What the audit trail records of a measure. `links` (co-operating unit, person and tag
    ids) when the caller has just written them, so they need not be read back."""
    data = snapshot(measure)
    for name in ("version", "updated_at", "updated_by_id", "evidence_count", "last_report_at"):
        data.pop(name, None)
    if links is not None:
        co_units, persons, tags = (sorted(set(ids)) for ids in links)
    else:
        co_units = sorted(
            measure.unit_links.filter(part=UnitPart.COOP).values_list("unit_id", flat=True)
        )
        persons = sorted(measure.responsible_persons.values_list("id", flat=True))
        tags = sorted(measure.tags.values_list("id", flat=True))
    data["co_units"], data["responsible_persons"], data["tags"] = co_units, persons, tags
    return data


def _default_persons(unit: Unit) -> list[Person]:
    return [p for p in (unit.party_secretary, unit.admin_head) if p is not None]


def _apply_units(
    measure: Measure, lead: Unit, co_units: Iterable[Unit], *, fresh: bool = False
) -> list[int]:
    """Link the measure to its lead and co-operating units (replacing the links it had, unless
    it was just created); returns the co-operating unit ids."""
    if not fresh:
        MeasureUnit.objects.filter(measure=measure).delete()
    links = _unit_links(measure, lead, co_units)
    MeasureUnit.objects.bulk_create(links)
    return [link.unit_id for link in links[1:]]


def _unit_links(measure: Measure, lead: Unit, co_units: Iterable[Unit]) -> list[MeasureUnit]:
    """The lead unit's link first, then the co-operating units' (the lead never twice)."""
    links = [MeasureUnit(measure=measure, unit=lead, part=UnitPart.LEAD)]
    links += [
        MeasureUnit(measure=measure, unit=u, part=UnitPart.COOP)
        for u in co_units
        if u.pk != lead.pk
    ]
    return links


def _first_review(data: MeasureData, start: dt.date) -> dt.date | None:
    if data.deadline_kind != DeadlineKind.LONG_TERM or not data.review_interval_days:
        return None
    return start + dt.timedelta(days=data.review_interval_days)


def measure_create(
    *,
    by: Any,
    finding: Finding,
    data: MeasureData,
    group: MeasureGroup | None = None,
    scheduled: bool = False,
) -> Measure:
    # Only the scheduler, carrying out recurring work the office set up, acts as no one; it
    # says so (`scheduled`), so a caller that forgot its person is refused, not let through.
    if not (scheduled and by is None):
        _require_add_measure(by, finding)
    validate_measure_data(data, finding=finding)
    # Inside a batch of audit events (a ledger import) any failure ends the whole import, so a
    # savepoint per measure (two round trips each) buys nothing there.
    with transaction.atomic(savepoint=not in_batch()):
        measure = _new_measure(by, finding, data, group=group)
        measure.save()
        co_unit_ids = _apply_units(measure, data.lead_unit, data.co_units, fresh=True)
        persons = _persons_of(data)
        # A new measure has no links yet: add() (no read of the current ones), and nothing at
        # all when there is nothing to link.
        if persons:
            measure.responsible_persons.add(*persons)
        if data.tags:
            measure.tags.add(*data.tags)
        links = (co_unit_ids, [p.pk for p in persons], [t.pk for t in data.tags])
        record_event(
            actor=by, obj=measure, action="create", after=_measure_snapshot(measure, links=links)
        )
        return measure


class MeasureRefused(ValidationError):
    """`measures_create` refused the item at `index` (its errors are this error's)."""

    def __init__(self, index: int, error: ValidationError) -> None:
        super().__init__(error)
        self.index = index


def measures_create(*, by: Any, items: Sequence[tuple[Finding, MeasureData]]) -> list[Measure]:
    """Create many measures at once, as a ledger import does: the same checks, rows, links and
    audit events as `measure_create` one by one, in the same order, with the rows of each kind
    written a batch at a time (three statements per measure become three per batch).

    Every item is checked before anything is written; a refusal raises `MeasureRefused`
    naming the item."""
    checked: set[int] = set()
    for index, (finding, data) in enumerate(items):
        if finding.pk not in checked:
            _require_add_measure(by, finding)
            checked.add(finding.pk)
        try:
            validate_measure_data(data, finding=finding)
        except ValidationError as exc:
            raise MeasureRefused(index, exc) from exc
    with transaction.atomic(savepoint=not in_batch()):
        if not connection.features.can_return_rows_from_bulk_insert:
            # A database that cannot hand back the new ids: one by one, all or nothing.
            return [measure_create(by=by, finding=f, data=d) for f, d in items]
        measures = [_new_measure(by, finding, data) for finding, data in items]
        Measure.objects.bulk_create(measures, batch_size=BULK_BATCH)
        unit_links: list[MeasureUnit] = []
        person_rows: list[Any] = []
        tag_rows: list[Any] = []
        snapshots_links: list[tuple[list[int], list[int], list[int]]] = []
        persons_through = Measure.responsible_persons.through
        tags_through = Measure.tags.through
        for measure, (_finding, data) in zip(measures, items, strict=True):
            links = _unit_links(measure, data.lead_unit, data.co_units)
            unit_links += links
            # add() links each person and tag once, whatever the list repeats.
            person_ids = list(dict.fromkeys(p.pk for p in _persons_of(data)))
            tag_ids = list(dict.fromkeys(t.pk for t in data.tags))
            person_rows += [persons_through(measure_id=measure.pk, person_id=i) for i in person_ids]
            tag_rows += [tags_through(measure_id=measure.pk, tag_id=i) for i in tag_ids]
            snapshots_links.append(([link.unit_id for link in links[1:]], person_ids, tag_ids))
        MeasureUnit.objects.bulk_create(unit_links, batch_size=BULK_BATCH)
        persons_through.objects.bulk_create(person_rows, batch_size=BULK_BATCH)
        tags_through.objects.bulk_create(tag_rows, batch_size=BULK_BATCH)
        for measure, link_ids in zip(measures, snapshots_links, strict=True):
            record_event(
                actor=by,
                obj=measure,
                action="create",
                after=_measure_snapshot(measure, links=link_ids),
            )
    return measures


BULK_BATCH = 500


def _require_add_measure(by: Any, finding: Finding) -> None:
    policy.require(
        by,
        "add_measure",
        finding,
        message=_("Only the office, or the task force for this theme, adds measures."),
    )


def _new_measure(
    by: Any, finding: Finding, data: MeasureData, *, group: MeasureGroup | None = None
) -> Measure:
    return Measure(
        organization_id=finding.inspection.organization_id,
        inspection_id=finding.inspection_id,
        finding=finding,
        group=group,
        number=data.number.strip(),
        sort_key=number_sort_key(data.number) if data.number.strip() else "",
        content=data.content.strip(),
        lead_unit=data.lead_unit,
        responsible_leader=data.responsible_leader,
        responsible_leader_text=(data.responsible_leader_text or "")[:100],
        responsible_persons_text=(data.responsible_persons_text or "")[:200],
        deadline_kind=data.deadline_kind,
        deadline_text=data.deadline_text[:100],
        due_date=data.due_date,
        original_due_date=data.due_date,
        review_interval_days=data.review_interval_days,
        next_review_date=_first_review(data, timezone.localdate()),
        is_flagged=data.is_flagged,
        progress=data.progress or 0,
        state=MeasureState.NOT_STARTED,
        state_changed_at=timezone.now(),
        updated_by=by if getattr(by, "pk", None) else None,
    )


def _persons_of(data: MeasureData) -> list[Person]:
    if data.responsible_persons is not None:
        return list(data.responsible_persons)
    return _default_persons(data.lead_unit)


NAME_TEXT_SEPARATOR = "、"


def _names_of(text: str) -> list[str]:
    return [n.strip() for n in (text or "").split(NAME_TEXT_SEPARATOR) if n.strip()]


def measure_link_person_names(by: Any, person: Person) -> int:
    """Link a newly added person to the measures that name them as text; returns how many.

    A ledger import keeps the responsible leader or persons it could not find in the directory
    as text on the measure; once that person exists, the name becomes the person.
    """
    name = person.name.strip()
    if not name:
        return 0
    linked = 0
    with transaction.atomic():
        candidates = (
            Measure.objects.unscoped("names kept as text, linked when the person is added")
            .select_for_update()
            .filter(organization_id=person.organization_id)
            .filter(
                models_q(responsible_leader_text=name)
                | models_q(responsible_persons_text__contains=name)
            )
        )
        for measure in candidates:
            before = _measure_snapshot(measure)
            if measure.responsible_leader_text == name and measure.responsible_leader_id is None:
                measure.responsible_leader = person
                measure.responsible_leader_text = ""
            names = _names_of(measure.responsible_persons_text)
            if name in names:
                names.remove(name)
                measure.responsible_persons_text = NAME_TEXT_SEPARATOR.join(names)
                measure.responsible_persons.add(person)
            measure.save()
            b, a = diff_fields(before, _measure_snapshot(measure))
            if a or b:
                linked += 1
                record_event(actor=by, obj=measure, action="update", before=b, after=a)
    return linked


def measure_assign_to_units(
    *,
    by: Any,
    finding: Finding,
    data: MeasureData,
    units: Sequence[Unit],
    scheduled: bool = False,
) -> MeasureGroup:
    """One task for many units: one measure per unit, grouped, each tracked on its own.

    Numbers continue the given number with a per-unit suffix ("5" -> "5.1", "5.2", ...), so each
    unit's copy has its own place in the ledger.
    """
    if not units:
        raise ValidationError({"units": _("Choose at least one unit.")})
    with transaction.atomic():
        group = MeasureGroup.objects.create(finding=finding, content=data.content.strip())
        base = data.number.strip().rstrip(".")
        for index, unit in enumerate(units, start=1):
            per_unit = MeasureData(**{**data.__dict__})
            per_unit.lead_unit = unit
            per_unit.co_units = []
            per_unit.responsible_persons = None
            per_unit.number = f"{base}.{index}" if base else str(index)
            measure_create(by=by, finding=finding, data=per_unit, group=group, scheduled=scheduled)
        record_event(
            actor=by,
            obj=finding,
            action="assign_many",
            after={"group": group.pk, "units": [u.pk for u in units], "content": group.content},
        )
        return group


def _lock(measure_id: int) -> Measure:
    return (
        Measure.objects.unscoped("row lock after the policy check")
        .select_for_update(of=("self",))
        .select_related("finding__theme", "finding__inspection", "lead_unit")
        .get(pk=measure_id)
    )


def _concurrent_error(current: Measure) -> ConcurrentEditError:
    who = "—"
    if current.updated_by_id:
        user = current.updated_by
        person = getattr(user, "person", None)
        who = person.name if person else user.get_username()  # type: ignore[union-attr]
    when = timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M:%S")
    return ConcurrentEditError(
        _(
            "This measure was changed by %(who)s at %(when)s after you opened it. Reload the "
            "page to see their changes, then make yours again."
        )
        % {"who": who, "when": when},
        code="concurrent_edit",
    )


# The fields of a measure in the words of its form, for refusals that name them.
MEASURE_FIELD_LABELS = {
    "number": gettext_lazy("number"),
    "content": gettext_lazy("content"),
    "lead_unit": gettext_lazy("lead unit"),
    "co_units": gettext_lazy("co-operating units"),
    "responsible_leader": gettext_lazy("responsible leader"),
    "responsible_persons": gettext_lazy("responsible persons"),
    "deadline_text": gettext_lazy("deadline as written"),
    "deadline_kind": gettext_lazy("deadline kind"),
    "due_date": gettext_lazy("due date"),
    "review_interval_days": gettext_lazy("review interval"),
    "progress": gettext_lazy("progress"),
    "tags": gettext_lazy("tags"),
    "is_flagged": gettext_lazy("supervision flag"),
}


def _ids(objs: Iterable[Any]) -> list[int]:
    return sorted(o.pk for o in objs)


def measure_changed_fields(measure: Measure, data: MeasureData) -> set[str]:
    """The fields `data` would change on `measure` (compared the way measure_update saves)."""
    changed: set[str] = set()
    plain = {
        "number": (measure.number, data.number.strip()),
        "content": (measure.content, data.content.strip()),
        "lead_unit": (measure.lead_unit_id, data.lead_unit.pk),
        "responsible_leader": (
            measure.responsible_leader_id,
            data.responsible_leader.pk if data.responsible_leader else None,
        ),
        "deadline_text": (measure.deadline_text, data.deadline_text[:100]),
        "deadline_kind": (measure.deadline_kind, data.deadline_kind),
        "due_date": (measure.due_date, data.due_date),
        "is_flagged": (measure.is_flagged, data.is_flagged),
    }
    # A name kept as text is the same field as the person it stands for.
    if data.responsible_leader_text is not None:
        plain["responsible_leader "] = (
            measure.responsible_leader_text,
            data.responsible_leader_text[:100],
        )
    if data.responsible_persons_text is not None:
        plain["responsible_persons "] = (
            measure.responsible_persons_text,
            data.responsible_persons_text[:200],
        )
    changed |= {name.strip() for name, (old, new) in plain.items() if old != new}
    if (
        data.deadline_kind == DeadlineKind.LONG_TERM
        and measure.review_interval_days != data.review_interval_days
    ):
        changed.add("review_interval_days")
    if data.progress is not None and data.progress != measure.progress:
        changed.add("progress")
    coop = measure.unit_links.filter(part=UnitPart.COOP).values_list("unit_id", flat=True)
    if sorted(coop) != _ids(u for u in data.co_units if u.pk != data.lead_unit.pk):
        changed.add("co_units")
    if data.responsible_persons is not None and sorted(
        measure.responsible_persons.values_list("id", flat=True)
    ) != _ids(data.responsible_persons):
        changed.add("responsible_persons")
    if sorted(measure.tags.values_list("id", flat=True)) != _ids(data.tags):
        changed.add("tags")
    return changed


def _require_measure_fields(by: Any, measure: Measure, data: MeasureData) -> set[str]:
    """Refuse, before anything is written, an edit of a field this person may not change."""
    allowed = policy.can_edit_measure_fields(by, measure)
    if not allowed:
        if measure.state == MeasureState.CLOSED:
            raise PermissionDenied(
                _("A closed measure cannot be edited. Reopen it first if the problem is back.")
            )
        raise PermissionDenied(_("You may not edit this measure."))
    changed = measure_changed_fields(measure, data)
    refused = changed - allowed
    if refused:
        names = "、".join(
            str(MEASURE_FIELD_LABELS.get(name, name))
            for name in MEASURE_FIELD_LABELS
            if name in refused
        )
        message = _(
            "Only the office, or the task force for this theme, may change: %(fields)s."
        ) % {"fields": names}
        if "due_date" in refused:
            message += " " + _("To move the due date, request an extension (申请延期).")
        raise PermissionDenied(message)
    return changed


def measure_update(
    *, by: Any, measure: Measure, data: MeasureData, expected_version: int
) -> Measure:
    """Save edited fields; refuse if someone else saved since `expected_version` was read, or
    if the data changes a field this person may not change (see `ledger.policy`)."""
    with transaction.atomic():
        current = _lock(measure.pk)
        if current.version != expected_version:
            raise _concurrent_error(current)
        changed = _require_measure_fields(by, current, data)
        validate_measure_data(data, finding=current.finding)
        if not changed:
            # Saving the form as it was shown changes nothing: no new version, no audit event.
            return current
        before = _measure_snapshot(current)
        current.number = data.number.strip()
        current.sort_key = number_sort_key(current.number) if current.number else ""
        current.content = data.content.strip()
        lead_changed = current.lead_unit_id != data.lead_unit.pk
        current.lead_unit = data.lead_unit
        current.responsible_leader = data.responsible_leader
        if data.responsible_leader_text is not None:
            current.responsible_leader_text = data.responsible_leader_text[:100]
        if data.responsible_persons_text is not None:
            current.responsible_persons_text = data.responsible_persons_text[:200]
        current.deadline_kind = data.deadline_kind
        current.deadline_text = data.deadline_text[:100]
        if current.due_date != data.due_date and current.original_due_date is None:
            current.original_due_date = data.due_date
        current.due_date = data.due_date
        if data.review_interval_days != current.review_interval_days or (
            data.deadline_kind == DeadlineKind.LONG_TERM and current.next_review_date is None
        ):
            current.review_interval_days = data.review_interval_days
            current.next_review_date = _first_review(data, timezone.localdate())
        if data.deadline_kind != DeadlineKind.LONG_TERM:
            current.review_interval_days = None
            current.next_review_date = None
        current.is_flagged = data.is_flagged
        if data.progress is not None:
            current.progress = data.progress
        current.version += 1
        current.updated_by = by if getattr(by, "pk", None) else None
        current.save()
        _apply_units(current, data.lead_unit, data.co_units)
        if data.responsible_persons is not None:
            current.responsible_persons.set(data.responsible_persons)
        elif lead_changed:
            current.responsible_persons.set(_default_persons(data.lead_unit))
        current.tags.set(data.tags)
        b, a = diff_fields(before, _measure_snapshot(current))
        if a or b:
            record_event(actor=by, obj=current, action="update", before=b, after=a)
        return current


def measure_transition(
    *,
    by: Any,
    measure: Measure,
    name: str,
    reason: str = "",
    new_due_date: dt.date | None = None,
    payload: dict[str, Any] | None = None,
    owner: TransitionOwner | None = None,
) -> Measure:
    """Fire a named transition: locked, checked against the table and guards, audited.

    A transition the table gives to an owner is fired only by that owner's service, which
    passes its claim as `owner`: everyone else is refused, whatever their role.
    """
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise TransitionError(_("Unknown action."), code="unknown")
    if transition.owner is not None:
        claim = owner_of(transition)
        if claim is None or owner is not claim:
            raise TransitionError(
                _("“%(action)s” keeps its own records; do it through %(where)s.")
                % {
                    "action": transition.label,
                    "where": claim.where if claim else _("the page made for it"),
                },
                code="owned",
            )
    actor = actor_for(by)
    with transaction.atomic():
        current = _lock(measure.pk)
        if not Measure.objects.visible_to(by).filter(pk=current.pk).exists():
            raise PermissionDenied
        if current.state not in transition.sources:
            raise TransitionError(
                _("“%(action)s” is not possible while the measure is “%(state)s”.")
                % {"action": transition.label, "state": current.get_state_display()},
                code="state",
            )
        if not applies_to(transition, current):
            raise TransitionError(
                _("“%(action)s” does not apply to a %(kind)s measure.")
                % {"action": transition.label, "kind": current.get_deadline_kind_display()},
                code="kind",
            )
        if not relations(actor, current) & transition.who:
            raise PermissionDenied
        reason = (reason or "").strip()
        if transition.needs_reason and not reason:
            raise TransitionError(_("Give a reason."), code="reason")
        if len(reason) > 2000:
            raise TransitionError(_("The reason is too long (2000 characters at most)."))
        data = dict(payload or {})
        # Every guard runs: any refusal refuses, and every message is shown (ledger.extensions).
        refusals = [error for guard in guards_for(name) if (error := guard(current, actor, data))]
        if refusals:
            raise TransitionError([TransitionError(error, code="guard") for error in refusals])
        before: dict[str, Any] = {"state": current.state}
        after: dict[str, Any] = {"state": transition.target}
        now = timezone.now()
        current.state = transition.target
        current.state_changed_at = now
        if transition.target == MeasureState.CLOSED:
            current.closed_at = now
            current.progress = 100
        after |= _move_deadline_clock(current, name, reason, now)
        if name == "reopen":
            current.relapse_count += 1
            current.closed_at = None
            # A relapse starts the work again: the row shows fresh progress and a light judged
            # from the reopening, not 100% and "on track".
            before["progress"] = current.progress
            current.progress = 0
            current.reopened_on = timezone.localdate(now)
            current.grace_due_date = None
            after["relapse_count"] = current.relapse_count
            after["progress"] = 0
            if new_due_date is not None:
                if new_due_date < timezone.localdate():
                    raise TransitionError(_("The new due date is in the past."), code="due")
                if current.deadline_kind == DeadlineKind.LONG_TERM:
                    raise TransitionError(_("A long-term measure has no due date."), code="due")
                before["due_date"] = current.due_date
                current.due_date = new_due_date
                after["due_date"] = new_due_date
        if name == "office_stage_complete" and current.review_interval_days:
            current.next_review_date = timezone.localdate() + dt.timedelta(
                days=current.review_interval_days
            )
            after["next_review_date"] = current.next_review_date
        current.version += 1
        current.updated_by = by if getattr(by, "pk", None) else None
        current.save()
        event = record_event(
            actor=by,
            obj=current,
            action=f"transition:{name}",
            before=before,
            after=after | {k: v for k, v in data.items() if k.startswith("snapshot")},
            message=reason,
        )
        for observer in observers():
            observer(current, name, event)
        return current


_RETURNS = frozenset({"liaison_return", "office_return"})
_AWAITING = frozenset({MeasureState.PENDING_REVIEW, MeasureState.PENDING_CLOSE})


def _move_deadline_clock(
    measure: Measure, name: str, reason: str, now: dt.datetime
) -> dict[str, Any]:
    """Keep the facts of the deadline clock and the 被退回 mark in step with a transition.

    The clock stops while a request filed by the due date waits for reviewers; a return after
    the due date starts it again from the day of the return. Returns what the audit event
    should record of it.
    """
    today = timezone.localdate(now)
    recorded: dict[str, Any] = {}
    if measure.state == MeasureState.PENDING_REVIEW and name == "request_close":
        measure.review_requested_on = today
    elif measure.state not in _AWAITING:
        requested = measure.review_requested_on
        due = measure.due_date
        if name in _RETURNS and requested and due:
            in_time_until = max(due, measure.grace_due_date or due)
            if requested <= in_time_until < today:
                measure.grace_due_date = today - dt.timedelta(days=1)
                recorded["grace_due_date"] = measure.grace_due_date
        measure.review_requested_on = None
    if name in _RETURNS:
        measure.returned_at = now
        measure.return_reason = reason
    else:
        measure.returned_at = None
        measure.return_reason = ""
    return recorded


# --- bulk actions ------------------------------------------------------------------------

BULK_ACTIONS = ("reassign_unit", "set_deadline", "add_tag", "flag", "unflag")


def measures_bulk_update(
    *, by: Any, measures: QuerySet[Measure], action: str, value: Any = None
) -> int:
    """Apply one change to a selection, all or nothing, each measure audited on its own."""
    if action not in BULK_ACTIONS:
        raise ValidationError(_("Unknown bulk action."))
    with transaction.atomic():
        locked = list(
            measures.select_for_update(of=("self",)).select_related(
                "finding__inspection", "lead_unit"
            )
        )
        if not locked:
            raise ValidationError(_("Select at least one measure."))
        for m in locked:
            before = _measure_snapshot(m)
            if action == "reassign_unit":
                unit: Unit = value
                if unit.organization_id != m.finding.inspection.organization_id:
                    raise ValidationError(_("The unit is not in this organization."))
                if not unit.is_active:
                    raise ValidationError(
                        _("%(unit)s is deactivated; choose an active unit.") % {"unit": unit}
                    )
                co = [
                    link.unit for link in m.unit_links.filter(part=UnitPart.COOP).exclude(unit=unit)
                ]
                m.lead_unit = unit
                _apply_units(m, unit, co)
                m.responsible_persons.set(_default_persons(unit))
            elif action == "set_deadline":
                due: dt.date = value
                if m.deadline_kind == DeadlineKind.LONG_TERM:
                    raise ValidationError(
                        _("%(measure)s is long-term (长期坚持) and has no due date.")
                        % {"measure": m}
                    )
                if due < m.finding.inspection.feedback_date:
                    raise ValidationError(
                        _("The due date is before the feedback date of %(measure)s.")
                        % {"measure": m}
                    )
                if m.original_due_date is None:
                    m.original_due_date = due
                m.due_date = due
            elif action == "add_tag":
                m.tags.add(value)
            elif action in ("flag", "unflag"):
                m.is_flagged = action == "flag"
            m.version += 1
            m.updated_by = by if getattr(by, "pk", None) else None
            m.save()
            b, a = diff_fields(before, _measure_snapshot(m))
            if a or b:
                record_event(actor=by, obj=m, action=f"bulk:{action}", before=b, after=a)
        return len(locked)


# --- services the reporting layer calls ----------------------------------------------


def _changed_by(by: Any) -> dict[str, Any]:
    """What every write to a measure sets besides its own columns: a new version, so that an
    edit form opened before it is refused instead of overwriting it, and who changed it when,
    so that the refusal can say so."""
    changed: dict[str, Any] = {"version": F("version") + 1, "updated_at": timezone.now()}
    if getattr(by, "pk", None):
        changed["updated_by"] = by
    return changed


def measure_record_report(
    *, measure_id: int, progress: int | None, at: dt.datetime, by: Any = None
) -> None:
    """Keep the ledger's progress and last-report columns in step with a filed report."""
    # Reporting is the unit acting on a return: the 被退回 mark has been answered.
    updates: dict[str, Any] = {
        "last_report_at": at,
        "returned_at": None,
        "return_reason": "",
        **_changed_by(by),
    }
    if progress is not None:
        updates["progress"] = max(0, min(100, progress))
    Measure.objects.unscoped("service check after the policy check").filter(pk=measure_id).update(
        **updates
    )


def measure_adjust_evidence_count(*, measure_id: int, delta: int, by: Any = None) -> None:
    Measure.objects.unscoped("service check after the policy check").filter(pk=measure_id).update(
        evidence_count=F("evidence_count") + delta, **_changed_by(by)
    )


def measure_count_urge(*, measure_id: int, by: Any = None) -> int:
    """Count one more urge (催办) on the measure; returns the new count."""
    Measure.objects.unscoped("service check after the policy check").filter(pk=measure_id).update(
        urge_count=F("urge_count") + 1, **_changed_by(by)
    )
    return (
        Measure.objects.unscoped("service check after the policy check")
        .values_list("urge_count", flat=True)
        .get(pk=measure_id)
    )


def measure_set_due_date(*, by: Any, measure: Measure, due_date: dt.date, reason: str) -> Measure:
    """Move the due date (an approved extension); the original due date is kept."""
    with transaction.atomic():
        current = _lock(measure.pk)
        if current.deadline_kind == DeadlineKind.LONG_TERM:
            raise ValidationError(_("A long-term measure has no due date."))
        before = {"due_date": current.due_date}
        if current.original_due_date is None:
            current.original_due_date = current.due_date
        current.due_date = due_date
        current.version += 1
        current.updated_by = by if getattr(by, "pk", None) else None
        current.save()
        record_event(
            actor=by,
            obj=current,
            action="due_date_changed",
            before=before,
            after={"due_date": due_date},
            message=reason,
        )
        return current


def tag_get_or_create(*, by: Any, organization: Organization, name: str) -> Tag:
    name = name.strip()[:50]
    if not name:
        raise ValidationError(_("A tag needs a name."))
    with transaction.atomic():
        tag, created = Tag.objects.unscoped("service check after the policy check").get_or_create(
            organization=organization, name=name
        )
        if created:
            record_event(actor=by, obj=tag, action="create", after={"name": name})
        return tag


def campaign_save(*, by: Any, tag: Tag) -> Tag:
    """Create or change a campaign (专题活动): a tag with a period and a description."""
    policy.require(by, "manage_campaigns", tag, message=_("Only the office manages campaigns."))
    with transaction.atomic():
        creating = tag.pk is None
        before = (
            {}
            if creating
            else snapshot(
                Tag.objects.unscoped("row lock after the policy check")
                .select_for_update()
                .get(pk=tag.pk)
            )
        )
        tag.name = tag.name.strip()[:50]
        tag.full_clean()
        tag.save()
        _audit_save(by, tag, creating, before, snapshot(tag))
        return tag


def theme_for(organization: Organization, name: str) -> Theme | None:
    return (
        Theme.objects.unscoped("service check after the policy check")
        .filter(organization=organization, name=name)
        .first()
    )

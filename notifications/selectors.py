"""Reads for reminders, urging and notifications: who is told, what is due, what a page shows."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.workdays import CalendarMode
from core.workdays import due_date_warning as workday_warning
from ledger import selectors as ledger_selectors
from ledger.choices import OPEN_STATES, DeadlineKind, MeasureState
from ledger.models import Measure
from ledger.selectors import (
    clock_deadline,
    clock_stopped,
    due_within_q,
    is_overdue,
    overdue_q,
)
from notifications.choices import WebhookKind
from notifications.ladder import (
    DEFAULT_LADDER,
    Audience,
    LadderConfigError,
    LadderStep,
    ladder_from_config,
    step_trigger_date,
)
from notifications.models import (
    Notification,
    NotificationSettings,
    Preference,
    ReminderLog,
    SupervisionNotice,
    Urge,
)
from organization import policy
from organization.models import Organization, Person

logger = logging.getLogger(__name__)
User = get_user_model()

# Measures that wait on reviewers, not on their unit: reminders before the due date would only
# nag people who have done their part, so those rungs wait until the measure is returned.
AWAITING_REVIEW_STATES = ledger_selectors.AWAITING_REVIEW_STATES


# --- organization settings --------------------------------------------------------------


def settings_for(organization: Organization) -> NotificationSettings:
    """The organization's reminder settings; unsaved defaults when the office never set them."""
    found = (
        NotificationSettings.objects.unscoped("settings of the organization being served")
        .filter(organization=organization)
        .first()
    )
    return found or NotificationSettings(organization=organization)


def ladder_for(organization: Organization) -> tuple[LadderStep, ...]:
    """The organization's escalation ladder (the default one unless the office configured it).

    The settings page only stores ladders that validate; a stored ladder that no longer does
    (edited in the database by hand) falls back to the default rather than stopping reminders.
    """
    stored = settings_for(organization)
    try:
        return ladder_from_config(stored.ladder)
    except LadderConfigError as exc:
        logger.error("Invalid escalation ladder for %s, using the default: %s", organization, exc)
        return DEFAULT_LADDER


def calendar_mode_for(organization: Organization) -> CalendarMode:
    return CalendarMode.of(organization.calendar_mode)


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    kind: str
    secret: str


def detect_webhook_kind(url: str) -> str:
    host = url.split("//", 1)[-1].split("/", 1)[0].lower()
    if host.endswith("qyapi.weixin.qq.com"):
        return WebhookKind.WECOM
    if host.endswith("oapi.dingtalk.com"):
        return WebhookKind.DINGTALK
    return WebhookKind.GENERIC


def webhook_target(organization: Organization) -> WebhookTarget | None:
    """Where the organization's group robot messages go: its own address, else the server's."""
    stored = settings_for(organization)
    url = stored.webhook_url or getattr(settings, "NOTIFICATION_WEBHOOK_URL", "")
    if not url:
        return None
    kind = stored.webhook_kind if stored.webhook_url else WebhookKind.AUTO
    if kind == WebhookKind.AUTO:
        kind = detect_webhook_kind(url)
    return WebhookTarget(
        url=url, kind=kind, secret=stored.webhook_secret if stored.webhook_url else ""
    )


# --- working days -----------------------------------------------------------------------


def due_date_warning(organization: Organization, date: dt.date | None) -> str | None:
    """The warning for a due date as the organization counts its days (`core.workdays`)."""
    return workday_warning(date, mode=calendar_mode_for(organization))


# --- who is told ------------------------------------------------------------------------


def measure_for_recipients(measure_id: int) -> Measure:
    """A measure with everything recipient resolution reads, in a fixed number of queries."""
    return (
        Measure.objects.unscoped("recipients of a notification the service is sending")
        .select_related(
            "finding__inspection__organization",
            "finding__theme__task_force",
            "lead_unit__party_secretary__user",
            "lead_unit__admin_head__user",
            "lead_unit__liaison_group",
            "responsible_leader__user",
        )
        .prefetch_related("responsible_persons__user")
        .get(pk=measure_id)
    )


def _users(people: Iterable[Person | None]) -> list[Any]:
    users: list[Any] = []
    seen: set[int] = set()
    for person in people:
        if person is None:
            continue
        user = person.user
        if user.is_active and user.pk not in seen:
            seen.add(user.pk)
            users.append(user)
    return users


def _group_people(q: Q) -> list[Person]:
    return list(
        Person.objects.unscoped("recipients of a notification the service is sending")
        .filter(q)
        .select_related("user")
        .distinct()
        .order_by("id")
    )


def audience_people(measure: Measure, audience: Audience) -> list[Person]:
    """The people an audience of the ladder means for this measure."""
    unit = measure.lead_unit
    if audience == Audience.RESPONSIBLE_PERSONS:
        return sorted(measure.responsible_persons.all(), key=lambda p: p.pk)
    if audience == Audience.RESPONSIBLE_LEADER:
        return [measure.responsible_leader] if measure.responsible_leader else []
    if audience == Audience.UNIT_HEADS:
        return [p for p in (unit.party_secretary, unit.admin_head) if p is not None]
    if audience == Audience.LIAISON_GROUP:
        if unit.liaison_group_id is None:
            return []
        group = unit.liaison_group_id
        return _group_people(Q(liaison_groups=group) | Q(led_liaison_groups=group))
    if audience == Audience.TASK_FORCE:
        force = measure.finding.theme.task_force_id
        return _group_people(Q(task_forces=force) | Q(led_task_forces=force))
    if audience == Audience.OFFICE:
        return _group_people(
            Q(organization_id=measure.finding.inspection.organization_id) & policy.office_people_q()
        )
    raise ValueError(audience)


def audience_users(measure: Measure, audiences: Sequence[Audience]) -> list[Any]:
    """Active users of the audiences, each once, in audience order."""
    people: list[Person] = []
    for audience in audiences:
        people.extend(audience_people(measure, audience))
    return _users(people)


# "The unit" of a measure: its responsible persons and the lead unit's two heads.
UNIT_AUDIENCES = (Audience.RESPONSIBLE_PERSONS, Audience.UNIT_HEADS)


def unit_users(measure: Measure) -> list[Any]:
    return audience_users(measure, UNIT_AUDIENCES)


def is_unit_member(user: Any, measure: Measure) -> bool:
    """Whether the user answers for the measure's lead unit (works there, heads it, or is one
    of its responsible persons)."""
    from organization.scope import actor_for

    actor = actor_for(user)
    if policy.acts_for_unit(actor, measure.lead_unit_id):
        return True
    return actor.person_id is not None and any(
        p.pk == actor.person_id for p in measure.responsible_persons.all()
    )


# --- preferences and the inbox ----------------------------------------------------------


def preference_for(user: Any) -> Preference:
    """The user's preferences; unsaved defaults (email on, no digest) if they never chose."""
    found = (
        Preference.objects.unscoped("the user's own preferences").filter(user_id=user.pk).first()
    )
    return found or Preference(user=user)


def own_person(user: Any) -> Person | None:
    """The user's own profile (none for an account without one), for the ids kept on it."""
    return (
        Person.objects.unscoped("the user's own profile").filter(user_id=user.pk).first()
        if user.is_authenticated
        else None
    )


def preferences_for(users: Sequence[Any]) -> dict[int, Preference]:
    found = {
        p.user_id: p
        for p in Preference.objects.unscoped("preferences of the recipients being served").filter(
            user__in=[u.pk for u in users]
        )
    }
    return {u.pk: found.get(u.pk) or Preference(user=u) for u in users}


def inbox(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.visible_to(user).select_related("measure")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    return Notification.objects.visible_to(user).filter(read_at__isnull=True).count()


# --- a measure's reminders and urges -----------------------------------------------------


@dataclass(frozen=True)
class SentStep:
    code: str
    offset_days: int | None
    sent_at: dt.datetime
    recipient_count: int
    flagged: bool


@dataclass(frozen=True)
class ReminderStatus:
    """Where a measure stands on its organization's ladder, for the measure page."""

    applies: bool
    due_date: dt.date | None
    sent: list[SentStep]
    next_code: str | None
    next_date: dt.date | None


def reminder_status(
    measure: Measure, *, ladder: tuple[LadderStep, ...] | None = None
) -> ReminderStatus:
    """`ladder`: the organization's, when the caller has read it already."""
    org = measure.finding.inspection.organization
    applies = (
        measure.due_date is not None
        and measure.deadline_kind != DeadlineKind.LONG_TERM
        and measure.state in OPEN_STATES
    )
    ladder = ladder_for(org) if ladder is None else ladder
    offsets = {s.code: s.offset_days for s in ladder}
    logs = (
        ReminderLog.objects.unscoped(
            "records of a measure already fetched through its scope"
        ).filter(measure=measure, due_date=measure.due_date)
        if measure.due_date
        else ReminderLog.objects.none()
    )
    sent = [
        SentStep(
            log.step_code, offsets.get(log.step_code), log.sent_at, log.recipient_count, log.flagged
        )
        for log in logs
    ]
    next_code: str | None = None
    next_date: dt.date | None = None
    if applies and measure.due_date is not None:
        mode = calendar_mode_for(org)
        done = {s.code for s in sent}
        # Ladder order is firing order, so the first rung not yet sent is the next one (it may
        # already be due, and goes out at the scheduler's next run).
        waiting = measure.state in AWAITING_REVIEW_STATES
        deadline = clock_deadline(measure) or measure.due_date
        for step in ladder:
            if clock_stopped(measure):
                break  # nothing fires while a request filed in time waits for reviewers
            if step.code not in done and not (waiting and step.offset_days <= 0):
                next_code = step.code
                next_date = step_trigger_date(step, due_date=deadline, mode=mode)
                break
    return ReminderStatus(applies, measure.due_date, sent, next_code, next_date)


def measure_urges(measure: Measure) -> list[Urge]:
    return list(
        Urge.objects.unscoped("records of a measure already fetched through its scope")
        .filter(measure=measure)
        .select_related("by__person", "answered_by__person")
        .order_by("-created_at", "-id")
    )


def measure_notices(measure: Measure) -> list[SupervisionNotice]:
    return list(
        SupervisionNotice.objects.unscoped("records of a measure already fetched through its scope")
        .filter(measure=measure)
        .order_by("-year", "-seq")
    )


def urge_candidates(
    user: Any, *, today: dt.date | None = None, warn_days: int = 10
) -> QuerySet[Measure]:
    """Open measures in the user's scope that are overdue or due within the warning window:
    what the office or a liaison group would want to urge."""
    today = today or timezone.localdate()
    return (
        Measure.objects.visible_to(user)
        .filter(overdue_q(today) | due_within_q(today, warn_days))
        .filter(state__in=OPEN_STATES)
        .select_related("lead_unit", "finding")
        .order_by("due_date", "id")
    )


def visible_notices(user: Any) -> QuerySet[SupervisionNotice]:
    return SupervisionNotice.objects.visible_to(user).select_related(
        "measure__lead_unit", "measure__finding", "issued_by__person"
    )


# --- the calendar feed ------------------------------------------------------------------


def calendar_measures(user: Any, *, limit: int = 2000) -> list[Measure]:
    """Measures in the user's scope with a date to put in a calendar: open measures' due dates
    and long-term measures' next review dates."""
    return list(
        Measure.objects.visible_to(user)
        .filter(
            Q(state__in=OPEN_STATES, due_date__isnull=False)
            | Q(deadline_kind=DeadlineKind.LONG_TERM, next_review_date__isnull=False)
        )
        .exclude(state=MeasureState.CLOSED)
        .select_related("lead_unit", "finding")
        .order_by("id")[:limit]
    )


# --- supervision notices for documents ----------------------------------------------------


@dataclass(frozen=True)
class SupervisionNoticeData:
    """Everything a 督办通知 document shows, as plain values."""

    number: str
    organization: str
    office: str
    issued_on: dt.date
    issued_by: str
    measure_number: str
    measure_content: str
    finding_number: str
    finding_text: str
    inspection: str
    lead_unit: str
    responsible_leader: str
    responsible_persons: list[str]
    due_date: dt.date | None
    original_due_date: dt.date | None
    days_overdue: int | None
    progress: int
    urge_count: int
    requirements: str
    reply_deadline: dt.date
    reply: str
    replied_on: dt.date | None
    replied_by: str


def _name(user: Any) -> str:
    if user is None:
        return ""
    person = getattr(user, "person", None)
    return person.name if person is not None else user.get_username()


def supervision_notice_data(notice: SupervisionNotice) -> SupervisionNoticeData:
    """The data accessor for exporting a supervision notice as a Word document."""
    notice = (
        SupervisionNotice.objects.unscoped("a notice already fetched through its scope")
        .select_related(
            "organization",
            "measure__finding__inspection",
            "measure__lead_unit",
            "measure__responsible_leader",
            "issued_by__person",
            "replied_by__person",
        )
        .prefetch_related("measure__responsible_persons")
        .get(pk=notice.pk)
    )
    m = notice.measure
    org = notice.organization
    issued_on = timezone.localdate(notice.issued_at)
    days_overdue = None
    deadline = clock_deadline(m)
    if m.due_date is not None and deadline is not None and is_overdue(m, issued_on):
        days_overdue = (issued_on - deadline).days
    return SupervisionNoticeData(
        number=notice.number,
        organization=org.name,
        office=org.office_name or org.leading_group_name or org.name,
        issued_on=issued_on,
        issued_by=_name(notice.issued_by),
        measure_number=m.number,
        measure_content=m.content,
        finding_number=m.finding.number,
        finding_text=m.finding.text,
        inspection=m.finding.inspection.name,
        lead_unit=m.lead_unit.name,
        responsible_leader=m.responsible_leader.name if m.responsible_leader else "",
        responsible_persons=[p.name for p in m.responsible_persons.all()],
        due_date=m.due_date,
        original_due_date=m.original_due_date,
        days_overdue=days_overdue,
        progress=m.progress,
        urge_count=m.urge_count,
        requirements=notice.requirements,
        reply_deadline=notice.reply_deadline,
        reply=notice.reply,
        replied_on=timezone.localdate(notice.replied_at) if notice.replied_at else None,
        replied_by=_name(notice.replied_by),
    )

"""Writes for reminders, urging and supervision (催办督办), and the delivery of notifications.

Every service is atomic, locks the rows it changes and records what it did on the audit chain
(events about a measure on the measure, so they appear on its timeline). Notifications and their
deliveries are written in the transaction of the event they announce; emails and group-robot
messages leave only after it commits, from `deliveries_send`, so a failing channel never blocks
or undoes an action. `reminders_run` is the scheduler's whole job and is safe to repeat.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.audit import diff_fields, record_event
from core.models import AuditEvent
from core.workdays import CalendarMode, days_between
from ledger.choices import OPEN_STATES, DeadlineKind
from ledger.models import Measure
from ledger.services import measures_bulk_update
from ledger.workflow import TRANSITIONS
from notifications import selectors
from notifications.channels import DeliveryError, send_email, send_webhook, webhook_payload
from notifications.choices import Channel, DeliveryStatus, Kind, WebhookKind
from notifications.ladder import (
    Audience,
    LadderConfigError,
    LadderStep,
    due_steps,
    ladder_from_config,
    ladder_to_config,
)
from notifications.models import (
    Delivery,
    EventCursor,
    Notification,
    NotificationSettings,
    Preference,
    ReminderLog,
    SupervisionNotice,
    Urge,
    new_calendar_token,
)
from organization.models import Organization, Person
from organization.scope import has_capability
from organization.services import snapshot

logger = logging.getLogger(__name__)

MAX_TEXT = 2000
MAX_URGE_SELECTION = 200
# A delivery claimed by a sender that then died is picked up again after this long.
CLAIM_LEASE = dt.timedelta(minutes=15)
TRANSITION_CURSOR = "transitions"
TRANSITION_BATCH = 200


# --- notifying ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """What one event tells its recipients. `key` identifies the event: a person never gets two
    notifications with the same key."""

    kind: str
    title: str
    body: str = ""
    url: str = ""
    key: str = ""


def absolute_url(path: str) -> str:
    if not path:
        return ""
    return settings.SITE_URL.rstrip("/") + path


def measure_url(measure: Measure) -> str:
    return reverse("ledger:measure_detail", args=[measure.pk])


def measure_label(measure: Measure) -> str:
    content = measure.content if len(measure.content) <= 40 else measure.content[:40] + "…"
    return _("%(unit)s: %(content)s") % {"unit": measure.lead_unit.name, "content": content}


def _email_body(title: str, body: str, url: str) -> str:
    parts = [title, ""]
    if body:
        parts += [body, ""]
    if url:
        parts += [_("Open: %(url)s") % {"url": absolute_url(url)}, ""]
    parts += [
        "-- ",
        _("Choose how you are notified: %(url)s")
        % {"url": absolute_url(reverse("notifications:preferences"))},
    ]
    return "\n".join(parts)


def _mobile(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def notify(
    *,
    organization: Organization,
    recipients: Iterable[Any],
    message: Message,
    measure: Measure | None = None,
    now: dt.datetime | None = None,
    exclude: Iterable[int] = (),
) -> list[Notification]:
    """Put the message in each recipient's inbox and queue their email and the group robot's
    message. Runs in the caller's transaction; recipients who already hold a notification with
    the same key are skipped."""
    if not connection.in_atomic_block:
        raise RuntimeError("notify must run inside the transaction of the event it announces")
    now = now or timezone.now()
    excluded = set(exclude)
    users: list[Any] = []
    seen: set[int] = set()
    for user in recipients:
        if user is None or not user.is_active or user.pk in seen or user.pk in excluded:
            continue
        seen.add(user.pk)
        users.append(user)
    if message.key and users:
        already = set(
            Notification.objects.filter(recipient__in=users, key=message.key).values_list(
                "recipient_id", flat=True
            )
        )
        users = [u for u in users if u.pk not in already]
    if not users:
        return []
    notes = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                organization=organization,
                measure=measure,
                kind=message.kind,
                title=message.title[:300],
                body=message.body,
                url=message.url,
                key=message.key,
                created_at=now,
            )
            for user in users
        ]
    )
    prefs = selectors.preferences_for(users)
    deliveries: list[Delivery] = []
    subject = _("[%(org)s] %(title)s") % {
        "org": organization.short_name or organization.name,
        "title": message.title,
    }
    text = _email_body(message.title, message.body, message.url)
    for note, user in zip(notes, users, strict=True):
        pref = prefs[user.pk]
        if pref.email_enabled and user.email:
            deliveries.append(
                Delivery(
                    organization=organization,
                    channel=Channel.EMAIL,
                    notification=note,
                    recipient=user,
                    to=user.email,
                    subject=subject[:300],
                    body=text,
                    status=DeliveryStatus.DIGEST if pref.daily_digest else DeliveryStatus.PENDING,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    target = selectors.webhook_target(organization)
    mentioned = [u for u in users if prefs[u.pk].webhook_enabled]
    if target is not None and mentioned:
        people = {p.user_id: p for p in Person.objects.filter(user__in=[u.pk for u in mentioned])}
        names = [people[u.pk].name if u.pk in people else u.get_username() for u in mentioned]
        mobiles = [m for m in (_mobile(people[u.pk].phone) for u in mentioned if u.pk in people) if m]
        body = message.body + ("\n" if message.body else "") + _("For: %(names)s") % {
            "names": "、".join(names)
        }
        deliveries.append(
            Delivery(
                organization=organization,
                channel=Channel.WEBHOOK,
                to=target.url,
                subject=message.title[:300],
                body=body,
                payload=webhook_payload(
                    kind=target.kind,
                    title=message.title,
                    text=body,
                    url=absolute_url(message.url),
                    mobiles=mobiles,
                    names=names,
                ),
                created_at=now,
                next_attempt_at=now,
            )
        )
    if deliveries:
        Delivery.objects.bulk_create(deliveries)
        send_after_commit([d.pk for d in deliveries if d.status == DeliveryStatus.PENDING])
    return notes


def send_after_commit(ids: Sequence[int]) -> None:
    """Send these deliveries once the current transaction commits, unless the deployment leaves
    all sending to the scheduler (NOTIFICATION_SEND_ON_COMMIT = False)."""
    if not ids or not getattr(settings, "NOTIFICATION_SEND_ON_COMMIT", True):
        return
    wanted = list(ids)

    def send() -> None:
        try:
            deliveries_send(ids=wanted)
        except Exception:  # The action already committed; the scheduler retries what is left.
            logger.exception("Sending deliveries after commit failed")

    transaction.on_commit(send)


# --- sending ------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def max_attempts() -> int:
    return max(1, int(getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 5)))


def retry_delay(attempts: int) -> dt.timedelta:
    """Wait 5, 10, 20, 40... minutes between attempts, at most six hours."""
    return dt.timedelta(minutes=min(5 * 2 ** max(attempts - 1, 0), 6 * 60))


def _sendable_q(now: dt.datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE
    )


def _send_one(delivery: Delivery) -> None:
    if delivery.channel == Channel.EMAIL:
        send_email(to=delivery.to, subject=delivery.subject, body=delivery.body)
        return
    target = selectors.webhook_target(delivery.organization)
    same = target is not None and target.url == delivery.to
    send_webhook(
        url=delivery.to,
        payload=delivery.payload or {},
        secret=target.secret if same and target else "",
        kind=target.kind if same and target else "",
    )


def deliveries_send(
    *, now: dt.datetime | None = None, ids: Sequence[int] | None = None, limit: int = 500
) -> SendReport:
    """Send what is due: new deliveries, retries whose time has come, and deliveries a crashed
    sender left claimed. Each is claimed with a conditional update first, so two senders running
    at once never send the same one; a failure is retried later, up to NOTIFICATION_MAX_ATTEMPTS.
    """
    now = now or timezone.now()
    report = SendReport()
    due = _sendable_q(now)
    qs = Delivery.objects.filter(due)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    candidates = list(qs.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
    ceiling = max_attempts()
    for pk in candidates:
        claimed = (
            Delivery.objects.filter(due, pk=pk)
            .filter(attempts__lt=ceiling)
            .update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        )
        if not claimed:
            # Another sender has it, or a crashed claim already used the last attempt.
            Delivery.objects.filter(due, pk=pk, attempts__gte=ceiling).update(
                status=DeliveryStatus.FAILED, claimed_at=None
            )
            continue
        delivery = Delivery.objects.select_related("organization").get(pk=pk)
        try:
            _send_one(delivery)
        except DeliveryError as exc:
            error = str(exc) or type(exc).__name__
            if delivery.attempts >= ceiling:
                status, report.failed = DeliveryStatus.FAILED, report.failed + 1
            else:
                status, report.retrying = DeliveryStatus.PENDING, report.retrying + 1
            Delivery.objects.filter(pk=pk).update(
                status=status,
                last_error=error,
                claimed_at=None,
                next_attempt_at=now + retry_delay(delivery.attempts),
            )
            logger.warning("Delivery %s (%s) failed: %s", pk, delivery.channel, error)
        else:
            Delivery.objects.filter(pk=pk).update(
                status=DeliveryStatus.SENT, sent_at=now, claimed_at=None, last_error=""
            )
            report.sent += 1
    return report


def delivery_retry(*, by: Any, delivery_ids: Sequence[int], now: dt.datetime | None = None) -> int:
    """The administrator sends failed or waiting deliveries again, with a fresh set of attempts."""
    if not has_capability(by, "notifications.admin"):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            Delivery.objects.visible_to(by)
            .select_for_update()
            .filter(pk__in=list(delivery_ids), status__in=(DeliveryStatus.FAILED, DeliveryStatus.PENDING))
        )
        for row in rows:
            record_event(
                actor=by,
                obj=row,
                action="delivery:retry",
                before={"status": row.status, "attempts": row.attempts},
                after={"status": DeliveryStatus.PENDING, "attempts": 0},
            )
        Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, claimed_at=None
        )
        send_after_commit([r.pk for r in rows])
        return len(rows)


def digests_bundle(*, now: dt.datetime | None = None) -> int:
    """Collect each digest reader's waiting emails into one, once a day at their chosen hour."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    waiting = (
        Delivery.objects.filter(status=DeliveryStatus.DIGEST)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    due = Preference.objects.filter(
        Q(last_digest_on__isnull=True) | Q(last_digest_on__lt=today),
        user_id__in=waiting,
        daily_digest=True,
        digest_hour__lte=local.hour,
    ).values_list("pk", flat=True)
    bundled = 0
    for pref_id in list(due):
        with transaction.atomic():
            pref = Preference.objects.select_for_update().select_related("user").get(pk=pref_id)
            if pref.last_digest_on is not None and pref.last_digest_on >= today:
                continue
            items = list(
                Delivery.objects.select_for_update()
                .filter(recipient_id=pref.user_id, status=DeliveryStatus.DIGEST)
                .select_related("notification", "organization")
                .order_by("created_at", "id")
            )
            if not items:
                continue
            digest = Delivery.objects.create(
                organization=items[-1].organization,
                channel=Channel.EMAIL,
                recipient=pref.user,
                to=pref.user.email or items[-1].to,
                subject=_digest_subject(items[-1].organization, len(items), today)[:300],
                body=_digest_body(items),
                created_at=now,
                next_attempt_at=now,
            )
            Delivery.objects.filter(pk__in=[d.pk for d in items]).update(
                status=DeliveryStatus.BUNDLED, bundle=digest
            )
            pref.last_digest_on = today
            pref.save(update_fields=["last_digest_on"])
            bundled += 1
    return bundled


def _digest_subject(org: Organization, count: int, day: dt.date) -> str:
    return ngettext(
        "[%(org)s] Daily digest %(date)s: %(n)d notification",
        "[%(org)s] Daily digest %(date)s: %(n)d notifications",
        count,
    ) % {"org": org.short_name or org.name, "date": date_format(day, "Y-m-d"), "n": count}


def _digest_body(items: Sequence[Delivery]) -> str:
    lines = [_("Your notifications since the last digest:"), ""]
    for number, item in enumerate(items, start=1):
        note = item.notification
        title = note.title if note else item.subject
        lines.append(f"{number}. {title}")
        if note and note.body:
            lines.append("   " + note.body.splitlines()[0][:200])
        if note and note.url:
            lines.append("   " + absolute_url(note.url))
        lines.append("")
    lines += [
        "-- ",
        _("Choose how you are notified: %(url)s")
        % {"url": absolute_url(reverse("notifications:preferences"))},
    ]
    return "\n".join(lines)


# --- the escalation ladder ------------------------------------------------------------------


@dataclass
class LadderReport:
    steps: int = 0
    notifications: int = 0
    flagged: int = 0


def _horizon(ladder: Sequence[LadderStep], today: dt.date, mode: CalendarMode) -> dt.date:
    """The latest due date any rung can already be due for: a cheap SQL bound, checked exactly
    per measure afterwards. Working days stretch a span by weekends and holidays (Spring
    Festival adds up to a fortnight), hence the generous factor."""
    earliest = min((step.offset_days for step in ladder), default=0)
    days = max(-earliest, 0)
    if mode == CalendarMode.WORKING_DAYS:
        days = days * 2 + 31
    return today + dt.timedelta(days=days)


def _step_message(
    measure: Measure, step: LadderStep, *, today: dt.date, mode: CalendarMode
) -> Message:
    due = measure.due_date
    assert due is not None
    label = measure_label(measure)
    left = days_between(today, due, mode=mode)
    working = mode == CalendarMode.WORKING_DAYS
    if step.flag_for_supervision:
        title = _("Flagged for supervision (挂牌督办): %(measure)s") % {"measure": label}
    elif today > due:
        late = (today - due).days
        title = ngettext(
            "Overdue by %(n)d day: %(measure)s", "Overdue by %(n)d days: %(measure)s", late
        ) % {"n": late, "measure": label}
    elif left == 0:
        title = _("Due today: %(measure)s") % {"measure": label}
    elif working:
        title = ngettext(
            "Due in %(n)d working day: %(measure)s",
            "Due in %(n)d working days: %(measure)s",
            left,
        ) % {"n": left, "measure": label}
    else:
        title = ngettext(
            "Due in %(n)d day: %(measure)s", "Due in %(n)d days: %(measure)s", left
        ) % {"n": left, "measure": label}
    lines = [
        measure.content,
        _("Lead unit: %(unit)s · due %(due)s · progress %(progress)d%% · %(state)s")
        % {
            "unit": measure.lead_unit.name,
            "due": date_format(due, "Y-m-d"),
            "progress": measure.progress,
            "state": measure.get_state_display(),
        },
    ]
    if step.flag_for_supervision:
        lines.append(
            _("The measure is still open after the last reminder and is now listed for "
              "supervision by the rectification office.")
        )
    elif today > due:
        lines.append(_("The measure is overdue. Report progress or ask for an extension."))
    return Message(
        kind=Kind.REMINDER,
        title=title,
        body="\n".join(lines),
        url=measure_url(measure),
        key=f"reminder:{measure.pk}:{due.isoformat()}:{step.code}",
    )


def _ladder_candidates(
    org: Organization, ladder: Sequence[LadderStep], today: dt.date, mode: CalendarMode
) -> list[int]:
    codes = [step.code for step in ladder]
    return list(
        Measure.objects.filter(
            finding__inspection__organization=org,
            state__in=OPEN_STATES,
            due_date__isnull=False,
            due_date__lte=_horizon(ladder, today, mode),
        )
        .exclude(deadline_kind=DeadlineKind.LONG_TERM)
        .annotate(
            n_sent=Count(
                "reminder_logs",
                filter=Q(reminder_logs__due_date=F("due_date"), reminder_logs__step_code__in=codes),
            )
        )
        .filter(n_sent__lt=len(codes))
        .order_by("id")
        .values_list("pk", flat=True)
    )


def measure_escalate(
    *,
    measure_id: int,
    ladder: Sequence[LadderStep],
    mode: CalendarMode,
    now: dt.datetime,
) -> LadderReport:
    """Fire the rungs due for one measure that have not fired for its current due date.

    Rungs missed by earlier runs catch up; a person in several of them hears only the latest.
    """
    report = LadderReport()
    today = timezone.localdate(now)
    with transaction.atomic():
        locked = (
            Measure.objects.select_for_update(of=("self",))
            .filter(pk=measure_id, state__in=OPEN_STATES, due_date__isnull=False)
            .exclude(deadline_kind=DeadlineKind.LONG_TERM)
            .first()
        )
        if locked is None:
            return report
        measure = selectors.measure_for_recipients(measure_id)
        due = measure.due_date
        assert due is not None
        steps = due_steps(due_date=due, today=today, ladder=ladder, mode=mode)
        if measure.state in selectors.AWAITING_REVIEW_STATES:
            steps = [s for s in steps if s.offset_days > 0]
        sent = set(
            ReminderLog.objects.filter(measure=measure, due_date=due).values_list(
                "step_code", flat=True
            )
        )
        todo = [s for s in steps if s.code not in sent]
        if not todo:
            return report
        audiences = {s.code: selectors.audience_users(measure, s.audiences) for s in todo}
        latest: dict[int, str] = {}
        for step in reversed(todo):
            for user in audiences[step.code]:
                latest.setdefault(user.pk, step.code)
        org = measure.finding.inspection.organization
        for step in todo:
            recipients = [u for u in audiences[step.code] if latest[u.pk] == step.code]
            flag = step.flag_for_supervision and not measure.is_flagged
            ReminderLog.objects.create(
                measure=measure,
                due_date=due,
                step_code=step.code,
                sent_at=now,
                recipient_count=len(audiences[step.code]),
                flagged=flag,
            )
            message = _step_message(measure, step, today=today, mode=mode)
            notes = notify(
                organization=org,
                recipients=recipients,
                message=message,
                measure=measure,
                now=now,
            )
            if flag:
                measures_bulk_update(
                    by=None, measures=Measure.objects.filter(pk=measure.pk), action="flag"
                )
                measure.is_flagged = True
                report.flagged += 1
            names = "、".join(_person_names(audiences[step.code])) or "—"
            record_event(
                actor=None,
                obj=measure,
                action="reminder:sent",
                message=_("%(title)s\nStep %(step)s, sent to: %(names)s")
                % {"title": message.title, "step": step.code, "names": names},
            )
            report.steps += 1
            report.notifications += len(notes)
    return report


def _person_names(users: Sequence[Any]) -> list[str]:
    people = dict(
        Person.objects.filter(user__in=[u.pk for u in users]).values_list("user_id", "name")
    )
    return [people.get(u.pk) or u.get_username() for u in users]


def ladder_run(*, now: dt.datetime | None = None) -> LadderReport:
    """Fire every rung that is due, in every active organization."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    total = LadderReport()
    for org in Organization.objects.filter(is_active=True).order_by("id"):
        ladder = selectors.ladder_for(org)
        if not ladder:
            continue
        mode = selectors.calendar_mode_for(org)
        with translation.override(settings.LANGUAGE_CODE):
            for measure_id in _ladder_candidates(org, ladder, today, mode):
                part = measure_escalate(measure_id=measure_id, ladder=ladder, mode=mode, now=now)
                total.steps += part.steps
                total.notifications += part.notifications
                total.flagged += part.flagged
    return total


# --- close-out progress, read from the audit chain ----------------------------------------------

_UNIT = (Audience.RESPONSIBLE_PERSONS, Audience.UNIT_HEADS)
_LIAISON = (Audience.LIAISON_GROUP,)
_OFFICE = (Audience.OFFICE,)
_LEADER = (Audience.RESPONSIBLE_LEADER,)

# Who hears of each transition of a measure. "start" concerns nobody but the unit itself.
TRANSITION_AUDIENCES: dict[str, tuple[Audience, ...]] = {
    "request_close": _LIAISON,
    "withdraw": _LIAISON,
    "liaison_approve": _OFFICE + _UNIT,
    "liaison_return": _UNIT,
    "office_return": _UNIT + _LIAISON,
    "office_close": _UNIT + _LIAISON,
    "direct_close": _UNIT + _LIAISON,
    "office_stage_complete": _UNIT + _LIAISON,
    "reopen": _UNIT + _LIAISON + _LEADER,
}


def _transition_title(name: str, label: str) -> str:
    titles = {
        "request_close": _("Close-out requested, please review: %(measure)s"),
        "withdraw": _("Close-out request withdrawn: %(measure)s"),
        "liaison_approve": _("Approved by the liaison group, awaiting close-out: %(measure)s"),
        "liaison_return": _("Returned by the liaison group: %(measure)s"),
        "office_return": _("Returned by the rectification office: %(measure)s"),
        "office_close": _("Closed out (销号): %(measure)s"),
        "direct_close": _("Closed out (销号): %(measure)s"),
        "office_stage_complete": _("Stage completed: %(measure)s"),
        "reopen": _("Reopened (重新整改): %(measure)s"),
    }
    return titles[name] % {"measure": label}


def _notify_transition(event: AuditEvent, measure: Measure, now: dt.datetime) -> int:
    name = event.action.split(":", 1)[1]
    audiences = TRANSITION_AUDIENCES.get(name)
    if not audiences:
        return 0
    transition = TRANSITIONS.get(name)
    who = event.actor_name or _("System")
    lines = [
        _("%(who)s: %(action)s, %(time)s")
        % {
            "who": who,
            "action": transition.label if transition else name,
            "time": date_format(timezone.localtime(event.created_at), "Y-m-d H:i"),
        }
    ]
    if event.message:
        lines.append(_("Reason: %(reason)s") % {"reason": event.message})
    notes = notify(
        organization=measure.finding.inspection.organization,
        recipients=selectors.audience_users(measure, audiences),
        message=Message(
            kind=Kind.TRANSITION,
            title=_transition_title(name, measure_label(measure)),
            body="\n".join(lines),
            url=measure_url(measure),
            key=f"event:{event.seq}",
        ),
        measure=measure,
        now=now,
        exclude=[event.actor_id] if event.actor_id else [],
    )
    return len(notes)


def transitions_process(*, now: dt.datetime | None = None, batch: int = TRANSITION_BATCH) -> int:
    """Turn measure transitions recorded on the audit chain since the last run into
    notifications. The cursor moves in the same transaction as the notifications it produced,
    so events are announced exactly once whatever crashes in between. Returns the number of
    notifications created."""
    now = now or timezone.now()
    created = 0
    with translation.override(settings.LANGUAGE_CODE):
        while True:
            with transaction.atomic():
                cursor, _created = EventCursor.objects.select_for_update().get_or_create(
                    name=TRANSITION_CURSOR
                )
                events = list(
                    AuditEvent.objects.filter(
                        seq__gt=cursor.seq,
                        object_type="ledger.measure",
                        action__startswith="transition:",
                    ).order_by("seq")[:batch]
                )
                if not events:
                    return created
                ids = {e.object_id for e in events}
                measures = {
                    m.pk: m
                    for m in Measure.objects.filter(pk__in=ids).select_related(
                        "finding__inspection__organization",
                        "finding__theme",
                        "lead_unit",
                        "responsible_leader__user",
                    )
                }
                for event in events:
                    measure = measures.get(event.object_id)
                    if measure is not None:
                        created += _notify_transition(event, measure, now)
                cursor.seq = events[-1].seq
                cursor.save(update_fields=["seq", "updated_at"])


def transitions_skip_to_latest() -> int:
    """Announce nothing that happened before now: move the cursor to the newest event (for a
    deployment that turns notifications on over a long history)."""
    with transaction.atomic():
        cursor, _created = EventCursor.objects.select_for_update().get_or_create(
            name=TRANSITION_CURSOR
        )
        cursor.seq = AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0
        cursor.save(update_fields=["seq", "updated_at"])
        return cursor.seq


# --- the scheduler's run ------------------------------------------------------------------------


@dataclass
class RunReport:
    transition_notifications: int = 0
    ladder: LadderReport = field(default_factory=LadderReport)
    digests: int = 0
    sending: SendReport = field(default_factory=SendReport)


def reminders_run(*, now: dt.datetime | None = None, send: bool = True) -> RunReport:
    """Everything the scheduler does, in order: announce transitions, fire due rungs of the
    ladder, bundle daily digests, send. Each part is idempotent, so the whole run is."""
    now = now or timezone.now()
    report = RunReport()
    report.transition_notifications = transitions_process(now=now)
    report.ladder = ladder_run(now=now)
    with translation.override(settings.LANGUAGE_CODE):
        report.digests = digests_bundle(now=now)
    if send:
        report.sending = deliveries_send(now=now)
    return report


# --- urging (催办) -------------------------------------------------------------------------------


def _clean_text(value: str, *, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(_("Write %(what)s.") % {"what": what})
    if len(text) > MAX_TEXT:
        raise ValidationError(
            _("%(what)s is too long (%(max)d characters at most).")
            % {"what": what.capitalize(), "max": MAX_TEXT}
        )
    return text


def urge_create(
    *, by: Any, measure_ids: Sequence[int], message: str, now: dt.datetime | None = None
) -> list[Urge]:
    """The office or a liaison group urges measures (催办): recorded on each measure's timeline,
    counted, and sent to each measure's unit. All or nothing."""
    if not has_capability(by, "urge"):
        raise PermissionDenied
    text = _clean_text(message, what=_("a message"))
    ids = sorted({int(i) for i in measure_ids})
    if not ids:
        raise ValidationError(_("Select at least one measure."))
    if len(ids) > MAX_URGE_SELECTION:
        raise ValidationError(
            _("Urge at most %(n)d measures at once.") % {"n": MAX_URGE_SELECTION}
        )
    now = now or timezone.now()
    with transaction.atomic():
        locked = list(
            Measure.objects.visible_to(by)
            .filter(pk__in=ids)
            .select_for_update(of=("self",))
            .order_by("id")
        )
        if len(locked) != len(ids):
            raise ValidationError(_("Some of the selected measures are not in your scope."))
        closed = [m for m in locked if m.state not in OPEN_STATES]
        if closed:
            raise ValidationError(
                _("“%(measure)s” is no longer open and cannot be urged.") % {"measure": closed[0]}
            )
        urges: list[Urge] = []
        with translation.override(settings.LANGUAGE_CODE):
            urger = _person_names([by])[0]
            for locked_measure in locked:
                measure = selectors.measure_for_recipients(locked_measure.pk)
                urge = Urge.objects.create(measure=measure, by=by, message=text, created_at=now)
                Measure.objects.filter(pk=measure.pk).update(urge_count=F("urge_count") + 1)
                count = Measure.objects.values_list("urge_count", flat=True).get(pk=measure.pk)
                record_event(
                    actor=by,
                    obj=measure,
                    action="urge",
                    before={"urge_count": count - 1},
                    after={"urge_count": count},
                    message=text,
                )
                notify(
                    organization=measure.finding.inspection.organization,
                    recipients=selectors.unit_users(measure),
                    message=Message(
                        kind=Kind.URGE,
                        title=_("Urged (催办) by %(who)s: %(measure)s")
                        % {"who": urger, "measure": measure_label(measure)},
                        body=text,
                        url=measure_url(measure) + f"#urge-{urge.pk}",
                        key=f"urge:{urge.pk}",
                    ),
                    measure=measure,
                    now=now,
                    exclude=[by.pk],
                )
                urges.append(urge)
        return urges


def urge_answer(
    *, by: Any, urge_id: int, answer: str, now: dt.datetime | None = None
) -> Urge:
    """The unit answers an urge; the answer goes on the timeline and to whoever urged."""
    text = _clean_text(answer, what=_("an answer"))
    now = now or timezone.now()
    with transaction.atomic():
        urge = (
            Urge.objects.visible_to(by)
            .select_for_update(of=("self",))
            .select_related("measure")
            .get(pk=urge_id)
        )
        measure = selectors.measure_for_recipients(urge.measure_id)
        if not selectors.is_unit_member(by, measure):
            raise PermissionDenied
        if urge.is_answered:
            raise ValidationError(_("This urge has already been answered."))
        urge.answer = text
        urge.answered_by = by
        urge.answered_at = now
        urge.save(update_fields=["answer", "answered_by", "answered_at"])
        record_event(actor=by, obj=measure, action="urge:answered", message=text)
        with translation.override(settings.LANGUAGE_CODE):
            notify(
                organization=measure.finding.inspection.organization,
                recipients=[urge.by],
                message=Message(
                    kind=Kind.URGE_ANSWER,
                    title=_("%(who)s answered your urge: %(measure)s")
                    % {"who": _person_names([by])[0], "measure": measure_label(measure)},
                    body=text,
                    url=measure_url(measure) + f"#urge-{urge.pk}",
                    key=f"urge-answer:{urge.pk}",
                ),
                measure=measure,
                now=now,
                exclude=[by.pk],
            )
        return urge


# --- supervision notices (督办通知) --------------------------------------------------------------


def format_notice_number(prefix: str, year: int, seq: int) -> str:
    """A document number in the official form (GB/T 9704): prefix〔year〕n号."""
    return f"{prefix}〔{year}〕{seq}号"


def notice_issue(
    *,
    by: Any,
    measure_id: int,
    requirements: str,
    reply_deadline: dt.date,
    now: dt.datetime | None = None,
) -> SupervisionNotice:
    """The office issues a numbered supervision notice on a measure flagged for supervision."""
    if not has_capability(by, "review.office"):
        raise PermissionDenied
    text = _clean_text(requirements, what=_("the requirements"))
    now = now or timezone.now()
    today = timezone.localdate(now)
    if reply_deadline < today:
        raise ValidationError(_("The reply deadline is in the past."))
    with transaction.atomic():
        locked = (
            Measure.objects.editable_by(by)
            .select_for_update(of=("self",))
            .select_related("finding__inspection__organization")
            .get(pk=measure_id)
        )
        if not locked.is_flagged:
            raise ValidationError(
                _("Only a measure flagged for supervision (挂牌督办) gets a supervision notice.")
            )
        if locked.state not in OPEN_STATES:
            raise ValidationError(_("The measure is no longer open."))
        org = locked.finding.inspection.organization
        # Locking the settings row serialises numbering within the organization.
        config, _created = NotificationSettings.objects.select_for_update().get_or_create(
            organization=org
        )
        year = today.year
        last = SupervisionNotice.objects.filter(organization=org, year=year).aggregate(
            top=Max("seq")
        )["top"]
        seq = (last or 0) + 1
        notice = SupervisionNotice.objects.create(
            organization=org,
            measure=locked,
            year=year,
            seq=seq,
            number=format_notice_number(config.notice_prefix, year, seq),
            requirements=text,
            reply_deadline=reply_deadline,
            issued_by=by,
            issued_at=now,
        )
        measure = selectors.measure_for_recipients(locked.pk)
        record_event(
            actor=by,
            obj=measure,
            action="notice:issued",
            after={"snapshot_notice": notice.pk},
            message=f"{notice.number}\n{text}",
        )
        with translation.override(settings.LANGUAGE_CODE):
            notify(
                organization=org,
                recipients=selectors.audience_users(
                    measure, (*_UNIT, Audience.RESPONSIBLE_LEADER)
                ),
                message=Message(
                    kind=Kind.NOTICE,
                    title=_("Supervision notice %(number)s: %(measure)s")
                    % {"number": notice.number, "measure": measure_label(measure)},
                    body=text
                    + "\n"
                    + _("Reply in writing by %(date)s.")
                    % {"date": date_format(reply_deadline, "Y-m-d")},
                    url=reverse("notifications:notice_detail", args=[notice.pk]),
                    key=f"notice:{notice.pk}",
                ),
                measure=measure,
                now=now,
                exclude=[by.pk],
            )
        return notice


def notice_reply(
    *, by: Any, notice_id: int, reply: str, now: dt.datetime | None = None
) -> SupervisionNotice:
    """The unit replies to a supervision notice, once; the office and the issuer are told."""
    text = _clean_text(reply, what=_("a reply"))
    now = now or timezone.now()
    with transaction.atomic():
        notice = (
            SupervisionNotice.objects.visible_to(by)
            .select_for_update(of=("self",))
            .get(pk=notice_id)
        )
        measure = selectors.measure_for_recipients(notice.measure_id)
        if not selectors.is_unit_member(by, measure):
            raise PermissionDenied
        if notice.is_replied:
            raise ValidationError(_("This notice has already been answered."))
        notice.reply = text
        notice.replied_by = by
        notice.replied_at = now
        notice.save(update_fields=["reply", "replied_by", "replied_at"])
        record_event(
            actor=by,
            obj=measure,
            action="notice:replied",
            after={"snapshot_notice": notice.pk},
            message=f"{notice.number}\n{text}",
        )
        with translation.override(settings.LANGUAGE_CODE):
            notify(
                organization=notice.organization,
                recipients=[notice.issued_by, *selectors.audience_users(measure, _OFFICE)],
                message=Message(
                    kind=Kind.NOTICE_REPLY,
                    title=_("Reply to %(number)s: %(measure)s")
                    % {"number": notice.number, "measure": measure_label(measure)},
                    body=text,
                    url=reverse("notifications:notice_detail", args=[notice.pk]),
                    key=f"notice-reply:{notice.pk}",
                ),
                measure=measure,
                now=now,
                exclude=[by.pk],
            )
        return notice


# --- preferences and settings --------------------------------------------------------------


PREFERENCE_FIELDS = ["email_enabled", "webhook_enabled", "daily_digest", "digest_hour"]


def preference_update(
    *,
    user: Any,
    email_enabled: bool,
    webhook_enabled: bool,
    daily_digest: bool,
    digest_hour: int,
    now: dt.datetime | None = None,
) -> Preference:
    if not 0 <= digest_hour <= 23:
        raise ValidationError(_("The digest hour is a whole hour from 0 to 23."))
    now = now or timezone.now()
    with transaction.atomic():
        pref, _created = Preference.objects.select_for_update().get_or_create(user=user)
        before = snapshot(pref, PREFERENCE_FIELDS)
        pref.email_enabled = email_enabled
        pref.webhook_enabled = webhook_enabled
        pref.daily_digest = daily_digest
        pref.digest_hour = digest_hour
        pref.save()
        if not daily_digest:
            # Emails held for a digest the person no longer wants go out singly.
            Delivery.objects.filter(recipient=user, status=DeliveryStatus.DIGEST).update(
                status=DeliveryStatus.PENDING, next_attempt_at=now
            )
        b, a = diff_fields(before, snapshot(pref, PREFERENCE_FIELDS))
        if a or b:
            record_event(actor=user, obj=pref, action="update", before=b, after=a)
        return pref


def calendar_token_regenerate(*, user: Any) -> Preference:
    """A new private calendar address; the old one stops working at once."""
    with transaction.atomic():
        pref, _created = Preference.objects.select_for_update().get_or_create(user=user)
        pref.calendar_token = new_calendar_token()
        pref.save(update_fields=["calendar_token"])
        record_event(actor=user, obj=pref, action="calendar_token_regenerated")
        return pref


def calendar_token_for(*, user: Any) -> str:
    """The user's calendar token, creating their preferences on first use."""
    with transaction.atomic():
        pref, _created = Preference.objects.get_or_create(user=user)
        return pref.calendar_token


def _settings_snapshot(obj: NotificationSettings) -> dict[str, Any]:
    return {
        "ladder": obj.ladder,
        "webhook_url": obj.webhook_url,
        "webhook_kind": obj.webhook_kind,
        # The secret itself never goes into the audit trail.
        "webhook_secret": bool(obj.webhook_secret),
        "notice_prefix": obj.notice_prefix,
    }


def settings_update(
    *,
    by: Any,
    organization: Organization,
    ladder: object,
    webhook_url: str,
    webhook_kind: str,
    webhook_secret: str | None,
    notice_prefix: str,
) -> NotificationSettings:
    """Save the office's reminder settings. `webhook_secret` None keeps the stored secret."""
    if not has_capability(by, "organization.manage"):
        raise PermissionDenied
    try:
        steps = ladder_from_config(ladder)
    except LadderConfigError as exc:
        raise ValidationError(exc.messages) from exc
    if webhook_kind not in WebhookKind.values:
        raise ValidationError(_("Unknown group robot type."))
    prefix = (notice_prefix or "").strip()
    if not prefix:
        raise ValidationError(_("The notice number prefix is required."))
    with transaction.atomic():
        obj, _created = NotificationSettings.objects.select_for_update().get_or_create(
            organization=organization
        )
        before = _settings_snapshot(obj)
        obj.ladder = ladder_to_config(steps)
        obj.webhook_url = (webhook_url or "").strip()
        obj.webhook_kind = webhook_kind
        if webhook_secret is not None:
            obj.webhook_secret = webhook_secret.strip()
        obj.notice_prefix = prefix
        obj.full_clean()
        obj.save()
        b, a = diff_fields(before, _settings_snapshot(obj))
        if a or b:
            record_event(actor=by, obj=obj, action="update", before=b, after=a)
        return obj


def webhook_test(*, by: Any, organization: Organization, now: dt.datetime | None = None) -> Delivery:
    """Send a test message to the group robot now, and return its delivery with the outcome."""
    if not has_capability(by, "organization.manage"):
        raise PermissionDenied
    target = selectors.webhook_target(organization)
    if target is None:
        raise ValidationError(_("No group robot address is configured."))
    now = now or timezone.now()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        title = _("Test message from %(org)s") % {"org": organization.name}
        text = _("The group robot is connected: reminders and urges will appear here.")
        delivery = Delivery.objects.create(
            organization=organization,
            channel=Channel.WEBHOOK,
            to=target.url,
            subject=title,
            body=text,
            payload=webhook_payload(
                kind=target.kind, title=title, text=text, url="", mobiles=[], names=[]
            ),
            created_at=now,
            next_attempt_at=now,
        )
        record_event(actor=by, obj=delivery, action="delivery:test")
    deliveries_send(now=now, ids=[delivery.pk])
    delivery.refresh_from_db()
    return delivery


def notification_mark_read(*, user: Any, notification_id: int, now: dt.datetime | None = None) -> Notification:
    """Mark one of the user's notifications read (an ordinary personal act, not audited)."""
    now = now or timezone.now()
    note = Notification.objects.visible_to(user).get(pk=notification_id)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=now)
        note.read_at = now
    return note


def notifications_mark_all_read(*, user: Any, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return Notification.objects.visible_to(user).filter(read_at__isnull=True).update(read_at=now)

"""Notifying people: the inbox, and the emails, work notices and group-robot messages that
follow it.

`notify` writes notifications and their deliveries in the transaction of the event they announce;
`deliveries_send` sends after it commits (or from the scheduler), so a failing channel never
blocks or undoes an action. Failures are retried a bounded number of times, then shown to the
administrator.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ledger.models import Measure
from notifications import selectors, worknotice
from notifications.channels import DeliveryError, send_email, send_webhook, webhook_payload
from notifications.choices import Channel, DeliveryStatus
from notifications.models import Delivery, Notification, Preference
from organization.models import Organization, Person

logger = logging.getLogger(__name__)

# A delivery claimed by a sender that then died is picked up again after this long.
CLAIM_LEASE = dt.timedelta(minutes=15)


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
    send_after: bool = True,
) -> list[Notification]:
    """Put the message in each recipient's inbox and queue their email and the group robot's
    message. Runs in the caller's transaction; recipients who already hold a notification with
    the same key are skipped. With `send_after`, the new deliveries go out once the transaction
    commits; the scheduler instead sends everything in one batch at the end of its run."""
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
            Notification.objects.unscoped("scheduler works for every organization")
            .filter(recipient__in=users, key=message.key)
            .values_list("recipient_id", flat=True)
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
    deliveries += _work_notices(
        organization=organization, notes=notes, users=users, prefs=prefs, message=message, now=now
    )
    target = selectors.webhook_target(organization)
    mentioned = [u for u in users if prefs[u.pk].webhook_enabled]
    if target is not None and mentioned:
        people = {
            p.user_id: p
            for p in Person.objects.unscoped("scheduler works for every organization").filter(
                user__in=[u.pk for u in mentioned]
            )
        }
        names = [people[u.pk].name if u.pk in people else u.get_username() for u in mentioned]
        mobiles = [
            m for m in (_mobile(people[u.pk].phone) for u in mentioned if u.pk in people) if m
        ]
        body = (
            message.body
            + ("\n" if message.body else "")
            + _("For: %(names)s") % {"names": "、".join(names)}
        )
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
        if send_after:
            send_after_commit([d.pk for d in deliveries if d.status == DeliveryStatus.PENDING])
    return notes


def _work_notices(
    *,
    organization: Organization,
    notes: Sequence[Notification],
    users: Sequence[Any],
    prefs: dict[int, Preference],
    message: Message,
    now: dt.datetime,
) -> list[Delivery]:
    """One DingTalk / WeCom work notice per person who has a user id there and keeps the
    channel on, for each channel the server's app is configured for."""
    channels = worknotice.configured_channels()
    if not channels:
        return []
    ids = {
        row[0]: row[1:]
        for row in Person.objects.unscoped("scheduler works for every organization")
        .filter(user__in=[u.pk for u in users])
        .values_list("user_id", "dingtalk_userid", "wecom_userid")
    }
    wanted = {
        Channel.DINGTALK: (0, "dingtalk_enabled"),
        Channel.WECOM: (1, "wecom_enabled"),
    }
    text = message.body or ""
    payloads = {
        channel: worknotice.message_payload(
            channel=channel, title=message.title, text=text, url=absolute_url(message.url)
        )
        for channel in channels
    }
    out: list[Delivery] = []
    for note, user in zip(notes, users, strict=True):
        for channel in channels:
            index, flag = wanted[Channel(channel)]
            userid = (ids.get(user.pk) or ("", ""))[index].strip()
            if not userid or not getattr(prefs[user.pk], flag):
                continue
            out.append(
                Delivery(
                    organization=organization,
                    channel=channel,
                    notification=note,
                    recipient=user,
                    to=userid,
                    subject=message.title[:300],
                    body=text,
                    payload=payloads[channel],
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    return out


def send_after_commit(ids: Sequence[int]) -> None:
    """Queue the sending of these deliveries (a task) once the current transaction commits,
    unless the deployment leaves all sending to the scheduled run
    (NOTIFICATION_SEND_ON_COMMIT = False)."""
    if not ids or not getattr(settings, "NOTIFICATION_SEND_ON_COMMIT", True):
        return
    wanted = list(ids)

    def enqueue() -> None:
        from notifications.tasks import send_deliveries

        try:
            send_deliveries.enqueue(wanted)
        except Exception:  # The action already committed; the scheduled run sends what is left.
            logger.exception("Queueing deliveries after commit failed")

    transaction.on_commit(enqueue)


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
    if delivery.channel in (Channel.DINGTALK, Channel.WECOM):
        worknotice.send_work_notice(
            channel=delivery.channel, userid=delivery.to, payload=delivery.payload or {}
        )
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
    *,
    now: dt.datetime | None = None,
    ids: Sequence[int] | None = None,
    limit: int = 500,
    pause_channel_after: int = 3,
) -> SendReport:
    """Send what is due: new deliveries, retries whose time has come, and deliveries a crashed
    sender left claimed. Each is claimed with a conditional update first, so two senders running
    at once never send the same one; a failure is retried later, up to NOTIFICATION_MAX_ATTEMPTS.

    After `pause_channel_after` failures in a row on one channel (a mail server that is down
    times out on every message), the rest of that channel waits for the next run untouched, so a
    dead server costs one run a few timeouts, not one per queued message.
    """
    now = now or timezone.now()
    report = SendReport()
    due = _sendable_q(now)
    qs = Delivery.objects.unscoped("scheduler works for every organization").filter(due)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    candidates = list(qs.order_by("next_attempt_at", "id").values_list("pk", "channel")[:limit])
    ceiling = max_attempts()
    failures_in_a_row: dict[str, int] = {}
    for pk, channel in candidates:
        if failures_in_a_row.get(channel, 0) >= pause_channel_after:
            continue
        claimed = (
            Delivery.objects.unscoped("scheduler works for every organization")
            .filter(due, pk=pk)
            .filter(attempts__lt=ceiling)
            .update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        )
        if not claimed:
            # Another sender has it, or a crashed claim already used the last attempt.
            Delivery.objects.unscoped("scheduler works for every organization").filter(
                due, pk=pk, attempts__gte=ceiling
            ).update(status=DeliveryStatus.FAILED, claimed_at=None)
            continue
        delivery = (
            Delivery.objects.unscoped("scheduler works for every organization")
            .select_related("organization")
            .get(pk=pk)
        )
        try:
            _send_one(delivery)
        except DeliveryError as exc:
            error = str(exc) or type(exc).__name__
            if delivery.attempts >= ceiling:
                status, report.failed = DeliveryStatus.FAILED, report.failed + 1
            else:
                status, report.retrying = DeliveryStatus.PENDING, report.retrying + 1
            Delivery.objects.unscoped("scheduler works for every organization").filter(
                pk=pk
            ).update(
                status=status,
                last_error=error,
                claimed_at=None,
                next_attempt_at=now + retry_delay(delivery.attempts),
            )
            logger.warning("Delivery %s (%s) failed: %s", pk, delivery.channel, error)
            failures_in_a_row[channel] = failures_in_a_row.get(channel, 0) + 1
        else:
            failures_in_a_row[channel] = 0
            Delivery.objects.unscoped("scheduler works for every organization").filter(
                pk=pk
            ).update(status=DeliveryStatus.SENT, sent_at=now, claimed_at=None, last_error="")
            report.sent += 1
    return report


def digests_bundle(*, now: dt.datetime | None = None) -> int:
    """Collect each digest reader's waiting emails into one, once a day at their chosen hour."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    waiting = (
        Delivery.objects.unscoped("scheduler works for every organization")
        .filter(status=DeliveryStatus.DIGEST)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    due = (
        Preference.objects.unscoped("scheduler works for every organization")
        .filter(
            Q(last_digest_on__isnull=True) | Q(last_digest_on__lt=today),
            user_id__in=waiting,
            daily_digest=True,
            digest_hour__lte=local.hour,
        )
        .values_list("pk", flat=True)
    )
    bundled = 0
    for pref_id in list(due):
        with transaction.atomic():
            pref = (
                Preference.objects.unscoped("scheduler works for every organization")
                .select_for_update(of=("self",))
                .select_related("user")
                .get(pk=pref_id)
            )
            if pref.last_digest_on is not None and pref.last_digest_on >= today:
                continue
            items = list(
                Delivery.objects.unscoped("scheduler works for every organization")
                .select_for_update(of=("self",))
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
            Delivery.objects.unscoped("scheduler works for every organization").filter(
                pk__in=[d.pk for d in items]
            ).update(status=DeliveryStatus.BUNDLED, bundle=digest)
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


def person_names(users: Sequence[Any]) -> list[str]:
    people = dict(
        Person.objects.unscoped("scheduler works for every organization")
        .filter(user__in=[u.pk for u in users])
        .values_list("user_id", "name")
    )
    return [people.get(u.pk) or u.get_username() for u in users]

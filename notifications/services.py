"""Writes people make: urging (催办) and answering, supervision notices (督办通知) and replies,
preferences, the office's reminder settings, and the administrator's retries.

Every service is atomic, locks the rows it changes and records what it did on the audit chain
(events about a measure on the measure, so they appear on its timeline). The notifications each
one sends are written in the same transaction (`notifications.dispatch.notify`); the scheduler's
own work lives in `notifications.escalation`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.audit import diff_fields, record_event
from ledger.choices import OPEN_STATES
from ledger.models import Measure
from ledger.services import measure_count_urge
from notifications import selectors
from notifications.channels import webhook_payload
from notifications.choices import Channel, DeliveryStatus, Kind, WebhookKind
from notifications.dispatch import (
    Message,
    deliveries_send,
    measure_label,
    measure_url,
    notify,
    person_names,
    send_after_commit,
)
from notifications.ladder import (
    Audience,
    LadderConfigError,
    ladder_from_config,
    ladder_to_config,
)
from notifications.models import (
    Delivery,
    Notification,
    NotificationSettings,
    Preference,
    SupervisionNotice,
    Urge,
    new_calendar_token,
)
from organization.models import Organization
from organization.scope import has_capability
from organization.services import person_set_work_notice_ids, snapshot

logger = logging.getLogger(__name__)

MAX_TEXT = 2000
MAX_URGE_SELECTION = 200


# --- urging (催办) -------------------------------------------------------------------------------


def _clean_text(value: str, *, empty: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(empty)
    if len(text) > MAX_TEXT:
        raise ValidationError(
            _("The text is too long (%(max)d characters at most).") % {"max": MAX_TEXT}
        )
    return text


def urge_create(
    *, by: Any, measure_ids: Sequence[int], message: str, now: dt.datetime | None = None
) -> list[Urge]:
    """The office or a liaison group urges measures (催办): recorded on each measure's timeline,
    counted, and sent to each measure's unit. All or nothing."""
    if not has_capability(by, "urge"):
        raise PermissionDenied
    text = _clean_text(message, empty=_("Write a message."))
    ids = sorted({int(i) for i in measure_ids})
    if not ids:
        raise ValidationError(_("Select at least one measure."))
    if len(ids) > MAX_URGE_SELECTION:
        raise ValidationError(_("Urge at most %(n)d measures at once.") % {"n": MAX_URGE_SELECTION})
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
            urger = person_names([by])[0]
            for locked_measure in locked:
                measure = selectors.measure_for_recipients(locked_measure.pk)
                urge = Urge.objects.create(measure=measure, by=by, message=text, created_at=now)
                count = measure_count_urge(measure_id=measure.pk, by=by)
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


def urge_answer(*, by: Any, urge_id: int, answer: str, now: dt.datetime | None = None) -> Urge:
    """The unit answers an urge; the answer goes on the timeline and to whoever urged."""
    text = _clean_text(answer, empty=_("Write an answer."))
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
                    % {"who": person_names([by])[0], "measure": measure_label(measure)},
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
    text = _clean_text(requirements, empty=_("Write the requirements."))
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
        config, _created = (
            NotificationSettings.objects.unscoped("row lock after the policy check")
            .select_for_update()
            .get_or_create(organization=org)
        )
        year = today.year
        last = (
            SupervisionNotice.objects.unscoped("service check after the policy check")
            .filter(organization=org, year=year)
            .aggregate(top=Max("seq"))["top"]
        )
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
                    measure, (*selectors.UNIT_AUDIENCES, Audience.RESPONSIBLE_LEADER)
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
    text = _clean_text(reply, empty=_("Write a reply."))
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
                recipients=[
                    notice.issued_by,
                    *selectors.audience_users(measure, (Audience.OFFICE,)),
                ],
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


PREFERENCE_FIELDS = [
    "email_enabled",
    "webhook_enabled",
    "dingtalk_enabled",
    "wecom_enabled",
    "daily_digest",
    "digest_hour",
]


def preference_update(
    *,
    user: Any,
    email_enabled: bool,
    webhook_enabled: bool,
    daily_digest: bool,
    digest_hour: int,
    dingtalk_enabled: bool | None = None,
    wecom_enabled: bool | None = None,
    work_notice_ids: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> Preference:
    """Save the user's choices; a work-notice switch left None stays as it was, and the user
    ids, when given, are kept on the user's own person (organization's service)."""
    if not 0 <= digest_hour <= 23:
        raise ValidationError(_("The digest hour is a whole hour from 0 to 23."))
    now = now or timezone.now()
    with transaction.atomic():
        pref, _created = (
            Preference.objects.unscoped("the user's own preferences")
            .select_for_update()
            .get_or_create(user=user)
        )
        before = snapshot(pref, PREFERENCE_FIELDS)
        pref.email_enabled = email_enabled
        pref.webhook_enabled = webhook_enabled
        pref.daily_digest = daily_digest
        pref.digest_hour = digest_hour
        if dingtalk_enabled is not None:
            pref.dingtalk_enabled = dingtalk_enabled
        if wecom_enabled is not None:
            pref.wecom_enabled = wecom_enabled
        pref.save()
        if work_notice_ids:
            person_set_work_notice_ids(actor=user, ids=work_notice_ids)
        if not daily_digest:
            # Emails held for a digest the person no longer wants go out singly.
            Delivery.objects.unscoped("the user's own deliveries").filter(
                recipient=user, status=DeliveryStatus.DIGEST
            ).update(status=DeliveryStatus.PENDING, next_attempt_at=now)
        b, a = diff_fields(before, snapshot(pref, PREFERENCE_FIELDS))
        if a or b:
            record_event(actor=user, obj=pref, action="update", before=b, after=a)
        return pref


def calendar_token_regenerate(*, user: Any) -> Preference:
    """A new private calendar address; the old one stops working at once."""
    with transaction.atomic():
        pref, _created = (
            Preference.objects.unscoped("the user's own preferences")
            .select_for_update()
            .get_or_create(user=user)
        )
        pref.calendar_token = new_calendar_token()
        pref.save(update_fields=["calendar_token"])
        record_event(actor=user, obj=pref, action="calendar_token_regenerated")
        return pref


def calendar_token_for(*, user: Any) -> str:
    """The user's calendar token, creating their preferences on first use."""
    with transaction.atomic():
        pref, _created = Preference.objects.unscoped("the user's own preferences").get_or_create(
            user=user
        )
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
    if not has_capability(by, "ledger.manage"):
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
        obj, _created = (
            NotificationSettings.objects.unscoped("row lock after the policy check")
            .select_for_update()
            .get_or_create(organization=organization)
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


def webhook_test(
    *, by: Any, organization: Organization, now: dt.datetime | None = None
) -> Delivery:
    """Send a test message to the group robot now, and return its delivery with the outcome."""
    if not has_capability(by, "ledger.manage"):
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


def notification_mark_read(
    *, user: Any, notification_id: int, now: dt.datetime | None = None
) -> Notification:
    """Mark one of the user's notifications read (an ordinary personal act, not audited)."""
    now = now or timezone.now()
    note = Notification.objects.visible_to(user).get(pk=notification_id)
    if note.read_at is None:
        Notification.objects.unscoped("service check after the policy check").filter(
            pk=note.pk, read_at__isnull=True
        ).update(read_at=now)
        note.read_at = now
    return note


def notifications_mark_all_read(*, user: Any, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return Notification.objects.visible_to(user).filter(read_at__isnull=True).update(read_at=now)


def delivery_retry(*, by: Any, delivery_ids: Sequence[int], now: dt.datetime | None = None) -> int:
    """The administrator sends failed or waiting deliveries again, with a fresh set of attempts."""
    if not has_capability(by, "notifications.admin"):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            Delivery.objects.visible_to(by)
            .select_for_update()
            .filter(
                pk__in=list(delivery_ids),
                status__in=(DeliveryStatus.FAILED, DeliveryStatus.PENDING),
            )
        )
        for row in rows:
            record_event(
                actor=by,
                obj=row,
                action="delivery:retry",
                before={"status": row.status, "attempts": row.attempts},
                after={"status": DeliveryStatus.PENDING, "attempts": 0},
            )
        Delivery.objects.unscoped("service check after the policy check").filter(
            pk__in=[r.pk for r in rows]
        ).update(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, claimed_at=None)
        send_after_commit([r.pk for r in rows])
        return len(rows)

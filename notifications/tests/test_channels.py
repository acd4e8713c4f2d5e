"""Email and group-robot channels against real local servers, including ones that fail."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import socket
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import transaction
from django.urls import reverse

from notifications.choices import Channel, DeliveryStatus, Kind
from notifications.dispatch import Message, deliveries_send, digests_bundle, notify, retry_delay
from notifications.models import Delivery, Notification, NotificationSettings, Preference
from notifications.services import delivery_retry, preference_update, urge_create
from notifications.tests.conftest import at

pytestmark = pytest.mark.usefixtures("quiet_history", "english")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SMTPHandler:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "550 5.7.1 Relaying denied"
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SMTPHandler]:
    handler = SMTPHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield handler
    finally:
        controller.stop()


def send_to(world: Any, usernames: list[str], key: str, *, now: dt.datetime | None = None) -> None:
    users = [world.user(u) for u in usernames]
    with transaction.atomic():
        notify(
            organization=world.org,
            recipients=users,
            message=Message(kind=Kind.TEST, title=f"Title {key}", body="Body", url="/", key=key),
            now=now,
            send_after=False,
        )


class TestEmailOverSMTP:
    def test_an_email_reaches_a_real_smtp_server(self, world: Any, smtp_server: Any) -> None:
        send_to(world, ["branch1"], "k1")
        report = deliveries_send()
        assert report.sent == 1
        (envelope,) = smtp_server.envelopes
        assert envelope.rcpt_tos == [world.user("branch1").email]
        text = envelope.content.decode()
        assert "Title k1" in text
        assert Delivery.objects.get(channel=Channel.EMAIL).status == DeliveryStatus.SENT

    def test_a_refusing_server_is_retried_then_given_up_and_shown_to_the_administrator(
        self, world: Any, smtp_server: Any, settings: Any
    ) -> None:
        settings.NOTIFICATION_MAX_ATTEMPTS = 3
        smtp_server.refuse = True
        t0 = at(dt.date(2021, 3, 1))
        send_to(world, ["branch1"], "k2", now=t0)
        delivery = Delivery.objects.get()

        deliveries_send(now=t0)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
        assert "550" in delivery.last_error
        assert delivery.next_attempt_at == t0 + retry_delay(1)

        # Not due yet: nothing is tried.
        deliveries_send(now=t0 + dt.timedelta(minutes=1))
        delivery.refresh_from_db()
        assert delivery.attempts == 1

        deliveries_send(now=t0 + dt.timedelta(minutes=5))
        deliveries_send(now=t0 + dt.timedelta(minutes=20))
        deliveries_send(now=t0 + dt.timedelta(days=1))
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
        assert smtp_server.envelopes == []

        # The inbox still has it; the administrator sees the failure and sends it again.
        assert Notification.objects.filter(key="k2").exists()
        page = world.client("admin").get(reverse("notifications:deliveries"))
        assert page.status_code == 200
        assert "550" in page.content.decode()
        assert world.client("office").get(reverse("notifications:deliveries")).status_code == 403

        smtp_server.refuse = False
        assert delivery_retry(by=world.user("admin"), delivery_ids=[delivery.pk]) == 1
        deliveries_send()
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.SENT
        assert len(smtp_server.envelopes) == 1

    def test_an_unreachable_server_never_blocks_the_action(
        self, world: Any, settings: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = free_port()  # nothing listens there
        settings.EMAIL_TIMEOUT = 2
        measure = world.scoped_measure()
        with django_capture_on_commit_callbacks(execute=True):
            (urge,) = urge_create(
                by=world.user("office"), measure_ids=[measure.pk], message="Report by Friday."
            )
        assert urge.pk
        notes = Notification.objects.filter(key=f"urge:{urge.pk}")
        assert notes.exists()
        emails = list(Delivery.objects.filter(notification__in=notes).order_by("id"))
        assert len(emails) >= 2
        assert {d.status for d in emails} == {DeliveryStatus.PENDING}
        # One attempt failed; the page did not wait for the others, which the scheduler sends.
        assert [d.attempts for d in emails] == [1] + [0] * (len(emails) - 1)
        assert "refused" in emails[0].last_error.lower()

    def test_a_dead_server_costs_a_run_a_few_attempts_not_one_per_message(
        self, world: Any, settings: Any
    ) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = free_port()
        names = ["branch1", "head1", "staff1", "branch2", "head2", "liaison1"]
        send_to(world, names, "k-dead")
        report = deliveries_send()
        assert (report.sent, report.retrying) == (0, 3)
        attempts = sorted(Delivery.objects.values_list("attempts", flat=True))
        assert attempts == [0, 0, 0, 1, 1, 1]


class TestGroupRobotWebhook:
    def test_a_message_reaches_the_robot_mentioning_people_by_mobile(
        self, world: Any, webhook_server: Any
    ) -> None:
        NotificationSettings.objects.create(
            organization=world.org, webhook_url=webhook_server.url, webhook_kind="wecom"
        )
        send_to(world, ["branch1", "head1"], "k3")
        assert Delivery.objects.filter(channel=Channel.WEBHOOK).count() == 1
        deliveries_send()
        (body,) = webhook_server.received
        assert body["msgtype"] == "text"
        assert body["text"]["content"].startswith("Title k3")
        from organization.models import Person

        phones = [
            "".join(c for c in p.phone if c.isdigit())
            for p in Person.objects.filter(user__username__in=["branch1", "head1"]).order_by("id")
        ]
        assert sorted(body["text"]["mentioned_mobile_list"]) == sorted(phones)
        assert Delivery.objects.get(channel=Channel.WEBHOOK).status == DeliveryStatus.SENT

    def test_people_who_opt_out_are_not_mentioned_and_alone_cause_no_message(
        self, world: Any, webhook_server: Any
    ) -> None:
        NotificationSettings.objects.create(organization=world.org, webhook_url=webhook_server.url)
        for name in ("branch1", "head1"):
            preference_update(
                user=world.user(name),
                email_enabled=False,
                webhook_enabled=False,
                daily_digest=False,
                digest_hour=8,
            )
        send_to(world, ["branch1", "head1"], "k4")
        assert not Delivery.objects.exists()
        assert Notification.objects.filter(key="k4").count() == 2

    def test_the_server_wide_address_serves_organizations_without_their_own(
        self, world: Any, webhook_server: Any, settings: Any
    ) -> None:
        settings.NOTIFICATION_WEBHOOK_URL = webhook_server.url
        send_to(world, ["branch1"], "k5")
        deliveries_send()
        (body,) = webhook_server.received
        assert body["title"] == "Title k5"  # a generic JSON robot

    def test_dingtalk_messages_are_signed(self, world: Any, webhook_server: Any) -> None:
        NotificationSettings.objects.create(
            organization=world.org,
            webhook_url=webhook_server.url,
            webhook_kind="dingtalk",
            webhook_secret="SECabc",
        )
        send_to(world, ["branch1"], "k6")
        deliveries_send()
        (body,) = webhook_server.received
        assert body["at"]["isAtAll"] is False
        query = urllib.parse.parse_qs(urllib.parse.urlparse(webhook_server.paths[0]).query)
        timestamp = query["timestamp"][0]
        expected = base64.b64encode(
            hmac.new(b"SECabc", f"{timestamp}\nSECabc".encode(), hashlib.sha256).digest()
        ).decode()
        assert query["sign"][0] == expected

    @pytest.mark.parametrize("mode", ["error", "refuse"])
    def test_a_failing_robot_is_retried_a_bounded_number_of_times(
        self, world: Any, webhook_server: Any, settings: Any, mode: str
    ) -> None:
        settings.NOTIFICATION_MAX_ATTEMPTS = 2
        webhook_server.mode = mode
        NotificationSettings.objects.create(organization=world.org, webhook_url=webhook_server.url)
        t0 = at(dt.date(2021, 3, 1))
        send_to(world, ["branch1"], "k7", now=t0)
        for minutes in (0, 5, 60, 600):
            deliveries_send(now=t0 + dt.timedelta(minutes=minutes))
        robot = Delivery.objects.get(channel=Channel.WEBHOOK)
        assert (robot.status, robot.attempts) == (DeliveryStatus.FAILED, 2)
        assert len(webhook_server.received) == 2
        assert ("HTTP 500" if mode == "error" else "errcode 93000") in robot.last_error
        # The email of the same notification went out regardless.
        assert Delivery.objects.get(channel=Channel.EMAIL).status == DeliveryStatus.SENT

    def test_the_office_can_send_a_test_message(self, world: Any, webhook_server: Any) -> None:
        NotificationSettings.objects.create(organization=world.org, webhook_url=webhook_server.url)
        response = world.client("office").post(
            reverse("notifications:settings"), {"action": "test"}
        )
        assert response.status_code == 302
        assert len(webhook_server.received) == 1
        webhook_server.mode = "error"
        response = world.client("office").post(
            reverse("notifications:settings"), {"action": "test"}, follow=True
        )
        assert "The test message failed" in response.content.decode()


class TestSending:
    def test_a_sender_that_died_after_claiming_is_picked_up_after_the_lease(
        self, world: Any
    ) -> None:
        t0 = at(dt.date(2021, 3, 1))
        send_to(world, ["branch1"], "k8", now=t0)
        Delivery.objects.update(status=DeliveryStatus.SENDING, claimed_at=t0, attempts=1)
        deliveries_send(now=t0 + dt.timedelta(minutes=5))
        assert mail.outbox == []
        deliveries_send(now=t0 + dt.timedelta(minutes=16))
        assert len(mail.outbox) == 1
        assert Delivery.objects.get().status == DeliveryStatus.SENT

    def test_nothing_is_sent_twice(self, world: Any) -> None:
        send_to(world, ["branch1"], "k9")
        deliveries_send()
        deliveries_send()
        assert len(mail.outbox) == 1

    def test_the_same_event_never_notifies_a_person_twice(self, world: Any) -> None:
        send_to(world, ["branch1"], "k10")
        send_to(world, ["branch1", "head1"], "k10")
        assert Notification.objects.filter(key="k10").count() == 2
        assert Delivery.objects.count() == 2


class TestDailyDigest:
    def test_digest_readers_get_one_email_a_day_at_their_hour(self, world: Any) -> None:
        user = world.user("branch1")
        preference_update(
            user=user, email_enabled=True, webhook_enabled=True, daily_digest=True, digest_hour=8
        )
        day = dt.date(2021, 3, 1)
        send_to(world, ["branch1"], "d1", now=at(day, 6))
        send_to(world, ["branch1"], "d2", now=at(day, 7))
        deliveries_send(now=at(day, 7, 30))
        assert digests_bundle(now=at(day, 7, 30)) == 0
        assert mail.outbox == []

        assert digests_bundle(now=at(day, 8, 5)) == 1
        deliveries_send(now=at(day, 8, 5))
        (email,) = mail.outbox
        assert "Title d1" in email.body and "Title d2" in email.body
        assert "2 notifications" in email.subject

        # Later the same day: kept for tomorrow.
        send_to(world, ["branch1"], "d3", now=at(day, 10))
        assert digests_bundle(now=at(day, 23)) == 0
        assert digests_bundle(now=at(day + dt.timedelta(days=1), 8)) == 1
        deliveries_send(now=at(day + dt.timedelta(days=1), 8))
        assert len(mail.outbox) == 2

    def test_leaving_the_digest_sends_what_was_waiting(self, world: Any) -> None:
        user = world.user("branch1")
        preference_update(
            user=user, email_enabled=True, webhook_enabled=True, daily_digest=True, digest_hour=8
        )
        send_to(world, ["branch1"], "d4")
        assert Delivery.objects.get().status == DeliveryStatus.DIGEST
        preference_update(
            user=user, email_enabled=True, webhook_enabled=True, daily_digest=False, digest_hour=8
        )
        deliveries_send()
        assert len(mail.outbox) == 1
        assert Preference.objects.get(user=user).daily_digest is False

    def test_no_email_address_means_no_email(self, world: Any) -> None:
        user = world.user("branch1")
        user.email = ""
        user.save()
        send_to(world, ["branch1"], "d5")
        assert Notification.objects.filter(key="d5").exists()
        assert not Delivery.objects.exists()

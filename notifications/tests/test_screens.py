"""The inbox, preferences and the office's settings screen; the due-date warning."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from core.models import AuditEvent
from notifications.choices import Kind
from notifications.dispatch import Message, notify
from notifications.ladder import DEFAULT_LADDER, ladder_to_config
from notifications.models import Notification, NotificationSettings, Preference
from notifications.selectors import due_date_warning, ladder_for

pytestmark = pytest.mark.usefixtures("english")


def give(world: Any, username: str, count: int = 1, *, url: str = "/") -> list[Notification]:
    notes: list[Notification] = []
    with transaction.atomic():
        for i in range(count):
            notes += notify(
                organization=world.org,
                recipients=[world.user(username)],
                message=Message(
                    kind=Kind.URGE, title=f"Note {i}", body="Body", url=url, key=f"t{i}"
                ),
                send_after=False,
            )
    return notes


class TestInbox:
    def test_it_lists_only_my_notifications(self, world: Any) -> None:
        give(world, "branch1", 2)
        give(world, "branch7", 1)
        page = world.client("branch1").get(reverse("notifications:inbox"))
        assert page.status_code == 200
        assert page.content.decode().count('data-testid="notification"') == 2
        assert (
            world.client("branch7")
            .get(reverse("notifications:inbox"))
            .content.decode()
            .count('data-testid="notification"')
            == 1
        )

    def test_the_header_counts_unread_ones(self, world: Any) -> None:
        give(world, "branch1", 3)
        html = world.client("branch1").get(reverse("home")).content.decode()
        assert 'data-testid="unread-count">3<' in html

    def test_opening_one_marks_it_read_and_goes_to_the_measure(self, world: Any) -> None:
        measure = world.scoped_measure()
        url = reverse("ledger:measure_detail", args=[measure.pk])
        (note,) = give(world, "branch1", url=url)
        response = world.client("branch1").get(reverse("notifications:open", args=[note.pk]))
        assert response.status_code == 302
        assert response["Location"] == url
        note.refresh_from_db()
        assert note.read_at is not None

    def test_a_link_elsewhere_is_not_followed(self, world: Any) -> None:
        (note,) = give(world, "branch1", url="https://evil.example/")
        response = world.client("branch1").get(reverse("notifications:open", args=[note.pk]))
        assert response["Location"] == reverse("notifications:inbox")

    def test_mark_all_read(self, world: Any) -> None:
        give(world, "branch1", 3)
        client = world.client("branch1")
        assert client.post(reverse("notifications:mark_all_read")).status_code == 302
        assert not Notification.objects.filter(
            recipient=world.user("branch1"), read_at__isnull=True
        ).exists()
        page = client.get(reverse("notifications:inbox") + "?show=unread")
        assert "No unread notifications." in page.content.decode()

    def test_the_inbox_costs_the_same_queries_for_3_or_30_notifications(self, world: Any) -> None:
        client = world.client("branch1")
        give(world, "branch1", 3)
        client.get(reverse("notifications:inbox"))
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("notifications:inbox"))
        with transaction.atomic():
            for i in range(30):
                notify(
                    organization=world.org,
                    recipients=[world.user("branch1")],
                    message=Message(kind=Kind.URGE, title="More", key=f"more{i}"),
                    send_after=False,
                )
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("notifications:inbox"))
        assert len(many) == len(few)


class TestPreferences:
    def test_a_person_chooses_channels_and_a_digest(self, world: Any) -> None:
        client = world.client("staff1")
        response = client.post(
            reverse("notifications:preferences"),
            {"email_enabled": "on", "daily_digest": "on", "digest_hour": "17"},
        )
        assert response.status_code == 302
        pref = Preference.objects.get(user=world.user("staff1"))
        assert (pref.email_enabled, pref.daily_digest, pref.digest_hour, pref.webhook_enabled) == (
            True,
            True,
            17,
            False,
        )
        assert AuditEvent.objects.filter(
            object_type="notifications.preference", object_id=pref.pk, action="update"
        ).exists()

    def test_a_bad_hour_is_a_message_not_an_error(self, world: Any) -> None:
        response = world.client("staff1").post(
            reverse("notifications:preferences"), {"digest_hour": "25"}
        )
        assert response.status_code == 400


def step_rows(steps: list[dict[str, Any]], extra_blank: int = 1) -> dict[str, Any]:
    data: dict[str, Any] = {
        "step-TOTAL_FORMS": str(len(steps) + extra_blank),
        "step-INITIAL_FORMS": str(len(steps)),
        "step-MIN_NUM_FORMS": "0",
        "step-MAX_NUM_FORMS": "12",
        "webhook_url": "",
        "webhook_kind": "auto",
        "notice_prefix": "督办",
    }
    for i, step in enumerate(steps):
        data[f"step-{i}-code"] = step["code"]
        data[f"step-{i}-offset_days"] = str(step["offset_days"])
        data[f"step-{i}-audiences"] = step["audiences"]
        if step.get("flag_for_supervision"):
            data[f"step-{i}-flag_for_supervision"] = "on"
        if step.get("DELETE"):
            data[f"step-{i}-DELETE"] = "on"
    return data


class TestSettingsScreen:
    def test_it_shows_the_default_ladder(self, world: Any) -> None:
        page = world.client("office").get(reverse("notifications:settings"))
        assert page.status_code == 200
        html = page.content.decode()
        for step in DEFAULT_LADDER:
            assert f'value="{step.code}"' in html

    def test_the_office_edits_the_ladder(self, world: Any) -> None:
        steps = ladder_to_config(DEFAULT_LADDER)
        steps[0]["offset_days"] = -30
        steps[1]["DELETE"] = True
        data = step_rows(steps)
        data["step-4-code"] = "due_day"
        data["step-4-offset_days"] = "0"
        data["step-4-audiences"] = ["unit_heads", "liaison_group"]
        response = world.client("office").post(reverse("notifications:settings"), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        ladder = ladder_for(world.org)
        assert [(s.code, s.offset_days) for s in ladder] == [
            ("t_minus_20", -30),
            ("due_day", 0),
            ("overdue", 1),
            ("overdue_escalated", 11),
        ]
        stored = NotificationSettings.objects.get(organization=world.org)
        assert AuditEvent.objects.filter(
            object_type="notifications.notificationsettings", object_id=stored.pk
        ).exists()

    def test_an_invalid_ladder_is_explained_and_nothing_is_stored(self, world: Any) -> None:
        steps = ladder_to_config(DEFAULT_LADDER)
        steps[1]["code"] = "t_minus_20"
        response = world.client("office").post(reverse("notifications:settings"), step_rows(steps))
        assert response.status_code == 400
        assert "already used by step" in response.content.decode()
        assert not NotificationSettings.objects.exists()

    def test_a_webhook_secret_is_kept_unless_replaced_and_never_audited(self, world: Any) -> None:
        client = world.client("office")
        data = step_rows(ladder_to_config(DEFAULT_LADDER))
        data |= {
            "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=x",
            "webhook_secret": "SECret1",
        }
        assert client.post(reverse("notifications:settings"), data).status_code == 302
        data["webhook_secret"] = ""
        assert client.post(reverse("notifications:settings"), data).status_code == 302
        stored = NotificationSettings.objects.get(organization=world.org)
        assert stored.webhook_secret == "SECret1"
        audit = AuditEvent.objects.filter(object_type="notifications.notificationsettings")
        assert all("SECret1" not in str(e.after) for e in audit)

    def test_reset_fills_in_the_default(self, world: Any) -> None:
        page = world.client("office").post(reverse("notifications:settings"), {"action": "reset"})
        assert page.status_code == 200
        assert 'value="overdue_escalated"' in page.content.decode()


class TestDueDateWarning:
    def test_working_day_organizations_hear_of_holidays_and_weekends(self, world: Any) -> None:
        world.org.calendar_mode = "working"
        with translation.override("en"):
            holiday = due_date_warning(world.org, dt.date(2021, 10, 1))
            weekend = due_date_warning(world.org, dt.date(2021, 10, 16))
            worked_sunday = due_date_warning(world.org, dt.date(2021, 9, 26))
            monday = due_date_warning(world.org, dt.date(2021, 10, 18))
        assert holiday is not None and "National Day" in holiday
        assert weekend is not None and "weekend" in weekend
        assert worked_sunday is None
        assert monday is None

    def test_calendar_day_organizations_hear_only_of_holidays(self, world: Any) -> None:
        world.org.calendar_mode = "calendar"
        with translation.override("en"):
            assert "Spring Festival" in (due_date_warning(world.org, dt.date(2021, 2, 12)) or "")
            assert due_date_warning(world.org, dt.date(2021, 10, 16)) is None
        assert due_date_warning(world.org, None) is None

    def test_a_year_without_an_official_calendar_is_flagged_as_approximate(
        self, world: Any
    ) -> None:
        world.org.calendar_mode = "working"
        with translation.override("en"):
            message = due_date_warning(world.org, dt.date(2090, 6, 5))  # a Monday
        assert message is not None and "not published" in message

    def test_the_measure_page_shows_it(self, world: Any) -> None:
        from notifications.tests.conftest import make_measure

        world.org.calendar_mode = "working"
        world.org.save()
        measure = make_measure(world, due=dt.date(2099, 10, 3))  # a Saturday
        html = (
            world.client("office")
            .get(reverse("ledger:measure_detail", args=[measure.pk]))
            .content.decode()
        )
        assert 'data-testid="due-warning"' in html


class TestLedgerLinks:
    def test_the_ledger_offers_urging_to_those_who_may_urge(self, world: Any) -> None:
        urge = reverse("notifications:urge")
        assert urge in world.client("liaison1").get(reverse("ledger:ledger")).content.decode()
        html = world.client("branch1").get(reverse("ledger:ledger")).content.decode()
        assert urge not in html
        assert reverse("notifications:notice_list") in html

"""DingTalk work notices and WeCom app messages against local fakes of both APIs."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from core.models import AuditEvent
from notifications.choices import Channel, DeliveryStatus, Kind
from notifications.dispatch import Message, deliveries_send, notify, retry_delay
from notifications.models import Delivery, Preference
from notifications.services import delivery_retry
from notifications.tests.conftest import at
from organization.models import Person
from organization.tests.test_views import as_rendered
from tests.rendered_forms import form_values, rendered_form

pytestmark = pytest.mark.usefixtures("quiet_history", "english")

SEND_PATHS = {
    Channel.DINGTALK: "/topapi/message/corpconversation/asyncsend_v2",
    Channel.WECOM: "/cgi-bin/message/send",
}
TOKEN_PATHS = {Channel.DINGTALK: "/gettoken", Channel.WECOM: "/cgi-bin/gettoken"}


class FakeAPI:
    """A DingTalk or WeCom open API in a thread: issues tokens tok1, tok2, ... and records every
    request. `expire` answers that many sends with the expired-token code; `refuse` answers every
    send with an (errcode, errmsg); `invaliduser` is WeCom's partial refusal."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.requests: list[dict[str, Any]] = []
        self.tokens_issued = 0
        self.expire = 0
        self.refuse: tuple[int, str] | None = None
        self.token_refuse: tuple[int, str] | None = None
        self.invaliduser = ""
        self.expired_code = 40014 if channel == Channel.DINGTALK else 42001
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, answer: dict[str, Any]) -> None:
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _record(self, body: Any) -> tuple[str, dict[str, list[str]]]:
                parts = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(parts.query)
                api.requests.append(
                    {"method": self.command, "path": parts.path, "query": query, "body": body}
                )
                return parts.path, query

            def do_GET(self) -> None:
                path, _query = self._record(None)
                if path != TOKEN_PATHS[Channel(api.channel)]:
                    self.send_response(404)
                    self.end_headers()
                    return
                if api.token_refuse:
                    code, msg = api.token_refuse
                    self._answer({"errcode": code, "errmsg": msg})
                    return
                api.tokens_issued += 1
                self._answer(
                    {
                        "errcode": 0,
                        "errmsg": "ok",
                        "access_token": f"tok{api.tokens_issued}",
                        "expires_in": 7200,
                    }
                )

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                path, query = self._record(json.loads(self.rfile.read(length) or b"null"))
                if path != SEND_PATHS[Channel(api.channel)]:
                    self.send_response(404)
                    self.end_headers()
                    return
                expired = api.expired_code
                if query.get("access_token") != [f"tok{api.tokens_issued}"]:
                    self._answer({"errcode": 40014, "errmsg": "invalid access_token"})
                elif api.expire:
                    api.expire -= 1
                    self._answer({"errcode": expired, "errmsg": "access_token expired"})
                elif api.refuse:
                    code, msg = api.refuse
                    self._answer({"errcode": code, "errmsg": msg})
                else:
                    self._answer(
                        {
                            "errcode": 0,
                            "errmsg": "ok",
                            "task_id": 1,
                            "invaliduser": api.invaliduser,
                        }
                    )

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        root = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.base = root if channel == Channel.DINGTALK else root + "/cgi-bin"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def sends(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "POST"]

    def token_fetches(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "GET"]

    def __enter__(self) -> FakeAPI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def dingtalk(settings: Any) -> Iterator[FakeAPI]:
    cache.clear()
    with FakeAPI(Channel.DINGTALK) as api:
        settings.DINGTALK_API_BASE = api.base
        settings.DINGTALK_APP_KEY = "ding-key"
        settings.DINGTALK_APP_SECRET = "ding-secret"
        settings.DINGTALK_AGENT_ID = "2001"
        yield api
    cache.clear()


@pytest.fixture
def wecom(settings: Any) -> Iterator[FakeAPI]:
    cache.clear()
    with FakeAPI(Channel.WECOM) as api:
        settings.WECOM_API_BASE = api.base
        settings.WECOM_CORP_ID = "ww-corp"
        settings.WECOM_SECRET = "wecom-secret"
        settings.WECOM_AGENT_ID = "1000002"
        yield api
    cache.clear()


def give_ids(username: str, *, dingtalk: str = "", wecom: str = "") -> None:
    Person.objects.filter(user__username=username).update(
        dingtalk_userid=dingtalk, wecom_userid=wecom
    )


def send_to(world: Any, usernames: list[str], key: str, *, now: dt.datetime | None = None) -> None:
    with transaction.atomic():
        notify(
            organization=world.org,
            recipients=[world.user(u) for u in usernames],
            message=Message(
                kind=Kind.TEST,
                title=f"Title {key}",
                body="Body",
                url=f"/ledger/measures/{key}/",
                key=key,
            ),
            now=now,
            send_after=False,
        )


class TestDingTalkWorkNotice:
    def test_a_notice_reaches_the_person_with_a_card_back_to_the_measure(
        self, world: Any, dingtalk: FakeAPI, settings: Any
    ) -> None:
        settings.SITE_URL = "https://rectify.example.org"
        give_ids("branch1", dingtalk="manager4220")
        send_to(world, ["branch1"], "k1")
        assert deliveries_send().failed == 0

        (fetch,) = dingtalk.token_fetches()
        assert fetch["path"] == "/gettoken"
        assert fetch["query"] == {"appkey": ["ding-key"], "appsecret": ["ding-secret"]}
        (send,) = dingtalk.sends()
        assert send["path"] == "/topapi/message/corpconversation/asyncsend_v2"
        assert send["query"]["access_token"] == ["tok1"]
        body = send["body"]
        assert body["agent_id"] == 2001
        assert body["userid_list"] == "manager4220"
        assert body["msg"]["msgtype"] == "action_card"
        card = body["msg"]["action_card"]
        assert card["title"] == "Title k1"
        assert "Body" in card["markdown"]
        assert card["single_url"] == "https://rectify.example.org/ledger/measures/k1/"
        delivery = Delivery.objects.get(channel=Channel.DINGTALK)
        assert (delivery.status, delivery.to) == (DeliveryStatus.SENT, "manager4220")
        assert delivery.recipient == world.user("branch1")
        # The email of the same notification is its own delivery.
        assert Delivery.objects.filter(channel=Channel.EMAIL).count() == 1

    def test_the_token_is_fetched_once_and_reused(self, world: Any, dingtalk: FakeAPI) -> None:
        give_ids("branch1", dingtalk="u1")
        give_ids("head1", dingtalk="u2")
        send_to(world, ["branch1", "head1"], "k2")
        send_to(world, ["branch1"], "k3")
        assert deliveries_send().sent >= 3
        assert len(dingtalk.token_fetches()) == 1
        assert sorted(r["body"]["userid_list"] for r in dingtalk.sends()) == ["u1", "u1", "u2"]

    @pytest.mark.parametrize("code", [40014, 88])
    def test_an_expired_token_is_fetched_again_and_the_notice_sent(
        self, world: Any, dingtalk: FakeAPI, code: int
    ) -> None:
        give_ids("branch1", dingtalk="u1")
        send_to(world, ["branch1"], "k4")
        deliveries_send()
        dingtalk.expire, dingtalk.expired_code = 1, code
        send_to(world, ["branch1"], "k5")
        deliveries_send()
        assert len(dingtalk.token_fetches()) == 2
        tokens = [r["query"]["access_token"][0] for r in dingtalk.sends()]
        assert tokens == ["tok1", "tok1", "tok2"]
        assert set(
            Delivery.objects.filter(channel=Channel.DINGTALK).values_list("status", flat=True)
        ) == {DeliveryStatus.SENT}

    def test_a_token_refused_even_after_refreshing_is_a_failed_attempt(
        self, world: Any, dingtalk: FakeAPI
    ) -> None:
        give_ids("branch1", dingtalk="u1")
        send_to(world, ["branch1"], "k10")
        dingtalk.expire = 5
        assert deliveries_send().retrying == 1
        # One fresh token per attempt, not a loop.
        assert len(dingtalk.token_fetches()) == 2
        assert len(dingtalk.sends()) == 2
        delivery = Delivery.objects.get(channel=Channel.DINGTALK)
        assert delivery.last_error == "work notice refused: errcode 40014 access_token expired"

    def test_a_refusal_is_retried_then_given_up_and_shown_to_the_administrator(
        self, world: Any, dingtalk: FakeAPI, settings: Any
    ) -> None:
        settings.NOTIFICATION_MAX_ATTEMPTS = 2
        dingtalk.refuse = (33012, "无效的userid")
        give_ids("branch1", dingtalk="nobody")
        t0 = at(dt.date(2021, 3, 1))
        send_to(world, ["branch1"], "k6", now=t0)
        deliveries_send(now=t0)
        delivery = Delivery.objects.get(channel=Channel.DINGTALK)
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
        assert delivery.last_error == "work notice refused: errcode 33012 无效的userid"
        assert delivery.next_attempt_at == t0 + retry_delay(1)
        deliveries_send(now=t0 + dt.timedelta(hours=1))
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
        assert len(dingtalk.sends()) == 2

        page = world.client("admin").get(reverse("notifications:deliveries")).content.decode()
        assert "DingTalk work notice" in page
        assert "errcode 33012" in page

        dingtalk.refuse = None
        assert delivery_retry(by=world.user("admin"), delivery_ids=[delivery.pk]) == 1
        deliveries_send()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.last_error) == (DeliveryStatus.SENT, "")

    def test_a_refused_token_is_recorded_as_a_failed_attempt(
        self, world: Any, dingtalk: FakeAPI
    ) -> None:
        dingtalk.token_refuse = (40089, "不合法的corpid或corpsecret")
        give_ids("branch1", dingtalk="u1")
        send_to(world, ["branch1"], "k7")
        assert deliveries_send().retrying == 1
        delivery = Delivery.objects.get(channel=Channel.DINGTALK)
        assert delivery.last_error == "gettoken refused: errcode 40089 不合法的corpid或corpsecret"
        assert dingtalk.sends() == []

    def test_no_user_id_or_switched_off_means_no_notice(
        self, world: Any, dingtalk: FakeAPI
    ) -> None:
        give_ids("head1", dingtalk="u2")
        Preference.objects.create(user=world.user("head1"), dingtalk_enabled=False)
        send_to(world, ["branch1", "head1"], "k8")
        assert not Delivery.objects.filter(channel=Channel.DINGTALK).exists()

    def test_without_credentials_the_channel_is_off(self, world: Any, settings: Any) -> None:
        settings.DINGTALK_APP_KEY = ""
        give_ids("branch1", dingtalk="u1")
        send_to(world, ["branch1"], "k9")
        assert not Delivery.objects.filter(channel=Channel.DINGTALK).exists()


class TestWeComAppMessage:
    def test_a_message_reaches_the_person_as_a_text_card(
        self, world: Any, wecom: FakeAPI, settings: Any
    ) -> None:
        settings.SITE_URL = "https://rectify.example.org/"
        give_ids("branch1", wecom="ZhangSan")
        send_to(world, ["branch1"], "w1")
        assert deliveries_send().failed == 0

        (fetch,) = wecom.token_fetches()
        assert fetch["path"] == "/cgi-bin/gettoken"
        assert fetch["query"] == {"corpid": ["ww-corp"], "corpsecret": ["wecom-secret"]}
        (send,) = wecom.sends()
        assert send["path"] == "/cgi-bin/message/send"
        assert send["query"]["access_token"] == ["tok1"]
        body = send["body"]
        assert (body["touser"], body["agentid"], body["msgtype"]) == (
            "ZhangSan",
            1000002,
            "textcard",
        )
        assert body["textcard"]["title"] == "Title w1"
        assert body["textcard"]["description"] == "Body"
        assert body["textcard"]["url"] == "https://rectify.example.org/ledger/measures/w1/"
        assert Delivery.objects.get(channel=Channel.WECOM).status == DeliveryStatus.SENT

    @pytest.mark.parametrize("code", [40014, 42001])
    def test_an_expired_token_is_fetched_again(self, world: Any, wecom: FakeAPI, code: int) -> None:
        give_ids("branch1", wecom="ZhangSan")
        send_to(world, ["branch1"], "w2")
        deliveries_send()
        wecom.expire, wecom.expired_code = 1, code
        send_to(world, ["branch1"], "w3")
        deliveries_send()
        assert [r["query"]["access_token"][0] for r in wecom.sends()] == ["tok1", "tok1", "tok2"]
        assert len(wecom.token_fetches()) == 2
        assert Delivery.objects.get(notification__key="w3", channel=Channel.WECOM).status == (
            DeliveryStatus.SENT
        )

    def test_an_unknown_user_is_a_failed_attempt(self, world: Any, wecom: FakeAPI) -> None:
        wecom.invaliduser = "Ghost"
        give_ids("branch1", wecom="Ghost")
        send_to(world, ["branch1"], "w4")
        assert deliveries_send().retrying == 1
        delivery = Delivery.objects.get(channel=Channel.WECOM)
        assert delivery.last_error == "work notice refused: invaliduser Ghost"

    def test_an_error_code_is_recorded_with_its_message(self, world: Any, wecom: FakeAPI) -> None:
        wecom.refuse = (60020, "not allow to access from your ip")
        give_ids("branch1", wecom="ZhangSan")
        send_to(world, ["branch1"], "w5")
        deliveries_send()
        delivery = Delivery.objects.get(channel=Channel.WECOM)
        assert delivery.status == DeliveryStatus.PENDING
        assert (
            delivery.last_error
            == "work notice refused: errcode 60020 not allow to access from your ip"
        )

    def test_both_platforms_at_once(self, world: Any, wecom: FakeAPI, dingtalk: FakeAPI) -> None:
        give_ids("branch1", dingtalk="u1", wecom="ZhangSan")
        send_to(world, ["branch1"], "w6")
        assert deliveries_send().sent == 3
        assert len(wecom.sends()) == len(dingtalk.sends()) == 1


class TestScreens:
    def test_a_person_keeps_their_ids_and_channels_on_the_preferences_page(
        self, world: Any, dingtalk: FakeAPI, wecom: FakeAPI
    ) -> None:
        client = world.client("branch1")
        url = reverse("notifications:preferences")
        page = client.get(url).content.decode()
        assert "My DingTalk user ID" in page and "My WeCom user ID" in page
        values = dict(form_values(rendered_form(page, "preferences-form")))
        # Both work-notice channels are on until the person turns them off.
        assert values["dingtalk_enabled"] == "on" and values["wecom_enabled"] == "on"
        values |= {"dingtalk_userid": " manager4220 ", "wecom_userid": "ZhangSan"}
        del values["wecom_enabled"]
        assert client.post(url, values).status_code == 302

        person = Person.objects.get(user__username="branch1")
        assert (person.dingtalk_userid, person.wecom_userid) == ("manager4220", "ZhangSan")
        pref = Preference.objects.get(user=world.user("branch1"))
        assert (pref.dingtalk_enabled, pref.wecom_enabled) == (True, False)
        changed = AuditEvent.objects.filter(action="update", object_id=str(person.pk)).last()
        assert changed is not None and changed.after["dingtalk_userid"] == "manager4220"

        send_to(world, ["branch1"], "s1")
        assert set(Delivery.objects.values_list("channel", flat=True)) == {
            Channel.EMAIL,
            Channel.DINGTALK,
        }

    def test_a_user_id_too_long_is_refused_with_a_message(
        self, world: Any, dingtalk: FakeAPI
    ) -> None:
        client = world.client("branch1")
        url = reverse("notifications:preferences")
        values = dict(form_values(rendered_form(client.get(url).content, "preferences-form")))
        values["dingtalk_userid"] = "x" * 65
        response = client.post(url, values)
        assert response.status_code == 400
        assert "at most 64 characters" in response.content.decode()
        assert Person.objects.get(user__username="branch1").dingtalk_userid == ""

    def test_without_an_app_the_page_offers_no_work_notices(self, world: Any) -> None:
        page = world.client("branch1").get(reverse("notifications:preferences")).content.decode()
        assert "dingtalk_userid" not in page and "wecom_enabled" not in page

    def test_the_office_sets_a_persons_ids_on_the_person_form(self, world: Any) -> None:
        person = Person.objects.get(user__username="staff1")
        client = world.client("office")
        url = reverse("organization:people_edit", args=[person.pk])
        values = as_rendered(client.get(url))
        values["dingtalk_userid"] = ["ding-staff1"]
        values["wecom_userid"] = ["WeStaff1"]
        assert client.post(url, values).status_code == 302
        person.refresh_from_db()
        assert (person.dingtalk_userid, person.wecom_userid) == ("ding-staff1", "WeStaff1")

    def test_the_office_sees_which_apps_send_work_notices(self, world: Any, wecom: FakeAPI) -> None:
        page = world.client("office").get(reverse("notifications:settings")).content.decode()
        assert "Work notices to a person are sent through: WeCom app message" in page

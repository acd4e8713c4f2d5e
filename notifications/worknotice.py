"""Work notices to one person through the organization's own app: DingTalk 工作通知 and WeCom
应用消息, beside email and the group robot.

Both APIs want an access token fetched with the app's credentials. The token is cached for the
lifetime the API states (less a margin) and fetched again when the API calls it expired, so a
token revoked early costs one extra request, not a failed delivery. Like the other channels,
a sender either returns or raises `DeliveryError`, whose text (the API's errcode and errmsg)
the administrator's delivery page shows; retrying is the caller's business.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from notifications.channels import DEFAULT_WEBHOOK_TIMEOUT, MAX_ERROR_LENGTH, DeliveryError
from notifications.choices import Channel

# errcodes by which each API says the access token is invalid or expired.
EXPIRED_TOKEN_CODES = {Channel.DINGTALK: {40014, 88}, Channel.WECOM: {40014, 42001}}
# Fetch a new token this long before the API's stated expiry.
TOKEN_MARGIN_SECONDS = 300
# WeCom's textcard takes at most 128 bytes of title and 512 of description; DingTalk is
# roomier, but a notice is a pointer to the measure, not the whole story.
MAX_TITLE = 40
MAX_TEXT = 160


@dataclass(frozen=True)
class App:
    """The organization's app on one platform: who it is and where its API answers."""

    channel: str
    base: str
    key: str
    secret: str
    agent_id: str

    @property
    def cache_key(self) -> str:
        digest = hashlib.sha256(f"{self.base}|{self.key}|{self.agent_id}".encode()).hexdigest()
        return f"worknotice-token:{self.channel}:{digest[:32]}"


def app_for(channel: str) -> App | None:
    """The app configured in settings for this channel, or None when any credential is empty."""
    if channel == Channel.DINGTALK:
        values = (
            getattr(settings, "DINGTALK_API_BASE", "") or "https://oapi.dingtalk.com",
            getattr(settings, "DINGTALK_APP_KEY", ""),
            getattr(settings, "DINGTALK_APP_SECRET", ""),
            getattr(settings, "DINGTALK_AGENT_ID", ""),
        )
    elif channel == Channel.WECOM:
        values = (
            getattr(settings, "WECOM_API_BASE", "") or "https://qyapi.weixin.qq.com/cgi-bin",
            getattr(settings, "WECOM_CORP_ID", ""),
            getattr(settings, "WECOM_SECRET", ""),
            getattr(settings, "WECOM_AGENT_ID", ""),
        )
    else:
        return None
    base, key, secret, agent_id = (str(v).strip() for v in values)
    if not (key and secret and agent_id):
        return None
    return App(channel=channel, base=base.rstrip("/"), key=key, secret=secret, agent_id=agent_id)


def configured_channels() -> list[str]:
    """The work-notice channels this server can send on, in the order people see them."""
    return [c for c in (Channel.DINGTALK, Channel.WECOM) if app_for(c) is not None]


# --- the message ------------------------------------------------------------------------------


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message_payload(*, channel: str, title: str, text: str, url: str) -> dict[str, Any]:
    """The message part of a work notice, stored on the delivery: a card whose button opens
    `url` (the measure) when there is one, plain text or markdown otherwise."""
    title = _clip(title.replace("\n", " ").strip(), MAX_TITLE)
    text = _clip(text.strip(), MAX_TEXT)
    button = _("Open")
    if channel == Channel.DINGTALK:
        markdown = f"### {title}\n\n{text}".strip()
        if url:
            return {
                "msgtype": "action_card",
                "action_card": {
                    "title": title,
                    "markdown": markdown,
                    "single_title": button,
                    "single_url": url,
                },
            }
        return {"msgtype": "markdown", "markdown": {"title": title, "text": markdown}}
    if url:
        return {
            "msgtype": "textcard",
            "textcard": {
                "title": title,
                "description": text or title,
                "url": url,
                "btntxt": button,
            },
        }
    return {"msgtype": "text", "text": {"content": f"{title}\n{text}".strip()}}


# --- talking to the API -----------------------------------------------------------------------


def _call(url: str, *, params: dict[str, str], body: dict[str, Any] | None = None) -> Any:
    full = url + "?" + urllib.parse.urlencode(params)
    if not full.lower().startswith(("http://", "https://")):
        raise DeliveryError("the API address must start with http:// or https://")
    request = urllib.request.Request(
        full,
        data=None if body is None else json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="GET" if body is None else "POST",
    )
    timeout = getattr(settings, "NOTIFICATION_WEBHOOK_TIMEOUT", DEFAULT_WEBHOOK_TIMEOUT)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}"[:MAX_ERROR_LENGTH]) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"{type(exc).__name__}: {reason}"[:MAX_ERROR_LENGTH]) from exc
    try:
        answer = json.loads(raw.decode() or "null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DeliveryError("the API answered something that is not JSON") from exc
    if not isinstance(answer, dict):
        raise DeliveryError("the API answered something that is not a JSON object")
    return answer


def _refusal(what: str, answer: dict[str, Any]) -> DeliveryError:
    return DeliveryError(
        f"{what} refused: errcode {answer.get('errcode')} {answer.get('errmsg') or ''}".strip()[
            :MAX_ERROR_LENGTH
        ]
    )


def _errcode(answer: dict[str, Any]) -> int:
    try:
        return int(answer.get("errcode") or 0)
    except (TypeError, ValueError):
        return -1


def access_token(app: App, *, refresh: bool = False) -> str:
    """The app's access token, from the cache unless `refresh` or it has run out."""
    if not refresh:
        cached = cache.get(app.cache_key)
        if cached:
            return str(cached)
    if app.channel == Channel.DINGTALK:
        answer = _call(f"{app.base}/gettoken", params={"appkey": app.key, "appsecret": app.secret})
    else:
        answer = _call(f"{app.base}/gettoken", params={"corpid": app.key, "corpsecret": app.secret})
    token = answer.get("access_token")
    if _errcode(answer) != 0 or not token:
        raise _refusal("gettoken", answer)
    try:
        lifetime = int(answer.get("expires_in") or 7200)
    except (TypeError, ValueError):
        lifetime = 7200
    cache.set(app.cache_key, str(token), timeout=max(60, lifetime - TOKEN_MARGIN_SECONDS))
    return str(token)


def _agent(app: App) -> int | str:
    return int(app.agent_id) if app.agent_id.isdigit() else app.agent_id


def request_for(app: App, *, userid: str, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The address and JSON body that send `payload` to one person."""
    if app.channel == Channel.DINGTALK:
        return (
            f"{app.base}/topapi/message/corpconversation/asyncsend_v2",
            {"agent_id": _agent(app), "userid_list": userid, "msg": payload},
        )
    return f"{app.base}/message/send", {"touser": userid, "agentid": _agent(app), **payload}


def send_work_notice(*, channel: str, userid: str, payload: dict[str, Any]) -> None:
    """Send one stored work notice to one person's DingTalk or WeCom account."""
    app = app_for(channel)
    if app is None:
        raise DeliveryError(f"no {channel} app is configured on this server")
    if not userid:
        raise DeliveryError("the person has no user id on this platform")
    url, body = request_for(app, userid=userid, payload=payload)
    answer = _call(url, params={"access_token": access_token(app)}, body=body)
    if _errcode(answer) in EXPIRED_TOKEN_CODES[Channel(channel)]:
        answer = _call(url, params={"access_token": access_token(app, refresh=True)}, body=body)
    if _errcode(answer) != 0:
        raise _refusal("work notice", answer)
    # WeCom accepts a message with unknown recipients and names them in invaliduser.
    invalid = str(answer.get("invaliduser") or "")
    if invalid:
        raise DeliveryError(f"work notice refused: invaliduser {invalid}"[:MAX_ERROR_LENGTH])

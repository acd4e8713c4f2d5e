"""The outside channels: email through Django's mail machinery, and group-robot webhooks.

Each sender either returns (delivered) or raises `DeliveryError` with a short explanation that
the administrator's delivery page shows; retrying is the caller's business.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from notifications.choices import WebhookKind

# Group robots answer within a second; a hung endpoint must not hold the scheduler for long.
DEFAULT_WEBHOOK_TIMEOUT = 10
MAX_ERROR_LENGTH = 1000


class DeliveryError(Exception):
    """A message could not be delivered; str(error) says why."""


def send_email(
    *, to: str, subject: str, body: str, connection: BaseEmailBackend | None = None
) -> None:
    message = EmailMessage(
        subject=subject.replace("\n", " ")[:250],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        connection=connection,
    )
    try:
        sent = message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]) from exc
    if sent != 1:
        raise DeliveryError("the mail backend accepted no message")


def webhook_payload(
    *, kind: str, title: str, text: str, url: str, mobiles: list[str], names: list[str]
) -> dict[str, Any]:
    """The JSON a group robot expects. WeCom and DingTalk mention people by mobile number."""
    content = f"{title}\n{text}".strip()
    if url:
        content += f"\n{url}"
    if kind == WebhookKind.WECOM:
        return {
            "msgtype": "text",
            "text": {"content": content, "mentioned_mobile_list": mobiles},
        }
    if kind == WebhookKind.DINGTALK:
        # DingTalk only highlights a mention when the text also carries "@<mobile>".
        mentions = " ".join(f"@{m}" for m in mobiles)
        return {
            "msgtype": "text",
            "text": {"content": f"{content}\n{mentions}".strip()},
            "at": {"atMobiles": mobiles, "isAtAll": False},
        }
    return {"title": title, "text": text, "url": url, "recipients": names, "mobiles": mobiles}


def dingtalk_signed_url(url: str, secret: str, *, now_ms: int | None = None) -> str:
    """DingTalk's 加签: timestamp and an HMAC-SHA256 signature appended to the address."""
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp}&sign={sign}"


def send_webhook(*, url: str, payload: dict[str, Any], secret: str = "", kind: str = "") -> None:
    if secret and kind == WebhookKind.DINGTALK:
        url = dingtalk_signed_url(url, secret)
    if not url.lower().startswith(("http://", "https://")):
        raise DeliveryError("the webhook address must start with http:// or https://")
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
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
    # WeCom and DingTalk answer 200 even when they refuse a message; the refusal is in the body.
    try:
        answer = json.loads(raw.decode() or "null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return
    if isinstance(answer, dict) and answer.get("errcode") not in (None, 0):
        message = answer.get("errmsg") or ""
        raise DeliveryError(
            f"robot refused: errcode {answer['errcode']} {message}"[:MAX_ERROR_LENGTH]
        )

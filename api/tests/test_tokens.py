"""Personal access tokens: stored hashed, shown once, ended by expiry or revocation, read-only
when asked; errors in the client's language, bounded pages and a request budget per token."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from api.models import PersonalToken
from api.services import MAX_DAYS, digest_of, token_create, token_revoke
from api.tests.helpers import api_client, expire, token_for
from api.throttling import TokenRateThrottle
from core.models import AuditEvent


def test_only_the_digest_of_the_secret_is_stored(world: Any) -> None:
    token, secret = token_create(by=world.user("branch1"), name="导出", days=30, read_only=True)
    assert secret.startswith("rct_") and len(secret) > 40
    row = PersonalToken.objects.get(pk=token.pk)
    assert row.digest == digest_of(secret) and secret not in (row.digest, row.prefix)
    assert secret.startswith(row.prefix)
    event = AuditEvent.objects.filter(action="api_token:created").latest("id")
    assert secret not in json.dumps(event.after, ensure_ascii=False)


def test_a_token_needs_a_name_and_an_expiry_within_a_year(world: Any) -> None:
    user = world.user("branch1")
    with pytest.raises(ValidationError):
        token_create(by=user, name=" ", days=30, read_only=False)
    with pytest.raises(ValidationError):
        token_create(by=user, name="x", days=MAX_DAYS + 1, read_only=False)
    with pytest.raises(ValidationError):
        token_create(by=user, name="x", days=0, read_only=False)
    assert not PersonalToken.objects.filter(user=user).exists()


def test_a_token_reads_as_its_person_and_records_its_use(world: Any) -> None:
    secret = token_for(world.user("branch1"))
    response = api_client(secret).get(reverse("api:measures"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] > 0
    assert PersonalToken.objects.get(digest=digest_of(secret)).last_used_at is not None
    # The same as the ledger shows branch 1, never the office's whole ledger.
    office = api_client(token_for(world.user("office"))).get(reverse("api:measures")).json()
    assert body["count"] < office["count"]


@pytest.mark.parametrize(
    ("end", "code"), [("expire", "token_expired"), ("revoke", "token_revoked")]
)
def test_an_expired_or_revoked_token_is_refused(world: Any, end: str, code: str) -> None:
    user = world.user("branch1")
    secret = token_for(user)
    if end == "expire":
        expire(secret)
    else:
        token_revoke(by=user, token=PersonalToken.objects.get(digest=digest_of(secret)))
    response = api_client(secret).get(reverse("api:measures"))
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_and_no_token_are_refused(world: Any) -> None:
    assert api_client("rct_nonsense").get(reverse("api:measures")).json()["code"] == (
        "invalid_token"
    )
    missing = api_client(None).get(reverse("api:measures"))
    assert missing.status_code == 401 and missing.json()["code"] == "not_authenticated"


def test_a_browser_session_does_not_reach_the_api(world: Any) -> None:
    response = world.client("office").get(reverse("api:measures"))
    assert response.status_code == 401


def test_a_read_only_token_reads_and_is_refused_every_write(world: Any) -> None:
    measure = world.new_measure()
    client = api_client(token_for(world.user("office"), read_only=True))
    assert client.get(reverse("api:measure", args=[measure.pk])).status_code == 200
    before = AuditEvent.objects.count()
    refused = client.patch(
        reverse("api:measure", args=[measure.pk]),
        json.dumps({"version": measure.version, "progress": 50}),
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "read_only_token"
    posted = client.post(
        reverse("api:reports", args=[measure.pk]),
        json.dumps({"work_done": "x", "progress": 5}),
        content_type="application/json",
    )
    assert posted.status_code == 403
    assert AuditEvent.objects.count() == before


def test_errors_speak_the_requested_language(world: Any) -> None:
    secret = token_for(world.user("branch1"))
    url = reverse("api:measure", args=[10_000_000])
    zh = api_client(secret).get(url).json()
    en = api_client(secret, language="en").get(url).json()
    assert zh["code"] == en["code"] == "not_found"
    assert en["message"] == "Not found."
    assert re.search(r"[\u4e00-\u9fff]", zh["message"]), zh


def test_a_page_is_never_larger_than_the_maximum(world: Any) -> None:
    client = api_client(token_for(world.user("office")))
    body = client.get(reverse("api:measures") + "?page_size=100000").json()
    assert len(body["results"]) == min(body["count"], 200)
    small = client.get(reverse("api:measures") + "?page_size=2").json()
    assert len(small["results"]) == 2 and small["next"]
    assert client.get(reverse("api:measures") + "?page=99999").status_code == 404


def test_each_token_has_its_own_request_budget(world: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    cache.clear()
    first = api_client(token_for(world.user("branch1")))
    second = api_client(token_for(world.user("branch1")))
    url = reverse("api:statistics")
    assert [first.get(url).status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get(url)
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited" and limited["Retry-After"]
    assert second.get(url).status_code == 200
    cache.clear()


def test_the_owner_creates_sees_once_and_revokes_a_token_on_the_page(world: Any) -> None:
    client = world.client("branch1")
    page = client.post(
        reverse("api:tokens"), {"name": "周报脚本", "days": 30, "read_only": "on"}, follow=True
    )
    assert page.status_code == 200
    html = page.content.decode()
    secret = re.search(r'data-testid="token-secret">(rct_[^<]+)<', html).group(1)  # type: ignore[union-attr]
    token = PersonalToken.objects.get(digest=digest_of(secret))
    assert token.read_only and token.name == "周报脚本"
    assert secret not in client.get(reverse("api:tokens")).content.decode()
    # Another person cannot even find it.
    other = world.client("branch7").post(reverse("api:token_revoke", args=[token.pk]))
    assert other.status_code == 404
    client.post(reverse("api:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token:revoked").exists()


def test_the_page_refuses_an_expiry_beyond_a_year(world: Any) -> None:
    client = world.client("branch1")
    page = client.post(reverse("api:tokens"), {"name": "x", "days": MAX_DAYS + 1})
    assert page.status_code == 200
    assert not PersonalToken.objects.filter(user__username="branch1").exists()
    assert 'data-testid="token-secret"' not in page.content.decode()


def test_a_deactivated_persons_token_is_refused(world: Any) -> None:
    user = world.user("branch1")
    secret = token_for(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert api_client(secret).get(reverse("api:measures")).status_code == 401


def test_the_second_organizations_token_lists_only_its_own_records(world: Any) -> None:
    from ledger.models import Measure

    world.second_org()
    client = api_client(token_for(world.user("stranger_office")))
    ids = {row["id"] for row in client.get(reverse("api:measures")).json()["results"]}
    assert ids
    assert not Measure.objects.filter(pk__in=ids, organization=world.org).exists()
    ours = set(world.finding().inspection.findings.values_list("id", flat=True))
    findings = client.get(reverse("api:findings")).json()["results"]
    assert findings and not ours & {f["id"] for f in findings}

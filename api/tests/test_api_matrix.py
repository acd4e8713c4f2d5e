"""Every API operation, for every role, with that role's own token: the status it gets and,
for a write, whether it changed the record (a refusal changes nothing, whatever it answers).
Out of scope and guessed ids answer 404 alike, so the API never confirms that a record exists.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from api.tests.helpers import api_client, token_for
from api.tests.matrix import API_CASES, ApiCase
from core.models import AuditEvent
from tests.matrix import ROLES


@pytest.fixture(autouse=True)
def _separated(world: Any) -> None:
    world.separate_duties()


def _send(client: Any, case: ApiCase, path: str, data: dict[str, Any] | None) -> Any:
    if case.method == "get":
        return client.get(path)
    if case.multipart:
        return client.post(path, data or {})
    return getattr(client, case.method)(
        path, json.dumps(data or {}), content_type="application/json"
    )


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("case", API_CASES, ids=lambda c: c.name)
def test_token_of_role_gets_the_expected_status(case: ApiCase, role: str, world: Any) -> None:
    if role == "stranger":
        world.second_org()
    username = ROLES[role]
    world.role, world.actor = role, (world.user(username) if username else None)
    secret = token_for(world.user(username)) if username else None
    path = case.path(world)
    data = case.data(world) if case.data else None
    before = (case.effect(world) if case.effect else None, AuditEvent.objects.count())
    response = _send(api_client(secret), case, path, data)
    after = (case.effect(world) if case.effect else None, AuditEvent.objects.count())
    expected = case.status_for(role)
    assert response.status_code == expected, (
        f"{role} {case.method.upper()} {path}: got {response.status_code} "
        f"{response.content[:300]!r}, expected {expected}"
    )
    if response.status_code >= 400:
        body = response.json()
        assert body["code"] and body["message"], body
    if case.method == "get":
        assert before[1] == after[1], f"{role} GET {path} wrote the audit trail"
    elif expected < 300:
        assert before[0] != after[0], f"{role} {case.method} {path} changed nothing"
    else:
        assert before == after, f"{role} {case.method} {path} changed what it may not"

"""Schemathesis against the API's own OpenAPI schema, with the token of an office director, a
liaison group leader and a branch secretary: every operation, a few generated requests each,
no server error and no response the schema does not describe. Bounded to keep `make test`
short (SCHEMATHESIS_EXAMPLES raises it)."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from api.tests.helpers import token_for

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
# Checks of the responses themselves; the stateful ones (a resource made and then fetched)
# and "valid data is accepted" do not apply to a ledger whose writes depend on each record's
# state and on who asks.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@pytest.fixture
def connection_kept_between_requests() -> Any:
    """Served through the WSGI handler, each request would close the database connection when
    it finishes (and with it the test's transaction); the test client keeps it, and so do we."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres")
    and os.environ.get("SCHEMATHESIS_ON_SQLITE") != "1",
    reason="`make test` runs it once, in its PostgreSQL run (SCHEMATHESIS_ON_SQLITE=1 here)",
)
@pytest.mark.usefixtures("connection_kept_between_requests")
@pytest.mark.parametrize("username", ["office", "liaison1", "branch1"])
def test_the_api_keeps_to_its_schema(username: str, world: Any) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    auth = {"Authorization": f"Bearer {token_for(world.user(username))}"}
    cache.clear()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            response = case.call_and_validate(headers=auth, checks=CHECKS)
            statuses.append(response.status_code)

        run()
    # The generated requests reached the records, not only the refusals.
    assert statuses.count(200) >= len(operations) // 2, sorted(set(statuses))

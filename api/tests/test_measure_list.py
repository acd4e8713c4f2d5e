"""The API's measure list pages as the ledger page does: its rows in ledger order, its count
read through the measure's own round, and the two always the same measures."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.tests.helpers import api_client, token_for
from ledger.selectors import inspection_ids_current_first


@pytest.mark.parametrize("username", ["office", "branch1", "liaison1"])
def test_the_count_is_the_measures_listed_over_every_page(world: Any, username: str) -> None:
    user = world.user(username)
    client = api_client(token_for(user))
    round_id = inspection_ids_current_first(user)[0]
    url = reverse("api:measures") + f"?inspection={round_id}&page_size=3"
    ids: list[int] = []
    count = None
    while url:
        body = client.get(url).json()
        count = body["count"] if count is None else count
        assert body["count"] == count
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
    assert count == len(ids) == len(set(ids)) > 0


def test_the_count_reads_the_measures_round_not_the_findings(world: Any) -> None:
    user = world.user("office")
    client = api_client(token_for(user))
    round_id = inspection_ids_current_first(user)[0]
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("api:measures") + f"?inspection={round_id}").json()
    assert body["count"] > 0
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts, "the page was counted"
    measure_counts = [sql for sql in counts if '"ledger_measure"' in sql]
    assert measure_counts and all('"ledger_finding"' not in sql for sql in measure_counts)

"""What the ledger's browser tests read from the page: the rows listed and the htmx reload."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from django.urls import reverse

LEDGER = reverse("ledger:ledger")


def listed(page: Any) -> set[int]:
    rows = page.locator("#ledger-table tr[data-measure]")
    return {
        int(pk) for pk in (rows.nth(i).get_attribute("data-measure") for i in range(rows.count()))
    }


def table_reload(page: Any) -> Any:
    """Wait for the htmx request that refreshes the table."""
    return page.expect_response(
        lambda r: urlparse(r.url).path == LEDGER and r.request.headers.get("hx-request") == "true"
    )

"""Each headline figure on the home page leads to the ledger rows it counts: the number on the
card is the number of rows the person lands on, whatever their role."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from lxml import html

pytestmark = pytest.mark.django_db

FIGURES = ("total", "done", "open", "overdue", "flagged")


@pytest.mark.parametrize("username", ["office", "leader", "liaison1", "branch1", "dept1", "staff1"])
def test_every_headline_figure_is_the_number_of_rows_its_link_lists(
    world: Any, username: str
) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(world.user(username))
    home = client.get("/")
    assert home.status_code == 200
    page = html.fromstring(home.content)
    for key in FIGURES:
        (card,) = page.xpath(f'//a[@data-testid="stat-{key}"]')
        shown = int(card.text_content().strip())
        listed = client.get(card.get("href"))
        assert listed.status_code == 200, (username, key)
        count = listed.context["page"].paginator.count
        assert count == shown, f"{username}: {key} card says {shown}, its list has {count}"

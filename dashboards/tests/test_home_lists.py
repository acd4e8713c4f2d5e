"""The home page: each card's count is the list beneath it (or the list says how many it leaves
out), rows carry the measure's own title, and a unit's name is not repeated on its own rows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from dashboards.selectors import HOME_LIST_SIZE


def cards(body: str) -> list[tuple[str, int, int, str]]:
    """(key, badge count, rows listed, text of the "see all" link) of every card on the page."""
    found = []
    for key, chunk in re.findall(
        r'data-testid="section-([a-z_]+)">(.*?)(?=data-testid="section-|\Z)', body, re.S
    ):
        count = int(re.search(rf'data-testid="count-{key}">(\d+)<', chunk)[1])
        rows = len(re.findall(r'data-testid="home-row"', chunk))
        more = re.search(rf'data-testid="more-{key}">([^<]*)<', chunk)
        found.append((key, count, rows, more[1] if more else ""))
    return found


@pytest.mark.parametrize("who", ["office", "leader", "liaison1", "branch1", "branch3", "dept1"])
def test_every_card_count_equals_its_list(world: Any, who: str) -> None:
    body = world.client(who).get(reverse("home")).content.decode()
    found = cards(body)
    assert found
    for key, count, rows, more in found:
        if count <= HOME_LIST_SIZE:
            assert rows == count, (who, key)
            assert more == "", (who, key)
        else:
            assert rows == HOME_LIST_SIZE, (who, key)
            assert f"查看全部 {count} 项" in more, (who, key)


def test_a_units_own_rows_name_the_unit_once(world: Any) -> None:
    body = world.client("branch1").get(reverse("home")).content.decode()
    chunk = body.split('data-testid="section-unit_open"', 1)[1].split('data-testid="section-', 1)[0]
    assert chunk.count(world.BRANCH1) == 1
    assert 'data-testid="card-unit"' in chunk


def test_a_row_shows_the_whole_title_its_state_due_date_and_light(world: Any) -> None:
    measure = world.measure(state="in_progress")
    body = world.client("branch1").get(reverse("home")).content.decode()
    row = re.search(
        rf'<li[^>]*data-testid="home-row">\s*<a[^>]*href="/ledger/measures/{measure.pk}/"[^>]*>'
        r"(.*?)</a>(.*?)</li>",
        body,
        re.S,
    )
    assert row, "the unit's in-progress measure is on its home page"
    assert measure.content in row[1]
    assert "推进中" in row[2]
    assert measure.due_date.isoformat() in row[2]
    assert "data-light=" in row[2]

"""A branch secretary's home page on a phone (390 px): each row is the measure's title on up to
two lines, then its state, due date and light; the unit's name is said once."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

BRANCH1 = "航空运输系党支部"


@pytest.fixture(autouse=True)
def no_lockouts(transactional_db: Any) -> Any:
    from axes.utils import reset

    reset()
    yield
    reset()


def test_the_home_page_on_a_phone_shows_whole_titles_and_the_unit_once(
    session_factory: Any,
) -> None:
    s = session_factory(width=390, height=844)
    page = s.login("branch1")
    section = page.locator("[data-testid=section-unit_open]")
    rows = section.locator("[data-testid=home-row]")
    assert rows.count() == int(section.locator("[data-testid=count-unit_open]").inner_text())
    assert rows.count() >= 1
    line_height = None
    for i in range(rows.count()):
        row = rows.nth(i)
        title = row.locator(".home-row-title")
        box = title.bounding_box()
        assert box is not None
        # The title takes the row's width, not a sliver beside the unit's name.
        assert box["width"] > 300
        if line_height is None:
            line_height = float(title.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
        assert box["height"] <= 2 * line_height + 1  # at most two lines
        text = title.inner_text().strip()
        assert len(text) > 10  # not cut to a few characters
        meta = row.locator(".home-row-meta")
        assert meta.locator(".state-badge").count() == 1
        assert meta.locator("[data-light]").count() == 1
        assert BRANCH1 not in meta.inner_text()
    assert section.inner_text().count(BRANCH1) == 1
    s.screenshot("home-phone-branch1")
    assert s.foreign_requests() == []

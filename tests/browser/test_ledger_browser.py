"""The ledger in a real browser: the office filters the table in place, opens a measure, edits
it and sees the change on its timeline; a branch secretary on a phone sees only its own rows."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.ledger_page import LEDGER, listed, table_reload

pytestmark = pytest.mark.browser

BRANCH1 = "航空运输系党支部"


@pytest.fixture(autouse=True)
def no_lockouts(transactional_db: Any) -> Any:
    from axes.utils import reset

    reset()
    yield
    reset()


def mark_page(page: Any) -> None:
    # A full page load would drop this; an htmx swap keeps it.
    page.evaluate("document.body.dataset.sameDocument = 'yes'")


def still_same_page(page: Any) -> bool:
    return page.evaluate("document.body.dataset.sameDocument") == "yes"


def test_the_office_filters_the_ledger_in_place_and_edits_a_measure(
    session_factory: Any,
) -> None:
    from ledger.models import Measure

    s = session_factory()
    page = s.login("office")
    page.goto(LEDGER)
    assert page.locator("[data-testid=ledger-table]").is_visible()
    s.screenshot("ledger-office")
    mark_page(page)

    # Choosing a state refreshes the table in place and puts the filter in the URL.
    pending = set(Measure.objects.filter(state="pending_review").values_list("id", flat=True))
    assert pending
    with table_reload(page) as response:
        page.select_option("[data-testid=filter-state]", "pending_review")
    assert response.value.status == 200
    expect(page.locator("#ledger-table tr[data-measure]")).to_have_count(len(pending))
    assert listed(page) == pending
    assert parse_qs(urlparse(page.url).query)["state"] == ["pending_review"]
    assert still_same_page(page)

    # Searching narrows it further; the search text joins the URL.
    target = Measure.objects.filter(state="pending_review").order_by("id").first()
    words = target.content[:8]
    expected = set(
        Measure.objects.filter(state="pending_review", content__icontains=words).values_list(
            "id", flat=True
        )
    ) | set(
        Measure.objects.filter(state="pending_review", finding__text__icontains=words).values_list(
            "id", flat=True
        )
    )
    page.fill("#id_q", words)
    with table_reload(page):
        page.click("[data-testid=filter-submit]")
    expect(page.locator("#ledger-table tr[data-measure]")).to_have_count(len(expected))
    assert listed(page) == expected
    query = parse_qs(urlparse(page.url).query)
    assert query["q"] == [words] and query["state"] == ["pending_review"]
    assert still_same_page(page)
    s.screenshot("ledger-office-filtered")

    # The filtered URL can be bookmarked: opening it afresh shows the same rows.
    page.goto(page.url)
    assert listed(page) == expected

    # Open a measure, edit it, and see the change on its timeline.
    page.click(f"#ledger-table tr[data-measure='{target.pk}'] td.measure-text a")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(reverse("ledger:measure_detail", args=[target.pk]))
    page.click("[data-testid=edit-measure]")
    page.wait_for_load_state("networkidle")
    new_text = f"{target.content}（已补充整改台账）"
    page.fill("#id_content", new_text)
    page.fill("#id_progress", "85")
    s.screenshot("ledger-measure-edit")
    page.click("[data-testid=save]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(reverse("ledger:measure_detail", args=[target.pk]))
    assert page.locator("[data-testid=measure-content]").inner_text().strip() == new_text
    latest = page.locator("[data-testid=timeline] > li").first
    after = latest.locator(".diff-after").all_inner_texts()
    assert "85" in after
    assert any(new_text in text for text in after)
    assert Measure.objects.get(pk=target.pk).progress == 85
    s.screenshot("ledger-measure-timeline")
    assert s.foreign_requests() == []


def test_choosing_a_bulk_action_keeps_the_ticked_measures(session_factory: Any) -> None:
    s = session_factory()
    page = s.login("office")
    page.goto(LEDGER)
    mark_page(page)
    first = page.locator("#ledger-table input[name=ids]").first
    first.check()
    requests: list[str] = []
    page.on(
        "request",
        lambda r: requests.append(r.url) if r.headers.get("hx-request") == "true" else None,
    )
    page.click("[data-testid=bulk-bar] summary")
    page.select_option("#bulk-form select[name=action]", "flag")
    page.wait_for_timeout(500)
    assert requests == []
    assert page.locator("#ledger-table input[name=ids]").first.is_checked()


def test_branch_one_on_a_phone_sees_only_its_measures_and_the_page_does_not_overflow(
    session_factory: Any,
) -> None:
    from django.db.models import Q

    from ledger.models import Measure

    s = session_factory(width=375, height=800)
    page = s.login("branch1")
    page.goto(f"{LEDGER}?per_page=200")
    mine = set(
        Measure.objects.filter(Q(lead_unit__name=BRANCH1) | Q(units__name=BRANCH1)).values_list(
            "id", flat=True
        )
    )
    assert mine
    assert listed(page) == mine
    # Each row names branch 1 as its lead or a co-operating unit.
    rows = page.locator("#ledger-table tr[data-measure]")
    for i in range(rows.count()):
        assert BRANCH1 in rows.nth(i).inner_text()
    assert page.locator("[data-testid=bulk-bar]").count() == 0
    page_width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("document.documentElement.clientWidth")
    assert page_width <= viewport, f"the page scrolls sideways: {page_width}px in {viewport}px"
    container = page.locator("#ledger-table .table-responsive").bounding_box()
    assert container is not None and container["x"] >= 0
    assert container["x"] + container["width"] <= viewport + 0.5
    s.screenshot("ledger-branch1-phone")
    assert s.foreign_requests() == []

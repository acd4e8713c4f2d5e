"""A measure's page shows the newest of its history (timeline, reports, evidence) and says how
much there is; one link shows all of it."""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest
from django.urls import reverse

from ledger import selectors as ledger_selectors
from reporting.services import ReportData, Upload, evidence_add, evidence_withdraw, report_file
from reporting.tests.conftest import PDF, upload

pytestmark = pytest.mark.django_db

SHOWN = 3


@pytest.fixture
def busy_measure(world: Any, monkeypatch: Any) -> Any:
    """A measure with more reports, evidence and events than the page shows (SHOWN of each)."""
    monkeypatch.setattr(ledger_selectors, "HISTORY_SHOWN", SHOWN)
    m = world.measure(state="in_progress")
    branch1 = world.user("branch1")
    for i in range(SHOWN + 2):
        report_file(by=branch1, measure=m, data=ReportData(f"第{i + 1}次进展", 10 + i))
    rows = evidence_add(
        by=branch1,
        measure=m,
        uploads=[Upload(upload(f"材料{i}.pdf", PDF + bytes([i])), "") for i in range(SHOWN + 1)],
    )
    evidence_withdraw(by=branch1, evidence=rows[0], reason="传错了")
    return m


def _page(world: Any, m: Any, query: str = "") -> Any:
    response = world.client("office").get(reverse("ledger:measure_detail", args=[m.pk]) + query)
    assert response.status_code == 200
    return lxml.html.fromstring(response.content)


def test_the_page_shows_the_newest_and_links_to_all(world: Any, busy_measure: Any) -> None:
    doc = _page(world, busy_measure)
    reports = doc.xpath('//*[@data-testid="report-item"]')
    assert len(reports) == SHOWN
    assert "第5次进展" in reports[0].text_content()  # newest first
    assert len(doc.xpath('//*[@data-testid="evidence-item"]')) == SHOWN
    timeline = doc.xpath('//*[@data-testid="timeline"]/li')
    assert len(timeline) == SHOWN
    more = {
        el.get("data-testid"): el.get("href")
        for el in doc.xpath('//a[starts-with(@data-testid, "more-")]')
    }
    assert set(more) == {"more-reports", "more-evidence", "more-timeline"}
    assert all(href.startswith("?history=all#") for href in more.values())
    # The count beside the evidence heading counts every piece not withdrawn, shown or not.
    badge = doc.xpath('//*[@data-testid="evidence-panel"]//span[contains(@class, "badge")]')[0]
    assert badge.text_content().strip() == str(SHOWN)


def test_the_link_shows_everything(world: Any, busy_measure: Any) -> None:
    doc = _page(world, busy_measure)
    href = doc.xpath('//a[@data-testid="more-reports"]')[0].get("href").split("#")[0]
    doc = _page(world, busy_measure, href)
    assert len(doc.xpath('//*[@data-testid="report-item"]')) == SHOWN + 2
    assert len(doc.xpath('//*[@data-testid="evidence-item"]')) == SHOWN + 1
    assert len(doc.xpath('//*[@data-testid="timeline"]/li')) > SHOWN
    assert not doc.xpath('//a[starts-with(@data-testid, "more-")]')


def test_a_short_history_has_no_link(world: Any) -> None:
    m = world.measure(state="in_progress")
    doc = _page(world, m)
    assert not doc.xpath('//a[starts-with(@data-testid, "more-")]')

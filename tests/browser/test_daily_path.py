"""The daily path through Rectify in Chromium, every form submitted as it is rendered.

The office searches the ledger with its default filters; branch1, on a phone, reports progress
with an evidence file and asks for close-out; liaison1 returns it with a reason; branch1 sees
被退回 and the reason on its home page at once, and asks again; liaison1 approves; the office
closes it out (销号). Each person starts at the sign-in page and goes on only by clicking,
typing and choosing what the pages show. A screenshot of every step is written to
test-output/daily-path/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "daily-path"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
REASON = "缺少支部会议记录，请补充后再申请。"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def private_storage(settings: Any, tmp_path: Path) -> Path:
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    return settings.PRIVATE_STORAGE_ROOT


def shot(session: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    session.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _branch_measure(page: Any) -> Any:
    """An in-progress measure branch1 leads, among those its home page lists."""
    from ledger.models import Measure

    hrefs = page.locator("a[href^='/ledger/measures/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    shown = [int(m.group(1)) for h in hrefs if (m := re.fullmatch(r"/ledger/measures/(\d+)/", h))]
    candidates = Measure.objects.filter(
        pk__in=shown, state="in_progress", lead_unit__name="航空运输系党支部"
    )
    measure = min(candidates, key=lambda m: shown.index(m.pk), default=None)
    assert measure is not None, "branch1's home page lists none of its in-progress measures"
    return measure


def _state(page: Any) -> str:
    return page.locator("h1 [data-state]").first.get_attribute("data-state")


def _open_menu(page: Any) -> None:
    """On a phone the main menu is folded behind its button."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        page.locator("#mainnav.show").wait_for()


def _go_home(page: Any) -> None:
    page.click("a.navbar-brand")
    page.wait_for_load_state("networkidle")


def _matching(term: str) -> set[int]:
    from ledger.models import Finding, Measure

    findings = Finding.objects.filter(text__icontains=term).values("id")
    return set(Measure.objects.filter(content__icontains=term).values_list("id", flat=True)) | set(
        Measure.objects.filter(finding_id__in=findings).values_list("id", flat=True)
    )


def _rows(page: Any) -> set[int]:
    ids = page.locator("#ledger-table tr[data-measure]").evaluate_all(
        "rows => rows.map(r => r.dataset.measure)"
    )
    return {int(i) for i in ids}


def test_the_daily_path_from_search_to_close_out(
    session_factory: Any, private_storage: Path
) -> None:
    from ledger.models import Measure

    # branch1 signs in on a phone; its home page lists the measures it works on.
    branch = session_factory(**PHONE)
    bpage = branch.login("branch1")
    shot(branch, "01-branch1-home")
    measure = _branch_measure(bpage)
    detail_link = f"a[href='/ledger/measures/{measure.pk}/']"
    term = measure.content[:6]
    expected = _matching(term)
    assert measure.pk in expected and len(expected) < Measure.objects.count()

    # The office searches the ledger: types a term, presses Enter, all other filters as shown.
    office = session_factory(**DESKTOP)
    opage = office.login("office")
    opage.click("nav a[href='/ledger/']")
    opage.wait_for_load_state("networkidle")
    before = _rows(opage)
    assert before, "the office's ledger shows rows before any search"
    opage.fill("[data-testid=filter-q]", term)
    with opage.expect_response(lambda r: "/ledger/" in r.url and "q=" in r.url) as searched:
        opage.press("[data-testid=filter-q]", "Enter")
    response = searched.value
    assert response.status == 200, (
        f"searching the ledger with its default filters answered {response.status}: {response.url}"
    )
    opage.wait_for_load_state("networkidle")
    assert opage.locator("[data-testid=filter-errors]").count() == 0
    found = _rows(opage)
    assert found, f"searching the ledger for {term!r} shows no rows"
    assert found <= expected, f"rows not matching {term!r}: {sorted(found - expected)}"
    assert measure.pk in found
    shot(office, "02-office-searches-the-ledger")

    # branch1, on a phone, reports progress with an evidence file.
    bpage.click(detail_link)
    bpage.wait_for_load_state("networkidle")
    bpage.click("[data-testid=file-report]")
    bpage.fill("#id_work_done", "召开专题组织生活会，逐条对照整改，修订支部工作制度。")
    bpage.fill("#id_problems", "个别党员参会不足。")
    bpage.fill("#id_next_steps", "月底前完成补课并巩固成果。")
    bpage.fill("#id_progress", "100")
    bpage.set_input_files(
        "input[name=files]",
        files=[{"name": "支部工作制度.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    bpage.fill("input[name=description_0]", "修订后的支部工作制度")
    shot(branch, "03-branch1-report-form")
    bpage.click("[data-testid=submit-report]")
    bpage.wait_for_load_state("networkidle")
    assert bpage.locator("[data-testid=evidence-item]").count() >= 1

    # ... and asks for close-out.
    bpage.fill("[data-testid=close-summary]", "制度已修订印发，组织生活会已规范召开。")
    bpage.click("[data-testid=request-close]")
    bpage.wait_for_load_state("networkidle")
    assert _state(bpage) == "pending_review"
    assert bpage.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(branch, "04-branch1-requested-close-out")

    # liaison1 finds it in the review queue and returns it with a reason.
    liaison = session_factory(**DESKTOP)
    lpage = liaison.login("liaison1")
    lpage.click("nav a[href='/reporting/liaison/']")
    row = lpage.locator(f"[data-testid=queue-row][data-measure='{measure.pk}']")
    assert row.count() == 1
    shot(liaison, "05-liaison1-queue")
    row.locator("[data-testid=open-review]").click()
    lpage.fill("[data-testid=decision-reason]", REASON)
    lpage.click("[data-testid=return]")
    lpage.wait_for_load_state("networkidle")
    assert _state(lpage) == "in_progress"
    shot(liaison, "06-liaison1-returned")

    # branch1 sees 被退回 and the reason on its home page at once, without any reminder run.
    _go_home(bpage)
    item = bpage.locator(detail_link).first
    assert item.is_visible(), "the returned measure is listed on branch1's home page"
    home = bpage.locator("body").inner_text()
    assert "被退回" in home, "the home page marks the returned measure 被退回"
    assert REASON in home, "the home page shows the reason it was returned for"
    shot(branch, "07-branch1-home-shows-returned")

    # branch1 opens it from there, sees the reason and asks again.
    item.click()
    bpage.wait_for_load_state("networkidle")
    assert REASON in bpage.locator("[data-testid=return-reason]").first.inner_text()
    bpage.fill("[data-testid=close-summary]", "已补充支部会议记录。")
    bpage.click("[data-testid=request-close]")
    bpage.wait_for_load_state("networkidle")
    assert _state(bpage) == "pending_review"
    shot(branch, "08-branch1-asked-again")

    # liaison1 approves.
    lpage.click("nav a[href='/reporting/liaison/']")
    lpage.locator(
        f"[data-testid=queue-row][data-measure='{measure.pk}'] [data-testid=open-review]"
    ).click()
    lpage.click("[data-testid=approve]")
    lpage.wait_for_load_state("networkidle")
    assert _state(lpage) == "pending_close"
    shot(liaison, "09-liaison1-approved")

    # The office closes it out (销号) from its queue.
    opage.click("nav a[href='/reporting/queue/']")
    opage.wait_for_load_state("networkidle")
    shot(office, "10-office-queue")
    opage.locator(
        f"[data-testid=queue-row][data-measure='{measure.pk}'] [data-testid=open-review]"
    ).click()
    opage.click("[data-testid=approve]")
    opage.wait_for_load_state("networkidle")
    assert _state(opage) == "closed"
    shot(office, "11-office-closed")

    # branch1's home page no longer says 被退回 for it.
    _go_home(bpage)
    row_text = " ".join(t for t in bpage.locator(f"li:has({detail_link})").all_inner_texts() if t)
    assert "被退回" not in row_text
    shot(branch, "12-branch1-home-after-close-out")

    final = Measure.objects.get(pk=measure.pk)
    assert final.state == "closed"
    for s in (office, branch, liaison):
        assert s.foreign_requests() == []

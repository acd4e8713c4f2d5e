"""The close-out path in a real browser, as the demo people walk it.

branch1 reports and asks for close-out with a PDF; liaison1 returns it with a reason; branch1
sees the reason, adds evidence and asks again; liaison1 approves; the office closes it out
(已销号); a look-back rated 差 reopens it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.browser

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
# The minutes are another document than the rules: identical content is kept only once.
MINUTES = PDF + b"% minutes of the branch meeting\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def private_storage(settings: Any, tmp_path: Path) -> Path:
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    return settings.PRIVATE_STORAGE_ROOT


def _measure() -> Any:
    from ledger.models import Measure

    m = (
        Measure.objects.filter(
            lead_unit__name="航空运输系党支部", state="in_progress", deadline_kind="by_date"
        )
        .order_by("id")
        .first()
    )
    assert m is not None, "the demo has an in-progress measure of branch 1"
    return m


def _state(page: Any) -> str:
    return page.locator("h1 [data-state]").first.get_attribute("data-state")


def test_the_close_out_path_from_report_to_relapse(
    session_factory: Any, private_storage: Path
) -> None:
    measure = _measure()
    detail = reverse("ledger:measure_detail", args=[measure.pk])

    # branch1 files a progress report with a PDF, then asks for close-out.
    unit = session_factory()
    page = unit.login("branch1")
    page.goto(detail)
    page.click("[data-testid=file-report]")
    page.fill("#id_work_done", "召开专题组织生活会，逐条对照整改，修订支部工作制度。")
    page.fill("#id_problems", "个别党员参会不足。")
    page.fill("#id_next_steps", "月底前完成补课并巩固成果。")
    page.fill("#id_progress", "100")
    page.set_input_files(
        "input[name=files]",
        files=[{"name": "支部工作制度.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.fill("input[name=description_0]", "修订后的支部工作制度")
    unit.screenshot("reporting-01-branch1-report-form")
    page.click("[data-testid=submit-report]")
    page.wait_for_url(f"**{detail}*")
    assert page.locator("[data-testid=evidence-item]").count() == 1
    page.fill("[data-testid=close-summary]", "制度已修订印发，组织生活会已规范召开。")
    page.click("[data-testid=request-close]")
    page.wait_for_load_state("networkidle")
    assert _state(page) == "pending_review"
    unit.screenshot("reporting-02-branch1-requested")

    # liaison1 finds it in the review queue and returns it with a reason.
    liaison = session_factory()
    lpage = liaison.login("liaison1")
    lpage.click(f"nav a[href='{reverse('reporting:liaison_queue')}']")
    row = lpage.locator(f"[data-testid=queue-row][data-measure='{measure.pk}']")
    assert row.count() == 1
    liaison.screenshot("reporting-03-liaison-queue")
    row.locator("[data-testid=open-review]").click()
    lpage.fill("[data-testid=decision-reason]", "缺少支部会议记录，请补充后再申请。")
    lpage.click("[data-testid=return]")
    lpage.wait_for_load_state("networkidle")
    assert _state(lpage) == "in_progress"

    # branch1 sees the reason, adds the minutes and asks again.
    page.goto(detail)
    reason = page.locator("[data-testid=return-reason]")
    assert "缺少支部会议记录" in reason.inner_text()
    unit.screenshot("reporting-04-branch1-sees-reason")
    page.click("[data-testid=upload-evidence]")
    page.set_input_files(
        "input[name=files]",
        files=[
            {"name": "支部会议记录.pdf", "mimeType": "application/pdf", "buffer": MINUTES},
            {"name": "会议照片.png", "mimeType": "image/png", "buffer": PNG},
        ],
    )
    page.fill("input[name=description_0]", "3月18日支部会议记录")
    page.click("[data-testid=submit-evidence]")
    page.wait_for_url(f"**{detail}*")
    assert page.locator("[data-testid=evidence-item]").count() == 3
    page.fill("[data-testid=close-summary]", "已补充支部会议记录。")
    page.click("[data-testid=request-close]")
    page.wait_for_load_state("networkidle")
    assert _state(page) == "pending_review"

    # liaison1 approves.
    lpage.goto(reverse("reporting:liaison_queue"))
    lpage.locator(
        f"[data-testid=queue-row][data-measure='{measure.pk}'] [data-testid=open-review]"
    ).click()
    lpage.click("[data-testid=approve]")
    lpage.wait_for_load_state("networkidle")
    assert _state(lpage) == "pending_close"
    liaison.screenshot("reporting-05-liaison-approved")

    # The office closes it out from its queue.
    office = session_factory()
    opage = office.login("office")
    opage.click(f"nav a[href='{reverse('reporting:queue')}']")
    office.screenshot("reporting-06-office-queue")
    opage.locator(
        f"[data-testid=queue-row][data-measure='{measure.pk}'] [data-testid=open-review]"
    ).click()
    opage.locator("[data-testid=evidence-preview] summary").first.click()
    opage.click("[data-testid=approve]")
    opage.wait_for_load_state("networkidle")
    assert _state(opage) == "closed"
    office.screenshot("reporting-07-office-closed")
    opage.goto(reverse("ledger:ledger") + f"?q={measure.content[:8]}")
    assert opage.locator("[data-state=closed]").count() >= 1

    # A look-back rated 差 reopens it as a relapse.
    opage.goto(detail)
    opage.click("[data-testid=schedule-lookback]")
    opage.select_option("#id_when", "date")
    opage.fill("#id_planned_date", timezone.localdate().isoformat())
    opage.click("[data-testid=schedule-submit]")
    opage.wait_for_url(f"**{detail}*")
    opage.click("[data-testid=record-lookback]")
    opage.check("input[name=rating][value=poor]")
    opage.fill("#id_notes", "回头看发现组织生活会又出现不规范问题。")
    opage.fill("#id_new_due_date", (timezone.localdate() + dt.timedelta(days=30)).isoformat())
    office.screenshot("reporting-08-lookback-form")
    opage.click("[data-testid=record-submit]")
    opage.wait_for_url(f"**{detail}*")
    assert _state(opage) == "in_progress"
    office.screenshot("reporting-09-relapse-reopened")

    from ledger.models import Measure

    final = Measure.objects.get(pk=measure.pk)
    assert final.state == "in_progress" and final.relapse_count == measure.relapse_count + 1
    for s in (unit, liaison, office):
        assert s.foreign_requests() == []


def test_the_report_and_upload_forms_fit_a_phone(
    session_factory: Any, private_storage: Path
) -> None:
    measure = _measure()
    phone = session_factory(width=375, height=812)
    page = phone.login("branch1")
    page.goto(reverse("reporting:report_create", args=[measure.pk]))
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.get_attribute("input[name=photos]", "capture") == "environment"
    assert "image/*" in page.get_attribute("input[name=files]", "accept")
    phone.screenshot("reporting-10-phone-report-form")
    page.goto(reverse("reporting:evidence_upload", args=[measure.pk]))
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": PNG}],
    )
    assert page.locator("input[name=description_0]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot("reporting-11-phone-upload")
    page.click("[data-testid=submit-evidence]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=evidence-item]").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot("reporting-12-phone-measure")

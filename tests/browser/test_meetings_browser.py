"""A joint meeting in a real browser: the office prepares it with three branches' parts
pre-filled, a branch edits its part at phone width, the office records the minutes with two
requirements, turns one into measures for two units and finds them in the ledger linked to the
meeting; the meeting pack and the minutes open as Word files (converted to PDF and rendered)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import OUTPUT

pytestmark = pytest.mark.browser

BRANCHES = ("航空运输系党支部", "航空乘务系党支部", "空港管理系党支部")
TITLE = "党建工作专班联席会议（浏览器测试）"
MEASURE = "按整改计划抓紧推进理论学习任务（会议要求一）"


def _tom_select(page: Any, selector: str, value: str) -> None:
    """Choose in a select that Tom Select has enhanced, as a click in its list would."""
    page.eval_on_selector(
        selector,
        "(el, v) => { if (el.tomselect) { el.tomselect.setValue(v); } else { el.value = v; } }",
        value,
    )


def _render(download: Any, name: str, tmp_path: Path) -> str:
    """Save the Word file, convert it to PDF with LibreOffice, render page 1 to PNG into the
    test output, and return the PDF's text."""
    docx = tmp_path / f"{name}.docx"
    download.save_as(str(docx))
    assert docx.read_bytes()[:2] == b"PK"
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            shutil.which("libreoffice") or "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / f"{name}.pdf"
    assert pdf.exists() and pdf.stat().st_size > 1000
    OUTPUT.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(OUTPUT / name)],
        check=True,
        timeout=120,
    )
    assert list(OUTPUT.glob(f"{name}*.png"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=60
    ).stdout.decode()
    return re.sub(r"\s+", "", text)


def _branches_report_this_cycle() -> None:
    """Each branch has saved its unit report (单位汇报) of the current cycle."""
    from django.contrib.auth import get_user_model

    from ledger.models import Inspection
    from organization.models import Unit
    from reporting.services import UnitReportData, unit_report_save

    inspection = Inspection.objects.order_by("-feedback_date").first()
    for name in BRANCHES:
        unit = Unit.objects.get(name=name)
        unit_report_save(
            by=get_user_model().objects.get(pk=unit.party_secretary.user_id),
            unit=unit,
            inspection=inspection,
            data=UnitReportData(f"{name}本周召开整改推进会", "时间紧、任务重", "细化整改措施"),
            expected_version=None,
        )


def test_a_joint_meeting_from_preparation_to_measures_and_documents(
    session_factory: Any, tmp_path: Path
) -> None:
    _branches_report_this_cycle()
    office = session_factory()
    page = office.login("office")

    # The office calls the meeting: the rendered form with its defaults, plus what it names.
    page.goto("/meetings/")
    page.click("[data-testid=new-meeting]")
    page.fill("#id_title", TITLE)
    page.fill("#id_place", "徐汇校区1号楼1205会议室")
    page.locator("input[name=task_forces]").first.check()
    page.fill("#id_agenda", "各支部汇报整改情况\n总结讲话")
    page.click("[data-testid=save-meeting]")
    page.wait_for_selector("[data-testid=prepare-form]")

    # Three branches report: their parts are pre-filled with their figures.
    page.click("[data-testid=pick-none]")
    for name in BRANCHES:
        page.locator("label.unit-choice", has_text=name).locator("input").check()
    office.screenshot("meetings-prepare")
    page.click("[data-testid=save-units]")
    page.wait_for_selector("[data-testid=parts]")
    rows = page.locator("[data-testid=part-row]")
    assert rows.count() == 3
    assert {rows.nth(i).get_attribute("data-unit") for i in range(3)} == set(BRANCHES)
    assert page.locator("[data-testid=part-row] [data-testid=part-figures]").count() == 3
    for i in range(3):
        unit = rows.nth(i).get_attribute("data-unit")
        assert f"{unit}本周召开整改推进会" in rows.nth(i).inner_text()
    meeting_url = page.url.split("#")[0]
    office.screenshot("meetings-detail-prepared")

    # The branch secretary edits its part from a phone.
    phone = session_factory(width=390, height=844)
    bpage = phone.login("branch1")
    bpage.goto("/meetings/")
    bpage.get_by_role("link", name=TITLE).click()
    bpage.click("[data-testid=edit-part]")
    bpage.wait_for_selector("[data-testid=part-form]")
    assert bpage.locator("[data-testid=part-figures]").is_visible()
    assert bpage.input_value("#id_work_done") == f"{BRANCHES[0]}本周召开整改推进会"
    assert bpage.input_value("#id_problems") == "时间紧、任务重"
    bpage.fill("#id_work_done", "寒假以来召开整改工作汇报会，明确责任人，细化整改措施。")
    bpage.fill("#id_next_steps", "3月底前完成组织生活会。")
    phone.screenshot("meetings-part-phone")
    width = bpage.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the part page scrolls sideways at phone width ({width}px)"
    bpage.click("[data-testid=submit-part]")
    bpage.wait_for_selector("[data-testid=part-status]")
    assert "已提交" in bpage.locator("[data-testid=part-status]").inner_text()
    phone.screenshot("meetings-part-phone-submitted")
    assert not phone.foreign_requests()

    # The office records attendance (one leave, with its reason) and the minutes.
    page.goto(meeting_url)
    page.click("[data-testid=record-attendance]")
    first_choice = page.locator("select[name^=attendance_]").first
    first_choice.select_option("leave")
    reason = first_choice.get_attribute("name").replace("attendance_", "reason_")
    page.fill(f"input[name={reason}]", "外出参加培训")
    page.click("[data-testid=save-attendance]")
    page.wait_for_selector("[data-testid=edit-minutes]")
    assert "已召开" in page.locator("[data-testid=meeting-state]").inner_text()
    page.click("[data-testid=edit-minutes]")
    page.fill("#id_summary", "两个工作专班思想上高度重视，行动上积极落实。")
    page.fill("#id_requirements", "一要关注时限，保证质量。\n二要注重实效，推进发展。")
    page.click("[data-testid=save-minutes]")
    page.wait_for_selector("[data-testid=requirement]")
    assert page.locator("[data-testid=requirement]").count() == 2

    # Requirement 1 becomes measures for two units, grouped.
    page.locator("[data-testid=requirement]").first.locator("[data-testid=make-measures]").click()
    page.wait_for_selector("[data-testid=requirement-measures-form]")
    finding = page.eval_on_selector("#id_finding", "el => el.options[1].value")
    _tom_select(page, "#id_finding", finding)
    page.fill("#id_content", MEASURE)
    for name in BRANCHES[:2]:
        page.locator("label.unit-choice", has_text=name).locator("input").check()
    office.screenshot("meetings-requirement-measures")
    page.click("[data-testid=create-measures]")
    page.wait_for_selector("[data-testid=outcomes]")
    assert page.locator("[data-testid=outcome]").count() == 2
    office.screenshot("meetings-detail-outcomes")

    # In the ledger: both measures, each naming the meeting it was born of.
    page.goto("/ledger/?q=" + MEASURE)
    page.wait_for_load_state("networkidle")
    ledger_text = page.locator("main").inner_text()
    assert ledger_text.count(MEASURE[:12]) >= 2
    page.locator("a", has_text=MEASURE[:8]).first.click()
    page.wait_for_selector("[data-testid=measure-origin]")
    assert TITLE in page.locator("[data-testid=measure-origin]").inner_text()
    office.screenshot("meetings-measure-origin")
    page.click("[data-testid=origin-link]")
    page.wait_for_selector("[data-testid=meeting-title]")
    assert TITLE in page.locator("[data-testid=meeting-title]").inner_text()

    # The pack and the minutes open as Word files.
    with page.expect_download() as info:
        page.click("[data-testid=pack-docx]")
    pack = _render(info.value, "meetings-pack", tmp_path)
    assert "会议材料" in pack and all(name in pack for name in BRANCHES)
    assert "寒假以来召开整改工作汇报会" in pack
    with page.expect_download() as info:
        page.click("[data-testid=minutes-docx]")
    minutes = _render(info.value, "meetings-minutes", tmp_path)
    assert "纪要" in minutes and "一要关注时限" in minutes and "外出参加培训" in minutes
    assert not office.foreign_requests()


def test_the_meeting_pack_limited_to_one_campaign_downloads_through_the_page(
    session_factory: Any, tmp_path: Path
) -> None:
    """The demo's joint meeting carries 党史学习教育: the office picks it in the pack's campaign
    select, and the figures and the pack count and list only that campaign's measures."""
    import io

    from openpyxl import load_workbook

    from demo.ledger_demo import TAG_PARTY_HISTORY
    from demo.meetings_demo import TITLE as DEMO_MEETING
    from meetings.models import Meeting

    meeting = Meeting.objects.get(title=DEMO_MEETING)
    office = session_factory()
    page = office.login("office")
    page.goto(f"/meetings/{meeting.pk}/")
    page.wait_for_selector("[data-testid=pack-campaign]")
    campaigns = page.locator("[data-testid=meeting-campaigns]").inner_text()
    assert TAG_PARTY_HISTORY in campaigns
    page.select_option("[data-testid=pack-campaign]", label=TAG_PARTY_HISTORY)
    office.screenshot("meetings-pack-campaign")
    with page.expect_download() as info:
        page.click("[data-testid=pack-xlsx]")
    xlsx = tmp_path / "figures.xlsx"
    info.value.save_as(str(xlsx))
    book = load_workbook(io.BytesIO(xlsx.read_bytes()))
    assert TAG_PARTY_HISTORY in str(book.worksheets[0]["C2"].value)
    assert len(book.worksheets) == 2 and book.worksheets[1].max_row > 1
    with page.expect_download() as info:
        page.click("[data-testid=pack-docx]")
    pack = _render(info.value, "meetings-pack-campaign", tmp_path)
    assert TAG_PARTY_HISTORY in pack and "会议材料" in pack
    assert not office.foreign_requests()

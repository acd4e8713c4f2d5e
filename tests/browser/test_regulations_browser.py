"""The 建章立制 register through its real forms: the office registers a rule and uploads a
Word draft, a consulted department answers on a phone (390 px), the lead replies, the rule is
deliberated and issued, and the compendium (制度汇编) downloads as Word."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

pytestmark = pytest.mark.browser

TITLE = "关于建立跨部门会商研讨机制的办法（测试）"


@pytest.fixture(autouse=True)
def no_lockouts(transactional_db: Any) -> Any:
    from axes.utils import reset

    reset()
    yield
    reset()


def _draft(tmp_path: Path, name: str, *paragraphs: str) -> Path:
    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    path = tmp_path / name
    document.save(path)
    return path


def test_a_rule_goes_from_draft_to_compendium_in_the_browser(
    session_factory: Any, tmp_path: Path, settings: Any
) -> None:
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    today = timezone.localdate().isoformat()
    office = session_factory()
    page = office.login("office")
    page.click("a.nav-link:has-text('制度建设')")
    page.click("[data-testid=new-rule]")
    page.select_option("#id_inspection", index=1)
    page.fill("#id_title", TITLE)
    page.select_option("#id_kind", "measures")
    page.select_option("#id_lead_unit", label="党委办公室")
    page.select_option("#id_consulted_units", label=["人事处"])
    page.click("button[type=submit]:has-text('保存')")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().strip().endswith(TITLE)
    rule_url = page.url

    page.click("[data-testid=upload-draft]")
    page.set_input_files("#id_file", str(_draft(tmp_path, "征求意见稿.docx", "第一条 会商。")))
    page.fill("#id_note", "初稿")
    page.click("button[type=submit]:has-text('上传')")
    page.wait_for_load_state("networkidle")
    page.click("[data-testid=start-consultation]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=stage]").inner_text().strip() == "会商"
    office.screenshot("regulations-office-consulting")

    phone = session_factory(width=390, height=844)
    dept = phone.login("dept2")
    dept.goto(rule_url)
    dept.click("[data-testid=answer-opinion]")
    dept.check("input[name=stance][value=comments]")
    dept.fill("#id_comments", "建议明确反馈时限。")
    phone.screenshot("regulations-opinion-phone")
    width = dept.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    dept.click("button[type=submit]:has-text('提交意见')")
    dept.wait_for_load_state("networkidle")
    assert "建议明确反馈时限" in dept.locator("[data-testid=round-1]").inner_text()
    phone.screenshot("regulations-detail-phone")

    page.goto(rule_url)
    page.click("[data-testid=reply-link]")
    page.select_option("#id_decision", "adopted")
    page.click("button[type=submit]:has-text('提交回复')")
    page.wait_for_load_state("networkidle")
    page.click("[data-testid=submit-deliberation]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=stage]").inner_text().strip() == "审议"

    page.click("[data-testid=deliberate]")
    page.fill("#id_meeting", "巡视整改工作领导小组会议")
    page.fill("#id_deliberated_on", today)
    page.click("[data-testid=stage-submit]")
    page.wait_for_load_state("networkidle")
    page.click("[data-testid=issue]")
    page.fill("#id_issue_number", "院党委发〔2021〕8号")
    page.fill("#id_issued_on", today)
    page.set_input_files("#id_file", str(_draft(tmp_path, "印发稿.docx", "第一条 正式文本。")))
    page.click("[data-testid=stage-submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=stage]").inner_text().strip() == "评估"
    assert page.locator("[data-testid=history] li").count() == 9
    office.screenshot("regulations-office-issued")

    page.click("[data-testid=evaluate]")
    page.fill("#id_evaluated_on", today)
    for key in ("executable", "supervisable", "checkable", "accountable"):
        page.check(f"#id_{key}")
    page.fill("#id_accountable_note", "明确了问责情形。")
    office.screenshot("regulations-evaluation-form")
    page.click("[data-testid=stage-submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=stage]").inner_text().strip() == "已评估"

    page.click("a.nav-link:has-text('制度建设')")
    with page.expect_download() as download:
        page.locator("[data-testid=compendium]").first.click()
    data = Path(download.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert TITLE in xml and "院党委发〔2021〕8号" in xml and "目录" in xml
    office.screenshot("regulations-register")
    assert office.foreign_requests() == [] and phone.foreign_requests() == []
